// Predict's and simulate's many-device block.
#include "sim/cli/parallel_table.hpp"

#include <cstdio>
#include <string>

namespace cascadesim::sim {

namespace {
constexpr const char* kind_names[models::layer_kinds] = {"dense", "anchor", "reuse"};

std::int64_t kind_count(const models::LayerCounts& c, std::size_t k) {
  return k == 0 ? c.dense : (k == 1 ? c.anchor : c.reuse);
}
}  // namespace

bool runs_parallel(const models::Study& study) { return study.hardware.interconnect.multi_device(); }

core::Json parallel_to_json(const models::Study& study, const models::ParallelPrediction& p,
                            const SimulatedParallel* simulated) {
  const models::ParallelSpec& spec = study.workload.parallel;
  core::Json j = {{"devices", p.devices},
                  {"topology", std::string(models::to_string(study.hardware.interconnect.topology))},
                  {"context", std::string(models::to_string(spec.context))},
                  {"context_parallel", p.cp},
                  {"tensor_parallel", p.tp},
                  {"kv_fetch", std::string(models::to_string(spec.kv_fetch))},
                  {"tp_collective", std::string(models::to_string(spec.tp_collective))},
                  {"time_ms", p.time_s * 1e3},
                  {"dense_time_ms", p.dense_time_s * 1e3},
                  {"speedup", p.speedup()}};
  core::Json layers = core::Json::object();
  for (std::size_t k = 0; k < models::layer_kinds; ++k) {
    const models::ParallelLayerTime& t = p.layers[k];
    core::Json l = {{"layers", kind_count(p.counts, k)},
                    {"time_ms", t.time_s * 1e3},
                    {"compute_ms", t.compute_s * 1e3},
                    {"exposed_link_ms", t.exposed_link_s * 1e3},
                    {"collective_ms", t.collective_s * 1e3},
                    {"sent_bytes", t.sent_bytes},
                    {"bound", t.link_bound() ? "links" : "compute"}};
    if (simulated) {
      l["simulated_time_ms"] = simulated->layers[k].time_s * 1e3;
      l["simulated_link_wait_ms"] = simulated->layers[k].link_wait_s * 1e3;
      l["simulated_sent_bytes"] = simulated->layers[k].sent_bytes;
    }
    layers[kind_names[k]] = l;
  }
  j["layers"] = layers;
  if (simulated) {
    j["simulated_time_ms"] = simulated->time_s * 1e3;
    j["simulated_dense_time_ms"] = simulated->dense_time_s * 1e3;
    j["simulated_speedup"] = simulated->dense_time_s / simulated->time_s;
  }
  return j;
}

void write_parallel_table(std::ostream& out, const models::Study& study, const models::ParallelPrediction& p,
                          const SimulatedParallel* simulated) {
  const models::ParallelSpec& spec = study.workload.parallel;
  char line[256];
  out << "\nDevices: " << p.devices << " over a " << models::to_string(study.hardware.interconnect.topology)
      << " interconnect; context " << models::to_string(spec.context) << " x" << p.cp << ", tensor parallel x" << p.tp
      << ", reuse layers' K/V " << models::to_string(spec.kv_fetch) << "\n";
  std::snprintf(line, sizeof line, "  %-7s %6s %11s %11s %11s %11s %12s %8s%s\n", "layer", "count", "time ms",
                "compute ms", "link ms", "collect. ms", "sent MB", "bound",
                simulated ? "   simulated ms  wait ms" : "");
  out << line;
  for (std::size_t k = 0; k < models::layer_kinds; ++k) {
    const models::ParallelLayerTime& t = p.layers[k];
    std::snprintf(line, sizeof line, "  %-7s %6lld %11.3f %11.3f %11.3f %11.3f %12.1f %8s", kind_names[k],
                  static_cast<long long>(kind_count(p.counts, k)), t.time_s * 1e3, t.compute_s * 1e3,
                  t.exposed_link_s * 1e3, t.collective_s * 1e3, t.sent_bytes * 1e-6,
                  t.link_bound() ? "links" : "compute");
    out << line;
    if (simulated) {
      std::snprintf(line, sizeof line, " %15.3f %8.3f", simulated->layers[k].time_s * 1e3,
                    simulated->layers[k].link_wait_s * 1e3);
      out << line;
    }
    out << "\n";
  }
  std::snprintf(line, sizeof line,
                "  stack: %.3f ms, every layer dense %.3f ms, speedup %.3fx (alpha-beta closed forms)\n",
                p.time_s * 1e3, p.dense_time_s * 1e3, p.speedup());
  out << line;
  if (simulated) {
    std::snprintf(line, sizeof line, "  simulated links: %.3f ms, every layer dense %.3f ms, speedup %.3fx\n",
                  simulated->time_s * 1e3, simulated->dense_time_s * 1e3, simulated->dense_time_s / simulated->time_s);
    out << line;
  }
  out << "  link ms: the attention's wait for K/V, queries or fetched tiles beyond its compute; collect. ms: tensor-"
         "parallel collectives, Ulysses' all-to-alls, the selection exchange\n";
}

}  // namespace cascadesim::sim
