// Evaluates one sweep point. The fast path writes its values into a copy of the base study through the fields'
// member pointers (a "/hardware" axis swaps in a preset loaded with the spec), applies the study loader's
// cross-field checks, then runs the analytical model; a point with a document override, and every simulated
// point, is loaded from its study document instead (the loader checks it).
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
  // point without document overrides once out has been used.
  void evaluate(std::span<const std::size_t> digits, PointResult& out);

 private:
  void evaluate_loaded(std::span<const std::size_t> digits, PointResult& out) const;
  void analytical(const models::Study& study, PointResult& out) const;
  void simulated(LoadedStudy loaded, PointResult& out) const;
  void area(const hw::MachineArea& machine, std::int64_t cores, PointResult& out) const;
  // The base study's document with the point's values written in.
  core::Json point_document(std::span<const std::size_t> digits) const;

  const SweepSpec& spec_;
  const bool area_;      // area_mm2 is an objective
  models::Study study_;  // the base study with the current point's values written in
};

}  // namespace cascadesim::sim::sweep
