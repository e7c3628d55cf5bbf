// The measured-results and micro-benchmark files of cascadesim-validate, written atomically.
#include "validation/host/measured_record.hpp"

#include "core/atomic_file.hpp"
#include "core/input_limits.hpp"
#include "validation/host/micro_result.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace cascadesim::validation {

namespace {
using nlohmann::ordered_json;

ordered_json device_json(const DeviceInfo& d) {
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

// What a record says about its case: a resumed record must agree with its case on every one of these.
ordered_json case_json(const CaseSpec& spec) {
  return {{"name", spec.name},
          {"kernel", kernel_kind_name(spec.kernel)},
          {"batch", spec.shape.batch},
          {"seq_len", spec.shape.seq_len},
          {"heads", spec.shape.heads},
          {"kv_heads", spec.kv_head_count()},
          {"head_dim", spec.shape.head_dim},
          {"causal", spec.shape.causal},
          {"tile_q", spec.tile_q},
          {"tile_k", spec.tile_k},
          {"top_k", spec.top_k},
          {"pool_factor", spec.pool_factor},
          {"schedule", spec.schedule.layers.empty() ? "" : spec.schedule.compact()},
          {"repetitions", spec.repetitions},
          {"warmup", spec.warmup},
          {"implementation", implementation_name(spec.implementation)},
          {"splits", spec.splits}};
}

ordered_json window_json(const BoardWindow& w) {
  return {{"seconds", w.seconds},
          {"energy_J", w.energy_J},
          {"mean_power_W", w.mean_power_W},
          {"sm_clock_MHz_median", w.sm_clock_MHz_median},
          {"sm_clock_MHz_min", w.sm_clock_MHz_min},
          {"power_capped_fraction", w.power_capped_fraction},
          {"samples", w.samples}};
}

ordered_json energy_json(const EnergyMeasurement& e) {
  const double runs = static_cast<double>(e.runs);
  // Dynamic: above what the board drew idle just before, at the idle clock state (static power while active is
  // higher than idle; a model fits that part).
  return {{"runs", e.runs},
          {"ms_per_run", e.ms_per_run},
          {"energy_per_run_J", e.loaded.energy_J / runs},
          {"energy_above_idle_per_run_J", (e.loaded.energy_J - e.idle.mean_power_W * e.loaded.seconds) / runs},
          {"power_limit_W", e.power_limit_W},
          {"idle", window_json(e.idle)},
          {"loaded", window_json(e.loaded)}};
}

ordered_json record_json(const MeasuredRecord& r) {
  ordered_json record = case_json(r.spec);
  record["buffer_sets"] = r.buffer_sets;
  if (r.spec.kernel == KernelKind::kDecode) record["decode_splits"] = r.decode_splits;
  record["executed_blocks"] = r.executed_blocks;
  record["flop_count"] = r.flop_count;
  record["compulsory_bytes"] = r.compulsory_bytes;
  record["median_ms"] = r.median_ms;
  record["p10_ms"] = r.p10_ms;
  record["p90_ms"] = r.p90_ms;
  record["achieved_TFLOP_per_s"] = r.achieved_TFLOP_per_s;
  record["achieved_GB_per_s"] = r.achieved_GB_per_s;
  record["samples_ms"] = r.samples_ms;
  if (!r.stages.empty()) {
    ordered_json stages = ordered_json::array();
    for (const StageSamples& stage : r.stages)
      stages.push_back({{"name", stage.name},
                        {"median_ms", percentile(stage.samples_ms, 0.5)},
                        {"p10_ms", percentile(stage.samples_ms, 0.1)},
                        {"p90_ms", percentile(stage.samples_ms, 0.9)},
                        {"samples_ms", stage.samples_ms}});
    record["stages"] = std::move(stages);
  }
  if (r.energy) record["energy"] = energy_json(*r.energy);
  record["device"] = device_json(r.device);
  return record;
}

// The records of an interrupted run, checked against the cases and the device; the problems, one per line.
std::vector<std::string> read_resumed_records(const std::string& path, const std::string& text,
                                              const std::vector<CaseSpec>& cases, const DeviceInfo& device,
                                              std::vector<std::string>& record_text) {
  std::vector<std::string> problems;
  const auto problem = [&](const std::string& pointer, const std::string& what) {
    problems.push_back(path + ": " + pointer + ": " + what);
  };
  if (const std::optional<core::ConfigIssue> deep = core::json_nesting_problem(text, path)) {
    problems.push_back(deep->line());
    return problems;
  }
  ordered_json document;
  try {
    document = ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // syntax errors, and numbers too large for a double
    problem("/", std::string("invalid JSON (") + e.what() + ")");
    return problems;
  }
  if (!document.is_object() || !document.contains("records") || !document.at("records").is_array()) {
    problem("/records", "must be the list of measured records");
    return problems;
  }
  if (document.value("schema_version", ordered_json()) != 1) problem("/schema_version", "must be 1");
  const ordered_json& records = document.at("records");
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::string at = "/records/" + std::to_string(i);
    const ordered_json& record = records[i];
    if (!record.is_object() || !record.contains("name") || !record.at("name").is_string()) {
      problem(at + "/name", "must be the name of a case");
      continue;
    }
    const std::string name = record.at("name").get<std::string>();
    const auto match = std::find_if(cases.begin(), cases.end(), [&](const CaseSpec& c) { return c.name == name; });
    if (match == cases.end()) {
      problem(at + "/name", "case '" + name + "' is not in the cases being measured");
      continue;
    }
    const std::size_t index = static_cast<std::size_t>(match - cases.begin());
    if (!record_text[index].empty()) {
      problem(at + "/name", "case '" + name + "' has a second record");
      continue;
    }
    bool same_case = true;
    const ordered_json expected = case_json(*match);
    for (const auto& [key, value] : expected.items()) {
      // Records written before the fa3-style kernels existed name no implementation: they ran the fa2-style ones;
      // records written before GQA and decode cases existed name no kv_heads (they had one per head) and no splits.
      if (!record.contains(key) &&
          ((key == "implementation" && value == "fa2-style") || (key == "kv_heads" && value == match->shape.heads) ||
           (key == "splits" && value == 0)))
        continue;
      if (!record.contains(key) || record.at(key) != value) {
        problem(at + "/" + key, (record.contains(key) ? record.at(key).dump() : std::string("missing")) +
                                    " differs from the case's " + value.dump() +
                                    ": the cases changed since; measure them into another file");
        same_case = false;
      }
    }
    const ordered_json* samples = record.contains("samples_ms") ? &record.at("samples_ms") : nullptr;
    if (!samples || !samples->is_array() || samples->size() != static_cast<std::size_t>(match->repetitions) ||
        !std::all_of(samples->begin(), samples->end(), [](const ordered_json& v) { return v.is_number(); })) {
      problem(at + "/samples_ms", "must hold the case's " + std::to_string(match->repetitions) + " samples");
      same_case = false;
    }
    const ordered_json* device_name =
        record.contains("device") && record.at("device").is_object() && record.at("device").contains("name")
            ? &record.at("device").at("name")
            : nullptr;
    if (!device_name || *device_name != device.name) {
      problem(at + "/device/name", (device_name ? device_name->dump() : std::string("missing")) +
                                       " is not this device (\"" + device.name +
                                       "\"): records of one file come from one device");
      same_case = false;
    }
    if (same_case) record_text[index] = record.dump();
  }
  return problems;
}

}  // namespace

std::string device_json_text(const DeviceInfo& device) { return device_json(device).dump(); }

double percentile(std::vector<double> samples, double q) {
  if (samples.empty()) throw std::invalid_argument("percentile: no samples");
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(q * static_cast<double>(samples.size()));
  const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return samples[std::min(index, samples.size() - 1)];
}

MeasuredResultsFile::MeasuredResultsFile(std::string path, const std::vector<CaseSpec>& cases, const DeviceInfo& device,
                                         bool resume)
    : path_(std::move(path)), record_text_(cases.size()) {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return;  // nothing measured yet
  core::ConfigErrors errors;
  const std::optional<std::string> text = core::read_input_file(path_, errors);
  try {
    errors.throw_if_any();
  } catch (const core::ConfigError& e) {
    throw CaseError(e.what());
  }
  if (text->find_first_not_of(" \t\r\n") == std::string::npos) return;  // an empty file holds no records
  if (!resume) {
    throw CaseError(path_ +
                    ": already holds measured results, which a fresh run would overwrite; --resume continues "
                    "that run, or give another --out");
  }
  const std::vector<std::string> problems = read_resumed_records(path_, *text, cases, device, record_text_);
  if (!problems.empty()) {
    std::string message;
    for (const std::string& p : problems) message += (message.empty() ? "" : "\n") + p;
    throw CaseError(message);
  }
}

std::size_t MeasuredResultsFile::record_count() const {
  return static_cast<std::size_t>(
      std::count_if(record_text_.begin(), record_text_.end(), [](const std::string& t) { return !t.empty(); }));
}

void MeasuredResultsFile::add(std::size_t case_index, const MeasuredRecord& record) {
  std::string text = record_json(record).dump();
  ordered_json list = ordered_json::array();
  for (std::size_t i = 0; i < record_text_.size(); ++i) {
    if (i == case_index)
      list.push_back(ordered_json::parse(text));
    else if (!record_text_[i].empty())
      list.push_back(ordered_json::parse(record_text_[i]));
  }
  const ordered_json document = {{"schema_version", 1}, {"records", std::move(list)}};
  core::write_file_atomically(path_, document.dump(2) + "\n");
  record_text_.at(case_index) = std::move(text);  // only once it is in the file
}

void write_micro_results_atomically(const std::string& path, const DeviceInfo& device,
                                    const std::vector<MicroBenchResult>& results) {
  ordered_json list = ordered_json::array();
  for (const MicroBenchResult& r : results) {
    ordered_json parameters = ordered_json::object();
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
  const ordered_json document = {{"schema_version", 1}, {"device", device_json(device)}, {"results", std::move(list)}};
  core::write_file_atomically(path, document.dump(2) + "\n");
}

}  // namespace cascadesim::validation
