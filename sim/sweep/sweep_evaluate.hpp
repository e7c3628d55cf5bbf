// Evaluates one sweep point: its values written into a copy of the base study through the fields' member
// pointers, the study loader's cross-field checks, then the analytical model and/or the simulator.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "models/study.hpp"
#include "sim/sweep/sweep_spec.hpp"

namespace cascadesim::sim::sweep {

enum class PointStatus { ok, invalid, excluded };

struct PointResult {
  PointStatus status = PointStatus::ok;
  std::string reason;              // invalid and excluded points: why, e.g. "/workload/top_k: top_k 16 exceeds ..."
  std::vector<double> objectives;  // aligned with SweepSpec::objectives; finite, and meaningful only when ok
};

// One per thread. Not thread-safe; the simulate backend runs SystemC, whose kernel must stay on the thread that
// first ran it, so simulate and both evaluators are used on the calling thread only.
class PointEvaluator {
 public:
  // Contract: spec outlives the evaluator.
  explicit PointEvaluator(const SweepSpec& spec);

  // Contract: digits has one entry per axis (PointSpace::digits). Allocates nothing for a valid analytical
  // point once out has been used.
  void evaluate(std::span<const std::size_t> digits, PointResult& out);

 private:
  void analytical(PointResult& out) const;
  void simulated(std::span<const std::size_t> digits, PointResult& out) const;

  const SweepSpec& spec_;
  models::Study study_;  // the base study with the current point's values written in
};

}  // namespace cascadesim::sim::sweep
