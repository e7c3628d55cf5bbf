// Study loading: preset resolution, field reading, and the cross-field checks no single field can make.
#include "sim/config/study_loader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <memory>
#include <set>

#include "hw/component_registry.hpp"
#include "hw/system/system.hpp"
#include "models/cascade.hpp"
#include "models/layer_schedule.hpp"
#include "sim/config/embedded_configs.hpp"
#include "sim/config/schemas.hpp"
#include "sim/config/study_checks.hpp"

namespace cascadesim::sim {

namespace fs = std::filesystem;
using models::Study;

namespace {

constexpr int max_preset_depth = 8;
// calibration: the provenance `cascadesim calibrate` writes; measured_device_names: the CUDA device names whose
// measurements a hardware preset stands for (checked by calibrate and report).
const std::vector<std::string_view> meta_keys{"schema_version", "description", "source",
                                              "preset",         "calibration", "measured_device_names"};

bool is_builtin(std::string_view path) { return path.substr(0, builtin_prefix.size()) == builtin_prefix; }

bool valid_preset_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool looks_like_path(std::string_view name) {
  return name.find('/') != std::string_view::npos || (name.size() > 5 && name.substr(name.size() - 5) == ".json");
}

// Owns every document read during one load, so that ConfigNode layers can point into them.
class Loader {
 public:
  Loader(const LoadOptions& options, core::ConfigErrors& errors) : options_(options), errors_(errors) {}

  const core::Json* read_document(const std::string& path) {
    if (is_builtin(path)) {
      const EmbeddedFile* f = find_embedded_config(path.substr(builtin_prefix.size()));
      if (!f) {
        errors_.add(path, "", "no such built-in config");
        return nullptr;
      }
      return keep(core::parse_json_text(f->text, path, errors_), path);
    }
    return keep(core::load_json_file(path, errors_), path);
  }

  const core::Json* read_text(std::string_view text, const std::string& label) {
    return keep(core::parse_json_text(text, label, errors_), label);
  }

  void set_study_root(const std::string& study_path) {
    if (is_builtin(study_path)) return;
    const fs::path parent = fs::path(study_path).parent_path();
    if (parent.filename() == "studies") study_root_ = parent.parent_path().string();
  }

  // The layers of a section: its own object (if it is one) on top of the chain of presets it names.
  std::vector<core::ConfigNode::Layer> section_layers(const core::Json& value, const core::SourceLocation& where,
                                                      std::string_view kind, int depth = 0) {
    std::vector<core::ConfigNode::Layer> layers;
    if (depth > max_preset_depth) {
      errors_.add(
          where.file, where.pointer,
          "presets nest deeper than " + std::to_string(max_preset_depth) + " levels (a preset that names itself?)");
      return layers;
    }
    if (value.is_string()) {
      const std::string name = value.get<std::string>();
      std::string file;
      const core::Json* doc = find_preset(name, where, kind, file);
      if (!doc) return layers;
      check_preset_document(*doc, file);
      if (!doc->is_object()) return layers;
      return section_layers(*doc, core::SourceLocation{file, ""}, kind, depth + 1);
    }
    if (!value.is_object()) {
      errors_.add(where.file, where.pointer,
                  "expected a preset name or an object (got " + core::describe_value(value) + ")");
      return layers;
    }
    layers.push_back(core::ConfigNode::Layer{&value, where.file, where.pointer});
    if (const auto it = value.find("preset"); it != value.end()) {
      core::SourceLocation preset_where{where.file, where.pointer + "/preset"};
      if (!it->is_string()) {
        errors_.add(preset_where.file, preset_where.pointer,
                    "expected a preset name (got " + core::describe_value(*it) + ")");
      } else {
        auto below = section_layers(*it, preset_where, kind, depth + 1);
        layers.insert(layers.end(), below.begin(), below.end());
      }
    }
    return layers;
  }

  const std::vector<std::string>& files() const { return files_; }
  std::shared_ptr<const std::deque<core::Json>> documents() const { return documents_; }

 private:
  const core::Json* keep(std::optional<core::Json> doc, const std::string& label) {
    if (!doc) return nullptr;
    files_.push_back(label);
    documents_->push_back(std::move(*doc));
    return &documents_->back();
  }

  void check_preset_document(const core::Json& doc, const std::string& file) {
    if (!doc.is_object()) {
      errors_.add(file, "", "expected a JSON object (got " + core::describe_value(doc) + ")");
      return;
    }
    const auto it = doc.find("schema_version");
    if (it == doc.end())
      errors_.add(file, "/schema_version", "missing required key (the config format version, 1)");
    else if (!it->is_number_integer() || it->get<std::int64_t>() != supported_schema_version)
      errors_.add(file, "/schema_version",
                  "unsupported schema_version " + core::describe_value(*it) + " (this build reads 1)");
  }

  std::string relative_to(const core::SourceLocation& where, const std::string& name) {
    if (fs::path(name).is_absolute() || is_builtin(where.file)) return name;
    return (fs::path(where.file).parent_path() / name).lexically_normal().string();
  }

  const core::Json* find_preset(const std::string& name, const core::SourceLocation& where, std::string_view kind,
                                std::string& file) {
    if (looks_like_path(name)) {
      file = relative_to(where, name);
      if (!fs::exists(file)) {
        errors_.add(where.file, where.pointer, "preset file '" + file + "' does not exist");
        return nullptr;
      }
      return read_document(file);
    }
    if (!valid_preset_name(name)) {
      errors_.add(where.file, where.pointer,
                  "invalid preset name '" + name + "' (letters, digits, '.', '_', '-'; or a path to a .json file)");
      return nullptr;
    }
    const std::string relative = std::string(kind) + "/" + name + ".json";
    for (const std::string& root : search_roots()) {
      const fs::path candidate = fs::path(root) / relative;
      if (fs::is_regular_file(candidate)) {
        file = candidate.string();
        return read_document(file);
      }
    }
    const std::string builtin = "configs/" + relative;
    if (find_embedded_config(builtin)) {
      file = std::string(builtin_prefix) + builtin;
      return read_document(file);
    }
    const std::vector<std::string> names = available(kind);
    std::string message = "unknown " + std::string(kind == "hw" ? "hardware" : "model") + " preset '" + name + "'";
    std::vector<std::string_view> views(names.begin(), names.end());
    if (const std::string hint = core::closest_key(name, views); !hint.empty())
      message += " (did you mean '" + hint + "'?)";
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    message += "; available: " + list;
    errors_.add(where.file, where.pointer, message);
    return nullptr;
  }

  std::vector<std::string> search_roots() const {
    std::vector<std::string> roots = options_.config_dirs;
    if (const char* env = std::getenv("CASCADESIM_CONFIG_PATH")) {
      std::string_view rest(env);
      while (!rest.empty()) {
        const auto colon = rest.find(':');
        const std::string_view part = rest.substr(0, colon);
        if (!part.empty()) roots.emplace_back(part);
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
      }
    }
    if (!study_root_.empty()) roots.push_back(study_root_);
    return roots;
  }

  std::vector<std::string> available(std::string_view kind) const {
    std::set<std::string> names;
    for (const std::string& root : search_roots()) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(fs::path(root) / std::string(kind), ec))
        if (entry.path().extension() == ".json") names.insert(entry.path().stem().string());
    }
    const std::string prefix = "configs/" + std::string(kind) + "/";
    for (const EmbeddedFile& f : embedded_configs()) {
      if (f.path.substr(0, prefix.size()) != prefix) continue;
      std::string_view rest = f.path.substr(prefix.size());
      if (rest.find('/') != std::string_view::npos) continue;
      names.insert(std::string(rest.substr(0, rest.size() - 5)));
    }
    return {names.begin(), names.end()};
  }

  const LoadOptions& options_;
  core::ConfigErrors& errors_;
  std::shared_ptr<std::deque<core::Json>> documents_ = std::make_shared<std::deque<core::Json>>();
  std::vector<std::string> files_;
  std::string study_root_;
};

template <class S>
std::vector<std::string_view> section_keys(std::span<const core::Field<S>> fields) {
  std::vector<std::string_view> keys = core::field_keys(fields);
  keys.insert(keys.end(), meta_keys.begin(), meta_keys.end());
  return keys;
}

// Presets cite a public source for every figure they set: "source": {"key": "where it comes from"}.
void check_sources(const core::ConfigNode& node, const std::vector<std::string_view>& figure_keys) {
  for (const core::ConfigNode::Layer& layer : node.layers()) {
    if (!layer.pointer.empty()) continue;  // overrides inside a study need no citation
    const auto source = layer.object->find("source");
    if (source == layer.object->end()) {
      node.errors().add(layer.file, "/source", "missing required key (a citation for each figure)");
      continue;
    }
    if (!source->is_object()) {
      node.errors().add(layer.file, "/source", "expected an object mapping each figure to its source");
      continue;
    }
    for (const auto& [key, text] : source->items()) {
      if (std::find(figure_keys.begin(), figure_keys.end(), key) == figure_keys.end() || !layer.object->contains(key))
        node.errors().add(layer.file, "/source/" + core::json_pointer_token(key),
                          "cites '" + key + "', which this file does not set");
      else if (!text.is_string() || text.get_ref<const std::string&>().empty())
        node.errors().add(layer.file, "/source/" + core::json_pointer_token(key), "expected a non-empty citation");
    }
    for (std::string_view key : figure_keys) {
      if (layer.object->contains(key) && !source->contains(key))
        node.errors().add(layer.file, "/source", "no citation for '" + std::string(key) + "'");
    }
  }
}

// The metadata that calibrate and report read back from a hardware preset: measured_device_names, a list of CUDA
// device names, and the calibration block calibrate writes (sim/calibration/calibration.cpp). Only the types are
// checked, so that a hand-edited file gets its JSON path instead of a failure where it is read.
void check_preset_metadata(const core::ConfigNode& node) {
  for (const core::ConfigNode::Layer& layer : node.layers()) {
    if (!layer.pointer.empty()) continue;
    const std::string& file = layer.file;
    auto error = [&](const std::string& pointer, const std::string& what) { node.errors().add(file, pointer, what); };
    if (const auto names = layer.object->find("measured_device_names"); names != layer.object->end()) {
      if (!names->is_array()) {
        error("/measured_device_names", "expected a list of CUDA device names");
      } else {
        for (std::size_t i = 0; i < names->size(); ++i)
          if (!(*names)[i].is_string() || (*names)[i].get_ref<const std::string&>().empty())
            error("/measured_device_names/" + std::to_string(i), "expected a non-empty device name");
      }
    }
    const auto block = layer.object->find("calibration");
    if (block == layer.object->end()) continue;
    if (!block->is_object()) {
      error("/calibration", "expected the object cascadesim calibrate writes");
      continue;
    }
    for (const char* key : {"base_preset", "commit", "split"})
      if (block->contains(key) && !block->at(key).is_string())
        error(std::string("/calibration/") + key, "expected a string");
    for (const char* key : {"training_points", "held_out_points"})
      if (block->contains(key) && !(block->at(key).is_number_integer() && block->at(key).get<std::int64_t>() >= 0))
        error(std::string("/calibration/") + key, "expected a count (an integer >= 0)");
    if (block->contains("measurements")) {
      const core::Json& files = block->at("measurements");
      if (!files.is_array() ||
          !std::all_of(files.begin(), files.end(), [](const core::Json& f) { return f.is_string(); }))
        error("/calibration/measurements", "expected a list of file names");
    }
    if (block->contains("kernel_time_errors") && !block->at("kernel_time_errors").is_object())
      error("/calibration/kernel_time_errors", "expected an object");
    if (!block->contains("parameters")) continue;
    const core::Json& parameters = block->at("parameters");
    if (!parameters.is_array()) {
      error("/calibration/parameters", "expected a list of fitted parameters");
      continue;
    }
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const std::string at = "/calibration/parameters/" + std::to_string(i);
      const core::Json& p = parameters[i];
      if (!p.is_object()) {
        error(at, "expected an object {key, model, how, before, after, meaning}");
        continue;
      }
      for (const char* key : {"key", "model", "how", "meaning"})
        if (p.contains(key) && !p.at(key).is_string()) error(at + "/" + key, "expected a string");
      for (const char* key : {"before", "after"})
        if (p.contains(key) && !p.at(key).is_number()) error(at + "/" + key, "expected a number");
    }
  }
}

// /kernel_families: an object of families by name (models/kernel_families.hpp), each with its figures.
void read_kernel_families(const core::ConfigNode& hardware, models::HardwareSpec& hw) {
  if (!hardware.has("kernel_families")) return;
  const core::ConfigNode families = hardware.child("kernel_families");
  if (families.empty()) return;
  families.reject_unknown_keys(
      std::vector<std::string_view>(models::kernel_family_names.begin(), models::kernel_family_names.end()));
  for (std::size_t i = 0; i < models::kernel_family_count; ++i) {
    if (!families.has(models::kernel_family_names[i])) continue;
    const core::ConfigNode family = families.child(models::kernel_family_names[i]);
    core::read_fields(family, kernel_family_fields(), hw.kernel_families[i]);
    family.reject_unknown_keys(core::field_keys(kernel_family_fields()));
  }
}

std::vector<core::ConfigNode::Layer> read_hardware(Loader& loader, const core::Json& value,
                                                   const core::SourceLocation& where, models::HardwareSpec& hw,
                                                   core::ConfigErrors& errors) {
  core::ConfigNode node(loader.section_layers(value, where, "hw"), errors);
  if (node.empty()) return {};
  // A preset written before the component sections became the one description: say where each figure went, and
  // nothing else (its citations of those figures would only repeat the same problem).
  const std::size_t before = errors.size();
  for (const core::ConfigNode::Layer& layer : node.layers())
    for (const auto& [key, v] : layer.object->items())
      if (const std::optional<std::string_view> now = moved_hardware_key(key))
        errors.add(layer.file, core::child_pointer(layer.pointer, key),
                   "no longer a hardware figure: " + std::string(*now) + "; remove it and its citation");
  if (errors.size() != before) return {};
  core::read_fields(node, hardware_fields(), hw);
  read_kernel_families(node, hw);
  const std::vector<std::string> roles = hw::ComponentCatalog::instance().machine_roles();
  std::vector<std::string_view> keys = section_keys(hardware_fields());
  keys.insert(keys.end(), roles.begin(), roles.end());
  keys.push_back("kernel_families");
  node.reject_unknown_keys(keys);
  std::vector<std::string_view> figures;
  for (const auto& f : hardware_fields())
    if (f.key != "name") figures.push_back(f.key);
  figures.insert(figures.end(), roles.begin(), roles.end());
  figures.push_back("kernel_families");
  check_sources(node, figures);
  check_preset_metadata(node);
  // A section that is not an object is reported once, with its file and pointer (ConfigNode::child); nothing is
  // built from it, or its component would report its missing keys with no file to name.
  bool sections_are_objects = true;
  for (const std::string& role : roles) {
    if (const core::Json* section = node.find(role); section && !section->is_object()) {
      node.child(role);
      sections_are_objects = false;
    }
  }
  if (!sections_are_objects) return {};
  // Every section is checked here, so that every command rejects a broken preset alike; the roofline's figures
  // come from the sections it needs.
  for (const std::string& role : roles)
    if (node.has(role) && !hw::System::roofline_role(role)) hw::make_component(role, node.child(role));
  hw::System::take_roofline_figures(node, hw);
  core::Json sections = core::Json::object();
  for (const std::string& role : roles)
    if (node.has(role)) sections[role] = node.child(role).resolved();
  hw.sections = std::make_shared<const core::Json>(std::move(sections));
  return node.layers();
}

void read_model(Loader& loader, const core::Json& value, const core::SourceLocation& where, models::TransformerModel& m,
                core::ConfigErrors& errors) {
  core::ConfigNode node(loader.section_layers(value, where, "models"), errors);
  if (node.empty()) return;
  const std::size_t before = errors.size();
  core::read_fields(node, model_fields(), m);
  node.reject_unknown_keys(section_keys(model_fields()));
  std::vector<std::string_view> figures;
  for (const auto& f : model_fields())
    if (f.key != "name") figures.push_back(f.key);
  check_sources(node, figures);
  if (errors.size() != before) return;
  if (std::string why = kv_heads_problem(m); !why.empty()) node.error_at("n_kv_heads", std::move(why));
  if (std::optional<ModelFieldProblem> p = model_fields_problem(m)) node.error_at(p->key, std::move(p->why));
}

void read_schedule(const core::ConfigNode& node, models::Workload& w, std::int64_t n_layers) {
  core::SourceLocation where;
  const core::Json* value = node.find("schedule", &where);
  if (!value) return;
  try {
    if (value->is_string()) {
      w.schedule = models::parse_layer_schedule(value->get_ref<const std::string&>());
    } else if (value->is_array()) {
      for (std::size_t i = 0; i < value->size(); ++i) {
        const core::Json& entry = (*value)[i];
        if (!entry.is_string()) {
          node.errors().add(where.file, core::child_pointer(where.pointer, i),
                            "expected \"D\", \"A\" or \"R\" (got " + core::describe_value(entry) + ")");
          return;
        }
        try {
          w.schedule.layers.push_back(models::parse_layer_kind(entry.get_ref<const std::string&>()));
        } catch (const models::ScheduleError& e) {
          node.errors().add(where.file, core::child_pointer(where.pointer, i), e.what());
          return;
        }
      }
    } else {
      node.errors().add(where.file, where.pointer,
                        "expected a schedule string like \"1D+3A+12R\" or a list of layer kinds (got " +
                            core::describe_value(*value) + ")");
      return;
    }
    if (n_layers > 0) models::check_layer_schedule(w.schedule, n_layers, w.pattern->needs_anchor());
  } catch (const models::ScheduleError& e) {
    node.errors().add(where.file, where.pointer, e.what());
  }
}

template <class S>
std::vector<S> read_object_list(const core::ConfigNode& parent, std::string_view key,
                                std::span<const core::Field<S>> fields, std::size_t max_entries) {
  std::vector<S> out;
  core::SourceLocation where;
  const core::Json* list = parent.find(key, &where);
  if (!list) {
    parent.error_at(key, "missing required key");
    return out;
  }
  if (!list->is_array() || list->empty() || list->size() > max_entries) {
    parent.errors().add(where.file, where.pointer,
                        "expected a list of 1 to " + std::to_string(max_entries) + " objects (got " +
                            core::describe_value(*list) +
                            (list->is_array() ? " of " + std::to_string(list->size()) : "") + ")");
    return out;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const core::Json& entry = (*list)[i];
    const std::string pointer = core::child_pointer(where.pointer, i);
    if (!entry.is_object()) {
      parent.errors().add(where.file, pointer, "expected an object (got " + core::describe_value(entry) + ")");
      continue;
    }
    core::ConfigNode node({core::ConfigNode::Layer{&entry, where.file, pointer}}, parent.errors());
    S item;
    core::read_fields(node, fields, item);
    node.reject_unknown_keys(core::field_keys(fields));
    out.push_back(item);
  }
  return out;
}

// Each stage's exit fraction, as given, or derived from the cascade's confidence threshold (seed 000,
// models::exit_fractions_for_threshold); one or the other, never both. False when some fraction is missing.
bool read_exit_fractions(const core::ConfigNode& node, const core::SourceLocation& stages, models::CascadeSpec& spec) {
  const core::Json& list = *node.find("stages");
  const auto stage_at = [&](std::size_t i) { return core::child_pointer(stages.pointer, i) + "/exit_fraction"; };
  if (!spec.has_confidence_threshold()) {
    bool ok = true;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i].contains("exit_fraction")) continue;
      node.errors().add(stages.file, stage_at(i),
                        "missing required key (fraction of all inputs that stop after this stage; or give the "
                        "cascade a confidence_threshold to derive the fractions)");
      ok = false;
    }
    return ok;
  }
  bool ok = true;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].contains("exit_fraction")) continue;
    node.errors().add(stages.file, stage_at(i),
                      "give either the cascade's confidence_threshold or each stage's exit_fraction, not both (the "
                      "threshold derives the fractions)");
    ok = false;
  }
  const double threshold = spec.confidence_threshold;
  if (!models::early_stopping_rate(threshold)) {
    node.error_at("confidence_threshold",
                  "confidence_threshold " + core::format_number(threshold) + " is outside seed 000's table (" +
                      core::format_number(models::min_confidence_threshold) + " to " +
                      core::format_number(models::max_confidence_threshold) +
                      ", 'Confidence-Based Early Stopping'); the early-stopping rate is not extrapolated");
    return false;
  }
  const auto fractions = models::exit_fractions_for_threshold(threshold, spec.stages.size(), spec.exit_rule);
  if (!fractions) {
    node.errors().add(stages.file, stages.pointer,
                      "a confidence_threshold needs at least 2 stages: inputs stop early only after a coarse stage");
    return false;
  }
  for (std::size_t i = 0; i < spec.stages.size(); ++i) spec.stages[i].exit_fraction = (*fractions)[i];
  return ok;
}

void read_cascade(const core::ConfigNode& workload, models::Workload& w) {
  if (!workload.has("cascade")) return;
  const core::ConfigNode node = workload.child("cascade");
  if (node.empty()) return;
  models::CascadeSpec spec;
  const std::size_t before = node.errors().size();
  core::read_fields(node, cascade_fields(), spec);
  std::vector<std::string_view> keys = core::field_keys(cascade_fields());
  keys.push_back("stages");
  node.reject_unknown_keys(keys);
  spec.stages = read_object_list(node, "stages", cascade_stage_fields(), models::max_cascade_stages);
  if (node.errors().size() != before) return;
  const core::SourceLocation stages = node.location_of("stages");
  const bool exits_ok = read_exit_fractions(node, stages, spec);
  double exits = 0;
  for (std::size_t i = 0; i < spec.stages.size(); ++i) {
    exits += spec.stages[i].exit_fraction;
    if (i > 0 && !(spec.stages[i].resolution > spec.stages[i - 1].resolution))
      node.errors().add(stages.file, core::child_pointer(stages.pointer, i) + "/resolution",
                        "stages must go from coarse to fine: resolution must exceed the previous stage's (" +
                            core::format_number(spec.stages[i - 1].resolution) + ")");
  }
  if (spec.stages.back().resolution != 1.0)
    node.errors().add(stages.file, core::child_pointer(stages.pointer, spec.stages.size() - 1) + "/resolution",
                      "the last stage must be full resolution (1)");
  if (exits_ok && std::abs(exits - 1.0) > 1e-9)
    node.errors().add(
        stages.file, stages.pointer,
        "exit fractions must sum to 1: every input stops somewhere (got " + core::format_number(exits) + ")");
  if (spec.memory_overhead + spec.transition_overhead + spec.decision_overhead >= 1.0)
    node.error("overhead fractions must sum to less than 1");
  const bool bucketed = spec.batch_policy == models::BatchPolicy::bucketed;
  if (bucketed && !node.has("bucket_size"))
    node.error_at("bucket_size", "missing required key (the slots of one bucket, needed by batch_policy bucketed)");
  if (!bucketed && node.has("bucket_size"))
    node.error_at("bucket_size",
                  "bucket_size is read only with batch_policy bucketed (give that policy, or drop "
                  "bucket_size)");
  if (!spec.has_confidence_threshold() && node.has("exit_rule"))
    node.error_at("exit_rule",
                  "exit_rule is read only with a confidence_threshold (it spreads the threshold's early-stopping "
                  "rate over the stages; these stages give their own exit_fraction)");
  w.cascade = spec;
}

void read_early_exit(const core::ConfigNode& workload, models::Workload& w, std::int64_t n_layers) {
  if (!workload.has("early_exit")) return;
  const core::ConfigNode node = workload.child("early_exit");
  if (node.empty()) return;
  models::EarlyExitSpec spec;
  const std::size_t before = node.errors().size();
  core::read_fields(node, early_exit_fields(), spec);
  std::vector<std::string_view> keys = core::field_keys(early_exit_fields());
  keys.push_back("exits");
  node.reject_unknown_keys(keys);
  spec.exits = read_object_list(node, "exits", early_exit_point_fields(), static_cast<std::size_t>(max_count));
  if (node.errors().size() != before) return;
  const core::SourceLocation exits = node.location_of("exits");
  double total = 0;
  for (std::size_t i = 0; i < spec.exits.size(); ++i) {
    total += spec.exits[i].fraction;
    const std::string at = core::child_pointer(exits.pointer, i) + "/after_layer";
    if (n_layers > 0)
      if (std::string why = exit_layer_problem(spec.exits[i], n_layers); !why.empty())
        node.errors().add(exits.file, at, std::move(why));
    if (i > 0 && spec.exits[i].after_layer <= spec.exits[i - 1].after_layer)
      node.errors().add(exits.file, at, "exits must be in increasing layer order");
  }
  if (std::abs(total - 1.0) > 1e-9)
    node.errors().add(
        exits.file, exits.pointer,
        "exit fractions must sum to 1: every input exits somewhere (got " + core::format_number(total) + ")");
  w.early_exit = spec;
}

void read_progressive_quantization(const core::ConfigNode& workload, models::Workload& w) {
  if (!workload.has("progressive_quantization")) return;
  const core::ConfigNode node = workload.child("progressive_quantization");
  if (node.empty()) return;
  models::ProgressiveQuantization pq;
  core::read_fields(node, progressive_quantization_fields(), pq);
  node.reject_unknown_keys(core::field_keys(progressive_quantization_fields()));
  w.progressive_quantization = pq;
}

void read_decode(const core::ConfigNode& workload, models::Workload& w) {
  if (!workload.has("decode")) return;
  const core::ConfigNode node = workload.child("decode");
  if (node.empty()) return;
  models::DecodeSpec d;
  core::read_fields(node, decode_fields(), d);
  node.reject_unknown_keys(core::field_keys(decode_fields()));
  w.decode = d;
}

void read_workload(const core::ConfigNode& node, models::Workload& w, const models::TransformerModel& m,
                   bool model_ok) {
  const std::size_t before = node.errors().size();
  core::read_fields(node, workload_fields(), w);
  std::vector<std::string_view> keys = core::field_keys(workload_fields());
  for (std::string_view k : {"schedule", "cascade", "early_exit", "pattern", "progressive_quantization", "parallel",
                             "precision", "bytes_per_element", "decode"})
    keys.push_back(k);
  node.reject_unknown_keys(keys);
  if (node.has("bytes_per_element"))
    node.error_at("bytes_per_element",
                  "no longer a workload field: each tensor has its own precision, "
                  "/workload/precision/{weights,activations,kv_cache,scores} (bf16 or fp16: 2 bytes, fp8 or int8: 1, "
                  "int4 or fp4: 0.5); remove it");
  if (node.has("precision")) {
    const core::ConfigNode precision = node.child("precision");
    if (!precision.empty()) {
      core::read_fields(precision, precision_fields(), w.precision);
      precision.reject_unknown_keys(core::field_keys(precision_fields()));
    }
  }
  if (node.has("pattern")) {
    const core::ConfigNode section = node.child("pattern");
    if (!section.empty())
      if (std::shared_ptr<const models::dataflow::AttentionPattern> p = models::dataflow::make_pattern(section))
        w.pattern = std::move(p);
  }
  const std::int64_t n_layers = model_ok ? m.n_layers : 0;
  read_schedule(node, w, n_layers);
  read_cascade(node, w);
  read_early_exit(node, w, n_layers);
  read_progressive_quantization(node, w);
  read_decode(node, w);
  if (node.has("parallel")) {
    const core::ConfigNode parallel = node.child("parallel");
    if (!parallel.empty()) {
      core::read_fields(parallel, parallel_fields(), w.parallel);
      parallel.reject_unknown_keys(core::field_keys(parallel_fields()));
    }
  }
  if (node.errors().size() != before) return;
  if (std::string why = top_k_problem(w); !why.empty()) node.error_at("top_k", std::move(why));
}

LoadedStudy load_document(Loader& loader, const core::Json* doc, const std::string& label, const LoadOptions& options,
                          core::ConfigErrors& errors) {
  LoadedStudy loaded;
  if (!doc) {
    errors.throw_if_any();
    return loaded;
  }
  if (!doc->is_object()) {
    errors.add(label, "", "expected a JSON object (got " + core::describe_value(*doc) + ")");
    errors.throw_if_any();
  }
  const core::ConfigNode root({core::ConfigNode::Layer{doc, label, ""}}, errors);
  root.reject_unknown_keys({"schema_version", "name", "description", "hardware", "model", "workload"});
  core::SourceLocation where;
  if (const core::Json* v = root.find("schema_version", &where); !v)
    root.error_at("schema_version", "missing required key (the config format version, 1)");
  else if (!v->is_number_integer() || v->get<std::int64_t>() != supported_schema_version)
    errors.add(where.file, where.pointer,
               "unsupported schema_version " + core::describe_value(*v) + " (this build reads 1)");
  Study& st = loaded.study;
  if (const core::Json* v = root.find("name"); v && v->is_string())
    st.name = v->get<std::string>();
  else if (v)
    root.error_at("name", "expected a string (got " + core::describe_value(*v) + ")");
  if (const core::Json* v = root.find("description"); v && !v->is_string())
    root.error_at("description", "expected a string (got " + core::describe_value(*v) + ")");

  const core::Json override_hw = options.hardware_preset;
  if (!options.hardware_preset.empty()) {
    loaded.hardware_layers = read_hardware(loader, override_hw, core::SourceLocation{"--hw", ""}, st.hardware, errors);
  } else if (const core::Json* v = root.find("hardware", &where)) {
    loaded.hardware_layers = read_hardware(loader, *v, where, st.hardware, errors);
  } else {
    root.error_at("hardware", "missing required key (a hardware preset name or object)");
  }

  const std::size_t before_model = errors.size();
  if (const core::Json* v = root.find("model", &where)) {
    read_model(loader, *v, where, st.model, errors);
  } else {
    root.error_at("model", "missing required key (a model preset name or object)");
  }
  const bool model_ok = errors.size() == before_model;

  if (root.has("workload")) {
    const core::ConfigNode workload = root.child("workload");
    if (!workload.empty()) read_workload(workload, st.workload, st.model, model_ok);
    default_precisions(*doc, st);
    if (errors.empty())
      if (std::string why = pattern_problem(st); !why.empty()) workload.error_at("pattern", std::move(why));
    if (errors.empty())
      if (std::string why = parallel_problem(st); !why.empty()) workload.error_at("parallel", std::move(why));
    if (errors.empty())
      if (const std::optional<StudyProblem> problem = precision_problem(st))
        workload.child("precision")
            .error_at(problem->pointer.substr(problem->pointer.rfind('/') + 1), problem->message);
    if (errors.empty())
      if (std::string why = decode_problem(st); !why.empty()) workload.error_at("decode", std::move(why));
    if (errors.empty())
      if (std::string why = hbm_capacity_problem(st); !why.empty()) workload.error_at("batch", std::move(why));
  } else {
    root.error_at("workload", "missing required key (sequence length, phase, tiling, schedule)");
  }
  errors.throw_if_any();
  loaded.files = loader.files();
  loaded.documents = loader.documents();
  return loaded;
}

}  // namespace

std::string study_path_or_default(const std::string& path) {
  return path.empty() ? std::string(builtin_prefix) + std::string(default_study_path) : path;
}

LoadedStudy load_study(const std::string& path, const LoadOptions& options) {
  core::ConfigErrors errors;
  Loader loader(options, errors);
  loader.set_study_root(path);
  const core::Json* doc = loader.read_document(path);
  return load_document(loader, doc, path, options, errors);
}

LoadedStudy load_study_text(std::string_view text, const std::string& label, const LoadOptions& options) {
  core::ConfigErrors errors;
  Loader loader(options, errors);
  const core::Json* doc = loader.read_text(text, label);
  return load_document(loader, doc, label, options, errors);
}

void default_precisions(const core::Json& study_document, models::Study& study) {
  // Tensors the study gives no precision keep the machine's matrix_dtype: 2-byte elements at the matrix unit's own
  // rate on every shipped preset, as before per-tensor precision.
  const core::Json* given = nullptr;
  if (const auto w = study_document.find("workload"); w != study_document.end() && w->is_object())
    if (const auto p = w->find("precision"); p != w->end() && p->is_object()) given = &*p;
  models::TensorPrecisions& t = study.workload.precision;
  const std::pair<const char*, models::Precision*> tensors[] = {
      {"weights", &t.weights}, {"activations", &t.activations}, {"kv_cache", &t.kv_cache}, {"scores", &t.scores}};
  for (const auto& [key, precision] : tensors)
    if (!given || !given->contains(key)) *precision = study.hardware.matrix_dtype;
}

core::Json study_to_json(const models::Study& st) {
  core::Json out = core::Json::object();
  out["schema_version"] = supported_schema_version;
  out["name"] = st.name;
  out["hardware"] = core::fields_to_json(hardware_fields(), st.hardware);
  if (st.hardware.sections) out["hardware"].update(*st.hardware.sections);
  for (std::size_t i = 0; i < models::kernel_family_count; ++i)
    if (st.hardware.kernel_families[i] != models::KernelFamilyFigures{})
      out["hardware"]["kernel_families"][models::kernel_family_names[i]] =
          core::fields_to_json(kernel_family_fields(), st.hardware.kernel_families[i]);
  out["model"] = core::fields_to_json(model_fields(), st.model);
  core::Json w = core::fields_to_json(workload_fields(), st.workload);
  if (!st.workload.schedule.layers.empty()) w["schedule"] = st.workload.schedule.compact();
  w["pattern"] = st.workload.pattern->config();
  if (st.workload.cascade) {
    const models::CascadeSpec& spec = *st.workload.cascade;
    core::Json c = core::fields_to_json(cascade_fields(), spec);
    c["stages"] = core::Json::array();
    for (const auto& stage : spec.stages) {
      c["stages"].push_back(core::fields_to_json(cascade_stage_fields(), stage));
      // Derived fractions are not written: the threshold derives them again when the study is read back.
      if (spec.has_confidence_threshold()) c["stages"].back().erase("exit_fraction");
    }
    if (!spec.has_confidence_threshold()) {
      c.erase("confidence_threshold");
      c.erase("exit_rule");
    }
    if (spec.batch_policy != models::BatchPolicy::bucketed) c.erase("bucket_size");
    w["cascade"] = c;
  }
  if (st.workload.early_exit) {
    core::Json e = core::fields_to_json(early_exit_fields(), *st.workload.early_exit);
    e["exits"] = core::Json::array();
    for (const auto& p : st.workload.early_exit->exits)
      e["exits"].push_back(core::fields_to_json(early_exit_point_fields(), p));
    w["early_exit"] = e;
  }
  if (st.workload.progressive_quantization)
    w["progressive_quantization"] =
        core::fields_to_json(progressive_quantization_fields(), *st.workload.progressive_quantization);
  const models::Precision dtype = st.hardware.matrix_dtype;
  if (st.workload.precision != models::TensorPrecisions{dtype, dtype, dtype, dtype})
    w["precision"] = core::fields_to_json(precision_fields(), st.workload.precision);
  if (st.workload.decode) w["decode"] = core::fields_to_json(decode_fields(), *st.workload.decode);
  if (st.workload.parallel != models::ParallelSpec{})
    w["parallel"] = core::fields_to_json(parallel_fields(), st.workload.parallel);
  out["workload"] = w;
  return out;
}

}  // namespace cascadesim::sim
