// Sweep spec loading: the study, the axes (zips included), constraints, backend, objectives and Pareto sets,
// every problem collected before any point runs.
#include "sim/sweep/sweep_spec.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>

#include "core/field.hpp"
#include "hw/system/system.hpp"
#include "sim/config/embedded_configs.hpp"
#include "sim/sweep/sweep_points.hpp"

namespace cascadesim::sim::sweep {

namespace fs = std::filesystem;

std::string Constraint::violation(double number) const {
  if (min && number < *min)
    return parameter.path + " " + core::format_number(number) + " < min " + core::format_number(*min);
  if (max && number > *max)
    return parameter.path + " " + core::format_number(number) + " > max " + core::format_number(*max);
  return {};
}

bool SweepSpec::has_objective(Objective objective) const {
  return std::find(objectives.begin(), objectives.end(), objective) != objectives.end();
}

std::vector<std::size_t> SweepSpec::radices() const {
  std::vector<std::size_t> r;
  for (const Axis& a : axes) r.push_back(a.size());
  return r;
}

std::string fnv1a64_text(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char text[32];
  std::snprintf(text, sizeof text, "fnv1a64:%016llx", static_cast<unsigned long long>(h));
  return text;
}

namespace {

// One number that moves with any of a machine's energy figures, so that an axis over one of them counts as read by
// the analytical model.
double energy_fingerprint(const models::HardwareSpec& h) {
  if (!h.energy) return 0;
  double sum = 0, weight = 1;
  for (const models::ComponentFigures& c : h.energy->components) {
    sum += weight++ * c.static_W;
    for (const models::ActionFigure& a : c.actions) sum += weight++ * a.pJ;
  }
  return sum;
}

}  // namespace

namespace {

constexpr std::string_view studies_prefix = "configs/studies/";

bool looks_like_path(std::string_view s) {
  return s.find('/') != std::string_view::npos || (s.size() > 5 && s.substr(s.size() - 5) == ".json");
}

std::vector<std::string> builtin_study_names() {
  std::vector<std::string> names;
  for (const EmbeddedFile& f : embedded_configs())
    if (f.path.substr(0, studies_prefix.size()) == studies_prefix && f.path.size() > studies_prefix.size() + 5)
      names.emplace_back(f.path.substr(studies_prefix.size(), f.path.size() - studies_prefix.size() - 5));
  return names;
}

// The path load_study takes for a study reference, or "" after reporting why there is none.
std::string resolve_study(const std::string& reference, const core::ConfigNode& root) {
  if (reference.substr(0, builtin_prefix.size()) == builtin_prefix) return reference;
  if (looks_like_path(reference)) {
    std::error_code ec;
    if (fs::is_regular_file(reference, ec)) return reference;
    if (find_embedded_config(reference)) return std::string(builtin_prefix) + reference;
    root.error_at("study", "study file '" + reference +
                               "' does not exist (paths are relative to the working "
                               "directory)");
    return {};
  }
  const std::string builtin = std::string(studies_prefix) + reference + ".json";
  if (find_embedded_config(builtin)) return std::string(builtin_prefix) + builtin;
  const std::vector<std::string> names = builtin_study_names();
  std::string message = "unknown built-in study '" + reference + "'";
  if (const std::string hint = core::closest_key(reference, std::vector<std::string_view>(names.begin(), names.end()));
      !hint.empty())
    message += " (did you mean '" + hint + "'?)";
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  root.error_at("study", message + "; available: " + list + "; or give a path to a study file");
  return {};
}

// A "/hardware" value as the point's study document names it: a path that exists relative to the working directory
// becomes absolute (the loader would look for it beside the study), anything else is a preset name.
std::string preset_reference(const std::string& value) {
  std::error_code ec;
  if (looks_like_path(value) && fs::is_regular_file(value, ec)) return fs::absolute(value, ec).string();
  return value;
}

// A loader issue as seen from a sweep value: its file when it is not the study's, and its pointer when it is not
// the swept path itself.
std::string issue_text(const core::ConfigIssue& i, const std::string& study_file, const std::string& path) {
  std::string where;
  if (i.file != study_file) where = i.file + ": ";
  if (i.file != study_file || i.pointer != path) where += (i.pointer.empty() ? "/" : i.pointer) + ": ";
  return where + i.message;
}

double as_number(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return static_cast<double>(std::get<std::int64_t>(v));
}

// A top-level hardware field that the simulated machine does not read (hw::System::spec_fields_read).
bool simulator_ignores(const Parameter& p) {
  if (p.section != Section::hardware || !p.numeric()) return false;
  const auto& read = hw::System::spec_fields_read;
  return std::find(read.begin(), read.end(), p.key()) == read.end();
}

class SpecReader {
 public:
  SpecReader(SweepSpec& spec, core::ConfigErrors& errors, const LoadOptions& load)
      : spec_(spec), errors_(errors), load_(load) {}

  void read(const core::Json& doc) {
    if (!doc.is_object()) {
      errors_.add(spec_.file, "", "expected a JSON object (got " + core::describe_value(doc) + ")");
      return;
    }
    const core::ConfigNode root({core::ConfigNode::Layer{&doc, spec_.file, ""}}, errors_);
    root.reject_unknown_keys(
        {"schema_version", "name", "description", "study", "axes", "constraints", "backend", "objectives", "pareto"});
    read_header(root);
    read_study(root);
    read_axes(root);
    read_constraints(root);
    read_backend(root);
    read_objectives(root);
    read_pareto(root);
    check_overrides();
    check_objective_needs();
    if (errors_.empty()) apply_constraints(root);
    if (errors_.empty()) resolve();
  }

 private:
  const std::string& file() const { return spec_.file; }

  std::optional<std::string> string_at(const core::ConfigNode& root, std::string_view key, bool required,
                                       std::string_view what) {
    const core::Json* v = root.find(key);
    if (!v) {
      if (required) root.error_at(key, "missing required key (" + std::string(what) + ")");
      return std::nullopt;
    }
    if (!v->is_string() || v->get_ref<const std::string&>().empty()) {
      root.error_at(key, "expected a non-empty string (got " + core::describe_value(*v) + ")");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  void read_header(const core::ConfigNode& root) {
    core::SourceLocation where;
    if (const core::Json* v = root.find("schema_version", &where); !v)
      root.error_at("schema_version", "missing required key (the sweep format version, 1)");
    else if (!v->is_number_integer() || v->get<std::int64_t>() != sweep_schema_version)
      errors_.add(where.file, where.pointer,
                  "unsupported schema_version " + core::describe_value(*v) + " (this build reads 1)");
    if (auto name = string_at(root, "name", true, "the sweep's name")) spec_.name = *name;
    if (root.has("description"))
      if (auto d = string_at(root, "description", false, "")) spec_.description = *d;
  }

  void read_study(const core::ConfigNode& root) {
    const auto reference = string_at(root, "study", true, "a study file or built-in study name");
    if (!reference) return;
    spec_.study_reference = *reference;
    const std::string path = resolve_study(*reference, root);
    if (path.empty()) return;
    spec_.point_load = load_;
    // A point's study is loaded from text, so the study file's own config root is added where load_study
    // would search it (<root>/studies/NAME.json names presets in <root>/hw and <root>/models).
    if (path.substr(0, builtin_prefix.size()) != builtin_prefix) {
      const fs::path parent = fs::path(path).parent_path();
      if (parent.filename() == "studies") spec_.point_load.config_dirs.push_back(parent.parent_path().string());
    }
    try {
      spec_.study = load_study(path, load_);
      study_ok_ = true;
    } catch (const core::ConfigError& e) {
      for (const core::ConfigIssue& i : e.issues()) errors_.add(i.file, i.pointer, i.message);
    }
  }

  void read_axes(const core::ConfigNode& root) {
    core::SourceLocation where;
    const core::Json* axes = root.find("axes", &where);
    if (!axes) {
      root.error_at("axes", "missing required key (the parameters to sweep)");
      return;
    }
    if (!axes->is_array() || axes->empty()) {
      errors_.add(file(), where.pointer,
                  "expected a non-empty list of axes (got " + core::describe_value(*axes) +
                      (axes->is_array() ? " with no entries" : "") + ")");
      return;
    }
    std::set<std::string> paths;
    for (std::size_t i = 0; i < axes->size(); ++i) {
      const core::Json& a = (*axes)[i];
      Axis axis;
      axis.pointer = core::child_pointer(where.pointer, i);
      if (a.is_object() && a.contains("zip"))
        read_zip(a, axis);
      else if (auto column = read_column(a, file(), axis.pointer, errors_, values_left())) {
        axis_values_ += column->values.size();
        axis.columns.push_back(std::move(*column));
      }
      for (const Column& c : axis.columns)
        if (!paths.insert(c.parameter.path).second)
          errors_.add(file(), c.pointer + "/path", c.parameter.path + ": already swept by another axis");
      if (!axis.columns.empty()) {
        spec_.axes.push_back(std::move(axis));
        continue;
      }
      axes_ok_ = false;
      // Values inside the hardware are checked over the swept presets, which this axis may have held.
      const auto sets_preset = [](const core::Json& column) {
        return column.is_object() && column.contains("path") && column.at("path") == "/hardware";
      };
      if (sets_preset(a)) presets_ok_ = false;
      if (a.is_object() && a.contains("zip") && a.at("zip").is_array())
        for (const core::Json& member : a.at("zip"))
          if (sets_preset(member)) presets_ok_ = false;
    }
  }

  void read_zip(const core::Json& a, Axis& axis) {
    const std::size_t before = errors_.size();
    core::ConfigNode({core::ConfigNode::Layer{&a, file(), axis.pointer}}, errors_).reject_unknown_keys({"zip"});
    const core::Json& members = a.at("zip");
    const std::string at = axis.pointer + "/zip";
    if (!members.is_array() || members.empty()) {
      errors_.add(file(), at, "expected a non-empty list of axes to zip (got " + core::describe_value(members) + ")");
      return;
    }
    for (std::size_t j = 0; j < members.size(); ++j) {
      const std::string pointer = core::child_pointer(at, j);
      if (members[j].is_object() && members[j].contains("zip")) {
        errors_.add(file(), pointer + "/zip", "a zip cannot hold another zip");
        continue;
      }
      if (auto column = read_column(members[j], file(), pointer, errors_, values_left())) {
        axis_values_ += column->values.size();
        axis.columns.push_back(std::move(*column));
      }
    }
    if (errors_.size() != before) {
      axis.columns.clear();
      return;
    }
    for (const Column& c : axis.columns) {
      if (c.values.size() == axis.columns.front().values.size()) continue;
      std::string lengths;
      for (const Column& m : axis.columns)
        lengths += (lengths.empty() ? "" : ", ") + m.parameter.path + " has " + std::to_string(m.values.size());
      errors_.add(file(), at, "zipped lists must have the same length (" + lengths + " values)");
      axis.columns.clear();
      return;
    }
  }

  void read_constraints(const core::ConfigNode& root) {
    core::SourceLocation where;
    const core::Json* list = root.find("constraints", &where);
    if (!list) return;
    if (!list->is_array()) {
      errors_.add(file(), where.pointer, "expected a list of constraints (got " + core::describe_value(*list) + ")");
      return;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      const core::Json& c = (*list)[i];
      Constraint constraint;
      constraint.pointer = core::child_pointer(where.pointer, i);
      if (!c.is_object()) {
        errors_.add(file(), constraint.pointer,
                    "expected {\"path\": ..., \"min\": ..., \"max\": ...} (got " + core::describe_value(c) + ")");
        continue;
      }
      const std::size_t before = errors_.size();
      core::ConfigNode({core::ConfigNode::Layer{&c, file(), constraint.pointer}}, errors_)
          .reject_unknown_keys({"path", "min", "max"});
      const auto path = c.find("path");
      if (path == c.end() || !path->is_string()) {
        errors_.add(file(), constraint.pointer + "/path", "expected the JSON pointer of a numeric study field");
        continue;
      }
      const std::optional<Parameter> p = find_parameter(path->get<std::string>());
      if (!p || !p->numeric()) {
        const std::vector<std::string> paths = parameter_paths();
        std::string message = (p ? "not a numeric parameter: '" : "unknown parameter '") + path->get<std::string>() +
                              "' (constraints bound numbers)";
        if (!p)
          if (const std::string hint = core::closest_key(path->get<std::string>(),
                                                         std::vector<std::string_view>(paths.begin(), paths.end()));
              !hint.empty())
            message = "unknown parameter '" + path->get<std::string>() + "' (did you mean '" + hint + "'?)";
        errors_.add(file(), constraint.pointer + "/path", message);
        continue;
      }
      constraint.parameter = *p;
      for (const char* key : {"min", "max"}) {
        const auto it = c.find(key);
        if (it == c.end()) continue;
        if (!it->is_number() || !std::isfinite(it->get<double>())) {
          errors_.add(file(), constraint.pointer + "/" + key,
                      p->path + ": expected a finite number (got " + core::describe_value(*it) + ")");
          continue;
        }
        (std::string_view(key) == "min" ? constraint.min : constraint.max) = it->get<double>();
      }
      if (!c.contains("min") && !c.contains("max"))
        errors_.add(file(), constraint.pointer, p->path + ": give min, max or both");
      else if (constraint.min && constraint.max && *constraint.min > *constraint.max)
        errors_.add(file(), constraint.pointer + "/min",
                    p->path + ": min " + core::format_number(*constraint.min) + " is above max " +
                        core::format_number(*constraint.max));
      if (errors_.size() == before) spec_.constraints.push_back(std::move(constraint));
    }
  }

  void read_backend(const core::ConfigNode& root) {
    const core::Json* v = root.find("backend");
    if (!v) return;
    std::size_t index = 0;
    static constexpr std::array<std::string_view, 3> names{"analytical", "simulate", "both"};
    if (core::read_choice(root, "backend", *v, names, index))
      spec_.backend = static_cast<Backend>(index);
    else
      backend_ok_ = false;
  }

  std::string objective_problem(const std::string& name) {
    std::vector<std::string_view> names;
    for (const ObjectiveInfo& i : objective_catalog()) names.push_back(i.name);
    if (const auto renamed = renamed_objective(name))
      return "objective '" + name + "' is now '" + std::string(*renamed) +
             "': every record gives times in milliseconds (docs/results.md)";
    if (const auto o = find_objective(name)) {
      if (provides(spec_.backend, *o)) return {};
      return "'" + name + "' needs the " + (info(*o).source == Source::simulated ? "simulate" : "analytical") +
             " backend (or \"both\"); backend is " + std::string(to_string(spec_.backend));
    }
    std::string message = "unknown objective '" + name + "'";
    if (const std::string hint = core::closest_key(name, names); !hint.empty())
      message += " (did you mean '" + hint + "'?)";
    std::string list;
    for (const ObjectiveInfo& i : objective_catalog())
      if (provides(spec_.backend, i.objective)) list += (list.empty() ? "" : ", ") + std::string(i.name);
    return message + "; the " + std::string(to_string(spec_.backend)) + " backend gives " + list;
  }

  void read_objectives(const core::ConfigNode& root) {
    core::SourceLocation where;
    const core::Json* list = root.find("objectives", &where);
    if (!list) {
      for (const ObjectiveInfo& i : objective_catalog()) {
        if (!i.by_default || !provides(spec_.backend, i.objective)) continue;
        spec_.objectives.push_back(i.objective);
        objective_pointers_.push_back("/objectives");
      }
      return;
    }
    if (list->is_array() && list->empty()) {
      errors_.add(file(), where.pointer, "expected a non-empty list of objective names (got [])");
      return;
    }
    for_each_name(*list, where.pointer, [&](const std::string& name, const std::string& at) {
      if (!backend_ok_) return;
      if (std::string why = objective_problem(name); !why.empty()) {
        errors_.add(file(), at, why);
        return;
      }
      const Objective o = *find_objective(name);
      if (std::find(spec_.objectives.begin(), spec_.objectives.end(), o) != spec_.objectives.end()) {
        errors_.add(file(), at, "'" + name + "' is listed twice");
      } else {
        spec_.objectives.push_back(o);
        objective_pointers_.push_back(at);
      }
    });
  }

  // Calls fn(name, pointer) for each string of a JSON list of objective names; reports the list or an entry that
  // is of another type.
  template <class Fn>
  void for_each_name(const core::Json& list, const std::string& pointer, Fn&& fn) {
    if (!list.is_array()) {
      errors_.add(file(), pointer, "expected a list of objective names (got " + core::describe_value(list) + ")");
      return;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string at = core::child_pointer(pointer, i);
      if (!list[i].is_string()) {
        errors_.add(file(), at, "expected an objective name (got " + core::describe_value(list[i]) + ")");
        continue;
      }
      fn(list[i].get<std::string>(), at);
    }
  }

  void read_pareto(const core::ConfigNode& root) {
    if (!root.has("pareto")) return;
    const core::ConfigNode node = root.child("pareto");
    if (node.empty()) return;
    node.reject_unknown_keys({"minimize", "maximize"});
    std::set<std::string> seen;
    for (const char* key : {"minimize", "maximize"}) {
      core::SourceLocation where;
      const core::Json* list = node.find(key, &where);
      if (!list) continue;
      for_each_name(*list, where.pointer, [&](const std::string& name, const std::string& at) {
        if (!seen.insert(name).second) {
          errors_.add(file(), at, "'" + name + "' appears twice in the Pareto objectives");
          return;
        }
        const auto o = find_objective(name);
        const auto it = o ? std::find(spec_.objectives.begin(), spec_.objectives.end(), *o) : spec_.objectives.end();
        if (it == spec_.objectives.end()) {
          std::string list_text;
          for (Objective x : spec_.objectives) list_text += (list_text.empty() ? "" : ", ") + std::string(info(x).name);
          errors_.add(file(), at, "'" + name + "' is not one of the objectives (" + list_text + ")");
          return;
        }
        const auto index = static_cast<std::size_t>(it - spec_.objectives.begin());
        (std::string_view(key) == "minimize" ? spec_.pareto_minimize : spec_.pareto_maximize).push_back(index);
      });
    }
    if (seen.empty()) node.error("expected at least one objective under minimize or maximize");
  }

  // The study value i of a preset or document column gives when written alone into the base study's document (over
  // a swept preset, when `preset` names one), or nothing after reporting the loader's issues at the value.
  std::optional<LoadedStudy> load_with(const Column& column, std::size_t i, const core::Json& value,
                                       const HardwareVariant* preset = nullptr, const std::string& preset_text = "") {
    const Parameter& p = column.parameter;
    const std::string context = p.path + ": " + (preset ? "with /hardware " + preset_text + ": " : "");
    core::Json doc = spec_.study.documents->front();
    if (preset) write_into_document(doc, *find_parameter("/hardware"), core::Json(preset->reference));
    if (std::string why = write_into_document(doc, p, value); !why.empty()) {
      errors_.add(file(), column.value_pointer(i), context + why);
      return std::nullopt;
    }
    const std::string& study_file = spec_.study.files.front();
    try {
      return load_study_text(doc.dump(), study_file, spec_.point_load);
    } catch (const core::ConfigError& e) {
      for (const core::ConfigIssue& issue : e.issues())
        errors_.add(file(), column.value_pointer(i), context + issue_text(issue, study_file, p.path));
    }
    return std::nullopt;
  }

  // The area of a loaded study's hardware, or nothing after reporting at `at` that its sections give no figures.
  std::optional<hw::MachineArea> area_of(const LoadedStudy& loaded, const std::string& at, const std::string& what) {
    core::ConfigErrors ignored;  // the loader has already checked every section
    hw::MachineArea area = hw::machine_area(core::ConfigNode(loaded.hardware_layers, ignored));
    if (area.complete()) return area;
    std::string message = "'area_mm2': " + what;
    if (area.sections.empty())
      message += " has no component sections, so no area figures";
    else
      message += " gives no area figures for " + hw::section_list(area.missing) +
                 " (each component section takes its own, e.g. matrix_unit area_mm2_per_pe)";
    errors_.add(file(), at, message);
    return std::nullopt;
  }

  // Whether a loaded study's hardware gives every section's energy figures; otherwise reports at `at` which lack
  // them.
  bool energy_figures_complete(const LoadedStudy& loaded, const std::string& at, const std::string& what) {
    const std::shared_ptr<const models::EnergyFigures>& e = loaded.study.hardware.energy;
    if (e && e->complete()) return true;
    errors_.add(file(), at,
                "'" + std::string(info(energy_objective()).name) + "': " + what +
                    (e && !e->missing.empty() ? " gives no energy figures for " + hw::section_list(e->missing)
                                              : std::string(" has no component sections, so no energy figures")) +
                    " (each component section takes its own, e.g. memory read_pJ_per_bit and static_W; "
                    "docs/energy.md)");
    return false;
  }

  // The first energy objective asked for (energy_J before edp_Js and the simulated ones), for messages and
  // pointers; time_ms when none is.
  Objective energy_objective() const {
    for (Objective o : spec_.objectives)
      if (o == Objective::energy_J || o == Objective::edp_Js || o == Objective::simulated_energy_J ||
          o == Objective::simulated_edp_Js)
        return o;
    return Objective::time_ms;
  }
  bool energy_asked() const { return energy_objective() != Objective::time_ms; }
  std::string energy_pointer() const {
    for (std::size_t i = 0; i < spec_.objectives.size(); ++i)
      if (spec_.objectives[i] == energy_objective()) return objective_pointers_[i];
    return "/objectives";
  }

  std::string area_pointer() const {
    for (std::size_t i = 0; i < spec_.objectives.size(); ++i)
      if (spec_.objectives[i] == Objective::area_mm2) return objective_pointers_[i];
    return "/objectives";
  }

  // Loads every value of the preset and document columns into the base study, one at a time (a value inside the
  // hardware over each swept preset), reporting the loader's issues at the value; keeps the presets for the
  // analytical backend's fast path.
  void check_overrides() {
    if (!study_ok_) return;
    const bool area = spec_.has_objective(Objective::area_mm2);
    for (std::size_t a = 0; a < spec_.axes.size(); ++a) {
      for (std::size_t c = 0; c < spec_.axes[a].columns.size(); ++c) {
        const Column& column = spec_.axes[a].columns[c];
        if (column.parameter.type != ValueType::preset) continue;
        spec_.hardware_axis = ColumnAt{a, c};
        for (std::size_t i = 0; i < column.values.size(); ++i) {
          const std::string reference = preset_reference(std::get<std::string>(column.values[i]));
          HardwareVariant variant{reference, {}, {}};
          if (std::optional<LoadedStudy> loaded = load_with(column, i, core::Json(reference))) {
            variant.spec = loaded->study.hardware;
            if (area)
              if (auto a_mm2 = area_of(*loaded, area_pointer(), "preset " + column.texts[i])) variant.area = *a_mm2;
            if (energy_asked()) energy_figures_complete(*loaded, energy_pointer(), "preset " + column.texts[i]);
          } else {
            presets_ok_ = false;
          }
          spec_.hardware_variants.push_back(std::move(variant));
        }
      }
    }
    for (std::size_t a = 0; a < spec_.axes.size(); ++a) {
      // An axis whose every field the simulator ignores would leave each simulated objective constant along it;
      // zipped beside a field it reads, an ignored one is fine.
      const std::vector<Column>& columns = spec_.axes[a].columns;
      if (backend_ok_ && spec_.backend != Backend::analytical &&
          std::all_of(columns.begin(), columns.end(), [](const Column& c) { return simulator_ignores(c.parameter); })) {
        const Column& first = columns.front();
        errors_.add(file(), first.pointer + "/path",
                    first.parameter.path + ": the simulator does not read this figure (it is the analytical " +
                        "model's own), so no simulated objective would change along this axis; use backend analytical");
      }
      for (std::size_t c = 0; c < spec_.axes[a].columns.size(); ++c) {
        const Column& column = spec_.axes[a].columns[c];
        const Parameter& p = column.parameter;
        if (p.by_document()) {
          spec_.load_points = true;
          if (p.simulator_only && backend_ok_ && spec_.backend == Backend::analytical) {
            const std::string role(p.key().substr(0, p.key().find('/')));
            errors_.add(file(), column.pointer + "/path",
                        p.path + ": only the simulator reads the hardware's " + role +
                            " section; the analytical backend would ignore it (use backend simulate or both)");
            continue;
          }
          // Inside the hardware, a value is checked over each swept preset (it may suit one preset only).
          const bool over_presets = spec_.hardware_axis && p.section == Section::hardware;
          if (over_presets && !presets_ok_) continue;
          const Column* presets =
              over_presets ? &spec_.axes[spec_.hardware_axis->axis].columns[spec_.hardware_axis->column] : nullptr;
          const std::size_t variants = over_presets ? spec_.hardware_variants.size() : 1;
          // The roofline's figures each value gives: an analytical axis along which none moves would leave every
          // objective constant (a section field only the simulator reads, such as /hardware/memory/latency_ns).
          std::set<std::array<double, 11>> rooflines;
          bool all_loaded = true;
          for (std::size_t i = 0; i < column.values.size(); ++i) {
            for (std::size_t v = 0; v < variants; ++v) {
              const HardwareVariant* preset = over_presets ? &spec_.hardware_variants[v] : nullptr;
              const std::string preset_text = over_presets ? presets->texts[v] : "";
              std::optional<LoadedStudy> loaded = load_with(column, i, column.documents[i], preset, preset_text);
              all_loaded = all_loaded && loaded.has_value();
              if (loaded && v == 0) {
                const models::HardwareSpec& h = loaded->study.hardware;
                // The interconnect's figures too: the many-device closed forms read them; and the host tier's.
                rooflines.insert({h.peak_matrix_TFLOPs(), h.peak_vector_TFLOPs(), h.hbm_bandwidth_GBps, h.hbm_bytes,
                                  h.l2_bytes, energy_fingerprint(h), static_cast<double>(h.interconnect.devices),
                                  h.interconnect.link_GBps, h.interconnect.node_link_GBps, h.host_bandwidth_GBps,
                                  h.host_bytes});
              }
              const std::string with_value = "the hardware with " + p.path + " = " + column.texts[i] +
                                             (over_presets ? " over preset " + preset_text : "");
              if (loaded && area && p.section == Section::hardware)
                area_of(*loaded, column.value_pointer(i), with_value);
              if (loaded && energy_asked() && p.section == Section::hardware)
                energy_figures_complete(*loaded, column.value_pointer(i), with_value);
            }
          }
          if (all_loaded && p.section == Section::hardware && backend_ok_ && spec_.backend == Backend::analytical &&
              spec_.axes[a].columns.size() == 1 && column.values.size() > 1 && rooflines.size() == 1)
            errors_.add(file(), column.pointer + "/path",
                        p.path +
                            ": the analytical model does not read this figure (no roofline or energy figure "
                            "derived from the section changes along the axis); use backend simulate or both");
        }
      }
    }
  }

  // Objectives that only some studies and presets can give: a cascade's speedups, the area.
  void check_objective_needs() {
    if (!study_ok_ || !axes_ok_) return;
    bool cascade = spec_.study.study.workload.cascade.has_value();
    bool decode = spec_.study.study.workload.decode.has_value();
    for (const Axis& a : spec_.axes)
      for (const Column& c : a.columns) {
        cascade = cascade || c.parameter.path.rfind("/workload/cascade", 0) == 0;
        decode = decode || c.parameter.path.rfind("/workload/decode", 0) == 0;
      }
    for (std::size_t i = 0; i < spec_.objectives.size(); ++i) {
      const Objective o = spec_.objectives[i];
      if ((o == Objective::cascade_speedup || o == Objective::simulated_cascade_speedup) && !cascade)
        errors_.add(file(), objective_pointers_[i],
                    "'" + std::string(info(o).name) + "' needs a study whose workload has a cascade (" +
                        spec_.study_reference + " has none)");
      const bool decode_objective = o == Objective::decode_tokens_per_s || o == Objective::decode_speedup ||
                                    o == Objective::simulated_decode_tokens_per_s ||
                                    o == Objective::simulated_decode_speedup;
      if (decode_objective && !decode)
        errors_.add(file(), objective_pointers_[i],
                    "'" + std::string(info(o).name) + "' needs a study whose workload has decode steps (" +
                        spec_.study_reference + " has none)");
    }
    if (energy_asked() && !spec_.hardware_axis)
      energy_figures_complete(spec_.study, energy_pointer(),
                              spec_.study.study.hardware.name.empty() ? std::string("the study's hardware")
                                                                      : "preset " + spec_.study.study.hardware.name);
    if (spec_.has_objective(Objective::area_mm2) && !spec_.hardware_axis)
      if (auto a = area_of(spec_.study, area_pointer(),
                           spec_.study.study.hardware.name.empty() ? std::string("the study's hardware")
                                                                   : "preset " + spec_.study.study.hardware.name))
        spec_.base_area = *a;
  }

  // Marks the entries each axis's constraints exclude; a constraint set that excludes every point is an error.
  void apply_constraints(const core::ConfigNode& root) {
    if (!study_ok_ || !axes_ok_) return;
    const auto swept = [&](const Constraint& c) {
      for (const Axis& a : spec_.axes)
        for (const Column& col : a.columns)
          if (col.parameter.path == c.parameter.path) return true;
      return false;
    };
    // A hardware field no axis sets takes each swept preset's value: checked per preset below.
    const auto per_preset = [&](const Constraint& c) {
      return spec_.hardware_axis && c.parameter.section == Section::hardware && !swept(c);
    };
    for (const Constraint& c : spec_.constraints) {
      if (swept(c) || per_preset(c)) continue;
      const double value = number_in(c.parameter, spec_.study.study);
      if (const std::string why = c.violation(value); !why.empty())
        errors_.add(file(), c.pointer,
                    c.parameter.path + " is not swept and the study's value violates the constraint (" + why +
                        "), so it excludes every point");
    }
    for (std::size_t axis = 0; axis < spec_.axes.size(); ++axis) {
      Axis& a = spec_.axes[axis];
      // Each check gives entry e's violation of one constraint ("" when it holds).
      std::vector<std::pair<std::function<std::string(std::size_t)>, const Constraint*>> checks;
      for (const Column& col : a.columns)
        for (const Constraint& c : spec_.constraints)
          if (c.parameter.path == col.parameter.path)
            checks.emplace_back([&col, &c](std::size_t e) { return c.violation(as_number(col.values[e])); }, &c);
      if (spec_.hardware_axis && spec_.hardware_axis->axis == axis)
        for (const Constraint& c : spec_.constraints)
          if (per_preset(c))
            checks.emplace_back(
                [this, &c](std::size_t e) {
                  models::Study with_preset;
                  with_preset.hardware = spec_.hardware_variants[e].spec;
                  return c.violation(number_in(c.parameter, with_preset));
                },
                &c);
      if (checks.empty()) continue;
      a.exclusions.assign(a.size(), std::string());
      std::size_t admitted = 0;
      for (std::size_t e = 0; e < a.size(); ++e) {
        for (const auto& [check, c] : checks) {
          a.exclusions[e] = check(e);
          if (!a.exclusions[e].empty()) break;
        }
        if (a.exclusions[e].empty()) ++admitted;
      }
      if (admitted == 0)
        errors_.add(file(), checks.front().second->pointer,
                    checks.front().second->parameter.path + ": the constraints exclude every point: no entry of " +
                        a.pointer + " satisfies them");
    }
    const std::vector<std::size_t> radices = spec_.radices();
    if (const auto n = product_of_radices(radices, max_points))
      spec_.point_count = *n;
    else
      root.error_at("axes", "the axes give more than 2^53 points");
  }

  void resolve() {
    core::Json& r = spec_.resolved;
    r = core::Json::object();
    r["schema_version"] = sweep_schema_version;
    r["name"] = spec_.name;
    r["description"] = spec_.description;
    core::Json documents = core::Json::array();
    for (const core::Json& d : *spec_.study.documents) documents.push_back(d);
    r["study"] = {{"reference", spec_.study_reference},
                  {"files", spec_.study.files},
                  {"documents", documents},
                  {"resolved", study_to_json(spec_.study.study)}};
    core::Json axes = core::Json::array();
    for (const Axis& a : spec_.axes) {
      core::Json columns = core::Json::array();
      for (const Column& c : a.columns) {
        core::Json values = core::Json::array();
        for (const Value& v : c.values) values.push_back(value_to_json(c.parameter, v));
        columns.push_back({{"path", c.parameter.path}, {"values", values}});
      }
      axes.push_back({{"pointer", a.pointer}, {"columns", columns}});
    }
    r["axes"] = axes;
    if (spec_.hardware_axis) {
      // What each preset resolved to: the rows depend on it, not on where its file was found.
      core::Json presets = core::Json::array();
      const Column& column = spec_.axes[spec_.hardware_axis->axis].columns[spec_.hardware_axis->column];
      for (std::size_t i = 0; i < spec_.hardware_variants.size(); ++i) {
        models::Study with_preset;
        with_preset.hardware = spec_.hardware_variants[i].spec;
        presets.push_back({{"value", column.texts[i]}, {"hardware", study_to_json(with_preset)["hardware"]}});
      }
      r["hardware_presets"] = presets;
    }
    core::Json constraints = core::Json::array();
    for (const Constraint& c : spec_.constraints) {
      core::Json j = {{"path", c.parameter.path}};
      if (c.min) j["min"] = *c.min;
      if (c.max) j["max"] = *c.max;
      constraints.push_back(j);
    }
    r["constraints"] = constraints;
    r["backend"] = std::string(to_string(spec_.backend));
    core::Json objectives = core::Json::array();
    for (Objective o : spec_.objectives) objectives.push_back(std::string(info(o).name));
    r["objectives"] = objectives;
    core::Json minimize = core::Json::array(), maximize = core::Json::array();
    for (std::size_t i : spec_.pareto_minimize) minimize.push_back(std::string(info(spec_.objectives[i]).name));
    for (std::size_t i : spec_.pareto_maximize) maximize.push_back(std::string(info(spec_.objectives[i]).name));
    r["pareto"] = {{"minimize", minimize}, {"maximize", maximize}};
    r["points"] = spec_.point_count;
    // What decides the rows: not the wording of the description, nor where the study's files were found.
    core::Json hashed = r;
    hashed.erase("description");
    hashed["study"].erase("files");
    spec_.hash = fnv1a64_text(hashed.dump());
  }

  // What the spec's columns read so far leave of max_axis_values.
  std::size_t values_left() const { return max_axis_values - std::min(axis_values_, max_axis_values); }

  SweepSpec& spec_;
  core::ConfigErrors& errors_;
  const LoadOptions& load_;
  std::vector<std::string> objective_pointers_;  // where each of spec_.objectives was named
  bool presets_ok_ = true;                       // every "/hardware" value loaded
  bool study_ok_ = false;
  bool axes_ok_ = true;
  std::size_t axis_values_ = 0;  // values of the columns read so far, all axes together (max_axis_values)
  bool backend_ok_ = true;
};

SweepSpec load(const std::optional<core::Json>& doc, const std::string& label, const LoadOptions& load,
               core::ConfigErrors& errors) {
  SweepSpec spec;
  spec.file = label;
  if (doc) SpecReader(spec, errors, load).read(*doc);
  errors.throw_if_any();
  return spec;
}

}  // namespace

SweepSpec load_sweep_spec(const std::string& path, const LoadOptions& options) {
  core::ConfigErrors errors;
  return load(core::load_json_file(path, errors), path, options, errors);
}

SweepSpec load_sweep_spec_text(std::string_view text, const std::string& label, const LoadOptions& options) {
  core::ConfigErrors errors;
  return load(core::parse_json_text(text, label, errors), label, options, errors);
}

}  // namespace cascadesim::sim::sweep
