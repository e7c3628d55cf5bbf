// The sweep report over sweeps run in the test: a plot per objective and pair of axes, the Pareto plot against
// pareto.csv, a sweep cut short, the plot limit, and bad folders.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "core/atomic_file.hpp"
#include "core/config_error.hpp"
#include "core/input_limits.hpp"
#include "reports/render/report_document.hpp"
#include "reports/sweep_report.hpp"
#include "sim/sweep/sweep_runner.hpp"
#include "sim/sweep/sweep_spec.hpp"
#include "tests/temp_dir.hpp"

namespace cascadesim::sim::sweep {
namespace {

namespace fs = std::filesystem;
using cascadesim::testing::read_text;
using cascadesim::testing::TempDir;
using reports::CellState;
using reports::Plot;

const fs::path source_dir{CASCADESIM_SOURCE_DIR};

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

std::vector<std::string> lines_in(const fs::path& path) {
  std::istringstream in(read_text(path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Cells of a row without quoted commas (the rows of these sweeps have none).
std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

// Runs the spec into dir on one thread.
void run_into(const SweepSpec& spec, const fs::path& dir) {
  SweepRunOptions options;
  options.out_dir = dir.string();
  options.threads = 1;
  run_sweep(spec, options);
}

// The small shipped sweep: top_k {2, 5, 16} x seq_len {1024, 8192} x schedule {1D+3A+12R, 16D}, objectives time_ms
// and speedup, Pareto: minimize time_ms, maximize speedup.
fs::path small_sweep(const TempDir& dir) {
  const fs::path out = dir.path() / "small";
  run_into(load_sweep_spec((source_dir / "configs/sweeps/kascade-topk-seq-small.json").string()), out);
  return out;
}

SweepReport report_of(const fs::path& dir, std::size_t max_axis_plots = 36) {
  SweepReportOptions options;
  options.sweep_dir = dir.string();
  options.max_axis_plots = max_axis_plots;
  return build_sweep_report(options);
}

std::vector<const Plot*> all_plots(const SweepReport& report) {
  std::vector<const Plot*> plots;
  for (const reports::Section& section : report.document.sections)
    for (const Plot& plot : section.plots) plots.push_back(&plot);
  return plots;
}

const Plot& plot_named(const SweepReport& report, const std::string& id) {
  for (const Plot* plot : all_plots(report))
    if (plot->id == id) return *plot;
  FAIL("no plot " << id);
  throw std::logic_error("unreachable");
}

std::size_t cells_in(const Plot& plot, CellState state) {
  REQUIRE(plot.heat_map);
  return static_cast<std::size_t>(std::count(plot.heat_map->states.begin(), plot.heat_map->states.end(), state));
}

std::string document_text(const SweepReport& report) { return reports::render_markdown(report.document); }

TEST_CASE("the small sweep's report has a heat map per objective and pair of axes, with the invalid points as such") {
  TempDir dir;
  const SweepReport report = report_of(small_sweep(dir));
  CHECK(report.points == 12);
  CHECK(report.rows == 12);
  // top_k 16 exceeds the 1024 / 128 = 8 key tiles of seq_len 1024, for both schedules: 2 invalid points.
  CHECK(report.invalid == 2);
  CHECK(report.ok == 10);
  CHECK(report.excluded == 0);
  CHECK(report.axis_plots == 6);
  CHECK(report.axis_plots_left_out == 0);

  std::vector<std::string> heat_ids;
  for (const Plot* plot : all_plots(report))
    if (plot->heat_map) heat_ids.push_back(plot->id);
  // Every axis has 2 or 3 values: 3 pairs x 2 objectives, all heat maps; numbers along x, the schedule on y.
  CHECK(heat_ids == std::vector<std::string>{
                        "time_ms-workload_top_k-workload_seq_len", "time_ms-workload_top_k-workload_schedule",
                        "time_ms-workload_seq_len-workload_schedule", "speedup-workload_top_k-workload_seq_len",
                        "speedup-workload_top_k-workload_schedule", "speedup-workload_seq_len-workload_schedule"});

  // top_k x seq_len at the base study's schedule 1D+3A+12R: one invalid cell (top_k 16 at 1024 tokens).
  const Plot& by_top_k_seq = plot_named(report, "time_ms-workload_top_k-workload_seq_len");
  CHECK(by_top_k_seq.heat_map->x.names == std::vector<std::string>{"2", "5", "16"});
  CHECK(by_top_k_seq.heat_map->y.names == std::vector<std::string>{"1024", "8192"});
  CHECK(cells_in(by_top_k_seq, CellState::invalid) == 1);
  CHECK(cells_in(by_top_k_seq, CellState::value) == 5);
  CHECK(by_top_k_seq.heat_map->states[2] == CellState::invalid);  // bottom row (1024), third column (16)
  CHECK(by_top_k_seq.caption.find("/workload/schedule = 1D+3A+12R (the base study's value)") != std::string::npos);
  // Its bottom-left cell is point 0 (top_k 2, seq_len 1024, 1D+3A+12R): time_ms as points.csv has it.
  const std::vector<std::string> row0 = cells_of(lines_in(fs::path(dir.path() / "small" / "points.csv"))[1]);
  CHECK(by_top_k_seq.heat_map->values[0] == std::stod(row0[5]));

  // top_k x schedule: seq_len held at 8192, the value nearest the base study's 32768, where every top_k is valid.
  const Plot& by_top_k_schedule = plot_named(report, "speedup-workload_top_k-workload_schedule");
  CHECK(by_top_k_schedule.caption.find("/workload/seq_len = 8192 (the value nearest the base study's 32768)") !=
        std::string::npos);
  CHECK(cells_in(by_top_k_schedule, CellState::value) == 6);
  CHECK(by_top_k_schedule.heat_map->y.names == std::vector<std::string>{"1D+3A+12R", "16D"});

  const std::string text = document_text(report);
  CHECK(text.find("10 ok, 2 invalid, 0 excluded by the constraints, 0 not run yet; 12 of 12 points") !=
        std::string::npos);
  CHECK(text.find("spec hash fnv1a64:") != std::string::npos);
  CHECK(text.find("Base study configs/studies/kascade-llama-3.2-1b-32k.json; backend analytical") != std::string::npos);
}

TEST_CASE("the Pareto plot highlights exactly pareto.csv's rows over every ok point in grey") {
  TempDir dir;
  const fs::path sweep = small_sweep(dir);
  const SweepReport report = report_of(sweep);
  CHECK(report.pareto_from_file);

  std::vector<std::pair<double, double>> expected;
  std::vector<std::uint64_t> expected_indices;
  const std::vector<std::string> pareto = lines_in(sweep / "pareto.csv");
  REQUIRE(pareto.size() >= 2);
  for (std::size_t i = 1; i < pareto.size(); ++i) {
    const std::vector<std::string> cells = cells_of(pareto[i]);
    expected_indices.push_back(std::stoull(cells[0]));
    expected.emplace_back(std::stod(cells[5]), std::stod(cells[6]));  // time_ms, speedup
  }
  CHECK(report.pareto_indices == expected_indices);

  const Plot& plot = plot_named(report, "pareto_front");
  REQUIRE(plot.series.size() == 2);
  CHECK(plot.x_label == "time_ms");
  CHECK(plot.y_label == "speedup");
  const reports::Series& front = plot.series[1];
  std::vector<std::pair<double, double>> drawn;
  for (std::size_t i = 0; i < front.x.size(); ++i) drawn.emplace_back(front.x[i], front.y[i]);
  std::sort(expected.begin(), expected.end());
  std::sort(drawn.begin(), drawn.end());
  CHECK(drawn == expected);
  CHECK(plot.series[0].x.size() == 10);  // every ok point
  CHECK(plot.series[0].color == "#a6a6a6");
  // And in the rendered page: one circle per front point in the front's series group.
  const std::string html = reports::render_html(report.document);
  const std::size_t group = html.find("data-label=\"Pareto front\"");
  REQUIRE(group != std::string::npos);
  const std::string front_svg = html.substr(group, html.find("</g>", group) - group);
  std::size_t circles = 0;
  for (std::size_t at = front_svg.find("<circle"); at != std::string::npos; at = front_svg.find("<circle", at + 1))
    ++circles;
  CHECK(circles == expected.size());
}

TEST_CASE("without pareto.csv the front is computed from points.csv, and it is the one the sweep wrote") {
  TempDir dir;
  const fs::path sweep = small_sweep(dir);
  const std::vector<std::uint64_t> from_file = report_of(sweep).pareto_indices;
  fs::remove(sweep / "pareto.csv");
  const SweepReport report = report_of(sweep);
  CHECK_FALSE(report.pareto_from_file);
  CHECK(report.pareto_indices == from_file);
  CHECK(document_text(report).find("computed from points.csv (the folder has no pareto.csv)") != std::string::npos);
}

TEST_CASE("points outside the constraints are excluded cells, named in the caption and the reasons table") {
  TempDir dir;
  const std::string spec = R"({
    "schema_version": 1, "name": "constrained", "study": "kascade-llama-3.2-1b-32k",
    "axes": [
      {"path": "/hardware/sram_per_core_bytes", "values": [131072, 300000]},
      {"path": "/workload/top_k", "values": [2, 5]}
    ],
    "constraints": [{"path": "/hardware/sram_per_core_bytes", "max": 262144}],
    "objectives": ["time_ms"]
  })";
  run_into(load_sweep_spec_text(spec, "constrained.json"), dir.path() / "constrained");
  const SweepReport report = report_of(dir.path() / "constrained");
  CHECK(report.excluded == 2);
  CHECK(report.ok == 2);
  const Plot& plot = plot_named(report, "time_ms-hardware_sram_per_core_bytes-workload_top_k");
  CHECK(cells_in(plot, CellState::excluded) == 2);
  CHECK(plot.caption.find("2 excluded by the constraints (light grey)") != std::string::npos);
  const std::string text = document_text(report);
  CHECK(text.find("Constraints: /hardware/sram_per_core_bytes <= 262144.") != std::string::npos);
  CHECK(text.find("| excluded: /hardware/sram_per_core_bytes 300000 > max 262144 | 2 |") != std::string::npos);
  CHECK(text.find("The sweep names no Pareto objectives.") != std::string::npos);
}

TEST_CASE("a sweep cut short is reported with its counts, missing points as not run yet, a torn line left out") {
  TempDir dir;
  const fs::path sweep = small_sweep(dir);
  const std::vector<std::string> lines = lines_in(sweep / "points.csv");
  REQUIRE(lines.size() == 13);
  // The header, points 0 .. 6 (all ok), and half of point 7's row without its newline.
  std::string cut;
  for (std::size_t i = 0; i < 8; ++i) cut += lines[i] + "\n";
  cut += lines[8].substr(0, lines[8].size() / 2);
  write_text(sweep / "points.csv", cut);

  const SweepReport report = report_of(sweep);
  CHECK(report.points == 12);
  CHECK(report.rows == 7);
  CHECK(report.ok == 7);
  CHECK(report.invalid == 0);
  CHECK(report.torn_last_line);
  // pareto.csv belongs to the whole sweep: the front is computed from the rows present instead.
  CHECK_FALSE(report.pareto_from_file);
  // Of points 0 .. 6 (top_k 2 and 5), 0 and 2 are on the front, as in the complete sweep.
  CHECK(report.pareto_indices == std::vector<std::uint64_t>{0, 2});

  // top_k x seq_len at 1D+3A+12R: points 8 and 10 (top_k 16) are not in the file yet.
  const Plot& plot = plot_named(report, "time_ms-workload_top_k-workload_seq_len");
  CHECK(cells_in(plot, CellState::missing) == 2);
  CHECK(cells_in(plot, CellState::value) == 4);
  CHECK(plot.caption.find("2 not run yet") != std::string::npos);

  const std::string text = document_text(report);
  CHECK(text.find("7 ok, 0 invalid, 0 excluded by the constraints, 5 not run yet; 7 of 12 points are in points.csv: "
                  "the sweep is still running or was stopped") != std::string::npos);
  CHECK(text.find("partly written and is left out") != std::string::npos);
  CHECK(text.find("computed from the 7 rows present") != std::string::npos);
}

TEST_CASE("a sweep with only its header is reported with every point not run yet") {
  TempDir dir;
  const fs::path sweep = small_sweep(dir);
  write_text(sweep / "points.csv", lines_in(sweep / "points.csv")[0] + "\n");
  const SweepReport report = report_of(sweep);
  CHECK(report.rows == 0);
  CHECK(report.pareto_indices.empty());
  CHECK(cells_in(plot_named(report, "time_ms-workload_top_k-workload_seq_len"), CellState::missing) == 6);
  // The report still renders: cells without values and no Pareto plot.
  CHECK_NOTHROW(reports::render_html(report.document));
}

TEST_CASE("a numeric axis with many values and one with few are drawn as lines, on a log x axis past a decade") {
  TempDir dir;
  const std::string spec = R"({
    "schema_version": 1, "name": "lines", "study": "kascade-llama-3.2-1b-32k",
    "axes": [
      {"path": "/workload/seq_len", "log_range": {"from": 1024, "to": 131072, "points": 8}},
      {"path": "/workload/schedule", "values": ["1D+3A+12R", "16D"]}
    ],
    "objectives": ["time_ms"], "pareto": {"minimize": ["time_ms"]}
  })";
  run_into(load_sweep_spec_text(spec, "lines.json"), dir.path() / "lines");
  const SweepReport report = report_of(dir.path() / "lines");
  const Plot& plot = plot_named(report, "time_ms-workload_seq_len-workload_schedule");
  CHECK_FALSE(plot.heat_map);
  CHECK(plot.log_x);
  REQUIRE(plot.series.size() == 2);
  CHECK(plot.series[0].label == "schedule = 1D+3A+12R");
  CHECK(plot.series[0].x.size() == 8);
  CHECK(plot.series[0].x.front() == 1024);
  CHECK(plot.series[0].x.back() == 131072);
  // One Pareto objective: its best points, in a table, and no plot.
  CHECK(document_text(report).find("One Pareto objective") != std::string::npos);
  const std::vector<const Plot*> plots = all_plots(report);
  CHECK(std::none_of(plots.begin(), plots.end(), [](const Plot* p) { return p->id == "pareto_front"; }));
}

TEST_CASE("over the plot limit each objective keeps its first pairs and the report names what it left out") {
  TempDir dir;
  const SweepReport report = report_of(small_sweep(dir), 2);
  CHECK(report.axis_plots == 2);
  CHECK(report.axis_plots_left_out == 4);
  const std::string text = document_text(report);
  CHECK(text.find("## Plots left out") != std::string::npos);
  CHECK(text.find("4 plots over axis pairs are left out") != std::string::npos);
  CHECK(text.find("speedup by top_k x schedule") != std::string::npos);
}

TEST_CASE("the best point per objective is the ok point with the lowest time and the highest speedup") {
  TempDir dir;
  const fs::path sweep = small_sweep(dir);
  const SweepReport report = report_of(sweep);
  // From points.csv itself: the lowest time_ms and the highest speedup among ok rows.
  std::size_t fastest = 0, best_speedup = 0;
  double lowest = 1e300, highest = -1e300;
  const std::vector<std::string> lines = lines_in(sweep / "points.csv");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> cells = cells_of(lines[i]);
    if (cells[4] != "ok") continue;
    if (std::stod(cells[5]) < lowest) lowest = std::stod(cells[5]), fastest = i - 1;
    if (std::stod(cells[6]) > highest) highest = std::stod(cells[6]), best_speedup = i - 1;
  }
  const reports::Table* table = nullptr;
  for (const reports::Section& section : report.document.sections)
    if (section.title == "Best point per objective") table = &section.tables.at(0);
  REQUIRE(table);
  REQUIRE(table->rows.size() == 2);
  CHECK(table->rows[0][1] == "minimize");
  CHECK(table->rows[0][3] == std::to_string(fastest));
  CHECK(table->rows[1][1] == "maximize");
  CHECK(table->rows[1][3] == std::to_string(best_speedup));
}

TEST_CASE(
    "write_sweep_report writes report.html, report.md and an svg per plot, an unwritable folder is core::OutputError") {
  TempDir dir;
  const SweepReport report = report_of(small_sweep(dir));
  const fs::path out = dir.path() / "report";
  write_sweep_report(report, out.string());
  CHECK(fs::exists(out / "report.html"));
  CHECK(fs::exists(out / "report.md"));
  std::size_t svgs = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(out / "plots")) svgs += e.path().extension() == ".svg";
  CHECK(svgs == 7);  // 6 heat maps and the Pareto plot
  const std::string html = read_text(out / "report.html");
  CHECK(html.find("<figcaption>") != std::string::npos);
  write_text(dir.path() / "a-file", "");
  CHECK_THROWS_AS(write_sweep_report(report, (dir.path() / "a-file" / "report").string()), core::OutputError);
}

// The first line of the ConfigError that building the report throws, or "".
std::string error_of(const fs::path& dir) {
  try {
    report_of(dir);
  } catch (const core::ConfigError& e) {
    REQUIRE(e.issues().size() >= 1);
    return e.issues().front().line();
  }
  return "";
}

TEST_CASE("bad folders are core::ConfigErrors naming the file, and the JSON pointer for sweep.json") {
  TempDir dir;
  const fs::path sweep = small_sweep(dir);
  const std::string meta = read_text(sweep / "sweep.json");
  const std::string csv = read_text(sweep / "points.csv");
  const auto restore = [&] {
    write_text(sweep / "sweep.json", meta);
    write_text(sweep / "points.csv", csv);
  };

  CHECK(error_of(dir.path() / "no-such") == (dir.path() / "no-such").string() +
                                                ": /: no such folder: expected a "
                                                "sweep's output folder");
  fs::create_directories(dir.path() / "empty");
  CHECK(error_of(dir.path() / "empty").starts_with((dir.path() / "empty" / "sweep.json").string() + ": /: missing"));

  write_text(sweep / "sweep.json", "{\"hash\": ");
  CHECK(error_of(sweep).starts_with((sweep / "sweep.json").string() + ": /: invalid JSON"));
  restore();

  std::string no_axes = meta;
  no_axes.replace(no_axes.find("\"axes\""), 6, "\"axes_\"");
  write_text(sweep / "sweep.json", no_axes);
  CHECK(error_of(sweep) ==
        (sweep / "sweep.json").string() + ": /sweep/axes: missing: not the record of a cascadesim sweep");
  restore();

  std::string bad_points = meta;
  bad_points.replace(bad_points.find("\"points\": 12"), 12, "\"points\": 13");
  write_text(sweep / "sweep.json", bad_points);
  CHECK(error_of(sweep) == (sweep / "sweep.json").string() + ": /sweep/points: is 13 but the axes give 12 points");
  restore();

  write_text(sweep / "points.csv", "index,/workload/top_k,status\n");
  CHECK(error_of(sweep).starts_with((sweep / "points.csv").string() + ": /: line 1: the header differs from " +
                                    (sweep / "sweep.json").string()));
  restore();

  // Line 4 (point 2: top_k 2, seq_len 8192) says seq_len 4096.
  std::string wrong_value = csv;
  const std::size_t row = wrong_value.find("\n2,2,8192,");
  wrong_value.replace(row, 10, "\n2,2,4096,");
  write_text(sweep / "points.csv", wrong_value);
  CHECK(error_of(sweep) == (sweep / "points.csv").string() +
                               ": /: line 4: /workload/seq_len is '4096', but point 2 has 8192 in " +
                               (sweep / "sweep.json").string() + ": the rows are not this sweep's");
  restore();

  fs::remove(sweep / "points.csv");
  CHECK(error_of(sweep).starts_with((sweep / "points.csv").string() + ": /: cannot open"));
}

TEST_CASE("a points file with a figure no sweep writes is refused naming the line, not ranked as the best point") {
  TempDir dir;
  const fs::path sweep = small_sweep(dir);
  const std::vector<std::string> lines = lines_in(sweep / "points.csv");
  const std::vector<std::string> header = cells_of(lines.at(0));
  const std::size_t time =
      static_cast<std::size_t>(std::find(header.begin(), header.end(), "time_ms") - header.begin());
  const std::size_t speedup =
      static_cast<std::size_t>(std::find(header.begin(), header.end(), "speedup") - header.begin());
  REQUIRE(time < header.size());
  REQUIRE(speedup < header.size());
  REQUIRE(cells_of(lines.at(1)).at(time - 1) == "ok");
  // (cell, text, what the refusal says it must be)
  const std::vector<std::tuple<std::size_t, std::string, std::string>> hostile = {
      {time, "-1", "a finite number > 0"},
      {time, "0", "a finite number > 0"},
      {time, "inf", "a finite number > 0"},
      {speedup, "nan", "a finite number > 0"},
      {speedup, "-2.5", "a finite number > 0"}};
  for (const auto& entry : hostile) {
    // Named copies, not structured bindings: clang 14 cannot capture those in CAPTURE's lambda.
    const std::size_t cell = std::get<0>(entry);
    const std::string& text = std::get<1>(entry);
    const std::string& rule = std::get<2>(entry);
    CAPTURE(text);
    std::vector<std::string> row = cells_of(lines.at(1));
    row.at(cell) = text;
    std::string csv;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string line = lines[i];
      if (i == 1) {
        line.clear();
        for (std::size_t c = 0; c < row.size(); ++c) line += (c ? "," : "") + row[c];
      }
      csv += line + "\n";
    }
    write_text(sweep / "points.csv", csv);
    CHECK(error_of(sweep) == (sweep / "points.csv").string() + ": /: line 2: " + header.at(cell) + " '" + text +
                                 "' is not a figure a sweep writes (" + rule + ")");
  }
}

TEST_CASE("a points line longer than any a sweep writes is refused naming it, without reading it whole") {
  TempDir dir;
  const fs::path sweep = small_sweep(dir);
  const std::vector<std::string> lines = lines_in(sweep / "points.csv");
  write_text(sweep / "points.csv",
             lines.at(0) + "\n" + lines.at(1) + "\n" + std::string(core::max_line_bytes + 1, '7') + "\n");
  CHECK(error_of(sweep) ==
        (sweep / "points.csv").string() + ": /: line 3: longer than 1048576 bytes, which no sweep writes");
  write_text(sweep / "points.csv", std::string(core::max_line_bytes + 1, 'i'));
  CHECK(error_of(sweep) ==
        (sweep / "points.csv").string() + ": /: line 1: longer than 1048576 bytes, which no sweep writes");
}

}  // namespace
}  // namespace cascadesim::sim::sweep
