// Amdahl's law (seed 002 §1).
#include "models/amdahl.hpp"

#include <limits>

namespace cascadesim::models {

double amdahl_speedup(double f, double s) { return 1.0 / ((1.0 - f) + f / s); }

double required_part_speedup(double f, double target) {
  const double denominator = 1.0 / target - (1.0 - f);
  if (denominator <= 0.0) return std::numeric_limits<double>::infinity();
  return f / denominator;
}

double amdahl_limit(double f) {
  if (f >= 1.0) return std::numeric_limits<double>::infinity();
  return 1.0 / (1.0 - f);
}

}  // namespace cascadesim::models
