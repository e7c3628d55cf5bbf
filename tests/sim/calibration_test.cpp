// Calibration against measurements the simulator itself produced with known parameters and noise, the split rule,
// and the report's tables against its CSV.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config_error.hpp"
#include "models/kernel_families.hpp"
#include "reports/calibration_report.hpp"
#include "sim/calibration/calibration.hpp"
#include "sim/calibration/record_kernels.hpp"
#include "tests/temp_dir.hpp"

using namespace cascadesim;
using namespace cascadesim::sim;

namespace {

const char* const h100_name = "NVIDIA H100 80GB HBM3";

std::vector<MeasuredPoint> synthetic_points(const std::vector<std::int64_t>& seq_lens = {512, 1024, 2048, 4096}) {
  std::vector<MeasuredPoint> points;
  for (std::int64_t seq_len : seq_lens) {
    for (std::int64_t head_dim : {64, 128}) {
      for (const char* kernel : {"dense", "anchor", "sparse"}) {
        MeasuredPoint p;
        p.kernel = kernel;
        p.seq_len = seq_len;
        p.heads = 32;
        p.head_dim = head_dim;
        p.tile_q = p.tile_k = 128;
        p.top_k = std::string(kernel) == "dense" ? 0 : 2;
        p.device = h100_name;
        p.name = "s" + std::to_string(seq_len) + "_d" + std::to_string(head_dim) + "_" + kernel;
        points.push_back(p);
      }
    }
  }
  return points;
}

// Records as cascadesim validate writes them, each time scaled by a deterministic +-1% "noise"; with sustained runs,
// each with its energy block as --energy-s writes it.
std::string write_records(const std::vector<MeasuredPoint>& points, const std::vector<double>& ms,
                          const std::vector<models::SustainedRun>& sustained = {},
                          const std::string& device = h100_name) {
  core::Json records = core::Json::array();
  for (std::size_t i = 0; i < points.size(); ++i) {
    const MeasuredPoint& p = points[i];
    const double noisy = ms[i] * (1.0 + 0.01 * std::sin(static_cast<double>(i) * 2.399));
    records.push_back({{"name", p.name},
                       {"kernel", p.kernel},
                       {"implementation", p.implementation},
                       {"batch", 1},
                       {"seq_len", p.seq_len},
                       {"heads", p.heads},
                       {"head_dim", p.head_dim},
                       {"causal", true},
                       {"tile_q", p.tile_q},
                       {"tile_k", p.tile_k},
                       {"top_k", p.top_k},
                       {"median_ms", noisy},
                       {"p10_ms", noisy * 0.99},
                       {"p90_ms", noisy * 1.01},
                       {"device", {{"name", device}}}});
    if (p.kernel == "gemm") {
      records.back()["gemm_n"] = p.gemm_n;
      records.back()["gemm_k"] = p.gemm_k;
      records.back()["causal"] = false;
    }
    if (!sustained.empty())
      records.back()["energy"] = {
          {"energy_per_run_J", sustained[i].energy_J},
          {"ms_per_run", sustained[i].time_s * 1e3},
          {"loaded", {{"mean_power_W", sustained[i].power_W}, {"sm_clock_MHz_median", sustained[i].clock_GHz * 1e3}}}};
  }
  // A folder of this process's own, so that two test runs on one machine never share the file.
  static const testing::TempDir dir;
  const std::string path = (dir.path() / "synthetic_measured.json").string();
  std::ofstream(path) << core::Json{{"schema_version", 1}, {"records", records}}.dump();
  return path;
}

double parameter(const CalibrationResult& r, const std::string& key) {
  for (const CalibratedParameter& p : r.parameters)
    if (p.key == key) return p.after;
  FAIL("no parameter " << key);
  return 0;
}

// The calibrated simulator's errors over the held-out points.
ErrorSummary held_out_simulator_errors(const CalibrationResult& result) {
  std::vector<double> measured, predicted;
  std::vector<bool> held;
  for (const PointResult& p : result.points) {
    measured.push_back(p.point.time_ms);
    predicted.push_back(p.simulated_after_ms);
    held.push_back(p.held_out);
  }
  return summarize_errors(predicted, measured, held);
}

}  // namespace

TEST_CASE("calibration recovers the simulator's parameters from its own noisy measurements") {
  // The truth: the H100 preset with the shared and the fa2-style family's figures moved well away from where the
  // fit starts.
  core::Json truth = flatten_hardware_preset("h100-sxm", {});
  truth["kernel_families"]["fa2-style"] = {
      {"matrix_time_scale", 2.8}, {"vector_time_scale", 1.5}, {"softmax_overlap", 0.5}, {"unit_fixed_ns", 1500}};
  truth["memory"]["latency_ns"] = 1500.0;
  truth["kernel_launch_us"] = 5.0;
  const std::vector<MeasuredPoint> points = synthetic_points();
  const std::string path = write_records(points, simulate_points_ms(truth, points));

  CalibrateOptions options;
  options.hardware_preset = "h100-sxm";
  options.measured_paths = {path};
  options.commit = "test";
  options.max_iterations = 40;
  const CalibrationResult result = calibrate(options);
  // With 1% noise the parameters that dominate the times come back within a few percent.
  CHECK(parameter(result, "/kernel_families/fa2-style/matrix_time_scale") == doctest::Approx(2.8).epsilon(0.05));
  CHECK(parameter(result, "/kernel_families/fa2-style/vector_time_scale") == doctest::Approx(1.5).epsilon(0.25));
  CHECK(parameter(result, "/kernel_families/fa2-style/unit_fixed_ns") == doctest::Approx(1500).epsilon(0.5));
  CHECK(parameter(result, "/kernel_launch_us") == doctest::Approx(5.0).epsilon(0.15));
  CHECK(parameter(result, "/memory/latency_ns") == doctest::Approx(1500.0).epsilon(0.35));
  // Held-out points (every second length: 1024 and 4096) are predicted within the noise plus a little. S = 4096 is
  // twice the longest training length, and on these points the vector time scale and the softmax overlap trade off
  // (vector comes back at 2.2-2.3, not 1.5): two fits that differ only by 1e-12 rounding in the memory model's
  // bandwidth windows land at 2.4% and 4.8% on S = 4096, d = 64, so the bound on the worst point is 5%.
  const ErrorSummary errors = held_out_simulator_errors(result);
  CHECK(errors.count == 12);
  CHECK(errors.median_ape < 0.015);
  CHECK(errors.max_ape < 0.05);
  // The calibrated preset loads like any other and carries its provenance.
  const core::Json& preset = result.calibrated_preset;
  CHECK(preset.at("name") == "h100-sxm-calibrated");
  CHECK(preset.at("calibration").at("commit") == "test");
  CHECK(hardware_spec_of(preset).kernel_launch_us == doctest::Approx(parameter(result, "/kernel_launch_us")));
  std::filesystem::remove(path);
}

TEST_CASE("calibrate with families fits the named family's own figures alone, the shared and other figures held") {
  // The truth: the H100 preset with fa3-style kernels slower and costlier per unit than it says.
  core::Json truth = flatten_hardware_preset("h100-sxm", {});
  truth["kernel_families"]["fa3-style"] = {{"matrix_time_scale", 1.8}, {"unit_fixed_ns", 3000}};
  std::vector<MeasuredPoint> points;
  for (MeasuredPoint p : synthetic_points({512, 1024, 2048}))
    if (p.kernel != "anchor") {
      p.implementation = "fa3-style";
      points.push_back(p);
    }
  const std::string path = write_records(points, simulate_points_ms(truth, points));
  const core::Json shipped = flatten_hardware_preset("h100-sxm", {});

  CalibrateOptions options;
  options.hardware_preset = "h100-sxm";
  options.measured_paths = {path};
  options.fit_energy = false;
  options.families = {"fa3-style"};
  options.max_iterations = 20;
  const CalibrationResult result = calibrate(options);
  for (const CalibratedParameter& p : result.parameters) {
    INFO(p.key);
    CHECK(p.key.rfind("/kernel_families/fa3-style/", 0) == 0);
  }
  CHECK(parameter(result, "/kernel_families/fa3-style/matrix_time_scale") == doctest::Approx(1.8).epsilon(0.1));
  const core::Json& preset = result.calibrated_preset;
  CHECK(preset.at("memory").at("latency_ns") == shipped.at("memory").at("latency_ns"));
  CHECK(preset.at("kernel_launch_us") == shipped.at("kernel_launch_us"));
  CHECK(preset.value("matrix_efficiency", 0.0) == shipped.value("matrix_efficiency", 0.0));
  CHECK_FALSE(preset.contains(core::Json::json_pointer("/kernel_families/fa2-style")));

  // A family the records never ran is refused, naming the option.
  options.families = {"gemm"};
  std::string message;
  try {
    calibrate(options);
  } catch (const core::ConfigError& e) {
    message = e.what();
  }
  CHECK(message.find("--families") != std::string::npos);
  CHECK(message.find("'gemm' has no training record") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("the split holds out every second sequence length of each implementation, and every stack") {
  std::vector<MeasuredPoint> points(8);
  const std::int64_t lengths[] = {4096, 1024, 2048, 1024, 8192, 8192, 32768, 4096};
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].seq_len = lengths[i];
    points[i].kernel = "dense";
  }
  points[5].implementation = points[6].implementation = "fa3-style";  // its lengths: 8192, 32768
  points[7].kernel = "stack";
  const Split split = split_points(points);
  CHECK(split.held_out == std::vector<bool>{false, false, true, false, true, false, true, true});
  CHECK(split.rule.find("fa2-style: 2048, 8192") != std::string::npos);
  CHECK(split.rule.find("fa3-style: 32768") != std::string::npos);
  // Only stacks: nothing to train on.
  std::vector<MeasuredPoint> stacks(2);
  for (MeasuredPoint& p : stacks) p.kernel = "stack";
  CHECK_THROWS_AS(split_points(stacks), std::invalid_argument);
}

TEST_CASE("the report's error table and its CSV carry the same numbers") {
  // Two dense and two sparse points with predictions off by known fractions.
  std::vector<PointResult> points(4);
  const double measured[] = {2.0, 1.0, 8.0, 2.0};
  const double simulated[] = {2.2, 0.9, 8.0, 2.5};  // +10%, -10%, 0%, +25%
  for (std::size_t i = 0; i < 4; ++i) {
    MeasuredPoint& p = points[i].point;
    p.name = "p" + std::to_string(i);
    p.kernel = i % 2 == 0 ? "dense" : "sparse";
    p.seq_len = i < 2 ? 1024 : 2048;
    p.heads = 32;
    p.head_dim = 64;
    p.tile_q = p.tile_k = 128;
    p.top_k = i % 2 == 0 ? 0 : 5;
    p.time_ms = measured[i];
    points[i].held_out = i >= 2;
    points[i].simulated_before_ms = points[i].simulated_after_ms = simulated[i];
    points[i].analytical_before_ms = points[i].analytical_after_ms = measured[i];
  }
  const cascadesim::reports::Table table = error_table(points);
  // Row order: simulator before training, held-out; simulator after training, held-out; analytical ...
  REQUIRE(table.rows.size() == 8);
  CHECK(table.rows[2][4] == "10.0%");  // training: |+10%|, |-10%|
  CHECK(table.rows[3][4] == "12.5%");  // held-out: median of 0% and 25%
  CHECK(table.rows[3][5] == "25.0%");
  // Speedups: training 2.0/1.0 = 2 against 2.2/0.9 = 2.444 (22.2%); held-out 4 against 3.2 (20%).
  CHECK(table.rows[2][7] == "22.2%");
  CHECK(table.rows[3][7] == "20.0%");
  CHECK(table.rows[6][4] == "0.0%");
  // The CSV holds the same values the table was computed from.
  std::istringstream csv(points_csv(points));
  std::string header, line;
  std::getline(csv, header);
  CHECK(header.find("measured_ms,measured_p10_ms,measured_p90_ms,simulated_before_ms,simulated_after_ms") !=
        std::string::npos);
  int rows = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    REQUIRE(cells.size() >= 17);
    CHECK(std::stod(cells[12]) == doctest::Approx(measured[rows]));
    CHECK(std::stod(cells[16]) == doctest::Approx(simulated[rows]));
    CHECK(cells[11] == (rows >= 2 ? "held-out" : "training"));
    ++rows;
  }
  CHECK(rows == 4);
}

TEST_CASE("a GEMM record is one projection's GEMM, simulated and predicted, and fitted as the gemm family") {
  const std::string text = R"({"schema_version": 1, "records": [
    {"name": "qkv", "kernel": "gemm", "batch": 1, "seq_len": 4096, "gemm_n": 3072, "gemm_k": 2048, "heads": 0,
     "head_dim": 0, "causal": false, "tile_q": 0, "tile_k": 0, "top_k": 0, "median_ms": 0.084, "p10_ms": 0.083,
     "p90_ms": 0.088, "device": {"name": "NVIDIA H100 80GB HBM3"}},
    {"name": "bad", "kernel": "gemm", "model": "llama-3.2-1b", "batch": 1, "seq_len": 4096, "gemm_n": 0, "heads": 0, "head_dim": 0,
     "causal": false, "tile_q": 0, "tile_k": 0, "top_k": 0, "median_ms": 1, "p10_ms": 1, "p90_ms": 1,
     "device": {"name": "NVIDIA H100 80GB HBM3"}}]})";
  try {
    load_measured_text(text, "g.json");
    FAIL("a gemm record without gemm_k, with gemm_n 0 and naming a model was accepted");
  } catch (const core::ConfigError& e) {
    const std::string what = e.what();
    CHECK(what.find("g.json: /records/1/gemm_n: must be >= 1") != std::string::npos);
    CHECK(what.find("g.json: /records/1/gemm_k: missing required field") != std::string::npos);
    CHECK(what.find("g.json: /records/1/model: only a stack or layer_op record names a model") != std::string::npos);
  }
  MeasuredSet set = load_measured_text(text.substr(0, text.find(",\n    {\"name\": \"bad\"")) + "]}", "g.json");
  REQUIRE(set.points.size() == 1);
  const MeasuredPoint& p = set.points[0];
  const std::vector<models::dataflow::Kernel> kernels = record_kernels(p);
  REQUIRE(kernels.size() == 1);
  const auto& g = std::get<models::dataflow::GemmWork>(kernels[0].work);
  CHECK(g.m == 4096);
  CHECK(g.n == 3072);
  CHECK(g.k == 2048);
  CHECK(models::dataflow::kernel_family(kernels[0]) == *models::kernel_family_index("gemm"));
  // 2 x 4096 x 3072 x 2048 FLOPs at the H100's 989 TFLOP/s take 52 us; both models land above that.
  const core::Json h100 = flatten_hardware_preset("h100-sxm", {});
  CHECK(simulate_points_ms(h100, {p})[0] > 0.052);
  CHECK(analytical_points_ms(h100, {p})[0] > 0.052);
}

TEST_CASE("a decode record is one split-KV decode kernel at its recorded splits, then the combine, as decode") {
  const std::string text = R"({"schema_version": 1, "records": [
    {"name": "d", "kernel": "decode", "batch": 8, "seq_len": 32768, "heads": 32, "kv_heads": 8, "head_dim": 128,
     "causal": true, "tile_q": 64, "tile_k": 64, "top_k": 0, "kv_splits": 5, "median_ms": 0.38, "p10_ms": 0.37,
     "p90_ms": 0.39, "device": {"name": "NVIDIA H100 80GB HBM3"}},
    {"name": "bad", "kernel": "decode", "batch": 8, "seq_len": 32768, "heads": 32, "kv_heads": 5, "head_dim": 128,
     "causal": true, "tile_q": 64, "tile_k": 64, "top_k": 0, "kv_splits": -1, "median_ms": 1, "p10_ms": 1,
     "p90_ms": 1, "device": {"name": "NVIDIA H100 80GB HBM3"}}]})";
  try {
    load_measured_text(text, "d.json");
    FAIL("a decode record with 5 K/V heads for 32 query heads and -1 splits was accepted");
  } catch (const core::ConfigError& e) {
    const std::string what = e.what();
    CHECK(what.find("d.json: /records/1/kv_heads: must be >= 1 and divide heads (32)") != std::string::npos);
    CHECK(what.find("d.json: /records/1/kv_splits: must be >= 0") != std::string::npos);
  }
  MeasuredSet set = load_measured_text(text.substr(0, text.find(",\n    {\"name\": \"bad\"")) + "]}", "d.json");
  REQUIRE(set.points.size() == 1);
  const MeasuredPoint& p = set.points[0];
  const std::vector<models::dataflow::Kernel> kernels =
      models::dataflow::split_for_cores(record_kernels(p), models::dataflow::SplitMachine{132});
  REQUIRE(kernels.size() == 2);  // the split kernel and its combine
  const auto& a = std::get<models::dataflow::AttentionWork>(kernels[0].work);
  CHECK(a.rows == 1);
  CHECK(a.kv_heads == 8);
  CHECK(a.heads_per_unit == 4);
  CHECK(a.kv_splits == 5);  // as the kernel ran, not the machine's choice (132 cores / 64 groups: 3)
  CHECK(models::dataflow::kernel_family(kernels[0]) == *models::kernel_family_index("decode"));
  // 8 sequences x 8 K/V heads x 32768 keys x 128 x 2 (K and V) x 2 bytes = 1.07 GB at the H100's 3.35 TB/s: 0.32 ms.
  const core::Json h100 = flatten_hardware_preset("h100-sxm", {});
  CHECK(simulate_points_ms(h100, {p})[0] > 0.32);
  CHECK(analytical_points_ms(h100, {p})[0] > 0.32);
}

TEST_CASE(
    "a record's energy block gives its energy per run, sustained time, power and clock, and a bad one is refused") {
  const std::string text = R"({"schema_version": 1, "records": [
    {"name": "e", "kernel": "dense", "batch": 1, "seq_len": 4096, "heads": 32, "head_dim": 64, "causal": true, "tile_q": 128,
     "tile_k": 128, "top_k": 0, "median_ms": 0.2, "p10_ms": 0.2, "p90_ms": 0.2,
     "energy": {"energy_per_run_J": 0.14, "ms_per_run": 0.21,
                "loaded": {"mean_power_W": 667, "sm_clock_MHz_median": 1815}},
     "device": {"name": "NVIDIA H100 80GB HBM3"}},
    {"name": "bad", "kernel": "dense", "batch": 1, "seq_len": 4096, "heads": 32, "head_dim": 64, "causal": true, "tile_q": 128,
     "tile_k": 128, "top_k": 0, "median_ms": 0.2, "p10_ms": 0.2, "p90_ms": 0.2,
     "energy": {"energy_per_run_J": -1, "ms_per_run": 0.21}, "device": {"name": "NVIDIA H100 80GB HBM3"}}]})";
  try {
    load_measured_text(text, "e.json");
    FAIL("a negative energy per run and an energy block without its loaded window were accepted");
  } catch (const core::ConfigError& e) {
    const std::string what = e.what();
    CHECK(what.find("e.json: /records/1/energy/energy_per_run_J: must be > 0") != std::string::npos);
    CHECK(what.find("e.json: /records/1/energy/loaded: missing required field") != std::string::npos);
  }
  const MeasuredSet set = load_measured_text(text.substr(0, text.find(",\n    {\"name\": \"bad\"")) + "]}", "e.json");
  REQUIRE(set.points.size() == 1);
  CHECK(set.points[0].energy_J == 0.14);
  CHECK(set.points[0].sustained_ms == 0.21);
  CHECK(set.points[0].sustained_power_W == 667);
  CHECK(set.points[0].sustained_sm_clock_MHz == 1815);
}

TEST_CASE("a layer_op record is its model's layer kernel of that op, fitted and held out as the elementwise family") {
  const std::string text = R"({"schema_version": 1, "records": [
    {"name": "norm", "kernel": "layer_op", "model": "llama-3.2-1b", "op": "norm", "batch": 1, "seq_len": 4096,
     "heads": 32, "head_dim": 64, "causal": true, "tile_q": 128, "tile_k": 128, "top_k": 0, "median_ms": 0.0355,
     "p10_ms": 0.035, "p90_ms": 0.041, "device": {"name": "NVIDIA H100 80GB HBM3"}},
    {"name": "bad", "kernel": "layer_op", "batch": 1, "seq_len": 4096, "heads": 32, "head_dim": 64, "causal": true,
     "tile_q": 128, "tile_k": 128, "top_k": 0, "median_ms": 1, "p10_ms": 1, "p90_ms": 1,
     "device": {"name": "NVIDIA H100 80GB HBM3"}}]})";
  try {
    load_measured_text(text, "l.json");
    FAIL("a layer_op record without its model and op was accepted");
  } catch (const core::ConfigError& e) {
    const std::string what = e.what();
    CHECK(what.find("l.json: /records/1/op: missing required field") != std::string::npos);
    CHECK(what.find("l.json: /records/1/model: missing for a layer_op record") != std::string::npos);
  }
  MeasuredSet set = load_measured_text(text.substr(0, text.find(",\n    {\"name\": \"bad\"")) + "]}", "l.json");
  REQUIRE(set.points.size() == 1);
  MeasuredPoint p = set.points[0];
  const std::vector<models::dataflow::Kernel> kernels = record_kernels(p);
  REQUIRE(kernels.size() == 1);
  const auto& w = std::get<models::dataflow::StreamWork>(kernels[0].work);
  // The residual stream and the attention output read, the stream and the normalized input written: 4096 x 2048 bf16
  // each, and the norm's 2048 weights.
  CHECK(w.read_bytes == 2.0 * 4096 * 2048 * 2 + 2048 * 2);
  CHECK(w.write_bytes == 2.0 * 4096 * 2048 * 2);
  CHECK(models::dataflow::kernel_family(kernels[0]) == *models::kernel_family_index("elementwise"));
  CHECK(record_family(p) == "elementwise");
  p.op = "rope";
  CHECK(std::get<models::dataflow::StreamWork>(record_kernels(p)[0].work).vector_ops == 4096.0 * (2048 + 512) * 3);
  p.op = "attention_sink";
  CHECK_THROWS_WITH_AS(record_kernels(p), doctest::Contains("a layer of llama-3.2-1b runs no 'attention_sink' kernel"),
                       std::invalid_argument);
}

TEST_CASE("a stack record naming a model is its whole layers as a study of it runs them, paired with its dense stack") {
  auto stack = [](const char* name, const char* schedule, std::int64_t top_k) {
    MeasuredPoint p;
    p.name = name;
    p.kernel = "stack";
    p.model = "llama-3.2-1b";
    p.schedule = schedule;
    p.implementation = "fa3-style";
    p.seq_len = 4096;
    p.heads = 32;
    p.head_dim = 64;
    p.tile_q = p.tile_k = 128;
    p.top_k = top_k;
    p.time_ms = 10;
    return p;
  };
  const MeasuredPoint dense = stack("dense", "16D", 0), scheduled = stack("scheduled", "1D+3A+12R", 5);
  const std::vector<models::dataflow::Kernel> kernels = record_kernels(scheduled);
  std::int64_t gemms = 0, attention = 0;
  for (const models::dataflow::Kernel& k : kernels) {
    gemms += std::holds_alternative<models::dataflow::GemmWork>(k.work) ? 1 : 0;
    if (const auto* a = std::get_if<models::dataflow::AttentionWork>(&k.work)) {
      ++attention;
      CHECK(a->kv_heads == 8);  // LLaMA-3.2-1B's GQA, which an attention-only stack record does not know
      CHECK(a->implementation == models::dataflow::attention_implementation_index("fa3-style"));
    }
  }
  CHECK(gemms == 16 * 4);  // QKV, O, gate and up, down in every layer
  CHECK(attention == 16);  // one per layer; an anchor's writes its block maxima as it goes
  CHECK(record_family(scheduled) == "layers");
  CHECK_THROWS_WITH_AS(record_kernels(stack("short", "8D", 0)),
                       doctest::Contains("has 8 layers but llama-3.2-1b has 16"), std::invalid_argument);
  std::vector<PointResult> results(3);
  results[0].point = dense;
  results[1].point = scheduled;
  results[2].point = scheduled;
  results[2].point.model.clear();  // an attention-only stack of the same shape is not this dense stack's pair
  results[2].point.name = "attention only";
  const std::vector<SpeedupPair> pairs = speedup_pairs(results);
  REQUIRE(pairs.size() == 1);
  CHECK(pairs[0].baseline == 0);
  CHECK(pairs[0].variant == 1);
}

TEST_CASE("the micro-benchmarks' HBM copy and L2 read bandwidths and graph launch gap are measured, not fitted") {
  std::vector<MeasuredPoint> points = synthetic_points();
  points.resize(6);
  const std::string records =
      write_records(points, simulate_points_ms(flatten_hardware_preset("h100-sxm", {}), points));
  static const testing::TempDir dir;
  const std::string micro = (dir.path() / "micro.json").string();
  auto result_named = [](const char* name, double median) {
    return core::Json{{"name", name}, {"median", median}, {"samples_ms", {1.0}}};
  };
  std::ofstream(micro) << core::Json{
      {"schema_version", 1},
      {"device", {{"name", h100_name}}},
      {"results",
       {result_named("hbm_copy", 2800.0), result_named("l2_read", 7630.0),
        result_named("launch_overhead_graph",
                     0.79)}}}.dump();
  CalibrateOptions options;
  options.hardware_preset = "h100-sxm";
  options.measured_paths = {records, micro};
  options.commit = "test";
  options.max_iterations = 1;
  const CalibrationResult result = calibrate(options);
  const core::Json& preset = result.calibrated_preset;
  CHECK(preset.at("l2").at("bandwidth_GBps").get<double>() == doctest::Approx(7630.0));
  CHECK(parameter(result, "/l2/bandwidth_GBps") == doctest::Approx(7630.0));
  const double channels = preset.at("memory").at("channels").get<double>();
  CHECK(preset.at("memory").at("channel_bandwidth_GBps").get<double>() * channels == doctest::Approx(2800.0));
  // With the gap measured, what a kernel timed alone pays beyond it is fitted per family.
  CHECK(preset.at("kernel_launch_us").get<double>() == doctest::Approx(0.79));
  bool family_kernel_cost_fitted = false;
  for (const CalibratedParameter& p : result.parameters) {
    if (p.key == "/kernel_launch_us") CHECK(p.how == "measured");
    if (p.key == "/kernel_families/fa2-style/kernel_fixed_us") family_kernel_cost_fitted = p.how == "fitted";
  }
  CHECK(family_kernel_cost_fitted);
  std::filesystem::remove(records);
}

TEST_CASE("the energy fit recovers action energies, static power and the voltage slope from sustained runs") {
  // The truth: the H100 preset's MACs 1.8x, HBM 3x, static power 1.3x and a voltage slope of 0.6; each point run
  // back to back under its 700 W limit as the truth predicts it (clock, time and energy per run).
  core::Json truth = flatten_hardware_preset("h100-sxm", {});
  truth["matrix_unit"]["mac_pJ"] = 1.3 * 1.8;
  truth["memory"]["read_pJ_per_bit"] = truth["memory"]["write_pJ_per_bit"] = 3.28 * 3;
  for (const char* section : {"memory", "l2", "noc", "dma", "matrix_unit", "vector_unit"})
    truth[section]["static_W"] = truth[section]["static_W"].get<double>() * 1.3;
  truth["voltage_clock_slope"] = 0.6;
  std::vector<MeasuredPoint> points = synthetic_points();
  for (std::int64_t seq_len : {4096, 16384, 65536}) {  // memory-bound decode beside the attention kernels
    MeasuredPoint p;
    p.kernel = "decode";
    p.batch = 8;
    p.seq_len = seq_len;
    p.heads = 32;
    p.kv_heads = 8;
    p.head_dim = 128;
    p.tile_q = p.tile_k = 128;
    p.implementation = "fa2-style";
    p.device = h100_name;
    p.name = "decode_" + std::to_string(seq_len);
    points.push_back(p);
  }
  const std::vector<PointPrediction> reference = simulate_points(truth, points);
  const std::vector<models::SustainedRun> runs = sustained_points(truth, points, reference, simulate_points);
  int at_limit = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].time_ms = reference[i].time_ms;
    points[i].energy_J = runs[i].energy_J;
    points[i].sustained_ms = runs[i].time_s * 1e3;
    points[i].sustained_sm_clock_MHz = runs[i].clock_GHz * 1e3;
    at_limit += runs[i].at_limit ? 1 : 0;
  }
  REQUIRE(at_limit > 0);  // some points sit at the limit, others run at the top clock
  REQUIRE(at_limit < static_cast<int>(points.size()));

  core::Json fitted = flatten_hardware_preset("h100-sxm", {});
  const std::vector<CalibratedParameter> changed = fit_energy_figures(fitted, points);
  REQUIRE_FALSE(changed.empty());
  CHECK(fitted["matrix_unit"]["mac_pJ"].get<double>() == doctest::Approx(1.3 * 1.8).epsilon(0.1));
  CHECK(fitted["memory"]["read_pJ_per_bit"].get<double>() == doctest::Approx(3.28 * 3).epsilon(0.2));
  CHECK(fitted["matrix_unit"]["static_W"].get<double>() == doctest::Approx(0.35 * 1.3).epsilon(0.1));
  CHECK(fitted["voltage_clock_slope"].get<double>() == doctest::Approx(0.6).epsilon(0.25));
  // The fitted preset predicts every sustained run's energy within 3%.
  const std::vector<models::SustainedRun> predicted =
      sustained_points(fitted, points, simulate_points(fitted, points), simulate_points);
  for (std::size_t i = 0; i < points.size(); ++i) {
    CAPTURE(points[i].name);
    CHECK(predicted[i].energy_J == doctest::Approx(points[i].energy_J).epsilon(0.03));
  }
}

TEST_CASE("records without measured energy leave every energy figure as the preset gives it") {
  core::Json hardware = flatten_hardware_preset("h100-sxm", {});
  const core::Json before = hardware;
  CHECK(fit_energy_figures(hardware, synthetic_points()).empty());
  CHECK(hardware == before);
}

TEST_CASE("calibrate --fit energy on a calibrated preset keeps its time figures and adds the energy fit") {
  // The truth: the earlier calibration's time figures, and MACs at 2.0 pJ.
  core::Json truth = flatten_hardware_preset("h100-sxm", {});
  truth["kernel_families"]["fa2-style"]["matrix_time_scale"] = 2.5;
  truth["matrix_unit"]["mac_pJ"] = 2.0;
  const std::vector<MeasuredPoint> points = synthetic_points();
  const std::vector<PointPrediction> reference = simulate_points(truth, points);
  std::vector<double> ms;
  for (const PointPrediction& p : reference) ms.push_back(p.time_ms);
  const std::string records = write_records(points, ms, sustained_points(truth, points, reference, simulate_points));
  core::Json calibrated = truth;
  calibrated["name"] = "h100-sxm-calibrated";
  calibrated["matrix_unit"]["mac_pJ"] = 1.3;
  calibrated["source"]["kernel_families"] = "fitted earlier (test)";
  calibrated["calibration"] = {{"commit", "earlier"}, {"parameters", core::Json::array()}};
  static const testing::TempDir dir;
  const std::string preset = (dir.path() / "calibrated.json").string();
  std::ofstream(preset) << calibrated.dump();

  CalibrateOptions options;
  options.hardware_preset = preset;
  options.measured_paths = {records};
  options.fit_time = false;
  const CalibrationResult result = calibrate(options);
  const core::Json& out = result.calibrated_preset;
  CHECK(out.at("name") == "h100-sxm-calibrated");
  CHECK(out.at("kernel_families").at("fa2-style").at("matrix_time_scale") == 2.5);
  CHECK(out.at("calibration").at("commit") == "earlier");
  CHECK(out.at("calibration").contains("energy_fit"));
  CHECK(out.at("calibration").at("parameters").size() == result.parameters.size());
  for (const CalibratedParameter& p : result.parameters) CHECK(p.key.find("kernel_families") == std::string::npos);
  // Half the points train, all of them small attention kernels, whose mixes of MACs, softmax and bytes differ
  // little: the MAC energy moves most of the way from the preset's 1.3 pJ to the truth's 2.0 (the pull towards the
  // cited figures and the other factors share the rest), and the held-out runs' energy error falls to under half of
  // the preset's.
  CHECK(parameter(result, "/matrix_unit/mac_pJ") > 1.6);
  const core::Json& held =
      out.at("calibration").at("energy_fit").at("simulator_sustained_energy_errors").at("held_out");
  CHECK(held.at("points") == 12);
  std::vector<double> before_J, measured_J;
  std::vector<bool> held_out;
  const std::vector<models::SustainedRun> before =
      sustained_points(calibrated, points, simulate_points(calibrated, points), simulate_points);
  for (std::size_t i = 0; i < points.size(); ++i) {
    before_J.push_back(before[i].energy_J);
    held_out.push_back(result.points[i].held_out);
    measured_J.push_back(result.points[i].point.energy_J);
  }
  const double before_median = summarize_errors(before_J, measured_J, held_out).median_ape;
  CHECK(held.at("median_ape").get<double>() < 0.5 * before_median);
}

TEST_CASE("calibrate --fit analytical refits the analytical efficiencies alone, each family's its own") {
  // Records the analytical model makes with fa2-style attention at efficiency 0.6 and compute-bound GEMMs at 0.9, on
  // a preset calibrated earlier at 0.5 for all: the refit finds each family's (the records are its own predictions)
  // and leaves every simulator figure as it was.
  core::Json calibrated = flatten_hardware_preset("h100-sxm", {});
  calibrated["name"] = "h100-sxm-calibrated";
  calibrated["kernel_families"]["fa2-style"]["matrix_time_scale"] = 2.5;
  std::vector<MeasuredPoint> points = synthetic_points();
  for (std::int64_t m : {2048, 4096, 8192, 16384}) {
    MeasuredPoint p;
    p.kernel = "gemm";
    p.seq_len = m;
    p.gemm_n = p.gemm_k = 4096;
    p.device = h100_name;
    p.name = "gemm_m" + std::to_string(m);
    points.push_back(p);
  }
  core::Json truth = calibrated;
  truth["kernel_families"]["fa2-style"]["analytical_matrix_efficiency"] = 0.6;
  truth["kernel_families"]["gemm"]["analytical_matrix_efficiency"] = 0.9;
  const std::string records = write_records(points, analytical_points_ms(truth, points));
  calibrated["matrix_efficiency"] = 0.5;
  calibrated["source"]["matrix_efficiency"] = calibrated["source"]["kernel_families"] = "fitted earlier (test)";
  calibrated["calibration"] = {{"commit", "earlier"}, {"parameters", core::Json::array()}};
  static const cascadesim::testing::TempDir dir;
  const std::string preset = (dir.path() / "calibrated.json").string();
  std::ofstream(preset) << calibrated.dump();

  CalibrateOptions options;
  options.hardware_preset = preset;
  options.measured_paths = {records};
  options.fit_time = options.fit_energy = false;
  options.fit_analytical = true;
  options.commit = "refit";
  const CalibrationResult result = calibrate(options);
  const core::Json& out = result.calibrated_preset;
  REQUIRE(result.parameters.size() == 3);
  CHECK(result.parameters[0].key == "/matrix_efficiency");
  // Within the scan's 0.01 steps and the records' 1% noise.
  CHECK(parameter(result, "/kernel_families/fa2-style/analytical_matrix_efficiency") ==
        doctest::Approx(0.6).epsilon(0.03));
  CHECK(parameter(result, "/kernel_families/gemm/analytical_matrix_efficiency") == doctest::Approx(0.9).epsilon(0.03));
  core::Json simulator_figures = out.at("kernel_families");
  simulator_figures["fa2-style"].erase("analytical_matrix_efficiency");
  CHECK(simulator_figures["fa2-style"] == calibrated.at("kernel_families").at("fa2-style"));
  CHECK(simulator_figures["gemm"] ==
        core::Json{
            {"analytical_matrix_efficiency", parameter(result, "/kernel_families/gemm/analytical_matrix_efficiency")}});
  CHECK(out.at("memory") == calibrated.at("memory"));
  CHECK(out.at("calibration").at("commit") == "earlier");
  CHECK(out.at("calibration").at("analytical_fit_commit") == "refit");
  CHECK(out.at("calibration").at("kernel_time_errors").at("analytical_after").at("held_out").at("median_ape") < 0.03);
  // "analytical_before" is the shipped preset's, which a refit leaves alone (here there was none).
  CHECK(!out.at("calibration").at("kernel_time_errors").contains("analytical_before"));
}

TEST_CASE("--transfer-from carries a calibrated preset's fitted time figures to another card and holds out all") {
  // The source: an H100 preset whose fa2-style family and memory latency a calibration fitted, and whose MAC energy
  // it also fitted (an energy figure of the H100's board, not to be carried).
  core::Json source = flatten_hardware_preset("h100-sxm", {});
  source["name"] = "h100-sxm-calibrated";
  source["kernel_families"]["fa2-style"] = {
      {"matrix_time_scale", 2.4}, {"vector_time_scale", 1.7}, {"softmax_overlap", 0.4}, {"unit_fixed_ns", 2500}};
  source["memory"]["latency_ns"] = 900.0;
  source["matrix_efficiency"] = 0.61;
  source["matrix_unit"]["mac_pJ"] = 2.2;
  source["source"]["kernel_families"] = source["source"]["matrix_efficiency"] = "fitted earlier (test)";
  core::Json fitted = core::Json::array();
  for (const char* key :
       {"/kernel_families/fa2-style/matrix_time_scale", "/kernel_families/fa2-style/vector_time_scale",
        "/kernel_families/fa2-style/softmax_overlap", "/kernel_families/fa2-style/unit_fixed_ns", "/memory/latency_ns",
        "/matrix_efficiency", "/matrix_unit/mac_pJ"})
    fitted.push_back({{"key", key}, {"how", "fitted"}});
  source["calibration"] = {{"commit", "earlier"}, {"parameters", fitted}};
  static const testing::TempDir dir;
  const std::string source_path = (dir.path() / "h100-calibrated.json").string();
  std::ofstream(source_path) << source.dump();
  // The other card runs the same SMs: its records follow the H200 preset with the source's kernel figures.
  core::Json truth = flatten_hardware_preset("h200", {});
  truth["kernel_families"] = source["kernel_families"];
  truth["memory"]["latency_ns"] = 900.0;
  std::vector<MeasuredPoint> points = synthetic_points();
  for (MeasuredPoint& p : points) p.device = "NVIDIA H200";
  const std::string records = write_records(points, simulate_points_ms(truth, points), {}, "NVIDIA H200");

  CalibrateOptions options;
  options.hardware_preset = "h200";
  options.measured_paths = {records};
  options.transfer_from = source_path;
  const CalibrationResult result = calibrate(options);
  const core::Json& out = result.calibrated_preset;
  CHECK(out.at("name") == "h200-transferred");
  CHECK(out.at("kernel_families").at("fa2-style").at("unit_fixed_ns") == 2500);
  CHECK(out.at("memory").at("latency_ns") == 900.0);
  CHECK(out.at("matrix_efficiency") == 0.61);
  CHECK(out.at("matrix_unit").at("mac_pJ") == truth.at("matrix_unit").at("mac_pJ"));
  CHECK(out.at("memory").at("channel_bandwidth_GBps") == truth.at("memory").at("channel_bandwidth_GBps"));
  CHECK(out.at("calibration").at("transferred_from") == source_path);
  CHECK(result.parameters.size() == 6);
  for (const CalibratedParameter& p : result.parameters) CHECK(p.how == "transferred");
  // Nothing trains: every record is held out and predicted within the records' 1% noise.
  const ErrorSummary errors = held_out_simulator_errors(result);
  CHECK(errors.count == points.size());
  CHECK(errors.max_ape < 0.011);

  // A preset no calibration fitted has nothing to carry: refused naming its provenance's pointer.
  options.transfer_from = "h100-sxm";
  try {
    calibrate(options);
    FAIL("an uncalibrated source was accepted");
  } catch (const core::ConfigError& e) {
    CHECK(std::string(e.what()).find("/calibration/parameters") != std::string::npos);
  }
  std::filesystem::remove(records);
}
