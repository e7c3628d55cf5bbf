// Amdahl's law and its inverse (seed 002 §1).
#pragma once

namespace cascadesim::models {

// Overall speedup when a fraction f of the time runs s times faster: 1 / ((1 - f) + f / s).
// Contract: 0 <= f <= 1, s > 0.
double amdahl_speedup(double f, double s);

// The s that gives an overall target speedup: f / (1/target - (1 - f)). Returns +infinity when the target is
// at or beyond the limit 1 / (1 - f), which no finite s reaches. Contract: 0 < f <= 1, target >= 1.
double required_part_speedup(double f, double target);

// The ceiling of amdahl_speedup as s grows without bound: 1 / (1 - f).
double amdahl_limit(double f);

}  // namespace cascadesim::models
