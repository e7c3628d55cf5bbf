// One declaration per config parameter: key, unit, bounds, meaning and the struct member it fills. The loader
// reads through it and `describe` (with the schema writer) lists it, so the two never disagree.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/config_node.hpp"

namespace cascadesim::core {

enum class Presence { required, optional };

// An enum member written in JSON as one of a fixed set of names.
template <class S>
struct Choice {
  std::span<const std::string_view> names;
  void (*set)(S&, std::size_t index);
  std::size_t (*get)(const S&);
};

// A table of them is written with designated initializers, leaving out members that keep their defaults, and is
// counted by the compiler:
//   constexpr auto hbm_fields = std::to_array<core::Field<HbmConfig>>({
//       {.key = "channels", .doc = "independent channels", .presence = core::Presence::required, .min = 1,
//        .max = 4096, .target = &HbmConfig::channels},
//   });
template <class S>
struct Field {
  std::string_view key;
  std::string_view unit{};  // "" for counts and names
  std::string_view doc;
  Presence presence = Presence::optional;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;  // "> min" rather than ">= min"
  std::variant<double S::*, std::int64_t S::*, bool S::*, std::string S::*, Choice<S>> target;
  std::span<const std::string_view> text_choices{};  // for a string member restricted to these values
};

// Whether a declaration is complete: a key, and a target that is a member (not null) or a choice with names and
// both accessors. An entry left empty ({}) fails.
template <class S>
constexpr bool field_declared(const Field<S>& f) {
  if (f.key.empty()) return false;
  return std::visit(
      [](const auto& target) {
        if constexpr (std::is_same_v<std::decay_t<decltype(target)>, Choice<S>>) {
          return !target.names.empty() && target.set != nullptr && target.get != nullptr;
        } else {
          return target != nullptr;
        }
      },
      f.target);
}

// Every declaration complete and no key twice. The registration macros and schemas.cpp check their tables with it
// in a static_assert, so a table with an empty or repeated entry does not compile.
template <class S>
constexpr bool fields_declared(std::span<const Field<S>> fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (!field_declared(fields[i])) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (fields[j].key == fields[i].key) return false;
  }
  return true;
}

std::string format_number(double value);

// Checks a number against a field's bounds; "" when it is within them, else the reason.
std::string bound_violation(double value, double min, double max, bool min_exclusive);

template <class S>
std::vector<std::string_view> field_keys(std::span<const Field<S>> fields) {
  std::vector<std::string_view> keys;
  for (const Field<S>& f : fields) keys.push_back(f.key);
  return keys;
}

// "a, b, c" for messages.
inline std::string choice_list(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// Reads a string that must be one of names into its index; otherwise records an error at key (with a hint).
inline bool read_choice(const ConfigNode& node, std::string_view key, const Json& value,
                        std::span<const std::string_view> names, std::size_t& index) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == text) {
        index = i;
        return true;
      }
    }
  }
  std::string message = "must be one of " + choice_list(names) + " (got " + describe_value(value) + ")";
  if (value.is_string()) {
    const std::string hint =
        closest_key(value.get_ref<const std::string&>(), std::vector<std::string_view>(names.begin(), names.end()));
    if (!hint.empty()) message += "; did you mean '" + hint + "'?";
  }
  node.error_at(key, std::move(message));
  return false;
}

// GCC 12 reports -Warray-bounds inside the variant branches of read_fields that a struct without string members
// can never take (the std::string S::* alternative); the pragma silences that false positive here only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
// Reads every field present in node into out, checking type and bounds; reports missing required fields.
// Unknown keys are left to the caller (it may allow more keys than the fields).
template <class S>
void read_fields(const ConfigNode& node, std::span<const Field<S>> fields, S& out) {
  for (const Field<S>& f : fields) {
    const Json* value = node.find(f.key);
    if (!value) {
      if (f.presence == Presence::required) {
        std::string what = std::string(f.doc);
        if (!f.unit.empty()) what += ", in " + std::string(f.unit);
        node.error_at(f.key, "missing required key (" + what + ")");
      }
      continue;
    }
    std::visit(
        [&](auto&& target) {
          using T = std::decay_t<decltype(target)>;
          if constexpr (std::is_same_v<T, Choice<S>>) {
            std::size_t index = 0;
            if (read_choice(node, f.key, *value, target.names, index)) target.set(out, index);
          } else if constexpr (std::is_same_v<T, bool S::*>) {
            if (!value->is_boolean()) {
              node.error_at(f.key, "expected true or false (got " + describe_value(*value) + ")");
              return;
            }
            out.*target = value->template get<bool>();
          } else if constexpr (std::is_same_v<T, std::string S::*>) {
            if (!f.text_choices.empty()) {
              std::size_t index = 0;
              if (read_choice(node, f.key, *value, f.text_choices, index))
                out.*target = std::string(f.text_choices[index]);
              return;
            }
            if (!value->is_string()) {
              node.error_at(f.key, "expected a string (got " + describe_value(*value) + ")");
              return;
            }
            out.*target = value->template get<std::string>();
          } else {
            if (!value->is_number()) {
              node.error_at(f.key, "expected a number (got " + describe_value(*value) + ")");
              return;
            }
            const double number = value->template get<double>();
            if (!std::isfinite(number)) {
              node.error_at(f.key, "must be finite (got " + describe_value(*value) + ")");
              return;
            }
            if (std::string why = bound_violation(number, f.min, f.max, f.min_exclusive); !why.empty()) {
              node.error_at(f.key, why);
              return;
            }
            if constexpr (std::is_same_v<T, std::int64_t S::*>) {
              if (number != std::floor(number)) {
                node.error_at(f.key, "must be a whole number (got " + describe_value(*value) + ")");
                return;
              }
              out.*target = static_cast<std::int64_t>(number);
            } else {
              out.*target = number;
            }
          }
        },
        f.target);
  }
}

#pragma GCC diagnostic pop

// The values of a config struct's fields as a JSON object (the resolved config a run records).
template <class S>
Json fields_to_json(std::span<const Field<S>> fields, const S& s) {
  Json out = Json::object();
  for (const Field<S>& f : fields) {
    std::visit(
        [&](auto&& target) {
          using T = std::decay_t<decltype(target)>;
          if constexpr (std::is_same_v<T, Choice<S>>) {
            out[std::string(f.key)] = std::string(target.names[target.get(s)]);
          } else {
            out[std::string(f.key)] = s.*target;
          }
        },
        f.target);
  }
  return out;
}

}  // namespace cascadesim::core
