// Results are written only when every figure in them is finite: an infinity or a NaN prints as "inf" and is written
// into JSON as null, a figure no one can use, behind an exit code that says all went well.
#pragma once

#include <optional>
#include <string>

#include "core/config_node.hpp"

namespace cascadesim::core {

// The JSON pointer of the first number in result that is not finite, or nothing.
std::optional<std::string> first_non_finite(const Json& result);

// Throws ConfigError when a number in result is not finite: "<source>: /: the result <pointer> is not finite ...",
// source being the input the result was computed from (its values are what to change).
void require_finite_result(const Json& result, const std::string& source);

}  // namespace cascadesim::core
