// The values of one swept parameter, from the axis forms of a sweep spec: an explicit list ("values"), a linear
// "range" {from, to, step}, a geometric "log_range" {from, to, points} and a seeded "random" {min, max, count,
// seed, log}. Random values are a pure function of (seed, index): the index-th output of SplitMix64(seed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "core/config_node.hpp"
#include "sim/sweep/sweep_parameter.hpp"

namespace cascadesim::sim::sweep {

struct Column {
  Parameter parameter;
  std::string pointer;  // the axis object that declares it, e.g. "/axes/4/zip/1"
  std::string form;     // the axis form that gave the values: "values", "range", "log_range" or "random"
  std::vector<Value> values;
  std::vector<std::string> texts;     // value_text() of each value, as the outputs write it
  std::vector<core::Json> documents;  // document overrides: each value as JSON (empty for other parameters)
  // Where value i was written in the spec, for messages: "/axes/0/values/3", or the generator form's pointer.
  std::string value_pointer(std::size_t i) const;
};

// More values than this on the axes of one spec, all together, is surely a mistake: expanded (value, text and JSON)
// they take about 75 bytes each, 1.2 GB at this count. Checked before a column is expanded.
inline constexpr std::size_t max_axis_values = std::size_t{1} << 24;

// Reads the column declared by axis (an object with "path" and one of the four forms) at pointer of file, expanding
// at most max_values values (what the spec's earlier columns left of max_axis_values).
// Contract: every problem is added to errors with its pointer and the parameter's path in the message; the
// column is returned only when there was none.
std::optional<Column> read_column(const core::Json& axis, const std::string& file, const std::string& pointer,
                                  core::ConfigErrors& errors, std::size_t max_values = max_axis_values);

// The SplitMix64 output for state x (Steele, Lea, Flood 2014).
std::uint64_t splitmix64(std::uint64_t x);

// The index-th uniform draw in [0, 1) of SplitMix64 seeded with seed: a pure function of (seed, index).
double random_unit(std::uint64_t seed, std::uint64_t index);

}  // namespace cascadesim::sim::sweep
