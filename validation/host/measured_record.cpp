// The measured-results and micro-benchmark files of cascadesim-validate, written atomically.
#include "validation/host/measured_record.hpp"
#include "validation/host/micro_result.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

namespace cascadesim::validation {

namespace {
nlohmann::ordered_json device_json(const DeviceInfo& d) {
  return {{"name", d.name},
          {"compute_capability",
           std::to_string(d.compute_capability_major) + "." + std::to_string(d.compute_capability_minor)},
          {"sm_count", d.sm_count},
          {"sm_clock_kHz", d.sm_clock_kHz},
          {"memory_clock_kHz", d.memory_clock_kHz},
          {"l2_bytes", d.l2_bytes},
          {"driver_version", d.driver_version},
          {"runtime_version", d.runtime_version}};
}

}  // namespace

void write_json_atomically(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    if (!out) throw std::runtime_error(temp + ": cannot open for writing");
    out << text;
    out.flush();
    if (!out) throw std::runtime_error(temp + ": write failed");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0)
    throw std::runtime_error(path + ": rename from " + temp + " failed");
}

double percentile(std::vector<double> samples, double q) {
  if (samples.empty()) throw std::invalid_argument("percentile: no samples");
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(q * static_cast<double>(samples.size()));
  const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return samples[std::min(index, samples.size() - 1)];
}

void write_records_atomically(const std::string& path, const std::vector<MeasuredRecord>& records) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& r : records) {
    nlohmann::ordered_json record = {{"name", r.spec.name},
                                     {"kernel", kernel_kind_name(r.spec.kernel)},
                                     {"batch", r.spec.shape.batch},
                                     {"seq_len", r.spec.shape.seq_len},
                                     {"heads", r.spec.shape.heads},
                                     {"head_dim", r.spec.shape.head_dim},
                                     {"causal", r.spec.shape.causal},
                                     {"tile_q", r.spec.tile_q},
                                     {"tile_k", r.spec.tile_k},
                                     {"top_k", r.spec.top_k},
                                     {"pool_factor", r.spec.pool_factor},
                                     {"schedule", r.spec.schedule.layers.empty() ? "" : r.spec.schedule.compact()},
                                     {"repetitions", r.spec.repetitions},
                                     {"warmup", r.spec.warmup},
                                     {"buffer_sets", r.buffer_sets},
                                     {"executed_blocks", r.executed_blocks},
                                     {"flop_count", r.flop_count},
                                     {"compulsory_bytes", r.compulsory_bytes},
                                     {"median_ms", r.median_ms},
                                     {"p10_ms", r.p10_ms},
                                     {"p90_ms", r.p90_ms},
                                     {"achieved_TFLOP_per_s", r.achieved_TFLOP_per_s},
                                     {"achieved_GB_per_s", r.achieved_GB_per_s},
                                     {"samples_ms", r.samples_ms}};
    if (!r.stages.empty()) {
      nlohmann::ordered_json stages = nlohmann::ordered_json::array();
      for (const StageSamples& stage : r.stages)
        stages.push_back({{"name", stage.name},
                          {"median_ms", percentile(stage.samples_ms, 0.5)},
                          {"p10_ms", percentile(stage.samples_ms, 0.1)},
                          {"p90_ms", percentile(stage.samples_ms, 0.9)},
                          {"samples_ms", stage.samples_ms}});
      record["stages"] = std::move(stages);
    }
    record["device"] = device_json(r.device);
    list.push_back(std::move(record));
  }
  const nlohmann::ordered_json document = {{"schema_version", 1}, {"records", list}};
  write_json_atomically(path, document.dump(2) + "\n");
}

void write_micro_results_atomically(const std::string& path, const DeviceInfo& device,
                                    const std::vector<MicroBenchResult>& results) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const MicroBenchResult& r : results) {
    nlohmann::ordered_json parameters = nlohmann::ordered_json::object();
    for (const auto& [key, value] : r.parameters) parameters[key] = value;
    list.push_back({{"name", r.name},
                    {"metric", r.metric},
                    {"median", r.median},
                    {"p10", r.p10},
                    {"p90", r.p90},
                    {"median_ms", r.median_ms},
                    {"parameters", std::move(parameters)},
                    {"note", r.note},
                    {"samples_ms", r.samples_ms}});
  }
  const nlohmann::ordered_json document = {
      {"schema_version", 1}, {"device", device_json(device)}, {"results", std::move(list)}};
  write_json_atomically(path, document.dump(2) + "\n");
}

}  // namespace cascadesim::validation
