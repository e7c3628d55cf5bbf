// The study parameters a sweep sets, by JSON pointer. Scalar hardware, model and workload fields
// ("/hardware/cores") and "/workload/schedule" are checked against the field's declaration once, then
// written into a models::Study through the field's member pointer (no JSON per point). "/hardware" swaps in a whole
// hardware preset. Any other pointer into a section ("/hardware/topk/elements_per_cycle",
// "/workload/cascade/stages") is a document override: the value is written into the study document at the
// pointer and the point's study is loaded from that text, so the loader checks it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config_node.hpp"
#include "models/study.hpp"

namespace cascadesim::sim::sweep {

enum class Section { hardware, model, workload };
std::string_view to_string(Section section);  // the study key: "hardware", "model", "workload"

// real: double fields; integer: std::int64_t fields; text: string fields (maybe restricted to choices);
// choice: enum fields written as names; schedule: the workload's layer schedule; preset: a hardware preset name or
// path ("/hardware"); document: any JSON value written at the pointer (held as its JSON text).
enum class ValueType { real, integer, boolean, text, choice, schedule, preset, document };

struct Parameter {
  std::string path;  // "/workload/top_k"
  Section section = Section::workload;
  std::size_t field = 0;  // index into the section's *_fields(); unused for the schedule
  ValueType type = ValueType::real;
  // A document override inside a hardware component section that only the simulator reads (noc, dma, topk; the
  // roofline takes its figures from memory, l2, matrix_unit and vector_unit, and the energy model every section's
  // energy figures).
  bool simulator_only = false;
  bool numeric() const { return type == ValueType::real || type == ValueType::integer; }
  // Set through the study document (the point's study is loaded from text) rather than a field's member pointer.
  bool by_document() const { return type == ValueType::document; }
  // The field's key, e.g. "top_k"; a document override's pointer below its section ("topk/elements_per_cycle");
  // "" for the hardware preset.
  std::string_view key() const;
};

struct ChoiceIndex {
  std::size_t index = 0;  // into the field's Choice names
};
using Value = std::variant<double, std::int64_t, bool, std::string, ChoiceIndex, models::LayerSchedule>;

// Every sweepable scalar path in declaration order, then "/hardware" and the roots of the document overrides
// ("/hardware/<component role>", "/workload/cascade", ...), for hints.
std::vector<std::string> parameter_paths();

// The parameter at path, or nothing when the path names nothing a study has: a scalar field, the schedule, the
// hardware preset, or a pointer below a nested section (a component role, "preset", "cascade", "early_exit").
std::optional<Parameter> find_parameter(std::string_view path);

// Contract (value_from_json, number_value): returns the value, or nothing with the reason in why (the field's
// own wording: "must be >= 1 (got 0)", "expected a number (got ...)", choices with a hint).
std::optional<Value> value_from_json(const Parameter& p, const core::Json& json, std::string& why);
// A generated number (range, log_range, random): rounded to the nearest integer for integer fields, then
// checked against the field's bounds (a document override has none: the loader checks it). Contract: p.numeric()
// or p.by_document().
std::optional<Value> number_value(const Parameter& p, double number, std::string& why);

// The field's bounds as "" (within) or the reason, for a generator's end points.
std::string bound_problem(const Parameter& p, double number);

// Contract: v holds the alternative p.type calls for (as the two functions above produce). Preset and document
// values are not written here (the evaluator swaps the preset in, or loads the point's document).
void apply_value(const Parameter& p, const Value& v, models::Study& study);
core::Json value_to_json(const Parameter& p, const Value& v);
// The value as written in outputs: numbers in shortest round-trip form, names and schedules as text.
std::string value_text(const Parameter& p, const Value& v);

// Writes v (value_to_json) into a study document at p's pointer; a section given as a preset name becomes
// {"preset": name} first, so that the value overrides it. Returns "" or why it cannot be written.
std::string write_into_document(core::Json& doc, const Parameter& p, const core::Json& value);

// The parameter's current value in a study as a number; 0 unless p.numeric().
double number_in(const Parameter& p, const models::Study& study);

// Text that reads back as the same double: whole numbers below 2^53 as integers, others in the shortest
// round-trip form (std::to_chars); appended to out.
void append_number(std::string& out, double value);
void append_integer(std::string& out, std::int64_t value);

}  // namespace cascadesim::sim::sweep
