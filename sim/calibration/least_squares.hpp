// Bounded nonlinear least squares on relative errors (Levenberg-Marquardt with a forward-difference Jacobian, in
// the logarithms of the parameters), for models as expensive and as piecewise as a simulator.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace cascadesim::sim {

struct LeastSquaresProblem {
  std::vector<double> initial, lower, upper;  // parameter values; 0 < lower <= initial <= upper
  std::vector<double> measured;               // > 0
  // Predictions for `measured`, one per entry, all > 0, from a parameter vector.
  std::function<std::vector<double>(const std::vector<double>&)> predict;
  int max_iterations = 20;
  // Relative step of the finite differences: large enough to cross a simulator's discrete steps (waves, tiles).
  double difference_step = 0.02;
};

struct LeastSquaresResult {
  std::vector<double> parameters;
  std::vector<double> predictions;
  double initial_cost = 0;  // sum of squared log(prediction / measured)
  double final_cost = 0;
  int iterations = 0;
  int evaluations = 0;
};

// Minimises sum_i log(predict(p)_i / measured_i)^2 over lower <= p <= upper (Levenberg 1944, Marquardt 1963,
// with Marquardt's diagonal scaling). Contract: sizes agree; throws std::invalid_argument otherwise.
LeastSquaresResult fit_least_squares(const LeastSquaresProblem& problem);

}  // namespace cascadesim::sim
