// Levenberg-Marquardt on log-parameters with Eigen.
#include "sim/calibration/least_squares.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cascadesim::sim {

namespace {

Eigen::VectorXd residuals(const std::vector<double>& predicted, const std::vector<double>& measured) {
  if (predicted.size() != measured.size()) throw std::invalid_argument("least squares: prediction count changed");
  Eigen::VectorXd r(static_cast<Eigen::Index>(measured.size()));
  for (std::size_t i = 0; i < measured.size(); ++i) {
    if (!(predicted[i] > 0) || !std::isfinite(predicted[i]))
      throw std::invalid_argument("least squares: a prediction is not a positive finite number");
    r[static_cast<Eigen::Index>(i)] = std::log(predicted[i] / measured[i]);
  }
  return r;
}

}  // namespace

LeastSquaresResult fit_least_squares(const LeastSquaresProblem& problem) {
  const std::size_t n = problem.initial.size();
  if (n == 0 || problem.lower.size() != n || problem.upper.size() != n || problem.measured.empty())
    throw std::invalid_argument("least squares: parameter bounds and measurements must be given");
  for (std::size_t j = 0; j < n; ++j)
    if (!(problem.lower[j] > 0) || problem.lower[j] > problem.initial[j] || problem.initial[j] > problem.upper[j])
      throw std::invalid_argument("least squares: parameter " + std::to_string(j) + " outside 0 < lower <= x <= upper");
  for (double m : problem.measured)
    if (!(m > 0)) throw std::invalid_argument("least squares: measurements must be > 0");

  LeastSquaresResult result;
  Eigen::VectorXd log_lower(n), log_upper(n), x(n);
  for (std::size_t j = 0; j < n; ++j) {
    log_lower[static_cast<Eigen::Index>(j)] = std::log(problem.lower[j]);
    log_upper[static_cast<Eigen::Index>(j)] = std::log(problem.upper[j]);
    x[static_cast<Eigen::Index>(j)] = std::log(problem.initial[j]);
  }
  auto values = [&](const Eigen::VectorXd& log_x) {
    std::vector<double> p(n);
    for (std::size_t j = 0; j < n; ++j) p[j] = std::exp(log_x[static_cast<Eigen::Index>(j)]);
    return p;
  };
  auto evaluate = [&](const Eigen::VectorXd& log_x) {
    ++result.evaluations;
    return problem.predict(values(log_x));
  };

  std::vector<double> predicted = evaluate(x);
  Eigen::VectorXd r = residuals(predicted, problem.measured);
  double cost = r.squaredNorm();
  result.initial_cost = cost;
  double lambda = 1e-2;
  const double h = std::log1p(problem.difference_step);
  for (int iteration = 0; iteration < problem.max_iterations; ++iteration) {
    result.iterations = iteration + 1;
    // Forward differences, stepping inward at an upper bound.
    Eigen::MatrixXd jacobian(r.size(), static_cast<Eigen::Index>(n));
    for (std::size_t j = 0; j < n; ++j) {
      const auto jj = static_cast<Eigen::Index>(j);
      Eigen::VectorXd stepped = x;
      const double step = x[jj] + h <= log_upper[jj] ? h : -h;
      stepped[jj] += step;
      jacobian.col(jj) = (residuals(evaluate(stepped), problem.measured) - r) / step;
    }
    const Eigen::MatrixXd jtj = jacobian.transpose() * jacobian;
    const Eigen::VectorXd gradient = jacobian.transpose() * r;
    bool improved = false;
    for (int attempt = 0; attempt < 8 && !improved; ++attempt) {
      Eigen::MatrixXd damped = jtj;
      for (Eigen::Index j = 0; j < damped.rows(); ++j) damped(j, j) += lambda * std::max(jtj(j, j), 1e-12);
      const Eigen::VectorXd delta = damped.ldlt().solve(-gradient);
      Eigen::VectorXd candidate = (x + delta).cwiseMax(log_lower).cwiseMin(log_upper);
      const std::vector<double> candidate_predicted = evaluate(candidate);
      const Eigen::VectorXd candidate_r = residuals(candidate_predicted, problem.measured);
      const double candidate_cost = candidate_r.squaredNorm();
      if (candidate_cost < cost) {
        const double gain = cost - candidate_cost;
        x = candidate;
        r = candidate_r;
        predicted = candidate_predicted;
        cost = candidate_cost;
        lambda = std::max(lambda / 3.0, 1e-7);
        improved = true;
        if (gain < 1e-9 * std::max(1.0, cost)) iteration = problem.max_iterations;  // converged
      } else {
        lambda *= 4.0;
      }
    }
    if (!improved) {
      // The simulator's cost is piecewise (waves, tiles): where the local model stops predicting descent, try
      // multiplicative steps one parameter at a time (a pattern search, Hooke and Jeeves 1961) before giving up.
      for (std::size_t j = 0; j < n && !improved; ++j) {
        for (double factor : {0.7, 0.9, 0.97, 1.03, 1.1, 1.4}) {
          Eigen::VectorXd candidate = x;
          const auto jj = static_cast<Eigen::Index>(j);
          candidate[jj] = std::clamp(x[jj] + std::log(factor), log_lower[jj], log_upper[jj]);
          if (candidate[jj] == x[jj]) continue;
          const std::vector<double> candidate_predicted = evaluate(candidate);
          const Eigen::VectorXd candidate_r = residuals(candidate_predicted, problem.measured);
          if (candidate_r.squaredNorm() < cost) {
            x = candidate;
            r = candidate_r;
            predicted = candidate_predicted;
            cost = candidate_r.squaredNorm();
            lambda = 1e-2;
            improved = true;
            break;
          }
        }
      }
    }
    if (!improved) break;
  }
  result.parameters = values(x);
  result.predictions = predicted;
  result.final_cost = cost;
  return result;
}

}  // namespace cascadesim::sim
