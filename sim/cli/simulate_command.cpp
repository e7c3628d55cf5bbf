// `cascadesim simulate`: argument parsing, running the dense baseline and the schedule, the table, the JSON
// and the Perfetto trace.
#include "sim/cli/simulate_command.hpp"

#include "sim/cli/decode_table.hpp"
#include "sim/cli/parallel_table.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "core/atomic_file.hpp"
#include "core/finite_result.hpp"
#include "hw/system/system.hpp"
#include "models/cascade.hpp"
#include "models/dataflow/layer.hpp"
#include "sim/cli/arguments.hpp"
#include "sim/cli/energy_table.hpp"
#include "sim/cli/predict_command.hpp"

namespace cascadesim::sim {

using models::LayerKind;
using models::Op;
using models::dataflow::Kernel;

const char* const simulate_usage =
    "usage: cascadesim simulate [STUDY.json] [--json] [--trace FILE] [--every-layer] [--sustained] [--hw PRESET]\n"
    "                           [--config-dir DIR]\n"
    "\n"
    "Replays the study's dataflow (and the all-dense baseline) on the hardware models of its preset.\n"
    "  --json          print one JSON object instead of the table\n"
    "  --trace FILE    write a Chrome/Perfetto trace-event JSON of the scheduled run (per core, per kernel)\n"
    "  --every-layer   simulate every layer; by default a layer doing the same work as one simulated before\n"
    "                  takes that layer's times and statistics (the table says how many were simulated)\n"
    "  --sustained     also each run repeated back to back for seconds: the clock settles where the board's power\n"
    "                  meets the hardware's power_limit_W (docs/energy.md); simulates both stacks a second time\n"
    "  --hw PRESET     replace the study's hardware with a preset (name or .json path)\n"
    "  --config-dir D  look for hw/ and models/ presets in D first (repeatable)\n";

SimulateOptions parse_simulate_args(const std::vector<std::string>& args) {
  const Arguments a(args,
                    {{"--json", Arity::flag},
                     {"--trace", Arity::one},
                     {"--every-layer", Arity::flag},
                     {"--sustained", Arity::flag},
                     {"--hw", Arity::one},
                     {"--config-dir", Arity::repeatable}},
                    "study", 1);
  SimulateOptions o;
  o.json = a.has("--json");
  o.trace_path = a.value("--trace");
  o.every_layer = a.has("--every-layer");
  o.sustained = a.has("--sustained");
  o.load.hardware_preset = a.value("--hw");
  o.load.config_dirs = a.values("--config-dir");
  if (!a.positionals().empty()) o.study_path = a.positionals().front();
  return o;
}

namespace {

// Streams trace events as they come, so a long run never holds them all in memory, into an output file that
// replaces the target only once the run has finished. Events arrive inside SystemC processes, which must not throw
// (SystemC would wrap the error): a failed write is kept, later events are dropped, and finish() throws it.
class PerfettoTrace final : public TraceSink {
 public:
  explicit PerfettoTrace(core::OutputFile& out) : out_(out) {
    put("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    put(R"({"name":"process_name","ph":"M","pid":1,"args":{"name":"cores"}},)"
        "\n");
    put(R"({"name":"process_name","ph":"M","pid":2,"args":{"name":"kernels and memory"}},)"
        "\n");
    put(R"({"name":"process_name","ph":"M","pid":3,"args":{"name":"memory channels"}})");
  }
  void finish() {
    put("\n]}\n");
    if (failure_) throw core::OutputError(*failure_);
  }

  void unit(std::int64_t core, const KernelRecord& k, double start_ns, double end_ns) override {
    char line[256];
    std::snprintf(line, sizeof line,
                  ",\n{\"name\":\"L%lld %s\",\"ph\":\"X\",\"pid\":1,\"tid\":%lld,\"ts\":%.4f,\"dur\":%.4f}",
                  static_cast<long long>(k.layer), k.name.c_str(), static_cast<long long>(core), start_ns / 1e3,
                  (end_ns - start_ns) / 1e3);
    put(line);
  }
  void kernel(const KernelRecord& k) override {
    char line[512];
    const double us = (k.end_ns - k.start_ns) / 1e3;
    std::snprintf(line, sizeof line,
                  ",\n{\"name\":\"L%lld %s (%s)\",\"ph\":\"X\",\"pid\":2,\"tid\":0,\"ts\":%.4f,\"dur\":%.4f,"
                  "\"args\":{\"units\":%.0f,\"tile_ops\":%.0f,\"requested_bytes\":%.0f}}",
                  static_cast<long long>(k.layer), k.name.c_str(), std::string(to_string(k.kind)).c_str(),
                  k.start_ns / 1e3, us, k.units, k.tile_ops, k.requested_bytes);
    put(line);
    std::snprintf(line, sizeof line,
                  ",\n{\"name\":\"bandwidth (GB/s)\",\"ph\":\"C\",\"pid\":2,\"ts\":%.4f,"
                  "\"args\":{\"requested by cores\":%.2f,\"HBM\":%.2f}}",
                  k.start_ns / 1e3, us > 0 ? k.requested_bytes / (us * 1e3) : 0.0,
                  us > 0 ? k.hbm_bytes / (us * 1e3) : 0.0);
    put(line);
    if (!k.channel_bytes.empty() && us > 0) {
      std::snprintf(line, sizeof line,
                    ",\n{\"name\":\"HBM channel bandwidth (GB/s)\",\"ph\":\"C\",\"pid\":3,\"ts\":%g,\"args\":{",
                    k.start_ns / 1e3);
      put(line);
      for (std::size_t c = 0; c < k.channel_bytes.size(); ++c) {
        std::snprintf(line, sizeof line, "%s\"channel %zu\":%g", c ? "," : "", c, k.channel_bytes[c] / (us * 1e3));
        put(line);
      }
      put("}}");
    }
  }

 private:
  void put(std::string_view text) {
    if (failure_) return;
    try {
      out_.write(text);
    } catch (const core::OutputError& e) {
      failure_ = e.what();
    }
  }

  core::OutputFile& out_;
  std::optional<std::string> failure_;
};

}  // namespace

namespace {

struct OpTimes {
  std::map<std::string, double> simulated_ns;
  std::map<std::string, double> analytical_ns;
};

std::string op_key(Op op, LayerKind kind) {
  if (op == Op::attention) return "attention (" + std::string(to_string(kind)) + ")";
  return std::string(to_string(op));
}

OpTimes op_times(const RunResult& r, const models::Prediction& p, const models::LayerCounts& counts) {
  OpTimes t;
  for (const KernelRecord& k : r.kernels) t.simulated_ns[op_key(k.op, k.kind)] += k.end_ns - k.start_ns;
  const std::array<std::int64_t, 3> n{counts.dense, counts.anchor, counts.reuse};
  for (std::size_t kind = 0; kind < 3; ++kind) {
    if (n[kind] == 0) continue;
    for (std::size_t op = 0; op < models::op_count; ++op) {
      if (p.layer_costs[kind].ops[op].kernels == 0) continue;
      t.analytical_ns[op_key(static_cast<Op>(op), static_cast<LayerKind>(kind))] +=
          static_cast<double>(n[kind]) * p.layer_times[kind][op].time_s * 1e9;
    }
  }
  for (std::size_t op = 0; op < models::op_count; ++op)
    if (p.model_ends.ops[op].kernels > 0)
      t.analytical_ns[op_key(static_cast<Op>(op), LayerKind::dense)] += p.model_end_times[op].time_s * 1e9;
  return t;
}

// The run's kernels as the dataflow describes them: their matrix and vector FLOPs, summed.
models::OpCost described_cost(const RunResult& r) {
  models::OpCost total;
  for (const KernelRecord& k : r.kernels) total += k.cost;
  return total;
}

core::Json run_json(const RunResult& r) {
  core::Json kernels_by_op = core::Json::object();
  for (const KernelRecord& k : r.kernels) {
    core::Json& e = kernels_by_op[op_key(k.op, k.kind)];
    if (e.is_null())
      e = core::Json{
          {"time_ms", 0.0}, {"kernels", 0}, {"tile_ops", 0.0}, {"requested_bytes", 0.0}, {"matrix_busy_ms", 0.0}};
    e["time_ms"] = e["time_ms"].get<double>() + (k.end_ns - k.start_ns) * 1e-6;
    e["kernels"] = e["kernels"].get<int>() + 1;
    e["tile_ops"] = e["tile_ops"].get<double>() + k.tile_ops;
    e["requested_bytes"] = e["requested_bytes"].get<double>() + k.requested_bytes;
    e["matrix_busy_ms"] = e["matrix_busy_ms"].get<double>() + k.matrix_busy_ns * 1e-6;
  }
  // Per layer: the time from the end of the previous layer's last kernel to the end of this layer's last.
  core::Json by_layer = core::Json::array();
  double previous_end = 0;
  for (std::size_t i = 0; i < r.kernels.size(); ++i) {
    const KernelRecord& k = r.kernels[i];
    if (i + 1 < r.kernels.size() && r.kernels[i + 1].layer == k.layer) continue;
    by_layer.push_back(
        {{"layer", k.layer}, {"kind", std::string(to_string(k.kind))}, {"time_ms", (k.end_ns - previous_end) * 1e-6}});
    previous_end = k.end_ns;
  }
  core::Json components = core::Json::object();
  const models::OpCost described = described_cost(r);
  for (const ComponentStats& c : r.components) {
    core::Json values = core::Json::object();
    for (std::size_t i = 0; i < c.infos.size(); ++i) values[std::string(c.infos[i].name)] = c.values[i];
    components[c.name] = values;
  }
  return core::Json{{"time_ms", r.time_ns * 1e-6},
                    {"launch_ms", r.launch_ns * 1e-6},
                    {"kernels", r.kernels.size()},
                    {"tile_ops", r.tile_ops},
                    {"layers", r.layers},
                    {"layers_simulated", r.layers_simulated},
                    {"matrix_flops", described.matrix_flops},
                    {"vector_flops", described.vector_flops},
                    {"matrix_TFLOP_per_s", described.matrix_flops / r.time_ns / 1e3},
                    {"by_op", kernels_by_op},
                    {"by_layer", by_layer},
                    {"components", components},
                    {"energy", models::energy_to_json(r.energy)}};
}

}  // namespace

namespace {
void add_extras_json(core::Json& j, const Simulation& s) {
  if (s.cascade) {
    core::Json stages = core::Json::array();
    for (const CascadeSimulation::Stage& st : s.cascade->stages)
      stages.push_back({{"tokens", st.tokens},
                        {"members", st.members},
                        {"run_fraction", st.run_fraction},
                        {"time_ms", st.time_ns * 1e-6}});
    j["cascade"] = {{"stages", stages},
                    {"expected_time_ms", s.cascade->expected_time_ns * 1e-6},
                    {"simulated_speedup", s.cascade->speedup},
                    {"analytical_practical_speedup", s.prediction.exact.cascade->practical_speedup}};
  }
  if (s.early_exit)
    j["early_exit"] = {{"expected_time_ms", s.early_exit->expected_time_ns * 1e-6},
                       {"simulated_speedup", s.early_exit->speedup},
                       {"analytical_time_speedup", s.prediction.exact.early_exit->time_speedup}};
  if (s.sustained) j["sustained"] = models::sustained_to_json(*s.sustained);
  if (s.decode) j["decode"] = decode_to_json(s.loaded.study, *s.prediction.exact.decode, &*s.decode);
}
}  // namespace

core::Json simulation_to_json(const Simulation& s) {
  const models::Study& st = s.loaded.study;
  core::Json j = core::Json{{"study", st.name},
                            {"hardware", st.hardware.name},
                            {"model", st.model.name},
                            {"dense", run_json(s.dense)},
                            {"schedule", run_json(s.schedule)},
                            {"simulated_speedup", s.speedup},
                            {"analytical_end_to_end_speedup", s.prediction.exact.end_to_end_speedup},
                            {"amdahl_speedup_exact", s.prediction.exact.amdahl_speedup},
                            {"amdahl_speedup_seed", s.prediction.seed.amdahl_speedup},
                            {"unfitted_families", unfitted_families(s)},
                            {"config", study_to_json(st)},
                            {"files", s.loaded.files}};
  add_extras_json(j, s);
  return j;
}

void write_simulation_table(std::ostream& out, const Simulation& s) {
  const models::Study& st = s.loaded.study;
  const models::HardwareSpec& hw = st.hardware;
  char line[512];
  const std::string schedule =
      st.workload.schedule.layers.empty() ? std::to_string(st.model.n_layers) + "D" : st.workload.schedule.compact();
  out << "cascadesim simulate: " << st.name << "\n  hardware " << hw.name << " (" << hw.cores << " cores at "
      << core::format_number(hw.clock_GHz) << " GHz), model " << st.model.name << ", seq_len " << st.workload.seq_len
      << ", batch " << st.workload.batch << ", top_k " << st.workload.top_k << "\n\n";
  auto row = [&out](const char* label, const std::string& a, const std::string& b) {
    write_pair_row(out, label, a, b);
  };
  const auto f = formatted;
  const RunResult& d = s.dense;
  const RunResult& r = s.schedule;
  row("", std::to_string(st.model.n_layers) + "D (dense)", schedule);
  row("total time", f("%.3f ms", d.time_ns / 1e6), f("%.3f ms", r.time_ns / 1e6));
  row("cycles", f("%.0f", d.time_ns * hw.clock_GHz), f("%.0f", r.time_ns * hw.clock_GHz));
  row("kernels (launch + sync time)",
      f("%.0f", static_cast<double>(d.kernels.size())) + f(" (%.3f ms)", d.launch_ns / 1e6),
      f("%.0f", static_cast<double>(r.kernels.size())) + f(" (%.3f ms)", r.launch_ns / 1e6));
  row("layers simulated (the others repeat one)",
      f("%.0f", static_cast<double>(d.layers_simulated)) + f(" of %.0f", static_cast<double>(d.layers)),
      f("%.0f", static_cast<double>(r.layers_simulated)) + f(" of %.0f", static_cast<double>(r.layers)));
  row("tile operations", f("%.0f", d.tile_ops), f("%.0f", r.tile_ops));
  row("achieved TFLOP/s (matrix and vector)", f("%.1f", described_cost(d).flops() / d.time_ns / 1e3),
      f("%.1f", described_cost(r).flops() / r.time_ns / 1e3));
  auto hbm = [](const RunResult& x) { return x.memory.moved_bytes(); };
  row("HBM bytes", f("%.3g", hbm(d)), f("%.3g", hbm(r)));
  row("HBM achieved GB/s", f("%.0f", hbm(d) / d.time_ns), f("%.0f", hbm(r) / r.time_ns));
  auto l2_hit = [](const RunResult& x) {
    const double tile_reads = x.l2.hits + x.l2.misses;
    return tile_reads > 0 ? x.l2.hits / tile_reads : 0.0;
  };
  row("L2 tile hit rate", f("%.1f%%", 100 * l2_hit(d)), f("%.1f%%", 100 * l2_hit(r)));
  auto busy_share = [&](const RunResult& x, double KernelRecord::*busy_ns) {
    double busy = 0;
    for (const KernelRecord& k : x.kernels) busy += k.*busy_ns;
    return busy / (static_cast<double>(hw.cores) * x.time_ns);
  };
  row("matrix unit utilization (of peak)", f("%.1f%%", 100 * matrix_utilization(d)),
      f("%.1f%%", 100 * matrix_utilization(r)));
  row("matrix unit busy (of core time)", f("%.1f%%", 100 * busy_share(d, &KernelRecord::matrix_busy_ns)),
      f("%.1f%%", 100 * busy_share(r, &KernelRecord::matrix_busy_ns)));
  row("vector unit busy (of core time)", f("%.1f%%", 100 * busy_share(d, &KernelRecord::vector_busy_ns)),
      f("%.1f%%", 100 * busy_share(r, &KernelRecord::vector_busy_ns)));
  row("HBM bandwidth utilization", f("%.1f%%", 100 * hbm_utilization(d)), f("%.1f%%", 100 * hbm_utilization(r)));
  auto requested = [](const RunResult& x) {
    double total = 0;
    for (const KernelRecord& k : x.kernels) total += k.requested_bytes;
    return total;
  };
  row("bytes requested by cores", f("%.3g", requested(d)), f("%.3g", requested(r)));
  row("bytes served by L2 (tile hits)", f("%.3g", d.l2.hit_bytes), f("%.3g", r.l2.hit_bytes));

  out << "\nTime by operation (ms): simulated vs analytical roofline (exact costs)\n";
  std::snprintf(line, sizeof line, "%-26s %12s %12s   %12s %12s\n", "op", "dense sim", "dense model", "sched sim",
                "sched model");
  out << line;
  const OpTimes td = op_times(d, s.prediction.exact, models::LayerCounts{st.model.n_layers, 0, 0});
  const OpTimes tr = op_times(r, s.prediction.exact, s.prediction.exact.layers);
  std::map<std::string, int> keys;
  for (const auto& [k, v] : td.simulated_ns) keys[k] = 1;
  for (const auto& [k, v] : tr.simulated_ns) keys[k] = 1;
  auto get = [](const std::map<std::string, double>& m, const std::string& k) {
    const auto it = m.find(k);
    return it == m.end() ? 0.0 : it->second / 1e6;
  };
  for (const auto& [k, one] : keys) {
    std::snprintf(line, sizeof line, "%-26s %12.3f %12.3f   %12.3f %12.3f\n", k.c_str(), get(td.simulated_ns, k),
                  get(td.analytical_ns, k), get(tr.simulated_ns, k), get(tr.analytical_ns, k));
    out << line;
  }
  write_energy_table(out, d.energy, r.energy, std::to_string(st.model.n_layers) + "D (dense)", schedule);
  out << "\nSpeedup of " << schedule << " over dense: simulated " << f("%.3fx", s.speedup) << ", analytical roofline "
      << f("%.3fx", s.prediction.exact.end_to_end_speedup) << ", Amdahl exact "
      << f("%.3fx", s.prediction.exact.amdahl_speedup) << ", Amdahl seed "
      << f("%.3fx", s.prediction.seed.amdahl_speedup) << "\n";
  if (s.sustained) write_sustained_table(out, *s.sustained, std::to_string(st.model.n_layers) + "D (dense)", schedule);
  if (const std::vector<std::string> unfitted = unfitted_families(s); !unfitted.empty()) {
    out << "Kernel families this run uses without fitted figures on " << hw.name << " (the components' own rates):";
    for (const std::string& name : unfitted) out << " " << name;
    out << "\n";
  }
  if (s.cascade) {
    out << "\nCascade (" << s.cascade->stages.size() << " stages): expected "
        << f("%.3f ms", s.cascade->expected_time_ns / 1e6) << " per batch, simulated speedup "
        << f("%.3fx", s.cascade->speedup) << " (analytical "
        << f("%.3fx", s.prediction.exact.cascade->practical_speedup) << ")\n";
    for (std::size_t i = 0; i < s.cascade->stages.size(); ++i) {
      const CascadeSimulation::Stage& stage = s.cascade->stages[i];
      std::snprintf(line, sizeof line, "  stage %zu: %lld tokens, %.0f sequences, runs %.1f%% of batches, %.3f ms\n",
                    i + 1, static_cast<long long>(stage.tokens), stage.members, 100 * stage.run_fraction,
                    stage.time_ns / 1e6);
      out << line;
    }
  }
  if (s.early_exit)
    out << "\nEarly exit: expected " << f("%.3f ms", s.early_exit->expected_time_ns / 1e6) << ", simulated speedup "
        << f("%.3fx", s.early_exit->speedup) << " (analytical "
        << f("%.3fx", s.prediction.exact.early_exit->time_speedup) << ")\n";
  if (s.decode) write_decode_table(out, s.loaded.study, *s.prediction.exact.decode, &*s.decode);
  out << "The simulator adds what the roofline leaves out: wave quantization over " << hw.cores
      << " cores, the causal imbalance between query tiles, L2 misses and HBM contention, pipeline bubbles when a "
         "K/V tile arrives late, and launch gaps; the per-operation rows above show where each cost lands.\n";
}

SimulateResult simulate_command_result(LoadedStudy loaded, const SimulateOptions& options) {
  if (options.sustained)
    if (const std::string problem = sustained_problem(loaded.study.hardware); !problem.empty())
      throw UsageError("--sustained: " + problem);
  // The trace is created only once the study has loaded, and replaces its target only once the run has finished:
  // a bad study or a failed run leaves an existing file as it was.
  std::optional<core::OutputFile> trace_file;
  std::optional<PerfettoTrace> trace;
  if (!options.trace_path.empty()) {
    core::refuse_output_over_inputs(options.trace_path, loaded.files, "--trace");
    trace.emplace(trace_file.emplace(options.trace_path));
  }
  SimulateResult r{simulate_loaded(std::move(loaded), SimulationOptions{trace ? &*trace : nullptr, !options.every_layer,
                                                                        options.sustained}),
                   {}};
  r.json = simulation_to_json(r.simulation);
  core::require_finite_result(r.json, r.simulation.loaded.files.front());
  if (trace) {
    trace->finish();
    trace_file->commit();
  }
  return r;
}

void run_simulate(const SimulateOptions& options, std::ostream& out) {
  LoadedStudy loaded = load_study(study_path_or_default(options.study_path), options.load);
  if (runs_parallel(loaded.study)) {
    // Many devices: the links are simulated and each device's compute taken from the roofline of its share (a
    // cycle-level replay of every device's kernels is not made), so there is no kernel trace to write.
    if (!options.trace_path.empty() || options.every_layer)
      throw core::ConfigError({core::ConfigIssue{options.trace_path.empty() ? "--every-layer" : "--trace", "",
                                                 "a many-device study simulates its links only: no kernels to trace "
                                                 "or replay per layer"}});
    if (options.sustained)
      throw UsageError(
          "--sustained: a many-device study's devices are not run under the power limit (its "
          "compute comes from the roofline of each device's share)");
    const models::ParallelPrediction predicted = models::predict_parallel(loaded.study);
    const SimulatedParallel simulated = simulate_parallel_loaded(loaded);
    core::Json j = {{"study", loaded.study.name},
                    {"hardware", loaded.study.hardware.name},
                    {"model", loaded.study.model.name},
                    {"parallel", parallel_to_json(loaded.study, predicted, &simulated)},
                    {"config", study_to_json(loaded.study)},
                    {"files", loaded.files}};
    core::require_finite_result(j, loaded.files.front());
    if (options.json) {
      out << j.dump(2) << "\n";
    } else {
      out << "cascadesim simulate: " << loaded.study.name << "\n  hardware " << loaded.study.hardware.name << ", model "
          << loaded.study.model.name << "\n";
      write_parallel_table(out, loaded.study, predicted, &simulated);
    }
    return;
  }
  const SimulateResult r = simulate_command_result(std::move(loaded), options);
  if (options.json)
    out << r.json.dump(2) << "\n";
  else
    write_simulation_table(out, r.simulation);
}

}  // namespace cascadesim::sim
