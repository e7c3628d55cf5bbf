// `cascadesim describe`: renders the field declarations and the component catalog.
#include "sim/cli/describe_command.hpp"

#include <cmath>
#include <cstdio>

#include "core/atomic_file.hpp"
#include "hw/component_registry.hpp"
#include "models/dataflow/attention_implementation.hpp"
#include "models/dataflow/pattern.hpp"
#include "models/kernel_families.hpp"
#include "sim/cli/arguments.hpp"
#include "sim/cli/predict_command.hpp"
#include "sim/config/schemas.hpp"
#include "sim/config/study_loader.hpp"

namespace cascadesim::sim {

const char* const describe_usage =
    "usage: cascadesim describe [--json] [--schema FILE]\n"
    "\n"
    "Lists every study, hardware, model and workload parameter, every attention pattern with its parameters and an\n"
    "example section, and every registered hardware component with its parameters and statistics (unit, bounds,\n"
    "default, meaning).\n"
    "  --json         print the same as one JSON object\n"
    "  --schema FILE  also write the JSON schema of study files to FILE\n";

DescribeOptions parse_describe_args(const std::vector<std::string>& args) {
  const Arguments a(args, {{"--json", Arity::flag}, {"--schema", Arity::one}});
  DescribeOptions o;
  o.json = a.has("--json");
  o.schema_path = a.value("--schema");
  return o;
}

namespace {

core::Json param_json(const core::ParamInfo& p) {
  core::Json j{{"key", p.key}, {"unit", p.unit}, {"doc", p.doc}, {"kind", p.kind}, {"required", p.required}};
  if (std::isfinite(p.min)) j[p.min_exclusive ? "exclusive_minimum" : "minimum"] = p.min;
  if (std::isfinite(p.max)) j["maximum"] = p.max;
  if (!p.default_value.empty()) j["default"] = core::Json::parse(p.default_value);
  if (!p.choices.empty()) j["choices"] = p.choices;
  return j;
}

template <class S>
core::Json section_json(std::string_view pointer, std::string_view doc, std::span<const core::Field<S>> fields) {
  core::Json params = core::Json::array();
  for (const core::ParamInfo& p : core::describe_fields(fields)) params.push_back(param_json(p));
  return core::Json{{"pointer", pointer}, {"doc", doc}, {"params", params}};
}

std::string bounds_text(const core::ParamInfo& p) {
  std::string text;
  if (std::isfinite(p.min)) text += (p.min_exclusive ? "> " : ">= ") + core::format_number(p.min);
  if (std::isfinite(p.max)) text += (text.empty() ? "<= " : ", <= ") + core::format_number(p.max);
  if (!p.choices.empty()) {
    for (const std::string& c : p.choices) text += (text.empty() ? "" : "|") + c;
  }
  return text;
}

void write_params(std::ostream& out, const core::Json& params) {
  char line[512];
  for (const core::Json& p : params) {
    core::ParamInfo info;
    info.min = p.value("minimum", p.value("exclusive_minimum", -INFINITY));
    info.min_exclusive = p.contains("exclusive_minimum");
    info.max = p.value("maximum", INFINITY);
    if (p.contains("choices")) info.choices = p["choices"].get<std::vector<std::string>>();
    const std::string def = p["required"].get<bool>() ? "required" : "default " + p["default"].dump();
    std::snprintf(line, sizeof line, "    %-28s %-9s %-24s %-22s %s\n", p["key"].get<std::string>().c_str(),
                  p["unit"].get<std::string>().c_str(), bounds_text(info).c_str(), def.c_str(),
                  p["doc"].get<std::string>().c_str());
    out << line;
  }
}

}  // namespace

core::Json describe_json() {
  core::Json sections = core::Json::array();
  sections.push_back(
      section_json("/hardware", "machine figures for the analytical models (hw preset)", hardware_fields()));
  sections.push_back(section_json("/model", "transformer shape (model preset)", model_fields()));
  sections.push_back(section_json("/workload", "what runs: phase, lengths, tiling, top-k", workload_fields()));
  sections.push_back(section_json("/workload/cascade", "coarse-to-fine cascade (seed 000)", cascade_fields()));
  sections.push_back(
      section_json("/workload/cascade/stages/N", "one cascade stage, coarse to fine", cascade_stage_fields()));
  sections.push_back(section_json("/workload/early_exit", "early exit over layers (seed 004)", early_exit_fields()));
  sections.push_back(section_json("/workload/early_exit/exits/N", "one exit point", early_exit_point_fields()));
  sections.push_back(section_json("/hardware/kernel_families/FAMILY",
                                  "one kernel family's fitted figures (calibrate writes them; FAMILY is one of "
                                  "kernel_families)",
                                  kernel_family_fields()));
  sections.push_back(section_json("/workload/progressive_quantization",
                                  "SpAtten's two-pass K/V fetch in the sparse layers (docs/patterns.md)",
                                  progressive_quantization_fields()));
  sections.push_back(section_json("/workload/parallel",
                                  "how the work splits over /hardware/interconnect's devices (reports/many-devices)",
                                  parallel_fields()));
  sections.push_back(section_json("/workload/precision",
                                  "each tensor's number format (docs/precision.md); defaults: /hardware/matrix_dtype",
                                  precision_fields()));
  sections.push_back(section_json(
      "/workload/decode", "multi-step decode: selection reuse, K/V eviction budgets, host offload (docs/decode.md)",
      decode_fields()));
  core::Json components = core::Json::array();
  for (const hw::ComponentEntry& e : hw::ComponentCatalog::instance().entries()) {
    core::Json params = core::Json::array();
    for (const core::ParamInfo& p : e.params) params.push_back(param_json(p));
    core::Json stats = core::Json::array();
    for (const core::StatInfo& s : e.stats) stats.push_back({{"name", s.name}, {"unit", s.unit}, {"doc", s.doc}});
    core::Json actions = core::Json::array();
    for (const hw::ActionInfo& a : e.actions) {
      core::Json counted = core::Json::array();
      for (std::string_view stat : a.stats)
        if (!stat.empty()) counted.push_back(stat);
      actions.push_back({{"name", a.name},
                         {"unit", a.unit},
                         {"energy_key", a.energy_key},
                         {"counts", counted},
                         {"per_stat", a.per_stat},
                         {"analytical_count", std::string(models::to_string(a.work))},
                         {"doc", a.doc}});
    }
    components.push_back({{"role", e.role},
                          {"impl", e.name},
                          {"doc", e.doc},
                          {"params", params},
                          {"stats", stats},
                          {"actions", actions},
                          {"static_power_key", hw::static_power_key}});
  }
  core::Json patterns = core::Json::array();
  for (const models::dataflow::PatternCatalog::Entry& e : models::dataflow::PatternCatalog::instance().entries()) {
    core::Json params = core::Json::array();
    for (const core::ParamInfo& p : e.params) params.push_back(param_json(p));
    core::Json example = core::Json::parse(e.example);
    example["impl"] = e.name;
    patterns.push_back({{"impl", e.name}, {"doc", e.doc}, {"params", params}, {"example", example}});
  }
  core::Json implementations = core::Json::array();
  for (const models::dataflow::AttentionImplementation& i : models::dataflow::attention_implementations())
    implementations.push_back({{"name", i.name}, {"doc", i.doc}, {"source", i.source}});
  core::Json families = core::Json::array();
  for (std::string_view name : models::kernel_family_names) families.push_back(name);
  return core::Json{{"sections", sections},
                    {"components", components},
                    {"patterns", patterns},
                    {"attention_implementations", implementations},
                    {"kernel_families", families}};
}

namespace {
core::Json property_schema(const core::Json& p) {
  core::Json s = core::Json::object();
  s["description"] = p["doc"].get<std::string>() +
                     (p["unit"].get<std::string>().empty() ? "" : " [" + p["unit"].get<std::string>() + "]");
  const std::string kind = p["kind"];
  if (kind == "choice")
    s["enum"] = p["choices"];
  else if (kind == "integer")
    s["type"] = "integer";
  else if (kind == "boolean")
    s["type"] = "boolean";
  else if (kind == "string")
    s["type"] = "string";
  else
    s["type"] = "number";
  for (const char* k : {"minimum", "exclusive_minimum", "maximum", "default"})
    if (p.contains(k)) s[k == std::string("exclusive_minimum") ? "exclusiveMinimum" : k] = p[k];
  return s;
}

core::Json object_schema(const core::Json& section,
                         std::initializer_list<std::pair<const char*, core::Json>> extra = {}) {
  core::Json props = core::Json::object();
  core::Json required = core::Json::array();
  for (const core::Json& p : section["params"]) {
    props[p["key"].get<std::string>()] = property_schema(p);
    if (p["required"].get<bool>()) required.push_back(p["key"]);
  }
  for (const auto& [key, schema] : extra) props[key] = schema;
  core::Json s{
      {"type", "object"}, {"description", section["doc"]}, {"properties", props}, {"additionalProperties", false}};
  if (!required.empty()) s["required"] = required;
  return s;
}
}  // namespace

core::Json study_json_schema() {
  const core::Json d = describe_json();
  const core::Json& sec = d["sections"];
  const core::Json meta{{"schema_version", {{"const", supported_schema_version}}},
                        {"description", {{"type", "string"}}},
                        {"source", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}},
                        {"preset", {{"type", "string"}, {"description", "preset name or path this object overrides"}}}};
  auto with_meta = [&](core::Json s) {
    for (const auto& [k, v] : meta.items()) s["properties"][k] = v;
    s.erase("required");  // an override object may set any subset; presets are checked by the loader
    return s;
  };
  // Simulator sections in hardware presets are read by their components; listed by role.
  core::Json hardware = with_meta(object_schema(sec[0]));
  for (const hw::ComponentEntry& e : hw::ComponentCatalog::instance().entries()) {
    if (e.role == "example") continue;
    hardware["properties"][e.role] = {{"type", "object"}, {"properties", {{"impl", {{"type", "string"}}}}}};
  }
  core::Json families{{"type", "object"}, {"additionalProperties", false}};
  for (const core::Json& name : d["kernel_families"])
    families["properties"][name.get<std::string>()] = object_schema(sec[7]);
  hardware["properties"]["kernel_families"] = families;
  const core::Json stage = object_schema(sec[4]);
  const core::Json exit = object_schema(sec[6]);
  core::Json cascade = object_schema(sec[3], {{"stages", {{"type", "array"}, {"items", stage}, {"minItems", 1}}}});
  core::Json early_exit = object_schema(sec[5], {{"exits", {{"type", "array"}, {"items", exit}, {"minItems", 1}}}});
  const core::Json layer_kinds = core::Json::array({"D", "A", "R", "dense", "anchor", "reuse"});
  core::Json schedule = core::Json::object();
  schedule["description"] = "layer kinds: \"1D+3A+12R\" or a list of \"D\", \"A\", \"R\"";
  schedule["oneOf"] = core::Json::array();
  schedule["oneOf"].push_back(core::Json{{"type", "string"}});
  schedule["oneOf"].push_back(core::Json{{"type", "array"}, {"items", core::Json{{"enum", layer_kinds}}}});
  core::Json pattern_names = core::Json::array();
  for (const core::Json& p : d["patterns"]) pattern_names.push_back(p["impl"]);
  const core::Json pattern{{"type", "object"},
                           {"description", "which key tiles reuse layers visit (docs/patterns.md)"},
                           {"properties", {{"impl", {{"enum", pattern_names}}}}},
                           {"required", {"impl"}}};
  core::Json workload = object_schema(sec[2], {{"schedule", schedule},
                                               {"cascade", cascade},
                                               {"early_exit", early_exit},
                                               {"pattern", pattern},
                                               {"progressive_quantization", object_schema(sec[8])},
                                               {"parallel", object_schema(sec[9])},
                                               {"precision", object_schema(sec[10])},
                                               {"decode", object_schema(sec[11])}});
  auto preset_or = [](core::Json object) {
    return core::Json{
        {"oneOf", core::Json::array({{{"type", "string"}, {"description", "preset name or path"}}, object})}};
  };
  return core::Json{{"$schema", "https://json-schema.org/draft/2020-12/schema"},
                    {"title", "cascadesim study"},
                    {"type", "object"},
                    {"required", {"schema_version", "hardware", "model", "workload"}},
                    {"additionalProperties", false},
                    {"properties",
                     {{"schema_version", {{"const", supported_schema_version}}},
                      {"name", {{"type", "string"}}},
                      {"description", {{"type", "string"}}},
                      {"hardware", preset_or(hardware)},
                      {"model", preset_or(with_meta(object_schema(sec[1])))},
                      {"workload", workload}}}};
}

void run_describe(const DescribeOptions& options, std::ostream& out) {
  if (!options.schema_path.empty()) {
    core::write_file_atomically(options.schema_path, study_json_schema().dump(2) + "\n");
  }
  const core::Json d = describe_json();
  if (options.json) {
    out << d.dump(2) << "\n";
    return;
  }
  out << "Study configuration (JSON pointer, then key, unit, bounds, default, meaning)\n";
  for (const core::Json& s : d["sections"]) {
    out << "\n  " << s["pointer"].get<std::string>() << ": " << s["doc"].get<std::string>() << "\n";
    write_params(out, s["params"]);
  }
  out << "\nAttention patterns (/workload/pattern: {\"impl\": NAME, ...} picks one; Kascade's top-k lists when "
         "absent)\n";
  for (const core::Json& p : d["patterns"]) {
    out << "\n  " << p["impl"].get<std::string>() << ": " << p["doc"].get<std::string>() << "\n";
    write_params(out, p["params"]);
    out << "    example: " << p["example"].dump() << "\n";
  }
  out << "\nAttention implementations (/workload/attention_implementation)\n";
  for (const core::Json& i : d["attention_implementations"])
    out << "\n  " << i["name"].get<std::string>() << ": " << i["doc"].get<std::string>()
        << "\n    source: " << i["source"].get<std::string>() << "\n";
  out << "\nKernel families (/hardware/kernel_families/FAMILY, fitted by calibrate):";
  for (const core::Json& f : d["kernel_families"]) out << " " << f.get<std::string>();
  out << "\n";
  out << "\nHardware components (a hardware preset section {\"impl\": NAME, ...} picks one per role)\n";
  for (const core::Json& c : d["components"]) {
    out << "\n  " << c["role"].get<std::string>() << " / " << c["impl"].get<std::string>() << ": "
        << c["doc"].get<std::string>() << "\n";
    write_params(out, c["params"]);
    out << "    statistics:\n";
    char line[512];
    for (const core::Json& s : c["stats"]) {
      std::snprintf(line, sizeof line, "      %-30s %-9s %s\n", s["name"].get<std::string>().c_str(),
                    s["unit"].get<std::string>().c_str(), s["doc"].get<std::string>().c_str());
      out << line;
    }
    out << "    actions (energy in pJ per action from the field named; static power from "
        << c["static_power_key"].get<std::string>() << "):\n";
    for (const core::Json& a : c["actions"]) {
      std::string counted;
      for (const core::Json& stat : a["counts"]) counted += (counted.empty() ? "" : " + ") + stat.get<std::string>();
      if (a["per_stat"].get<double>() != 1)
        counted = core::format_number(a["per_stat"].get<double>()) + " x (" + counted + ")";
      std::snprintf(line, sizeof line, "      %-12s per %-11s %-22s counts %s; %s\n",
                    a["name"].get<std::string>().c_str(), a["unit"].get<std::string>().c_str(),
                    a["energy_key"].get<std::string>().c_str(), counted.c_str(), a["doc"].get<std::string>().c_str());
      out << line;
    }
  }
}

}  // namespace cascadesim::sim
