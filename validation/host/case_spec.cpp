// Timing cases for cascadesim-validate, read from JSON with every error collected.
#include "validation/host/case_spec.hpp"

#include "core/config_error.hpp"
#include "core/input_limits.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace cascadesim::validation {

namespace {
using nlohmann::json;

// Reads one JSON object's keys, remembering which were read; leftovers are reported as unknown.
class ObjectReader {
 public:
  ObjectReader(const json& node, std::string path, std::vector<std::string>& errors)
      : node_(node), path_(std::move(path)), errors_(errors) {}

  const json* find(const std::string& key) {
    known_.insert(key);
    const auto it = node_.find(key);
    return it == node_.end() ? nullptr : &*it;
  }

  int integer(const std::string& key, int fallback, bool required, long long min_value) {
    const json* value = find(key);
    if (!value) {
      if (required) error(key, "is required");
      return fallback;
    }
    if (!value->is_number_integer()) {
      error(key, "must be an integer (got " + value->dump() + ")");
      return fallback;
    }
    const long long v = value->get<long long>();
    if (v < min_value || v > std::numeric_limits<int>::max()) {
      error(key, "must be >= " + std::to_string(min_value) + " (got " + std::to_string(v) + ")");
      return fallback;
    }
    return static_cast<int>(v);
  }

  bool boolean(const std::string& key, bool fallback) {
    const json* value = find(key);
    if (!value) return fallback;
    if (!value->is_boolean()) {
      error(key, "must be true or false (got " + value->dump() + ")");
      return fallback;
    }
    return value->get<bool>();
  }

  std::string string(const std::string& key, const std::string& fallback, bool required) {
    const json* value = find(key);
    if (!value) {
      if (required) error(key, "is required");
      return fallback;
    }
    if (!value->is_string()) {
      error(key, "must be a string (got " + value->dump() + ")");
      return fallback;
    }
    return value->get<std::string>();
  }

  void error(const std::string& key, const std::string& message) {
    errors_.push_back(path_ + "/" + key + ": " + message);
  }

  void report_unknown_keys() {
    for (const auto& item : node_.items()) {
      if (known_.count(item.key())) continue;
      std::string message = path_ + "/" + item.key() + ": unknown key";
      const std::string best =
          core::closest_key(item.key(), std::vector<std::string_view>(known_.begin(), known_.end()));
      if (!best.empty()) message += " (did you mean \"" + best + "\"?)";
      errors_.push_back(message);
    }
  }

 private:
  const json& node_;
  std::string path_;
  std::vector<std::string>& errors_;
  std::set<std::string> known_;
};

CaseSpec parse_case(const json& node, const std::string& path, std::vector<std::string>& errors) {
  CaseSpec spec;
  if (!node.is_object()) {
    errors.push_back(path + ": must be an object");
    return spec;
  }
  ObjectReader reader(node, path, errors);
  spec.name = reader.string("name", "", true);
  spec.shape.batch = reader.integer("batch", 1, false, 1);
  spec.shape.seq_len = reader.integer("seq_len", 1, true, 1);
  spec.shape.heads = reader.integer("heads", 1, true, 1);
  spec.kv_heads = reader.integer("kv_heads", spec.shape.heads, false, 1);
  if (spec.shape.heads % spec.kv_heads != 0)
    reader.error("kv_heads", "must divide heads (got " + std::to_string(spec.kv_heads) + " for " +
                                 std::to_string(spec.shape.heads) + " heads)");
  spec.shape.head_dim = reader.integer("head_dim", 64, true, 1);
  spec.shape.causal = reader.boolean("causal", true);
  const bool tiles_given = node.contains("tile_q") || node.contains("tile_k");
  spec.tile_q = reader.integer("tile_q", spec.tile_q, false, 1);
  spec.tile_k = reader.integer("tile_k", spec.tile_k, false, 1);
  spec.splits = reader.integer("splits", 0, false, 0);
  spec.top_k = reader.integer("top_k", 0, false, 0);
  spec.repetitions = reader.integer("repetitions", spec.repetitions, false, 20);
  spec.warmup = reader.integer("warmup", spec.warmup, false, 1);
  spec.pool_factor = reader.integer("pool_factor", 0, false, 0);
  const std::string schedule = reader.string("schedule", "", false);
  const std::string kernel = reader.string("kernel", "dense", false);
  static const std::map<std::string, KernelKind> kinds = {
      {"dense", KernelKind::kDense},     {"anchor", KernelKind::kAnchor}, {"sparse", KernelKind::kSparse},
      {"cascade", KernelKind::kCascade}, {"stack", KernelKind::kStack},   {"decode", KernelKind::kDecode}};
  if (const auto it = kinds.find(kernel); it != kinds.end()) {
    spec.kernel = it->second;
  } else {
    reader.error("kernel", "must be \"dense\", \"anchor\", \"sparse\", \"cascade\", \"stack\" or \"decode\" (got \"" +
                               kernel + "\")");
  }
  const bool decode = spec.kernel == KernelKind::kDecode;
  bool needs_top_k = spec.kernel != KernelKind::kDense && !decode;
  if (spec.kernel == KernelKind::kStack) {
    if (schedule.empty()) {
      reader.error("schedule", "is required for kernel \"stack\" (e.g. \"1D+3A+12R\")");
    } else {
      try {
        spec.schedule = models::parse_layer_schedule(schedule);
        models::check_layer_schedule(spec.schedule, static_cast<std::int64_t>(spec.schedule.layers.size()));
      } catch (const models::ScheduleError& e) {
        reader.error("schedule", e.what());
      }
    }
    needs_top_k = spec.schedule.counts().anchor > 0;
  } else if (!schedule.empty()) {
    reader.error("schedule", "applies to kernel \"stack\" only");
  }
  if (!needs_top_k && !decode && spec.top_k != 0)
    reader.error("top_k", "must be absent or 0 for kernel \"" + kernel + "\" without anchors (got " +
                              std::to_string(spec.top_k) + ")");
  if (needs_top_k && spec.top_k < 1)
    reader.error("top_k",
                 std::string("must be >= 1 for kernel \"") + kernel + "\" (got " + std::to_string(spec.top_k) + ")");
  if (spec.kernel == KernelKind::kCascade) {
    if (spec.pool_factor < 2) {
      reader.error("pool_factor", "must be >= 2 for kernel \"cascade\" (got " + std::to_string(spec.pool_factor) + ")");
    } else if (spec.tile_q % spec.pool_factor != 0 || spec.tile_k % spec.pool_factor != 0) {
      reader.error("pool_factor", "must divide tile_q and tile_k (got " + std::to_string(spec.pool_factor) + " for " +
                                      std::to_string(spec.tile_q) + " x " + std::to_string(spec.tile_k) + ")");
    }
    // The mean-pooling kernel pools Q, K and V alike, one slice per query head.
    if (spec.kv_heads != spec.shape.heads)
      reader.error("kv_heads", "must equal heads for kernel \"cascade\" (its pooling has no grouped-query form)");
  } else if (spec.pool_factor != 0) {
    reader.error("pool_factor", "applies to kernel \"cascade\" only");
  }
  if (!decode && spec.splits != 0) reader.error("splits", "applies to kernel \"decode\" only");
  const std::string implementation = reader.string("implementation", decode ? "split-kv-decode" : "fa2-style", false);
  if (decode) {
    // A decode step's one query per sequence reads tiles of kDecodeCaseTileKeys keys.
    if (tiles_given) reader.error(node.contains("tile_q") ? "tile_q" : "tile_k", "does not apply to kernel \"decode\"");
    spec.tile_q = 1;
    spec.tile_k = kDecodeCaseTileKeys;
    if (!spec.shape.causal)
      reader.error("causal", "must be true for kernel \"decode\": the new token attends the whole cache");
    if (implementation != "split-kv-decode")
      reader.error("implementation",
                   "kernel \"decode\" runs \"split-kv-decode\" only (got \"" + implementation + "\")");
    spec.implementation = Implementation::kSplitKvDecode;
  } else if (implementation == "fa3-style") {
    spec.implementation = Implementation::kFa3Style;
    if (spec.tile_q != 128 || spec.tile_k != 128)
      reader.error("implementation", "\"fa3-style\" runs tiles of 128 x 128 only (got " + std::to_string(spec.tile_q) +
                                         " x " + std::to_string(spec.tile_k) + ")");
    // Its cascade's coarse stage runs the fa3-style 64 x 64 configuration: tiles of 128 pooled by 2.
    if (spec.kernel == KernelKind::kCascade && spec.pool_factor != 2)
      reader.error("pool_factor", "must be 2 for a \"fa3-style\" cascade (its coarse tiles are 64 x 64; got " +
                                      std::to_string(spec.pool_factor) + ")");
  } else if (implementation != "fa2-style") {
    reader.error("implementation", "must be \"fa2-style\" or \"fa3-style\" (got \"" + implementation + "\")");
  } else if (spec.kv_heads != spec.shape.heads) {
    reader.error("kv_heads",
                 "differs from heads, which needs \"implementation\": \"fa3-style\" (the fa2-style "
                 "kernels have no grouped-query attention)");
  }
  reader.report_unknown_keys();
  return spec;
}
}  // namespace

const char* implementation_name(Implementation implementation) {
  switch (implementation) {
    case Implementation::kFa2Style:
      return "fa2-style";
    case Implementation::kFa3Style:
      return "fa3-style";
    case Implementation::kSplitKvDecode:
      return "split-kv-decode";
  }
  return "unknown";
}

const char* kernel_kind_name(KernelKind kind) {
  switch (kind) {
    case KernelKind::kDense:
      return "dense";
    case KernelKind::kAnchor:
      return "anchor";
    case KernelKind::kSparse:
      return "sparse";
    case KernelKind::kCascade:
      return "cascade";
    case KernelKind::kStack:
      return "stack";
    case KernelKind::kDecode:
      return "decode";
  }
  return "unknown";
}

std::vector<CaseSpec> parse_cases(const std::string& json_text, const std::string& source) {
  if (const std::optional<core::ConfigIssue> deep = core::json_nesting_problem(json_text, source))
    throw CaseError(deep->line());
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::exception& e) {  // syntax errors, and numbers too large for a double
    throw CaseError(source + ": not valid JSON: " + e.what());
  }
  std::vector<std::string> errors;
  std::vector<CaseSpec> cases;
  if (!document.is_object()) throw CaseError(source + ": the document must be a JSON object");
  ObjectReader top(document, "", errors);
  const int schema_version = top.integer("schema_version", 1, true, 1);
  if (schema_version != 1) top.error("schema_version", "must be 1 (got " + std::to_string(schema_version) + ")");
  // Provenance written by `cascadesim validate --cases-from`; recorded, not interpreted.
  if (const json* from = top.find("generated_from"); from && !from->is_object())
    top.error("generated_from", "must be an object");
  if (const json* list = top.find("cases"); !list) {
    top.error("cases", "is required");
  } else if (!list->is_array() || list->empty()) {
    top.error("cases", "must be a non-empty array");
  } else {
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string path = "/cases/" + std::to_string(i);
      cases.push_back(parse_case((*list)[i], path, errors));
      if (!cases.back().name.empty() && !names.insert(cases.back().name).second)
        errors.push_back(path + "/name: duplicate name \"" + cases.back().name + "\"");
    }
  }
  top.report_unknown_keys();
  if (!errors.empty()) {
    std::ostringstream message;
    for (std::size_t i = 0; i < errors.size(); ++i) message << (i ? "\n" : "") << source << ": " << errors[i];
    throw CaseError(message.str());
  }
  return cases;
}

std::vector<CaseSpec> load_cases(const std::string& path) {
  core::ConfigErrors errors;
  const std::optional<std::string> text = core::read_input_file(path, errors);
  try {
    errors.throw_if_any();
  } catch (const core::ConfigError& e) {
    throw CaseError(e.what());
  }
  return parse_cases(*text, path);
}

}  // namespace cascadesim::validation
