// Sweep outputs: row rendering, the append-only row files, resume, sweep.json and pareto.csv.
#include "sim/sweep/sweep_output.hpp"

#include "core/atomic_file.hpp"
#include "core/input_limits.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace cascadesim::sim::sweep {

namespace fs = std::filesystem;

namespace {

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escape;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_csv_cell(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string csv_cell(std::string_view text) {
  std::string out;
  append_csv_cell(out, text);
  return out;
}

std::string_view status_word(PointStatus s) {
  switch (s) {
    case PointStatus::ok:
      return "ok";
    case PointStatus::invalid:
      return "invalid";
    case PointStatus::excluded:
      break;
  }
  return "excluded";
}

}  // namespace

void split_csv(std::string_view line, std::vector<std::string>& cells) {
  cells.clear();
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.push_back(std::move(cell));
      cell.clear();
    } else {
      cell += c;
    }
  }
  cells.push_back(std::move(cell));
}

RowFormatter::RowFormatter(const SweepSpec& spec) {
  csv_header_ = "index";
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    for (const Column& c : spec.axes[a].columns) {
      csv_header_ += ',';
      append_csv_cell(csv_header_, c.parameter.path);
      ColumnText t{a, {}, {}};
      std::string key = ",";
      append_json_string(key, c.parameter.path);
      key += ':';
      // Numbers, booleans and document overrides (their JSON text) go into the JSON line as they are.
      const bool literal = c.parameter.numeric() || c.parameter.type == ValueType::boolean || c.parameter.by_document();
      for (std::size_t i = 0; i < c.texts.size(); ++i) {
        const std::string& text = c.texts[i];
        t.csv.push_back(csv_cell(text));
        std::string json = key;
        if (literal && !(c.parameter.by_document() && c.documents[i].is_string()))
          json += text;
        else
          append_json_string(json, text);
        t.json.push_back(std::move(json));
      }
      columns_.push_back(std::move(t));
    }
  }
  status_cell_ = 1 + columns_.size();
  csv_header_ += ",status";
  for (Objective o : spec.objectives) {
    csv_header_ += ',';
    csv_header_ += info(o).name;
    std::string key = ",";
    append_json_string(key, info(o).name);
    objective_keys_.push_back(key + ':');
  }
  csv_header_ += ",backend\n";
  const std::string_view backend = to_string(spec.backend);
  csv_backend_ = "," + std::string(backend) + "\n";
  json_backend_ = ",\"backend\":\"" + std::string(backend) + "\"}\n";
}

void RowFormatter::append(std::uint64_t index, std::span<const std::size_t> digits, const PointResult& result,
                          std::string& csv, std::string& jsonl) const {
  jsonl += "{\"index\":";
  const std::size_t index_at = csv.size();
  append_integer(csv, static_cast<std::int64_t>(index));
  jsonl.append(csv, index_at, std::string::npos);
  for (const ColumnText& c : columns_) {
    csv += ',';
    csv += c.csv[digits[c.axis]];
    jsonl += c.json[digits[c.axis]];
  }
  const bool ok = result.status == PointStatus::ok;
  if (ok) {
    csv += ",ok";
    jsonl += ",\"status\":\"ok\"";
  } else {
    std::string status(status_word(result.status));
    status += ": ";
    for (char c : result.reason) status += c == '\n' || c == '\r' ? ' ' : c;
    csv += ',';
    append_csv_cell(csv, status);
    jsonl += ",\"status\":";
    append_json_string(jsonl, status);
  }
  for (std::size_t i = 0; i < objective_keys_.size(); ++i) {
    csv += ',';
    jsonl += objective_keys_[i];
    if (!ok) {
      jsonl += "null";
      continue;
    }
    const std::size_t at = csv.size();
    append_number(csv, result.objectives[i]);
    jsonl.append(csv, at, std::string::npos);
  }
  csv += csv_backend_;
  jsonl += json_backend_;
}

bool RowFormatter::read_objectives(std::string_view csv_line, std::vector<double>& objectives) const {
  thread_local std::vector<std::string> cells;
  split_csv(csv_line, cells);
  if (cells.size() != status_cell_ + objective_keys_.size() + 2 || cells[status_cell_] != "ok") return false;
  objectives.resize(objective_keys_.size());
  for (std::size_t i = 0; i < objectives.size(); ++i) {
    const std::string& cell = cells[status_cell_ + 1 + i];
    const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), objectives[i]);
    if (ec != std::errc() || end != cell.data() + cell.size()) return false;
  }
  return true;
}

namespace {

struct LineScan {
  std::uint64_t lines = 0;       // complete lines ('\n'-terminated) counted
  std::uint64_t end = 0;         // offset just after the last counted line
  std::uint64_t last_start = 0;  // offset where the last counted line starts
};

// Counts complete lines from the start of the file, stopping after max_lines.
LineScan scan_lines(int fd, const std::string& path, std::uint64_t max_lines) {
  LineScan scan;
  std::vector<char> buffer(std::size_t{1} << 20);
  std::uint64_t offset = 0;
  while (scan.lines < max_lines) {
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw core::ConfigError({{path, "", std::string("cannot read: ") + std::strerror(errno)}});
    if (n == 0) break;
    for (ssize_t i = 0; i < n && scan.lines < max_lines; ++i) {
      if (buffer[static_cast<std::size_t>(i)] != '\n') continue;
      scan.last_start = scan.end;
      scan.end = offset + static_cast<std::uint64_t>(i) + 1;
      ++scan.lines;
    }
    offset += static_cast<std::uint64_t>(n);
  }
  return scan;
}

// The line at offset, cut after core::max_line_bytes (a longer line matches nothing a sweep wrote).
std::string read_line_at(int fd, std::uint64_t offset) {
  std::string line;
  char buffer[4096];
  while (line.size() <= core::max_line_bytes) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(offset + line.size()));
    if (n <= 0) return line;
    const std::string_view chunk(buffer, static_cast<std::size_t>(n));
    const auto newline = chunk.find('\n');
    line.append(chunk.substr(0, newline));
    if (newline != std::string_view::npos) return line;
  }
  return line;
}

// The point index a row starts with (after prefix), or -1.
std::int64_t leading_index(std::string_view line, std::string_view prefix) {
  if (line.substr(0, prefix.size()) != prefix) return -1;
  std::int64_t index = -1;
  std::from_chars(line.data() + prefix.size(), line.data() + line.size(), index);
  return index;
}

int open_file(const std::string& path, int flags) {
  // O_NOFOLLOW: rows are never appended through a link planted under a row file's name.
  const int fd = ::open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw core::ConfigError({{path, "", std::string("cannot open for writing: ") + std::strerror(errno)}});
  return fd;
}

void truncate_to(int fd, const std::string& path, std::uint64_t size) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
    throw core::ConfigError({{path, "", std::string("cannot truncate: ") + std::strerror(errno)}});
}

bool non_empty(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && fs::file_size(path, ec) > 0;
}

}  // namespace

SweepOutput::SweepOutput(const SweepSpec& spec, const RowFormatter& rows, const std::string& dir, bool resume)
    : spec_(spec),
      rows_(rows),
      dir_(dir),
      csv_path_((fs::path(dir) / "points.csv").string()),
      jsonl_path_((fs::path(dir) / "points.jsonl").string()),
      meta_path_((fs::path(dir) / "sweep.json").string()) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw core::ConfigError(
        {{dir, "", "cannot create the output folder" + (ec ? ": " + ec.message() : std::string())}});
  lock_.emplace(dir);
  if (!resume) {
    if (non_empty(csv_path_))
      throw core::ConfigError(
          {{csv_path_, "",
            "already holds the rows of a sweep: pass --resume to continue it, or choose another --out"}});
    open_fresh();
    return;
  }
  if (!fs::exists(meta_path_)) {
    if (non_empty(csv_path_))
      throw core::ConfigError({{meta_path_, "", "missing, so the rows in points.csv cannot be matched to this sweep"}});
    open_fresh();
    return;
  }
  core::ConfigErrors errors;
  const std::optional<core::Json> meta = core::load_json_file(meta_path_, errors);
  errors.throw_if_any();
  const auto hash = meta->is_object() ? meta->find("hash") : meta->end();
  if (!meta->is_object() || hash == meta->end() || !hash->is_string())
    throw core::ConfigError({{meta_path_, "/hash", "missing: not the record of a cascadesim sweep"}});
  if (hash->get<std::string>() != spec.hash) {
    std::string other = hash->get<std::string>();
    if (const auto s = meta->find("sweep"); s != meta->end() && s->is_object())
      if (const auto name = s->find("name"); name != s->end() && name->is_string())
        other = "'" + name->get<std::string>() + "', " + other;
    throw core::ConfigError({{meta_path_, "/hash",
                              "belongs to another sweep (" + other + "), not to " + spec.file + " ('" + spec.name +
                                  "', " + spec.hash + "): resume it with its own spec, or choose another --out"}});
  }
  open_resumed();
}

SweepOutput::~SweepOutput() {
  if (csv_fd_ >= 0) ::close(csv_fd_);
  if (jsonl_fd_ >= 0) ::close(jsonl_fd_);
}

void SweepOutput::open_fresh() {
  const core::Json meta = {{"schema_version", sweep_schema_version},
                           {"spec_file", spec_.file},
                           {"hash", spec_.hash},
                           {"sweep", spec_.resolved}};
  core::write_file_atomically(meta_path_, meta.dump(2) + "\n");
  csv_fd_ = open_file(csv_path_, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
  jsonl_fd_ = open_file(jsonl_path_, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
  append_csv_lines(rows_.csv_header());
  rows_at_start_ = 0;
}

void SweepOutput::open_resumed() {
  csv_fd_ = open_file(csv_path_, O_RDWR | O_CREAT | O_APPEND);
  jsonl_fd_ = open_file(jsonl_path_, O_RDWR | O_CREAT | O_APPEND);
  const std::uint64_t all = ~std::uint64_t{0};
  const LineScan csv = scan_lines(csv_fd_, csv_path_, all);
  const LineScan jsonl = scan_lines(jsonl_fd_, jsonl_path_, all);
  if (csv.lines == 0) {
    // Not even a whole header: start both files again.
    truncate_to(csv_fd_, csv_path_, 0);
    truncate_to(jsonl_fd_, jsonl_path_, 0);
    append_csv_lines(rows_.csv_header());
    return;
  }
  const std::string& header = rows_.csv_header();
  if (read_line_at(csv_fd_, 0) != std::string_view(header).substr(0, header.size() - 1))
    throw core::ConfigError({{csv_path_, "", "its header differs from this sweep's columns"}});
  // Rows are written in index order, so the complete rows both files hold are the first `rows` points.
  const std::uint64_t rows = std::min(csv.lines - 1, jsonl.lines);
  const LineScan csv_kept = scan_lines(csv_fd_, csv_path_, rows + 1);
  const LineScan jsonl_kept = scan_lines(jsonl_fd_, jsonl_path_, rows);
  truncate_to(csv_fd_, csv_path_, csv_kept.end);
  truncate_to(jsonl_fd_, jsonl_path_, jsonl_kept.end);
  if (rows > 0) {
    const auto last = static_cast<std::int64_t>(rows - 1);
    if (leading_index(read_line_at(csv_fd_, csv_kept.last_start), "") != last)
      throw core::ConfigError({{csv_path_, "",
                                "row " + std::to_string(rows) + " is not point " + std::to_string(last) +
                                    ": the rows are not this sweep's, in order"}});
    if (leading_index(read_line_at(jsonl_fd_, jsonl_kept.last_start), "{\"index\":") != last)
      throw core::ConfigError({{jsonl_path_, "",
                                "line " + std::to_string(rows) + " is not point " + std::to_string(last) +
                                    ": the rows are not this sweep's, in order"}});
  }
  rows_at_start_ = rows;
}

void SweepOutput::for_each_existing_row(const std::function<void(std::string_view)>& f) const {
  if (rows_at_start_ == 0) return;
  std::ifstream in(csv_path_, std::ios::binary);
  std::string line;
  for (std::uint64_t number = 1; number <= rows_at_start_ + 1; ++number) {
    const core::LineRead read = core::read_line(in, line);
    if (read == core::LineRead::too_long)
      throw core::ConfigError({{csv_path_, "",
                                "line " + std::to_string(number) + ": longer than " +
                                    std::to_string(core::max_line_bytes) + " bytes, which no sweep writes"}});
    if (read == core::LineRead::end) return;
    if (number > 1) f(line);  // line 1 is the header
  }
}

void SweepOutput::append(int fd, const std::string& path, std::string_view line) {
  while (!line.empty()) {
    const ssize_t n = ::write(fd, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw core::OutputError(path + ": cannot write: " + std::strerror(errno));
    line.remove_prefix(static_cast<std::size_t>(n));
  }
}

void SweepOutput::write_pareto(std::span<const std::string_view> rows) const {
  std::string text = rows_.csv_header();
  for (std::string_view r : rows) {
    text += r;
    text += '\n';
  }
  core::write_file_atomically((fs::path(dir_) / "pareto.csv").string(), text);
}

}  // namespace cascadesim::sim::sweep
