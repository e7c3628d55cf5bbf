// A sweep's folder: sweep.json (the spec as loaded, its hash), points.csv and points.jsonl (a row per point in
// index order: index, each axis path's value, status, each objective, backend), and pareto.csv at the end. Whole
// lines are appended by one write() to files opened O_APPEND: a kill -9 leaves at most a torn last line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/folder_lock.hpp"
#include "sim/sweep/sweep_evaluate.hpp"
#include "sim/sweep/sweep_spec.hpp"

namespace cascadesim::sim::sweep {

// Splits a CSV line the formatter wrote (RFC 4180 quoting, no line breaks inside cells) into cells.
void split_csv(std::string_view line, std::vector<std::string>& cells);

// Renders rows as CSV (RFC 4180 quoting) and JSON Lines, and reads a CSV row's objectives back.
class RowFormatter {
 public:
  explicit RowFormatter(const SweepSpec& spec);

  const std::string& csv_header() const { return csv_header_; }  // ends in '\n'

  // Appends the point's CSV line and JSON line, each ending in '\n'. Invalid and excluded points have empty
  // CSV cells and JSON nulls for their objectives. Contract: digits are the point's (PointSpace::digits).
  void append(std::uint64_t index, std::span<const std::size_t> digits, const PointResult& result, std::string& csv,
              std::string& jsonl) const;

  // The objectives of a CSV row this formatter wrote, when its status is "ok"; false otherwise.
  bool read_objectives(std::string_view csv_line, std::vector<double>& objectives) const;

 private:
  struct ColumnText {
    std::size_t axis;
    std::vector<std::string> csv;   // each value as a CSV cell
    std::vector<std::string> json;  // ",\"<path>\":<value>" for each value
  };
  std::vector<ColumnText> columns_;
  std::vector<std::string> objective_keys_;  // ",\"<name>\":"
  std::string csv_backend_, json_backend_;   // ",<backend>\n" and ",\"backend\":\"<backend>\"}\n"
  std::string csv_header_;
  std::size_t status_cell_ = 0;  // index of the status cell in a CSV row
};

// The folder's files. Throws ConfigError for a folder that cannot be used (another sweep's, rows without
// --resume, unreadable), OutputError (exit 2) when another process is writing the folder (core::FolderLock) or
// writing fails, e.g. on a full disk.
class SweepOutput {
 public:
  // Fresh (resume false): creates dir, refuses an existing non-empty points.csv, writes sweep.json and the CSV
  // header. Resume: refuses a sweep.json of another sweep (different hash), drops a torn last line of both
  // outputs, and truncates the longer to the rows both hold; without a sweep.json it starts fresh.
  SweepOutput(const SweepSpec& spec, const RowFormatter& rows, const std::string& dir, bool resume);
  ~SweepOutput();
  SweepOutput(const SweepOutput&) = delete;
  SweepOutput& operator=(const SweepOutput&) = delete;

  // Complete rows in both files when opened: the first point index still to evaluate.
  std::uint64_t rows_at_start() const { return rows_at_start_; }

  // Calls f with each complete CSV row (without its '\n') present when opened, in order.
  void for_each_existing_row(const std::function<void(std::string_view)>& f) const;

  // Appends whole lines (each ending in '\n') with one write(), so an interrupted write leaves complete lines
  // and at most one torn line at the end of the file.
  void append_csv_lines(std::string_view lines) { append(csv_fd_, csv_path_, lines); }
  void append_jsonl_lines(std::string_view lines) { append(jsonl_fd_, jsonl_path_, lines); }

  // Writes pareto.csv (the header, then rows) through a temporary file and a rename.
  void write_pareto(std::span<const std::string_view> rows) const;

 private:
  static void append(int fd, const std::string& path, std::string_view line);
  void open_fresh();
  void open_resumed();

  const SweepSpec& spec_;
  const RowFormatter& rows_;
  std::string dir_, csv_path_, jsonl_path_, meta_path_;
  std::optional<core::FolderLock> lock_;  // held from before the folder is read until the sweep ends
  int csv_fd_ = -1, jsonl_fd_ = -1;
  std::uint64_t rows_at_start_ = 0;
};

}  // namespace cascadesim::sim::sweep
