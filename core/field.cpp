// Bound checks and number formatting for config messages.
#include "core/field.hpp"

#include <cstdio>

namespace cascadesim::core {

std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", value);
  return buffer;
}

std::string bound_violation(double value, double min, double max, bool min_exclusive) {
  if (min_exclusive ? !(value > min) : !(value >= min))
    return std::string("must be ") + (min_exclusive ? "> " : ">= ") + format_number(min) + " (got " +
           format_number(value) + ")";
  if (!(value <= max)) return "must be <= " + format_number(max) + " (got " + format_number(value) + ")";
  return "";
}

}  // namespace cascadesim::core
