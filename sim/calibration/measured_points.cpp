// Reading measured records and micro-benchmark results with every error located.
#include "sim/calibration/measured_points.hpp"

#include <algorithm>
#include <cmath>

#include "core/config_error.hpp"
#include "core/config_node.hpp"
#include "models/dataflow/attention_implementation.hpp"

namespace cascadesim::sim {

namespace {

class Reader {
 public:
  Reader(const core::Json& object, std::string file, std::string pointer, core::ConfigErrors& errors)
      : object_(object), file_(std::move(file)), pointer_(std::move(pointer)), errors_(errors) {}

  const core::Json* field(const char* key, bool (core::Json::*is_type)() const, const char* type,
                          bool required = true) {
    const auto it = object_.find(key);
    if (it == object_.end()) {
      if (required) errors_.add(file_, pointer_ + "/" + key, "missing required field");
      return nullptr;
    }
    if (!((*it).*is_type)()) {
      errors_.add(file_, pointer_ + "/" + key,
                  std::string("must be ") + type + " (got " + core::describe_value(*it) + ")");
      return nullptr;
    }
    return &*it;
  }
  std::int64_t integer(const char* key, std::int64_t fallback, bool required = true) {
    const core::Json* v = field(key, &core::Json::is_number_integer, "an integer", required);
    return v ? v->get<std::int64_t>() : fallback;
  }
  double positive(const char* key) {
    const core::Json* v = field(key, &core::Json::is_number, "a number");
    if (!v) return 0;
    const double x = v->get<double>();
    if (!(x > 0) || !std::isfinite(x))
      errors_.add(file_, pointer_ + "/" + key, "must be > 0 (got " + core::describe_value(*v) + ")");
    return x;
  }
  std::string text(const char* key, bool required = true) {
    const core::Json* v = field(key, &core::Json::is_string, "a string", required);
    return v ? v->get<std::string>() : std::string();
  }
  bool boolean(const char* key) {
    const core::Json* v = field(key, &core::Json::is_boolean, "true or false");
    return v ? v->get<bool>() : true;
  }

 private:
  const core::Json& object_;
  std::string file_, pointer_;
  core::ConfigErrors& errors_;
};

MeasuredPoint read_point(const core::Json& record, const std::string& file, const std::string& pointer,
                         core::ConfigErrors& errors) {
  MeasuredPoint p;
  p.file = file;
  p.pointer = pointer;
  if (!record.is_object()) {
    errors.add(file, pointer, "must be an object");
    return p;
  }
  Reader r(record, file, pointer, errors);
  p.name = r.text("name");
  p.kernel = r.text("kernel");
  p.batch = r.integer("batch", 1);
  p.seq_len = r.integer("seq_len", 0);
  p.heads = r.integer("heads", 0);
  p.head_dim = r.integer("head_dim", 0);
  p.tile_q = r.integer("tile_q", 0);
  p.tile_k = r.integer("tile_k", 0);
  p.top_k = r.integer("top_k", 0);
  p.pool_factor = r.integer("pool_factor", 0, false);
  p.schedule = r.text("schedule", false);
  p.model = r.text("model", false);
  if (!p.model.empty() && p.kernel != "stack" && p.kernel != "layer_op")
    errors.add(file, pointer + "/model",
               "only a stack or layer_op record names a model (whose whole layers or layer kernel it ran)");
  if (p.kernel == "layer_op") {
    p.op = r.text("op");
    if (p.model.empty()) errors.add(file, pointer + "/model", "missing for a layer_op record (the model it ran)");
  }
  p.causal = r.boolean("causal");
  // Records from before the runner named its implementation ran the fa2-style kernels (validation/README.md).
  if (const std::string implementation = r.text("implementation", false); !implementation.empty()) {
    p.implementation = implementation;
    if (models::dataflow::attention_implementation_index(implementation) < 0)
      errors.add(file, pointer + "/implementation", "unknown implementation '" + implementation + "'");
  }
  p.time_ms = r.positive("median_ms");
  p.p10_ms = r.positive("p10_ms");
  p.p90_ms = r.positive("p90_ms");
  if (const core::Json* energy = r.field("energy", &core::Json::is_object, "an object", false)) {
    Reader e(*energy, file, pointer + "/energy", errors);
    p.energy_J = e.positive("energy_per_run_J");
    p.sustained_ms = e.positive("ms_per_run");
    if (const core::Json* loaded = e.field("loaded", &core::Json::is_object, "an object")) {
      Reader l(*loaded, file, pointer + "/energy/loaded", errors);
      p.sustained_power_W = l.positive("mean_power_W");
      p.sustained_sm_clock_MHz = l.positive("sm_clock_MHz_median");
    }
  }
  const core::Json* device = Reader(record, file, pointer, errors).field("device", &core::Json::is_object, "an object");
  if (device) p.device = Reader(*device, file, pointer + "/device", errors).text("name");
  static const std::vector<std::string> kernels{"dense", "anchor", "sparse", "cascade",
                                                "stack", "gemm",   "decode", "layer_op"};
  if (p.kernel == "gemm") {
    p.gemm_n = r.integer("gemm_n", 0);
    p.gemm_k = r.integer("gemm_k", 0);
    if (p.gemm_n < 1) errors.add(file, pointer + "/gemm_n", "must be >= 1 for a gemm record");
    if (p.gemm_k < 1) errors.add(file, pointer + "/gemm_k", "must be >= 1 for a gemm record");
  }
  if (p.kernel == "decode") {
    p.kv_heads = r.integer("kv_heads", p.heads, false);
    p.kv_splits = r.integer("kv_splits", 0, false);
    if (p.kv_heads < 1 || p.heads % p.kv_heads != 0)
      errors.add(file, pointer + "/kv_heads", "must be >= 1 and divide heads (" + std::to_string(p.heads) + ")");
    if (p.kv_splits < 0) errors.add(file, pointer + "/kv_splits", "must be >= 0 (0: not recorded)");
    if (p.heads < 1) errors.add(file, pointer + "/heads", "must be >= 1 for a decode record");
  }
  if (!p.kernel.empty() && std::find(kernels.begin(), kernels.end(), p.kernel) == kernels.end())
    errors.add(file, pointer + "/kernel", "unknown kernel '" + p.kernel + "'");
  if (p.kernel == "stack" && p.schedule.empty()) errors.add(file, pointer + "/schedule", "missing for a stack record");
  if (p.kernel == "cascade" && p.pool_factor < 2)
    errors.add(file, pointer + "/pool_factor", "must be >= 2 for a cascade record");
  return p;
}

// The median of the named result (the largest over results of that name, e.g. GEMM shapes); 0 when absent.
double best_median(const core::Json& results, const char* name) {
  double best = 0;
  for (const core::Json& r : results)
    if (r.is_object() && r.contains("name") && r["name"] == name && r.contains("median") && r["median"].is_number() &&
        r.contains("samples_ms") && r["samples_ms"].is_array() && !r["samples_ms"].empty())
      best = std::max(best, r["median"].get<double>());
  return best;
}

}  // namespace

namespace {

// One file's records or micro-benchmark results, appended to set.
void read_measured_document(const core::Json& document, const std::string& path, MeasuredSet& set,
                            core::ConfigErrors& errors) {
  set.files.push_back(path);
  if (!document.is_object()) {
    errors.add(path, "", "must be a JSON object with \"records\" or \"results\"");
    return;
  }
  if (const auto it = document.find("records"); it != document.end()) {
    if (!it->is_array() || it->empty()) {
      errors.add(path, "/records", "must be a non-empty array of measured records");
      return;
    }
    for (std::size_t i = 0; i < it->size(); ++i)
      set.points.push_back(read_point((*it)[i], path, "/records/" + std::to_string(i), errors));
  } else if (const auto results = document.find("results"); results != document.end()) {
    if (!results->is_array() || results->empty()) {
      errors.add(path, "/results", "must be a non-empty array of micro-benchmark results");
      return;
    }
    MeasuredCeilings c;
    c.file = path;
    if (const auto device = document.find("device"); device != document.end() && device->is_object())
      if (const auto name = device->find("name"); name != device->end() && name->is_string())
        c.device = name->get<std::string>();
    if (c.device.empty()) errors.add(path, "/device/name", "missing required field (a device name)");
    c.hbm_copy_GBps = std::max(best_median(*results, "hbm_copy"), best_median(*results, "hbm_copy_memcpy"));
    c.l2_read_GBps = best_median(*results, "l2_read");
    c.graph_launch_us = best_median(*results, "launch_overhead_graph");
    if (c.hbm_copy_GBps <= 0) errors.add(path, "/results", "no hbm_copy result with samples");
    set.ceilings.push_back(c);
  } else {
    errors.add(path, "", "has neither \"records\" (measured cases) nor \"results\" (micro-benchmarks)");
  }
}

}  // namespace

MeasuredSet load_measured(const std::vector<std::string>& paths) {
  core::ConfigErrors errors;
  MeasuredSet set;
  if (paths.empty()) errors.add("--measured", "", "no measurement files given");
  for (const std::string& path : paths)
    if (const std::optional<core::Json> document = core::load_json_file(path, errors))
      read_measured_document(*document, path, set, errors);
  errors.throw_if_any();
  return set;
}

MeasuredSet load_measured_text(std::string_view text, const std::string& label) {
  core::ConfigErrors errors;
  MeasuredSet set;
  if (const std::optional<core::Json> document = core::parse_json_text(text, label, errors))
    read_measured_document(*document, label, set, errors);
  errors.throw_if_any();
  return set;
}

}  // namespace cascadesim::sim
