// The study parameters a sweep sets, by JSON pointer: the scalar hardware, model and workload fields
// ("/hardware/hbm_bandwidth_GBps") and "/workload/schedule". A value is checked against the field's declaration
// once, then written into a models::Study through the field's member pointer (no JSON per point).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "models/study.hpp"
#include "sim/config/config_node.hpp"

namespace cascadesim::sim::sweep {

enum class Section { hardware, model, workload };
std::string_view to_string(Section section);  // the study key: "hardware", "model", "workload"

// real: double fields; integer: std::int64_t fields; text: string fields (maybe restricted to choices);
// choice: enum fields written as names; schedule: the workload's layer schedule.
enum class ValueType { real, integer, boolean, text, choice, schedule };

struct Parameter {
  std::string path;  // "/workload/top_k"
  Section section = Section::workload;
  std::size_t field = 0;  // index into the section's *_fields(); unused for the schedule
  ValueType type = ValueType::real;
  bool numeric() const { return type == ValueType::real || type == ValueType::integer; }
  std::string_view key() const;  // the field's key, e.g. "top_k"
};

struct ChoiceIndex {
  std::size_t index = 0;  // into the field's Choice names
};
using Value = std::variant<double, std::int64_t, bool, std::string, ChoiceIndex, models::LayerSchedule>;

// Every sweepable path, in declaration order.
std::vector<std::string> parameter_paths();

// The parameter at path, or nothing when the path names no scalar study field.
std::optional<Parameter> find_parameter(std::string_view path);

// Contract (value_from_json, number_value): returns the value, or nothing with the reason in why (the field's
// own wording: "must be >= 1 (got 0)", "expected a number (got ...)", choices with a hint).
std::optional<Value> value_from_json(const Parameter& p, const Json& json, std::string& why);
// A generated number (range, log_range, random): rounded to the nearest integer for integer fields, then
// checked against the field's bounds. Contract: p.numeric().
std::optional<Value> number_value(const Parameter& p, double number, std::string& why);

// The field's bounds as "" (within) or the reason, for a generator's end points.
std::string bound_problem(const Parameter& p, double number);

// Contract: v holds the alternative p.type calls for (as the two functions above produce).
void apply_value(const Parameter& p, const Value& v, models::Study& study);
Json value_to_json(const Parameter& p, const Value& v);
// The value as written in outputs: numbers in shortest round-trip form, names and schedules as text.
std::string value_text(const Parameter& p, const Value& v);

// The parameter's current value in a study as a number. Contract: p.numeric().
double number_in(const Parameter& p, const models::Study& study);

// Text that reads back as the same double: whole numbers below 2^53 as integers, others in the shortest
// round-trip form (std::to_chars); appended to out.
void append_number(std::string& out, double value);
void append_integer(std::string& out, std::int64_t value);

}  // namespace cascadesim::sim::sweep
