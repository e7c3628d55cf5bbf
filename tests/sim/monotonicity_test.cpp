// More machine never makes a study slower in the simulator: more cores, HBM or L2 bandwidth, L2 capacity, or a
// faster clock, each alone, on a prefill and a decode. Kernels choose their tiles for the machine they run on
// (GEMM tile search, decode splits), so a larger machine never gets a worse schedule than a smaller one.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/cli/simulate_command.hpp"
#include "sim/config/study_loader.hpp"

using namespace cascadesim;

namespace {

// A 2-layer LLaMA-3.2-1B-shaped model (32 query heads over 8 K/V heads, head_dim 64) on h100-sxm with one
// hardware value changed.
double simulated_ns(const char* phase, int seq_len, int batch, const std::string& pointer, double value) {
  core::Json study = core::Json::parse(R"({"schema_version": 1, "name": "monotonicity",
    "hardware": {"preset": "h100-sxm"},
    "model": {"d_model": 2048, "n_heads": 32, "n_kv_heads": 8, "head_dim": 64, "d_mlp": 8192, "n_layers": 2,
              "mlp": "swiglu", "norm": "rmsnorm", "positional": "rope", "causal": true},
    "workload": {"tile_tokens": 128, "top_k": 4, "schedule": "1A+1R"}})");
  study["workload"]["phase"] = phase;
  study["workload"]["seq_len"] = seq_len;
  study["workload"]["batch"] = batch;
  study["hardware"][core::Json::json_pointer(pointer)] = value;
  const sim::Simulation s = sim::simulate_loaded(sim::load_study_text(study.dump(), "monotonicity.json", {}));
  return s.schedule.time_ns + s.dense.time_ns;
}

struct Axis {
  std::string pointer;
  std::vector<double> ascending;
};

const std::vector<Axis> axes = {
    {"/cores", {66, 100, 132, 264, 528}},        {"/memory/channel_bandwidth_GBps", {167.5, 335, 670, 1340}},
    {"/l2/bandwidth_GBps", {2750, 5500, 11000}}, {"/l2/bytes", {4e6, 16e6, 52428800, 2e8}},
    {"/clock_GHz", {1.0, 1.83, 3.66}},
};

void check_never_slower(const char* phase, int seq_len, int batch) {
  for (const Axis& axis : axes) {
    double previous = 0;
    for (double value : axis.ascending) {
      INFO(std::string(phase) << " " << axis.pointer << " = " << value);
      const double ns = simulated_ns(phase, seq_len, batch, axis.pointer, value);
      // Bandwidth calendars book time in windows (250 ns in h100-sxm), so a changed arrival order may move a
      // kernel's end by part of a window: "never slower" holds to 0.1% (about one window per kernel here).
      if (previous > 0) CHECK(ns <= previous * 1.001);
      previous = ns;
    }
  }
}

}  // namespace

TEST_CASE("more cores, bandwidth, L2 or clock never make a 4K prefill slower") {
  check_never_slower("prefill", 4096, 1);
}

TEST_CASE("more cores, bandwidth, L2 or clock never make an 8K decode slower") {
  check_never_slower("decode", 8192, 4);
}
