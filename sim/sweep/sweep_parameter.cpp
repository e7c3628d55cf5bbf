// Sweep parameters: lookup by JSON pointer, checked values, and writing them into a study.
#include "sim/sweep/sweep_parameter.hpp"

#include "hw/system/machine_energy.hpp"
#include "hw/system/system.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <type_traits>

#include "core/field.hpp"
#include "hw/component_registry.hpp"
#include "sim/config/schemas.hpp"

namespace cascadesim::sim::sweep {

namespace {

constexpr std::string_view schedule_path = "/workload/schedule";
constexpr std::string_view hardware_path = "/hardware";

// The keys of a section under which a document override may reach: nested sections and the preset name.
std::vector<std::string> nested_keys(Section section) {
  switch (section) {
    case Section::hardware: {
      std::vector<std::string> keys = hw::ComponentCatalog::instance().machine_roles();
      keys.emplace_back("preset");
      return keys;
    }
    case Section::model:
      return {"preset"};
    case Section::workload:
      break;
  }
  return {"cascade", "early_exit", "pattern", "progressive_quantization", "parallel", "precision", "decode"};
}

// "/<section>/<key>" (built by appending: GCC 12 warns falsely on "/" + std::string).
std::string section_path(Section section, std::string_view key) {
  std::string path(1, '/');
  path += to_string(section);
  path += '/';
  path += key;
  return path;
}

// Calls f(fields, member) with the section's field table and its member of models::Study.
template <class F>
decltype(auto) with_section(Section section, F&& f) {
  switch (section) {
    case Section::hardware:
      return f(hardware_fields(), &models::Study::hardware);
    case Section::model:
      return f(model_fields(), &models::Study::model);
    case Section::workload:
      break;
  }
  return f(workload_fields(), &models::Study::workload);
}

template <class S>
ValueType type_of(const core::Field<S>& f) {
  return std::visit(
      [](auto&& target) {
        using T = std::decay_t<decltype(target)>;
        if constexpr (std::is_same_v<T, double S::*>) return ValueType::real;
        if constexpr (std::is_same_v<T, std::int64_t S::*>) return ValueType::integer;
        if constexpr (std::is_same_v<T, bool S::*>) return ValueType::boolean;
        if constexpr (std::is_same_v<T, std::string S::*>) return ValueType::text;
        return ValueType::choice;
      },
      f.target);
}

struct Bounds {
  double min, max;
  bool min_exclusive;
};

Bounds bounds_of(const Parameter& p) {
  return with_section(p.section, [&](auto fields, auto) {
    const auto& f = fields[p.field];
    return Bounds{f.min, f.max, f.min_exclusive};
  });
}

// The names a text field is restricted to (empty: any string).
std::span<const std::string_view> text_choices_of(const Parameter& p) {
  return with_section(
      p.section, [&](auto fields, auto) -> std::span<const std::string_view> { return fields[p.field].text_choices; });
}

// The names of a choice (enum) field, in enum order.
std::span<const std::string_view> choice_names_of(const Parameter& p) {
  return with_section(p.section, [&](auto fields, auto) {
    return std::visit(
        [](auto&& target) -> std::span<const std::string_view> {
          if constexpr (requires { target.names; }) return target.names;
          return {};
        },
        fields[p.field].target);
  });
}

}  // namespace

std::string_view to_string(Section section) {
  switch (section) {
    case Section::hardware:
      return "hardware";
    case Section::model:
      return "model";
    case Section::workload:
      break;
  }
  return "workload";
}

std::string_view Parameter::key() const {
  if (type == ValueType::schedule) return "schedule";
  if (type == ValueType::preset) return "";
  if (type == ValueType::document) return std::string_view(path).substr(to_string(section).size() + 2);
  return with_section(section, [&](auto fields, auto) { return fields[field].key; });
}

std::vector<std::string> parameter_paths() {
  std::vector<std::string> paths;
  for (Section s : {Section::hardware, Section::model, Section::workload}) {
    with_section(s, [&](auto fields, auto) {
      for (const auto& f : fields) paths.push_back(section_path(s, f.key));
      return 0;
    });
  }
  paths.emplace_back(schedule_path);
  paths.emplace_back(hardware_path);
  for (Section s : {Section::hardware, Section::model, Section::workload})
    for (const std::string& key : nested_keys(s)) paths.push_back(section_path(s, key));
  return paths;
}

std::optional<Parameter> find_parameter(std::string_view path) {
  if (path == schedule_path) return Parameter{std::string(path), Section::workload, 0, ValueType::schedule};
  if (path == hardware_path) return Parameter{std::string(path), Section::hardware, 0, ValueType::preset};
  for (Section s : {Section::hardware, Section::model, Section::workload}) {
    const std::string prefix = section_path(s, "");
    if (path.substr(0, prefix.size()) != prefix) continue;
    const std::string_view key = path.substr(prefix.size());
    std::optional<Parameter> field = with_section(s, [&](auto fields, auto) -> std::optional<Parameter> {
      for (std::size_t i = 0; i < fields.size(); ++i)
        if (fields[i].key == key) return Parameter{std::string(path), s, i, type_of(fields[i])};
      return std::nullopt;
    });
    if (field) return field;
    // A pointer below a nested section, or to the whole of one.
    const std::string_view head = key.substr(0, key.find('/'));
    for (const std::string& nested : nested_keys(s)) {
      if (nested != head) continue;
      Parameter p{std::string(path), s, 0, ValueType::document};
      // The analytical model reads every section's energy figures (HardwareSpec::energy), the roofline's sections
      // whole.
      const std::string_view field = key.size() > head.size() ? key.substr(head.size() + 1) : std::string_view();
      p.simulator_only = s == Section::hardware && head != "preset" && !hw::System::roofline_role(head) &&
                         !hw::energy_field(head, field);
      return p;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::string bound_problem(const Parameter& p, double number) {
  if (p.by_document()) return {};
  const Bounds b = bounds_of(p);
  return core::bound_violation(number, b.min, b.max, b.min_exclusive);
}

std::optional<Value> number_value(const Parameter& p, double number, std::string& why) {
  if (!std::isfinite(number)) {
    why = "must be finite (got " + core::format_number(number) + ")";
    return std::nullopt;
  }
  if (p.by_document()) {
    std::string text;
    append_number(text, number);
    return Value{std::move(text)};
  }
  if (p.type == ValueType::integer) number = std::round(number);
  why = bound_problem(p, number);
  if (!why.empty()) return std::nullopt;
  if (p.type == ValueType::integer) return Value{static_cast<std::int64_t>(number)};
  return Value{number};
}

namespace {

std::optional<Value> named_value(const core::Json& json, std::span<const std::string_view> names, bool as_index,
                                 std::string& why) {
  if (json.is_string()) {
    const std::string& text = json.get_ref<const std::string&>();
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == text) return as_index ? Value{ChoiceIndex{i}} : Value{text};
  }
  why = "must be one of " + core::choice_list(names) + " (got " + core::describe_value(json) + ")";
  if (json.is_string()) {
    const std::string hint = core::closest_key(json.get_ref<const std::string&>(),
                                               std::vector<std::string_view>(names.begin(), names.end()));
    if (!hint.empty()) why += "; did you mean '" + hint + "'?";
  }
  return std::nullopt;
}

}  // namespace

std::optional<Value> value_from_json(const Parameter& p, const core::Json& json, std::string& why) {
  switch (p.type) {
    case ValueType::preset:
      if (!json.is_string() || json.get_ref<const std::string&>().empty()) {
        why = "expected a hardware preset name or a path to a preset file (got " + core::describe_value(json) + ")";
        return std::nullopt;
      }
      return Value{json.get<std::string>()};
    case ValueType::document:
      return Value{json.dump()};
    case ValueType::schedule:
      if (!json.is_string()) {
        why = "expected a schedule string like \"1D+3A+12R\" (got " + core::describe_value(json) + ")";
        return std::nullopt;
      }
      try {
        return Value{models::parse_layer_schedule(json.get_ref<const std::string&>())};
      } catch (const models::ScheduleError& e) {
        why = e.what();
        return std::nullopt;
      }
    case ValueType::boolean:
      if (!json.is_boolean()) {
        why = "expected true or false (got " + core::describe_value(json) + ")";
        return std::nullopt;
      }
      return Value{json.get<bool>()};
    case ValueType::text: {
      const std::span<const std::string_view> names = text_choices_of(p);
      if (!names.empty()) return named_value(json, names, false, why);
      if (!json.is_string()) {
        why = "expected a string (got " + core::describe_value(json) + ")";
        return std::nullopt;
      }
      return Value{json.get<std::string>()};
    }
    case ValueType::choice:
      return named_value(json, choice_names_of(p), true, why);
    case ValueType::real:
    case ValueType::integer:
      break;
  }
  if (!json.is_number()) {
    why = "expected a number (got " + core::describe_value(json) + ")";
    return std::nullopt;
  }
  const double number = json.get<double>();
  if (p.type == ValueType::integer && number != std::floor(number)) {
    why = "must be a whole number (got " + core::describe_value(json) + ")";
    return std::nullopt;
  }
  return number_value(p, number, why);
}

// GCC 12 reports -Warray-bounds inside variant branches a section can never take (see field.hpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"

void apply_value(const Parameter& p, const Value& v, models::Study& study) {
  if (p.type == ValueType::preset || p.type == ValueType::document) return;
  if (p.type == ValueType::schedule) {
    study.workload.schedule = std::get<models::LayerSchedule>(v);
    return;
  }
  with_section(p.section, [&](auto fields, auto member) {
    auto& object = study.*member;
    using S = std::decay_t<decltype(object)>;
    std::visit(
        [&](auto&& target) {
          using T = std::decay_t<decltype(target)>;
          if constexpr (std::is_same_v<T, core::Choice<S>>)
            target.set(object, std::get<ChoiceIndex>(v).index);
          else if constexpr (std::is_same_v<T, double S::*>)
            object.*target = std::get<double>(v);
          else if constexpr (std::is_same_v<T, std::int64_t S::*>)
            object.*target = std::get<std::int64_t>(v);
          else if constexpr (std::is_same_v<T, bool S::*>)
            object.*target = std::get<bool>(v);
          else
            object.*target = std::get<std::string>(v);
        },
        fields[p.field].target);
    return 0;
  });
}

std::string write_into_document(core::Json& doc, const Parameter& p, const core::Json& value) {
  try {
    if (p.type == ValueType::preset) {
      doc[std::string(to_string(p.section))] = value;
      return {};
    }
    core::Json& section = doc[std::string(to_string(p.section))];
    if (section.is_string()) section = core::Json{{"preset", section.get<std::string>()}};
    if (p.by_document())
      section[core::Json::json_pointer("/" + std::string(p.key()))] = value;
    else
      section[std::string(p.key())] = value;
    return {};
  } catch (const core::Json::exception& e) {
    return "cannot be written into the study document (" + std::string(e.what()) + ")";
  }
}

double number_in(const Parameter& p, const models::Study& study) {
  if (!p.numeric()) return 0;
  return with_section(p.section, [&](auto fields, auto member) {
    const auto& object = study.*member;
    using S = std::decay_t<decltype(object)>;
    return std::visit(
        [&](auto&& target) -> double {
          using T = std::decay_t<decltype(target)>;
          if constexpr (std::is_same_v<T, double S::*> || std::is_same_v<T, std::int64_t S::*>)
            return static_cast<double>(object.*target);
          return 0;
        },
        fields[p.field].target);
  });
}

#pragma GCC diagnostic pop

core::Json value_to_json(const Parameter& p, const Value& v) {
  return std::visit(
      [&](auto&& value) -> core::Json {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, models::LayerSchedule>)
          return value.compact();
        else if constexpr (std::is_same_v<T, std::string>)
          return p.by_document() ? core::Json::parse(value) : core::Json(value);
        else if constexpr (std::is_same_v<T, ChoiceIndex>)
          return value_text(p, v);
        else
          return value;
      },
      v);
}

std::string value_text(const Parameter& p, const Value& v) {
  std::string out;
  std::visit(
      [&](auto&& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, double>) {
          append_number(out, value);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          append_integer(out, value);
        } else if constexpr (std::is_same_v<T, bool>) {
          out = value ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          // A document override holds JSON text: a string shows without its quotes, like other names.
          const core::Json json = p.by_document() ? core::Json::parse(value) : core::Json();
          out = json.is_string() ? json.get<std::string>() : value;
        } else if constexpr (std::is_same_v<T, models::LayerSchedule>) {
          out = value.compact();
        } else {
          out = choice_names_of(p)[value.index];
        }
      },
      v);
  return out;
}

void append_number(std::string& out, double value) {
  // Whole numbers as integers ("300000", where the shortest form is "3e+05"), exactly below 2^53.
  if (value == std::trunc(value) && std::abs(value) < 0x1.0p53) {
    append_integer(out, static_cast<std::int64_t>(value));
    return;
  }
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, ec == std::errc() ? end : buffer);
}

void append_integer(std::string& out, std::int64_t value) {
  char buffer[24];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, ec == std::errc() ? end : buffer);
}

}  // namespace cascadesim::sim::sweep
