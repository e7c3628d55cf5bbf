// `cascadesim sweep`: spec errors with their pointers, point indexing, random axes, streamed outputs that do not
// depend on the thread count, resume, the Pareto front, invalid points, and the simulate backend (SystemC: this
// is its own test executable).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/config_error.hpp"
#include "models/prediction.hpp"
#include "sim/cli/simulate_command.hpp"
#include "sim/config/study_loader.hpp"
#include "sim/sweep/pareto_front.hpp"
#include "sim/sweep/sweep_axes.hpp"
#include "sim/sweep/sweep_points.hpp"
#include "sim/sweep/sweep_runner.hpp"
#include "sim/sweep/sweep_spec.hpp"
#include "tests/temp_dir.hpp"

namespace cascadesim::sim::sweep {
namespace {

namespace fs = std::filesystem;
using cascadesim::testing::read_text;
using cascadesim::testing::TempDir;

const fs::path source_dir{CASCADESIM_SOURCE_DIR};

// A valid analytical spec on the built-in default study; tests change one thing.
core::Json spec_with_axes(core::Json axes) {
  return core::Json{{"schema_version", 1},
                    {"name", "test-sweep"},
                    {"study", "kascade-llama-3.2-1b-32k"},
                    {"axes", std::move(axes)},
                    {"objectives", {"time_ms", "speedup"}},
                    {"pareto", {{"minimize", {"time_ms"}}, {"maximize", {"speedup"}}}}};
}

SweepSpec load(const core::Json& doc) { return load_sweep_spec_text(doc.dump(2), "sweep.json"); }

std::vector<core::ConfigIssue> issues_of(const core::Json& doc) {
  try {
    load(doc);
  } catch (const core::ConfigError& e) {
    return e.issues();
  }
  return {};
}

// The lines of every issue, for CHECK messages.
std::string lines_of(const std::vector<core::ConfigIssue>& issues) {
  std::string out;
  for (const core::ConfigIssue& i : issues) out += i.line() + "\n";
  return out;
}

bool has_issue(const std::vector<core::ConfigIssue>& issues, const std::string& line) {
  return std::any_of(issues.begin(), issues.end(), [&](const core::ConfigIssue& i) { return i.line() == line; });
}

std::vector<std::string> lines_in(const fs::path& path) {
  std::istringstream in(read_text(path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> cells_of(const std::string& csv_line) {
  std::vector<std::string> cells;
  std::stringstream in(csv_line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  if (!csv_line.empty() && csv_line.back() == ',') cells.emplace_back();
  return cells;
}

SweepSummary run(const SweepSpec& spec, const fs::path& dir, unsigned threads, bool resume = false,
                 std::size_t chunk_points = 1024) {
  SweepRunOptions options;
  options.out_dir = dir.string();
  options.threads = threads;
  options.resume = resume;
  options.chunk_points = chunk_points;
  return run_sweep(spec, options);
}

const char* const output_files[] = {"points.csv", "points.jsonl", "pareto.csv", "sweep.json"};

// ~2,000 points with invalid rows (top_k above the key tiles of short sequences), a zip and a random axis.
core::Json mixed_spec() {
  return spec_with_axes({{{"path", "/workload/top_k"}, {"values", {1, 2, 5, 8, 16}}},
                         {{"path", "/workload/seq_len"}, {"log_range", {{"from", 1024}, {"to", 65536}, {"points", 7}}}},
                         {{"zip",
                           {{{"path", "/model/n_layers"}, {"values", {16, 32}}},
                            {{"path", "/workload/schedule"}, {"values", {"1D+3A+12R", "2D+6A+24R"}}}}}},
                         {{"path", "/hardware/clock_GHz"},
                          {"random", {{"min", 1}, {"max", 2}, {"count", 29}, {"seed", 7}, {"log", true}}}}});
}

TEST_CASE("an unknown parameter path is an error at the axis's path with a did-you-mean hint") {
  const auto issues = issues_of(spec_with_axes({{{"path", "/workload/topk"}, {"values", {1, 2}}}}));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "sweep.json: /axes/0/path: unknown parameter '/workload/topk' (did you mean '/workload/top_k'?)");
}

TEST_CASE("a hardware figure that moved into a component section is refused, naming where it went") {
  const auto issues = issues_of(spec_with_axes({{{"path", "/hardware/hbm_bandwidth_GBps"}, {"values", {1000}}}}));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "sweep.json: /axes/0/path: unknown parameter '/hardware/hbm_bandwidth_GBps': no longer a hardware figure, "
        "derived from /memory (channels x channel_bandwidth_GBps); sweep that instead");
}

TEST_CASE("an empty axis, an out-of-bound value and a value of the wrong type name the axis entry and the path") {
  const auto issues = issues_of(spec_with_axes({{{"path", "/workload/seq_len"}, {"values", {1024, 2048}}},
                                                {{"path", "/workload/top_k"}, {"values", core::Json::array()}},
                                                {{"path", "/hardware/clock_GHz"}, {"values", {1.5, 0}}},
                                                {{"path", "/model/n_layers"}, {"values", {16, "32", 2.5}}}}));
  INFO(lines_of(issues));
  CHECK(issues.size() == 4);
  CHECK(has_issue(issues,
                  "sweep.json: /axes/1/values: /workload/top_k: expected a non-empty list of values (got an array "
                  "with no entries)"));
  CHECK(has_issue(issues, "sweep.json: /axes/2/values/1: /hardware/clock_GHz: must be > 0 (got 0)"));
  CHECK(has_issue(issues, "sweep.json: /axes/3/values/1: /model/n_layers: expected a number (got string \"32\")"));
  CHECK(has_issue(issues, "sweep.json: /axes/3/values/2: /model/n_layers: must be a whole number (got 2.5)"));
}

TEST_CASE("zipped lists of different lengths are an error naming each path and length") {
  const auto issues = issues_of(
      spec_with_axes({{{"zip",
                        {{{"path", "/model/n_layers"}, {"values", {16, 32}}},
                         {{"path", "/workload/schedule"}, {"values", {"1D+3A+12R", "2D+6A+24R", "16D"}}}}}}}));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "sweep.json: /axes/0/zip: zipped lists must have the same length (/model/n_layers has 2, "
        "/workload/schedule has 3 values)");
}

TEST_CASE("a constraint set that excludes every point is an error before any point runs") {
  core::Json doc = spec_with_axes({{{"path", "/hardware/sram_per_core_bytes"}, {"values", {300000, 400000}}},
                                   {{"path", "/workload/top_k"}, {"values", {1, 2}}}});
  doc["constraints"] = {{{"path", "/hardware/sram_per_core_bytes"}, {"max", 262144}}};
  const auto issues = issues_of(doc);
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "sweep.json: /constraints/0: /hardware/sram_per_core_bytes: the constraints exclude every point: no entry "
        "of /axes/0 satisfies them");

  // A constraint on a parameter no axis sweeps is checked against the study's value (h100-sxm: 233472 bytes).
  doc["axes"] = {{{"path", "/workload/top_k"}, {"values", {1, 2}}}};
  doc["constraints"] = {{{"path", "/hardware/sram_per_core_bytes"}, {"min", 262144}}};
  CHECK_THROWS_WITH_AS(load(doc), doctest::Contains("/constraints/0: /hardware/sram_per_core_bytes is not swept"),
                       core::ConfigError);
}

TEST_CASE("every problem of a spec is reported at once, each at its pointer") {
  core::Json doc = spec_with_axes({{{"path", "/workload/top_k"}, {"range", {{"from", 1}, {"to", 8}, {"step", 0}}}},
                                   {{"path", "/workload/seq_len"}, {"values", {1024}}, {"range", {{"from", 1}}}},
                                   {{"path", "/workload/phase"}, {"values", {"prefil"}}}});
  doc["objectives"] = {"time_ms", "simulated_energy_J", "simulated_speedup", "speedups"};
  doc["backend"] = "analytical";
  doc["colour"] = "blue";
  const auto issues = issues_of(doc);
  INFO(lines_of(issues));
  CHECK(issues.size() == 8);
  CHECK(has_issue(issues, "sweep.json: /colour: unknown key 'colour'"));
  CHECK(has_issue(issues,
                  "sweep.json: /axes/0/range/step: /workload/top_k: must be nonzero and go from 1 towards 8 (got 0)"));
  CHECK(has_issue(issues,
                  "sweep.json: /axes/1: /workload/seq_len: give one of values, range, log_range or random (got values "
                  "and range)"));
  CHECK(has_issue(issues,
                  "sweep.json: /axes/2/values/0: /workload/phase: must be one of prefill, decode (got string "
                  "\"prefil\"); did you mean 'prefill'?"));
  CHECK(has_issue(issues,
                  "sweep.json: /objectives/1: 'simulated_energy_J' needs the simulate backend (or \"both\"); "
                  "backend is analytical"));
  CHECK(has_issue(issues,
                  "sweep.json: /objectives/2: 'simulated_speedup' needs the simulate backend (or \"both\"); backend "
                  "is analytical"));
  CHECK(has_issue(issues,
                  "sweep.json: /objectives/3: unknown objective 'speedups' (did you mean 'speedup'?); the analytical "
                  "backend gives time_ms, dense_time_ms, speedup, attention_speedup, amdahl_speedup, hbm_bytes, "
                  "cascade_speedup, area_mm2, energy_J, edp_Js, parallel_time_ms, parallel_speedup, parallel_link_ms, "
                  "decode_tokens_per_s, decode_speedup"));
  // The Pareto objectives name an objective that the bad list left out.
  CHECK(has_issue(issues, "sweep.json: /pareto/maximize/0: 'speedup' is not one of the objectives (time_ms)"));
}

TEST_CASE("an objective renamed when records moved to milliseconds names its new name") {
  core::Json doc = spec_with_axes({{{"path", "/workload/top_k"}, {"values", {1, 2}}}});
  doc["objectives"] = {"simulated_time_s"};
  doc["backend"] = "simulate";
  doc.erase("pareto");
  const auto issues = issues_of(doc);
  INFO(lines_of(issues));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "sweep.json: /objectives/0: objective 'simulated_time_s' is now 'simulated_time_ms': every record gives "
        "times in milliseconds (docs/results.md)");
}

TEST_CASE("an empty axes list, a bad study and a bad log_range are errors") {
  CHECK_THROWS_WITH_AS(load(spec_with_axes(core::Json::array())),
                       doctest::Contains("sweep.json: /axes: expected a non-empty list of axes"), core::ConfigError);
  core::Json doc = spec_with_axes({{{"path", "/workload/top_k"}, {"values", {1}}}});
  doc["study"] = "kascade-llama-3.2-1b-32";
  CHECK_THROWS_WITH_AS(load(doc),
                       doctest::Contains("/study: unknown built-in study 'kascade-llama-3.2-1b-32' (did "
                                         "you mean 'kascade-llama-3.2-1b-32k'?)"),
                       core::ConfigError);
  doc = spec_with_axes({{{"path", "/workload/top_k"}, {"log_range", {{"from", 1}, {"to", 4}, {"points", 8}}}}});
  CHECK_THROWS_WITH_AS(
      load(doc), doctest::Contains("/axes/0/log_range/points: /workload/top_k: 8 points repeat the integer value"),
      core::ConfigError);
}

TEST_CASE("points are indexed in mixed radix with the last axis fastest") {
  const PointSpace space({2, 3, 4});
  CHECK(space.size() == 24);
  std::vector<std::size_t> d(3), stepped(3, 0);
  space.digits(0, d);
  CHECK(d == std::vector<std::size_t>{0, 0, 0});
  space.digits(1, d);
  CHECK(d == std::vector<std::size_t>{0, 0, 1});
  space.digits(4, d);
  CHECK(d == std::vector<std::size_t>{0, 1, 0});
  space.digits(13, d);  // 13 = 1 * 12 + 0 * 4 + 1
  CHECK(d == std::vector<std::size_t>{1, 0, 1});
  space.digits(23, d);
  CHECK(d == std::vector<std::size_t>{1, 2, 3});
  for (std::uint64_t i = 0; i < space.size(); ++i) {
    space.digits(i, d);
    CHECK(d == stepped);
    space.advance(stepped);
  }
  CHECK(product_of_radices(std::vector<std::size_t>{1 << 20, 1 << 20, 1 << 20}, max_points) == std::nullopt);
}

TEST_CASE("a zip is one axis: its lists advance together") {
  TempDir tmp;
  const SweepSpec spec =
      load(spec_with_axes({{{"zip",
                             {{{"path", "/model/n_layers"}, {"values", {16, 32}}},
                              {{"path", "/workload/schedule"}, {"values", {"1D+3A+12R", "2D+6A+24R"}}}}}},
                           {{"path", "/workload/top_k"}, {"values", {2, 5, 8}}}}));
  CHECK(spec.point_count == 6);
  run(spec, tmp.path() / "out", 1);
  const auto lines = lines_in(tmp.path() / "out" / "points.csv");
  REQUIRE(lines.size() == 7);
  CHECK(lines[0] == "index,/model/n_layers,/workload/schedule,/workload/top_k,status,time_ms,speedup,backend");
  const std::vector<std::string> expected{"0,16,1D+3A+12R,2", "1,16,1D+3A+12R,5", "2,16,1D+3A+12R,8",
                                          "3,32,2D+6A+24R,2", "4,32,2D+6A+24R,5", "5,32,2D+6A+24R,8"};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(lines[i + 1].substr(0, expected[i].size() + 4) == expected[i] + ",ok,");
  }
}

// SplitMix64 as published (Steele, Lea, Flood 2014): the state advances by the golden gamma, then is mixed.
std::uint64_t reference_splitmix64_next(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

TEST_CASE("a random axis's values are a pure function of the seed and the index") {
  std::uint64_t state = 7;
  for (std::uint64_t i = 0; i < 100; ++i)
    CHECK(random_unit(7, i) == static_cast<double>(reference_splitmix64_next(state) >> 11) * 0x1.0p-53);

  auto values = [](int count, int seed, bool integer) {
    core::Json doc = spec_with_axes({{{"path", integer ? "/workload/top_k" : "/hardware/kernel_launch_us"},
                                      {"random",
                                       {{"min", integer ? 1 : 100},
                                        {"max", integer ? 16 : 1000},
                                        {"count", count},
                                        {"seed", seed},
                                        {"log", true}}}}});
    return load(doc).axes[0].columns[0].texts;
  };
  const auto four = values(4, 7, false), eight = values(8, 7, false);
  CHECK(std::equal(four.begin(), four.end(), eight.begin()));  // value i does not depend on the count
  CHECK(values(8, 7, false) == eight);
  CHECK(values(8, 8, false) != eight);
  // Log-uniform in [100, 1000]: value 0 is 100 * 10^u0.
  CHECK(std::stod(four[0]) == doctest::Approx(100 * std::pow(10.0, random_unit(7, 0))).epsilon(1e-12));
  for (const std::string& t : values(50, 3, true)) {
    CHECK(t.find_first_not_of("0123456789") == std::string::npos);  // integers for an integer field
    CHECK(std::stoi(t) >= 1);
    CHECK(std::stoi(t) <= 16);
  }
}

TEST_CASE("the outputs are byte-identical for 1, 2 and 3 threads") {
  TempDir tmp;
  const SweepSpec spec = load(mixed_spec());
  REQUIRE(spec.point_count == 5 * 7 * 2 * 29);
  // Small chunks, so that the threads finish chunks out of order and the reorder buffer wraps many times.
  const SweepSummary one = run(spec, tmp.path() / "j1", 1, false, 7);
  run(spec, tmp.path() / "j2", 2, false, 7);
  const SweepSummary three = run(spec, tmp.path() / "j3", 3, false, 13);
  CHECK(one.evaluated == spec.point_count);
  CHECK(three.threads == 3);
  CHECK(one.invalid > 0);
  for (const char* file : output_files) {
    INFO(file);
    const std::string reference = read_text(tmp.path() / "j1" / file);
    CHECK(!reference.empty());
    CHECK(read_text(tmp.path() / "j2" / file) == reference);
    CHECK(read_text(tmp.path() / "j3" / file) == reference);
  }
  const auto lines = lines_in(tmp.path() / "j1" / "points.jsonl");
  REQUIRE(lines.size() == spec.point_count);
  CHECK(core::Json::parse(lines.back())["index"] == spec.point_count - 1);
}

// Cuts a file in the middle of line `line` (0-based), as a kill -9 during its write would.
void tear(const fs::path& file, std::size_t line) {
  const std::string text = read_text(file);
  std::size_t at = 0;
  for (std::size_t i = 0; i < line; ++i) at = text.find('\n', at) + 1;
  fs::resize_file(file, at + 5);
}

TEST_CASE("a resumed sweep ends with the same files as an uninterrupted one") {
  TempDir tmp;
  const SweepSpec spec = load(mixed_spec());
  run(spec, tmp.path() / "whole", 2);

  // Torn at different rows: the CSV after row 700 (line 701 counts the header), the JSONL after row 655.
  fs::copy(tmp.path() / "whole", tmp.path() / "torn");
  fs::remove(tmp.path() / "torn" / "pareto.csv");
  tear(tmp.path() / "torn" / "points.csv", 701);
  tear(tmp.path() / "torn" / "points.jsonl", 655);
  const SweepSummary resumed = run(spec, tmp.path() / "torn", 2, true);
  CHECK(resumed.resumed_rows == 655);
  CHECK(resumed.evaluated == spec.point_count - 655);
  for (const char* file : output_files) {
    INFO(file);
    CHECK(read_text(tmp.path() / "torn" / file) == read_text(tmp.path() / "whole" / file));
  }

  // Torn inside the header: nothing is kept, everything runs again.
  fs::copy(tmp.path() / "whole", tmp.path() / "header");
  fs::resize_file(tmp.path() / "header" / "points.csv", 10);
  CHECK(run(spec, tmp.path() / "header", 1, true).resumed_rows == 0);
  CHECK(read_text(tmp.path() / "header" / "points.csv") == read_text(tmp.path() / "whole" / "points.csv"));

  // A finished sweep resumes to itself.
  CHECK(run(spec, tmp.path() / "whole", 1, true).evaluated == 0);
  CHECK(read_text(tmp.path() / "whole" / "pareto.csv") == read_text(tmp.path() / "torn" / "pareto.csv"));
}

TEST_CASE("resume refuses another sweep's folder, and a fresh run refuses a folder with rows") {
  TempDir tmp;
  const SweepSpec spec = load(mixed_spec());
  run(spec, tmp.path() / "out", 2);
  core::Json other_doc = mixed_spec();
  other_doc["axes"][0]["values"] = {1, 2};
  const SweepSpec other = load(other_doc);
  CHECK(other.hash != spec.hash);
  const std::string refusal = "sweep.json: /hash: belongs to another sweep ('test-sweep', " + spec.hash +
                              "), not to sweep.json ('test-sweep', " + other.hash + ")";
  CHECK_THROWS_WITH_AS(run(other, tmp.path() / "out", 1, true), doctest::Contains(refusal.c_str()), core::ConfigError);
  CHECK_THROWS_WITH_AS(run(spec, tmp.path() / "out", 1, false),
                       doctest::Contains("points.csv: /: already holds the rows of a sweep: pass --resume"),
                       core::ConfigError);
  // The description is not part of the hash: a reworded spec resumes its own folder.
  core::Json described = mixed_spec();
  described["description"] = "the same sweep, explained";
  CHECK(load(described).hash == spec.hash);
}

TEST_CASE("the Pareto front keeps exactly the rows no other row dominates") {
  // Objective 0 minimized (time), objective 1 maximized (speedup).
  ParetoFront front({0}, {1});
  front.offer(std::vector<double>{1.0, 1.0}, "A");
  front.offer(std::vector<double>{2.0, 3.0}, "B");
  front.offer(std::vector<double>{2.0, 2.0}, "C");  // B is as fast and speeds up more
  front.offer(std::vector<double>{3.0, 3.0}, "D");  // B is faster with the same speedup
  front.offer(std::vector<double>{0.5, 0.5}, "E");  // the fastest
  front.offer(std::vector<double>{1.0, 1.0}, "F");  // ties A: neither dominates
  front.offer(std::vector<double>{4.0, 5.0}, "G");  // the largest speedup
  front.offer(std::vector<double>{1.5, 3.0}, "H");  // beats B: faster, same speedup
  const std::vector<std::string_view> rows = front.rows();
  CHECK(rows == std::vector<std::string_view>{"A", "E", "F", "G", "H"});
}

TEST_CASE("pareto.csv holds the non-dominated ok rows of points.csv") {
  TempDir tmp;
  const SweepSpec spec = load(mixed_spec());
  run(spec, tmp.path() / "out", 2);
  struct Row {
    std::string line;
    double time_ms, speedup;
  };
  std::vector<Row> rows;
  const auto lines = lines_in(tmp.path() / "out" / "points.csv");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto cells = cells_of(lines[i]);
    if (cells[6] != "ok") continue;  // index, five axis columns (the zip gives two), then status
    rows.push_back(Row{lines[i], std::stod(cells[7]), std::stod(cells[8])});
  }
  std::vector<std::string> expected{lines[0]};
  for (const Row& r : rows) {
    const bool dominated = std::any_of(rows.begin(), rows.end(), [&](const Row& o) {
      return o.time_ms <= r.time_ms && o.speedup >= r.speedup && (o.time_ms < r.time_ms || o.speedup > r.speedup);
    });
    if (!dominated) expected.push_back(r.line);
  }
  CHECK(expected.size() > 2);
  CHECK(lines_in(tmp.path() / "out" / "pareto.csv") == expected);
}

TEST_CASE("a point failing the loader's cross-field checks is an invalid row with empty objectives") {
  TempDir tmp;
  const SweepSpec spec = load(spec_with_axes({{{"path", "/workload/seq_len"}, {"values", {1024}}},
                                              {{"path", "/workload/top_k"}, {"values", {8, 16}}},
                                              {{"path", "/model/n_layers"}, {"values", {16, 32}}}}));
  const SweepSummary s = run(spec, tmp.path() / "out", 1);
  CHECK(s.ok == 1);
  CHECK(s.invalid == 3);
  const auto lines = lines_in(tmp.path() / "out" / "points.csv");
  REQUIRE(lines.size() == 5);
  CHECK(lines[1].substr(0, 12) == "0,1024,8,16,");
  CHECK(cells_of(lines[1])[4] == "ok");
  // 1024 tokens in 128-token tiles: 8 key tiles (seed 002 tiling).
  CHECK(lines[3] ==
        "2,1024,16,16,invalid: /workload/top_k: top_k 16 exceeds the 8 key tiles of seq_len 1024 / tile_tokens "
        "128,,,analytical");
  CHECK(lines[2] ==
        "1,1024,8,32,invalid: /workload/schedule: schedule has 16 layers but the model has 32,,,analytical");
  const auto jsonl = lines_in(tmp.path() / "out" / "points.jsonl");
  const core::Json row = core::Json::parse(jsonl[2]);
  CHECK(row["status"] ==
        "invalid: /workload/top_k: top_k 16 exceeds the 8 key tiles of seq_len 1024 / tile_tokens "
        "128");
  CHECK(row["time_ms"].is_null());
}

TEST_CASE("rows outside the constraints are excluded rows") {
  TempDir tmp;
  core::Json doc = spec_with_axes({{{"path", "/hardware/sram_per_core_bytes"}, {"values", {131072, 300000}}}});
  doc["constraints"] = {{{"path", "/hardware/sram_per_core_bytes"}, {"max", 262144}}};
  run(load(doc), tmp.path() / "out", 1);
  const auto lines = lines_in(tmp.path() / "out" / "points.csv");
  REQUIRE(lines.size() == 3);
  CHECK(cells_of(lines[1])[2] == "ok");
  CHECK(lines[2] == "1,300000,excluded: /hardware/sram_per_core_bytes 300000 > max 262144,,,analytical");
}

TEST_CASE("analytical objectives equal predict() on the study loaded with the point's values as overrides") {
  TempDir tmp;
  core::Json doc = spec_with_axes({{{"path", "/hardware/memory/channel_bandwidth_GBps"}, {"values", {200.05}}},
                                   {{"path", "/model/d_mlp"}, {"values", {4096}}},
                                   {{"path", "/workload/attention_kernel"}, {"values", {"materialized"}}},
                                   {{"path", "/workload/top_k"}, {"values", {7}}}});
  doc["objectives"] = {"time_ms", "dense_time_ms", "speedup", "attention_speedup", "amdahl_speedup", "hbm_bytes"};
  run(load(doc), tmp.path() / "out", 1);
  const core::Json row = core::Json::parse(lines_in(tmp.path() / "out" / "points.jsonl").at(0));

  core::Json study = core::Json::parse(read_text(source_dir / "configs/studies/kascade-llama-3.2-1b-32k.json"));
  study["hardware"] = {{"preset", "h100-sxm"}, {"memory", {{"channel_bandwidth_GBps", 200.05}}}};
  study["model"] = {{"preset", "llama-3.2-1b"}, {"d_mlp", 4096}};
  study["workload"]["attention_kernel"] = "materialized";
  study["workload"]["top_k"] = 7;
  const models::Prediction p =
      models::predict(load_study_text(study.dump(), "point.json", {}).study, models::Accounting::exact);
  CHECK(row["status"] == "ok");
  CHECK(row["time_ms"].get<double>() == p.schedule_model.time.time_s * 1e3);
  CHECK(row["dense_time_ms"].get<double>() == p.dense_model.time.time_s * 1e3);
  CHECK(row["speedup"].get<double>() == p.end_to_end_speedup);
  CHECK(row["attention_speedup"].get<double>() == p.effective_attention_speedup);
  CHECK(row["amdahl_speedup"].get<double>() == p.amdahl_speedup);
  CHECK(row["hbm_bytes"].get<double>() == p.schedule_model.cost.hbm_bytes);
}

TEST_CASE("the simulate backend runs each point's study through the simulator") {
  TempDir tmp;
  core::Json doc = spec_with_axes({{{"path", "/workload/top_k"}, {"values", {2, 32}}}});
  doc["study"] = (source_dir / "tests/data/sim_small.json").string();
  doc["backend"] = "both";
  doc["objectives"] = {"speedup", "simulated_time_ms", "simulated_speedup"};
  doc["pareto"] = {{"maximize", {"simulated_speedup"}}};
  const SweepSpec spec = load(doc);
  const SweepSummary s = run(spec, tmp.path() / "out", 4);
  CHECK(s.threads == 1);
  const auto lines = lines_in(tmp.path() / "out" / "points.jsonl");
  REQUIRE(lines.size() == 2);
  const core::Json ok = core::Json::parse(lines[0]);
  core::Json study = core::Json::parse(read_text(source_dir / "tests/data/sim_small.json"));
  study["workload"]["top_k"] = 2;
  const LoadedStudy point = load_study_text(study.dump(), "point.json", {});
  const double analytical_speedup = models::predict(point.study, models::Accounting::exact).end_to_end_speedup;
  const Simulation expected = simulate_loaded(point);
  CHECK(ok["status"] == "ok");
  CHECK(ok["backend"] == "both");
  CHECK(ok["simulated_speedup"].get<double>() == expected.speedup);
  CHECK(ok["simulated_time_ms"].get<double>() == doctest::Approx(expected.schedule.time_ns * 1e-6).epsilon(1e-15));
  CHECK(ok["speedup"].get<double>() == analytical_speedup);
  // 2048 tokens in 128-token tiles: 16 key tiles, so top_k 32 is rejected before simulating.
  CHECK(core::Json::parse(lines[1])["status"] ==
        "invalid: /workload/top_k: top_k 32 exceeds the 16 key tiles of seq_len 2048 / tile_tokens 128");
  CHECK(lines_in(tmp.path() / "out" / "pareto.csv").size() == 2);
}

TEST_CASE("the shipped sweep specs load") {
  std::size_t specs = 0;
  for (const auto& entry : fs::directory_iterator(source_dir / "configs" / "sweeps")) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().string());
    const SweepSpec spec = load_sweep_spec(entry.path().string());
    CHECK(spec.point_count > 0);
    CHECK(spec.has_pareto());
    ++specs;
  }
  CHECK(specs >= 2);
  // 6 top_k x 8 sequence lengths x 5 schedules x 4 hardware presets.
  const SweepSpec kascade = load_sweep_spec((source_dir / "configs/sweeps/kascade-topk-seq.json").string());
  CHECK(kascade.point_count == 960);
  CHECK(kascade.hardware_variants.size() == 4);
  // 3 ladders x 5 thresholds x 4 batch sizes x 2 batch policies, every point loaded from its document.
  const SweepSpec cascade = load_sweep_spec((source_dir / "configs/sweeps/cascade-stages-threshold.json").string());
  CHECK(cascade.point_count == 120);
  CHECK(cascade.load_points);
}

// The study document of a shipped study with value written at pointer (sections given as preset names become
// {"preset": name} first, as the sweep writes them).
core::Json study_with(const std::string& study, const std::vector<std::pair<std::string, core::Json>>& overrides) {
  core::Json doc = core::Json::parse(read_text(source_dir / "configs/studies" / (study + ".json")));
  for (const auto& [pointer, value] : overrides) {
    const std::string section = pointer.substr(1, pointer.find('/', 1) - 1);
    if (pointer != "/" + section && doc[section].is_string()) doc[section] = core::Json{{"preset", doc[section]}};
    doc[core::Json::json_pointer(pointer)] = value;
  }
  return doc;
}

LoadedStudy load_point(const core::Json& doc) { return load_study_text(doc.dump(), "point.json", {}); }

std::vector<core::Json> rows_of(const fs::path& dir) {
  std::vector<core::Json> rows;
  for (const std::string& line : lines_in(dir / "points.jsonl")) rows.push_back(core::Json::parse(line));
  return rows;
}

TEST_CASE("a /hardware axis swaps in whole presets for the analytical backend") {
  TempDir tmp;
  core::Json doc = spec_with_axes({{{"path", "/hardware"}, {"values", {"a100-sxm-80gb", "t4"}}},
                                   {{"path", "/hardware/kernel_launch_us"}, {"values", {4}}},
                                   {{"path", "/workload/top_k"}, {"values", {4}}}});
  const SweepSpec spec = load(doc);
  CHECK(spec.hardware_axis.has_value());
  CHECK_FALSE(spec.load_points);
  run(spec, tmp.path() / "out", 2);
  const auto rows = rows_of(tmp.path() / "out");
  REQUIRE(rows.size() == 2);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string preset = i == 0 ? "a100-sxm-80gb" : "t4";
    CHECK(rows[i]["/hardware"] == preset);
    // The preset, then the swept launch cost over it.
    const models::Study st =
        load_point(study_with("kascade-llama-3.2-1b-32k",
                              {{"/hardware", preset}, {"/hardware/kernel_launch_us", 4}, {"/workload/top_k", 4}}))
            .study;
    const models::Prediction p = models::predict(st, models::Accounting::exact);
    CHECK(st.hardware.name == preset);
    CHECK(rows[i]["time_ms"].get<double>() == p.schedule_model.time.time_s * 1e3);
    CHECK(rows[i]["speedup"].get<double>() == p.end_to_end_speedup);
  }
}

TEST_CASE("a /hardware axis in the simulate backend names the preset in the point's study") {
  TempDir tmp;
  core::Json doc = spec_with_axes(
      {{{"path", "/hardware"}, {"values", {"h200"}}}, {{"path", "/workload/seq_len"}, {"values", {1024}}}});
  doc["study"] = (source_dir / "tests/data/sim_small.json").string();
  doc["backend"] = "simulate";
  doc["objectives"] = {"simulated_time_ms", "simulated_speedup"};
  doc["pareto"] = {{"minimize", {"simulated_time_ms"}}};
  run(load(doc), tmp.path() / "out", 1);
  const auto rows = rows_of(tmp.path() / "out");
  REQUIRE(rows.size() == 1);
  core::Json study = core::Json::parse(read_text(source_dir / "tests/data/sim_small.json"));
  study["hardware"] = "h200";
  study["workload"]["seq_len"] = 1024;
  const Simulation expected = simulate_loaded(load_point(study));
  CHECK(rows[0]["status"] == "ok");
  CHECK(rows[0]["simulated_speedup"].get<double>() == expected.speedup);
  CHECK(rows[0]["simulated_time_ms"].get<double>() == doctest::Approx(expected.schedule.time_ns * 1e-6).epsilon(1e-15));
}

TEST_CASE("a path inside a hardware component section reaches the simulator") {
  TempDir tmp;
  core::Json doc = spec_with_axes({{{"path", "/hardware/topk/elements_per_cycle"}, {"values", {1, 64}}},
                                   {{"path", "/workload/seq_len"}, {"values", {2048}}},
                                   {{"path", "/workload/batch"}, {"values", {2}}}});
  doc["study"] = "spatten-topk-decode-llama-3.2-1b";
  doc["backend"] = "simulate";
  doc["objectives"] = {"simulated_time_ms", "simulated_sequences_per_s"};
  doc["pareto"] = {{"minimize", {"simulated_time_ms"}}};
  const SweepSpec spec = load(doc);
  CHECK(spec.load_points);
  run(spec, tmp.path() / "out", 1);
  const auto rows = rows_of(tmp.path() / "out");
  REQUIRE(rows.size() == 2);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const int lanes = i == 0 ? 1 : 64;
    CHECK(rows[i]["/hardware/topk/elements_per_cycle"] == lanes);
    const Simulation expected = simulate_loaded(load_point(study_with(
        "spatten-topk-decode-llama-3.2-1b",
        {{"/hardware/topk/elements_per_cycle", lanes}, {"/workload/seq_len", 2048}, {"/workload/batch", 2}})));
    CHECK(rows[i]["simulated_time_ms"].get<double>() ==
          doctest::Approx(expected.schedule.time_ns * 1e-6).epsilon(1e-15));
    CHECK(rows[i]["simulated_sequences_per_s"].get<double>() ==
          doctest::Approx(2 / (expected.schedule.time_ns * 1e-9)).epsilon(1e-12));
  }
  // One comparator lane ranks the candidates more slowly than 64.
  CHECK(rows[0]["simulated_time_ms"].get<double>() > rows[1]["simulated_time_ms"].get<double>());
}

TEST_CASE("nested cascade paths are loaded into each point's study for the analytical backend") {
  TempDir tmp;
  const core::Json ladders = {core::Json{{{"resolution", 0.25}}, {{"resolution", 1}}},
                              core::Json{{{"resolution", 0.125}}, {{"resolution", 0.25}}, {{"resolution", 1}}}};
  core::Json doc = spec_with_axes({{{"path", "/workload/cascade/stages"}, {"values", ladders}},
                                   {{"path", "/workload/cascade/confidence_threshold"}, {"values", {0.85, 0.95}}},
                                   {{"path", "/workload/cascade/batch_policy"}, {"values", {"wait_for_slowest"}}},
                                   {{"path", "/workload/batch"}, {"values", {8}}}});
  doc["study"] = "cascade-threshold-vit-b-16";
  doc["objectives"] = {"cascade_speedup"};
  doc["pareto"] = {{"maximize", {"cascade_speedup"}}};
  const SweepSpec spec = load(doc);
  CHECK(spec.load_points);
  run(spec, tmp.path() / "out", 2);
  const auto rows = rows_of(tmp.path() / "out");
  REQUIRE(rows.size() == 4);
  const auto csv = lines_in(tmp.path() / "out" / "points.csv");
  CHECK(csv[0] ==
        "index,/workload/cascade/stages,/workload/cascade/confidence_threshold,/workload/cascade/batch_policy,"
        "/workload/batch,status,cascade_speedup,backend");
  const std::string first = R"(0,"[{""resolution"":0.25},{""resolution"":1}]",0.85,wait_for_slowest,8,ok,)";
  CHECK(csv[1].substr(0, first.size()) == first);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i]["/workload/cascade/stages"] == ladders[i / 2]);
    CHECK(rows[i]["/workload/cascade/batch_policy"] == "wait_for_slowest");
    const double threshold = i % 2 == 0 ? 0.85 : 0.95;
    const models::Study st =
        load_point(study_with("cascade-threshold-vit-b-16", {{"/workload/cascade/stages", ladders[i / 2]},
                                                             {"/workload/cascade/confidence_threshold", threshold},
                                                             {"/workload/cascade/batch_policy", "wait_for_slowest"},
                                                             {"/workload/batch", 8}}))
            .study;
    CHECK(st.workload.cascade->stages.back().exit_fraction == doctest::Approx(i % 2 == 0 ? 0.30 : 0.70));
    CHECK(rows[i]["cascade_speedup"].get<double>() ==
          models::predict(st, models::Accounting::exact).cascade->practical_speedup);
  }
  // Seed 000: more inputs stop early at the lower threshold, so the cascade saves more.
  CHECK(rows[0]["cascade_speedup"].get<double>() > rows[1]["cascade_speedup"].get<double>());
}

TEST_CASE("an analytical axis inside a roofline section must move a roofline figure") {
  const auto issues = issues_of(spec_with_axes({{{"path", "/hardware/memory/latency_ns"}, {"values", {100, 800}}}}));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "sweep.json: /axes/0/path: /hardware/memory/latency_ns: the analytical model does not read this figure (no "
        "roofline or energy figure derived from the section changes along the axis); use backend simulate or both");
  CHECK(issues_of(spec_with_axes({{{"path", "/hardware/memory/channel_bandwidth_GBps"}, {"values", {100, 335}}}}))
            .empty());
}

TEST_CASE("bad presets, bad nested values and simulator-only paths are reported before any point runs") {
  core::Json doc = spec_with_axes({{{"path", "/hardware"}, {"values", {"h100-sxm", "h20"}}},
                                   {{"path", "/workload/cascade/stages/0/resolution"}, {"values", {0.25, 2}}},
                                   {{"path", "/hardware/noc/latency_ns"}, {"values", {64}}},
                                   {{"path", "/hardware/topk"}, {"values", {core::Json{{"impl", "sorter"}}}}},
                                   {{"path", "/hardware/matrix_unit/macs_per_cycle"}, {"values", {1024}}}});
  doc["study"] = "cascade-threshold-vit-b-16";
  const auto issues = issues_of(doc);
  INFO(lines_of(issues));
  CHECK(issues.size() == 4);  // the matrix unit's rate is the roofline's too
  CHECK(has_issue(issues,
                  "sweep.json: /axes/0/values/1: /hardware: unknown hardware preset 'h20' (did you mean 'h200'?); "
                  "available: a100-sxm-80gb, b200, fusemax-like, gb200, h100-hgx-nvswitch, h100-nvlink-ring, "
                  "h100-pcie5, h100-superpod-ib, h100-sxm, h100-sxm-pcie5-host, h200, mi300x, spatten-like, t4, "
                  "tpu-v5e-like, tpu-v5p-like"));
  CHECK(has_issue(issues, "sweep.json: /axes/1/values/1: /workload/cascade/stages/0/resolution: must be <= 1 (got 2)"));
  CHECK(has_issue(issues,
                  "sweep.json: /axes/2/path: /hardware/noc/latency_ns: only the simulator reads the hardware's "
                  "noc section; the analytical backend would ignore it (use backend simulate or both)"));
  CHECK(has_issue(issues,
                  "sweep.json: /axes/3/path: /hardware/topk: only the simulator reads the hardware's topk section; the "
                  "analytical backend would ignore it (use backend simulate or both)"));

  CHECK_THROWS_WITH_AS(load(spec_with_axes({{{"path", "/hardware"}, {"values", {"t4", 7}}}})),
                       doctest::Contains("sweep.json: /axes/0/values/1: /hardware: expected a hardware preset name or "
                                         "a path to a preset file (got 7)"),
                       core::ConfigError);
  // With the simulate backend the component path is checked by loading: an impl's missing key is named.
  doc = spec_with_axes({{{"path", "/hardware/topk"}, {"values", {core::Json{{"impl", "sorter"}}}}}});
  doc["backend"] = "simulate";
  doc["objectives"] = {"simulated_time_ms"};
  doc["pareto"] = {{"minimize", {"simulated_time_ms"}}};
  CHECK_THROWS_WITH_AS(load(doc),
                       doctest::Contains("sweep.json: /axes/0/values/0: /hardware/topk: "
                                         "/hardware/topk/elements_per_cycle: missing required key"),
                       core::ConfigError);
  // A pointer below a section that has no such nested key is an unknown parameter, as before.
  CHECK_THROWS_WITH_AS(load(spec_with_axes({{{"path", "/workload/cascades/stages"}, {"values", {1}}}})),
                       doctest::Contains("sweep.json: /axes/0/path: unknown parameter '/workload/cascades/stages'"),
                       core::ConfigError);
}

TEST_CASE("a simulating sweep refuses an axis of analytical-only hardware figures, unless zipped with one read") {
  core::Json doc = spec_with_axes({{{"path", "/hardware/matrix_efficiency"}, {"values", {0.5, 0.8}}},
                                   {{"path", "/hardware/kernel_launch_us"}, {"values", {2, 4}}}});
  doc["study"] = (source_dir / "tests/data/sim_small.json").string();
  doc["backend"] = "both";
  doc["objectives"] = {"time_ms", "simulated_time_ms"};
  doc["pareto"] = {{"minimize", {"simulated_time_ms"}}};
  const auto issues = issues_of(doc);
  INFO(lines_of(issues));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "sweep.json: /axes/0/path: /hardware/matrix_efficiency: the simulator does not read this figure (it is the "
        "analytical model's own), so no simulated objective would change along this axis; use backend analytical");
  core::Json zipped = doc;
  zipped["axes"][0] = {{"zip",
                        {{{"path", "/hardware/matrix_efficiency"}, {"values", {0.6, 0.9}}},
                         {{"path", "/hardware/l2/bytes"}, {"values", {25165824, 52428800}}}}}};
  CHECK(issues_of(zipped).empty());
  doc["backend"] = "analytical";
  doc["objectives"] = {"time_ms"};
  doc["pareto"] = {{"minimize", {"time_ms"}}};
  CHECK(issues_of(doc).empty());
}

TEST_CASE("area_mm2 is the sum of the components' areas from each section's own figures") {
  TempDir tmp;
  core::Json doc = spec_with_axes({{{"path", "/hardware"}, {"values", {"fusemax-like", "spatten-like"}}},
                                   {{"path", "/hardware/cores"}, {"values", {1, 2}}},
                                   {{"path", "/workload/seq_len"}, {"values", {4096}}}});
  doc["objectives"] = {"time_ms", "area_mm2"};
  doc["pareto"] = {{"minimize", {"time_ms", "area_mm2"}}};
  run(load(doc), tmp.path() / "out", 1);
  const auto rows = rows_of(tmp.path() / "out");
  REQUIRE(rows.size() == 4);
  // configs/hw/fusemax-like.json: 256 x 256 PEs at 0.0058009342 mm^2, 65,536 vector lanes at 0.00107928944 mm^2
  // (both per core), a 32 MiB global buffer at 2.943008 mm^2 per MiB (shared); memory, noc and dma give 0.
  const double fusemax_core = 65536 * 0.0058009342 + 65536 * 0.00107928944;
  const double fusemax_shared = 32 * 2.943008;
  CHECK(rows[0]["area_mm2"].get<double>() == doctest::Approx(fusemax_shared + fusemax_core).epsilon(1e-12));
  CHECK(rows[1]["area_mm2"].get<double>() == doctest::Approx(fusemax_shared + 2 * fusemax_core).epsilon(1e-12));
  // configs/hw/spatten-like.json: 512 MACs, 64 vector lanes and 16 top-k lanes per core, 384 KiB of buffers.
  const double spatten_core = 512 * 0.00122074 + 64 * 0.000852772 + 16 * 0.00340166;
  const double spatten_shared = 0.375 * 2.32534;
  CHECK(rows[2]["area_mm2"].get<double>() == doctest::Approx(spatten_shared + spatten_core).epsilon(1e-12));
  CHECK(rows[3]["area_mm2"].get<double>() == doctest::Approx(spatten_shared + 2 * spatten_core).epsilon(1e-12));
}

TEST_CASE("area_mm2 with a simulated component path follows each point's section") {
  TempDir tmp;
  core::Json doc = spec_with_axes({{{"path", "/hardware/matrix_unit/macs_per_cycle"}, {"values", {1024}}}});
  doc["study"] = (source_dir / "tests/data/sim_small.json").string();
  doc["backend"] = "simulate";
  doc["objectives"] = {"simulated_time_ms", "area_mm2"};
  doc["pareto"] = {{"minimize", {"simulated_time_ms", "area_mm2"}}};
  // h100-sxm gives no area figures: the objective is refused before anything runs.
  CHECK_THROWS_WITH_AS(load(doc),
                       doctest::Contains("sweep.json: /axes/0/values/0: 'area_mm2': the hardware with "
                                         "/hardware/matrix_unit/macs_per_cycle = 1024 gives no area figures for dma, "
                                         "l2, matrix_unit, memory, noc, vector_unit"),
                       core::ConfigError);
  // A systolic array's rows suit the FuseMax-like preset swept in, not the study's tensor cores: each value is
  // checked over the swept presets.
  doc["axes"] = {{{"path", "/hardware"}, {"values", {"fusemax-like"}}},
                 {{"zip",
                   {{{"path", "/hardware/matrix_unit/rows"}, {"values", {64, 128}}},
                    {{"path", "/hardware/matrix_unit/cols"}, {"values", {64, 128}}}}}},
                 {{"path", "/workload/seq_len"}, {"values", {1024}}}};
  const SweepSpec spec = load(doc);
  run(spec, tmp.path() / "out", 1);
  const auto rows = rows_of(tmp.path() / "out");
  REQUIRE(rows.size() == 2);
  const double rest = 65536 * 0.00107928944 + 32 * 2.943008;
  CHECK(rows[0]["area_mm2"].get<double>() == doctest::Approx(64 * 64 * 0.0058009342 + rest).epsilon(1e-12));
  CHECK(rows[1]["area_mm2"].get<double>() == doctest::Approx(128 * 128 * 0.0058009342 + rest).epsilon(1e-12));
}

TEST_CASE("energy_J and edp_Js are the scheduled stack's predicted energy, with a Pareto front over them") {
  TempDir tmp;
  core::Json doc = spec_with_axes({{{"path", "/workload/top_k"}, {"values", {1, 4, 16, 64}}},
                                   {{"path", "/hardware/cores"}, {"values", {66, 132}}}});
  doc["objectives"] = {"time_ms", "energy_J", "edp_Js"};
  doc["pareto"] = {{"minimize", {"time_ms", "energy_J"}}};
  run(load(doc), tmp.path() / "out", 1);
  const auto rows = rows_of(tmp.path() / "out");
  REQUIRE(rows.size() == 8);
  std::vector<std::string> front;
  for (const core::Json& r : rows) {
    const double energy = r["energy_J"].get<double>(), time_ms = r["time_ms"].get<double>();
    // The energy-delay product is energy x time in seconds.
    CHECK(r["edp_Js"].get<double>() == doctest::Approx(energy * time_ms * 1e-3).epsilon(1e-12));
    // The same point predicted on its own gives the same joules.
    core::Json study = core::Json::parse(read_text(source_dir / "configs/studies/kascade-llama-3.2-1b-32k.json"));
    study["workload"]["top_k"] = r["/workload/top_k"];
    study["hardware"] = {{"preset", "h100-sxm"}, {"cores", r["/hardware/cores"]}};
    const models::Prediction p = models::predict(load_point(study).study, models::Accounting::exact);
    CHECK(energy == doctest::Approx(p.schedule_model.energy.total_J()).epsilon(1e-12));
    const bool dominated = std::any_of(rows.begin(), rows.end(), [&](const core::Json& o) {
      const double oe = o["energy_J"].get<double>(), ot = o["time_ms"].get<double>();
      return oe <= energy && ot <= time_ms && (oe < energy || ot < time_ms);
    });
    if (!dominated) front.push_back(r["index"].dump());
  }
  // More top-k tiles per reuse layer cost more MACs and bytes: energy rises with top_k (rows: top_k slowest).
  CHECK(rows[0]["energy_J"].get<double>() < rows[2]["energy_J"].get<double>());
  CHECK(rows[2]["energy_J"].get<double>() < rows[6]["energy_J"].get<double>());
  const auto pareto = lines_in(tmp.path() / "out" / "pareto.csv");
  REQUIRE(pareto.size() == front.size() + 1);
  for (std::size_t i = 0; i < front.size(); ++i) CHECK(cells_of(pareto[i + 1])[0] == front[i]);
}

TEST_CASE("energy objectives are refused for hardware whose sections lack energy figures, naming them") {
  TempDir tmp;
  core::Json preset = core::Json::parse(read_text(source_dir / "configs/hw/h100-sxm.json"));
  preset["noc"].erase("static_W");
  preset["dma"].erase("request_pJ");
  const fs::path partial = tmp.path() / "partial.json";
  std::ofstream(partial) << preset.dump(2);
  core::Json doc = spec_with_axes({{{"path", "/hardware"}, {"values", {"h100-sxm", partial.string()}}}});
  doc["objectives"] = {"time_ms", "edp_Js"};
  doc["pareto"] = {{"minimize", {"time_ms", "edp_Js"}}};
  const auto issues = issues_of(doc);
  INFO(lines_of(issues));
  REQUIRE(issues.size() == 1);
  CHECK(issues.front().line() == "sweep.json: /objectives/1: 'edp_Js': preset " + partial.string() +
                                     " gives no energy figures for dma, noc (each component section takes its own, "
                                     "e.g. memory read_pJ_per_bit and static_W; docs/energy.md)");
  // An axis over an energy figure of a section only the simulator times is one the analytical model reads.
  doc = spec_with_axes({{{"path", "/hardware/noc/transfer_pJ_per_byte"}, {"values", {1, 2}}}});
  doc["backend"] = "analytical";
  doc["objectives"] = {"time_ms", "energy_J"};
  doc["pareto"] = {{"minimize", {"time_ms", "energy_J"}}};
  CHECK(issues_of(doc).empty());
}

TEST_CASE("objectives a study or preset cannot give are spec errors") {
  core::Json doc = spec_with_axes({{{"path", "/workload/top_k"}, {"values", {2}}}});
  doc["objectives"] = {"time_ms", "cascade_speedup", "area_mm2"};
  doc["pareto"] = {{"minimize", {"time_ms"}}};
  const auto issues = issues_of(doc);
  INFO(lines_of(issues));
  CHECK(issues.size() == 2);
  CHECK(has_issue(issues,
                  "sweep.json: /objectives/1: 'cascade_speedup' needs a study whose workload has a cascade "
                  "(kascade-llama-3.2-1b-32k has none)"));
  CHECK(has_issue(issues,
                  "sweep.json: /objectives/2: 'area_mm2': preset h100-sxm gives no area figures for dma, l2, "
                  "matrix_unit, memory, noc, vector_unit (each component section takes its own, e.g. matrix_unit "
                  "area_mm2_per_pe)"));
}

TEST_CASE("a constraint on a hardware field no axis sets is checked against each swept preset") {
  TempDir tmp;
  core::Json doc = spec_with_axes({{{"path", "/hardware"}, {"values", {"h100-sxm", "t4", "h200"}}},
                                   {{"path", "/workload/top_k"}, {"values", {2}}}});
  // T4's 64 KiB of shared memory per SM is below the bound; the H100's and H200's 228 KiB are not.
  doc["constraints"] = {{{"path", "/hardware/sram_per_core_bytes"}, {"min", 131072}}};
  run(load(doc), tmp.path() / "out", 1);
  const auto lines = lines_in(tmp.path() / "out" / "points.csv");
  REQUIRE(lines.size() == 4);
  CHECK(cells_of(lines[1])[3] == "ok");
  CHECK(lines[2] == "1,t4,2,excluded: /hardware/sram_per_core_bytes 65536 < min 131072,,,analytical");
  CHECK(cells_of(lines[3])[3] == "ok");
}

}  // namespace
}  // namespace cascadesim::sim::sweep
