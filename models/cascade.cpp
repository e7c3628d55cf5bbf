// Cascade stage fractions and seed 000's cascade arithmetic.
#include "models/cascade.hpp"

#include <algorithm>
#include <cmath>

namespace cascadesim::models {

double stage_token_fraction(const CascadeSpec& spec, std::size_t stage) {
  return std::pow(spec.stages[stage].resolution, static_cast<double>(spec.spatial_dims));
}

double stage_reach_fraction(const CascadeSpec& spec, std::size_t stage) {
  double exited = 0;
  for (std::size_t j = 0; j < stage; ++j) exited += spec.stages[j].exit_fraction;
  return std::max(0.0, 1.0 - exited);
}

double batch_runs_stage_probability(double reach_fraction, double batch) {
  return 1.0 - std::pow(1.0 - reach_fraction, batch);
}

CascadeSeedResult cascade_seed(const CascadeSpec& spec) {
  CascadeSeedResult r;
  const std::size_t last = spec.stages.size() - 1;
  double coarse = 0;
  for (std::size_t i = 0; i < last; ++i) coarse += stage_token_fraction(spec, i);
  r.compute_fraction = coarse + (1.0 - coarse) * stage_reach_fraction(spec, last);
  r.theoretical_speedup = 1.0 / r.compute_fraction;
  r.overhead_fraction = spec.memory_overhead + spec.transition_overhead + spec.decision_overhead;
  r.practical_speedup = r.theoretical_speedup * (1.0 - r.overhead_fraction);
  return r;
}

}  // namespace cascadesim::models
