// Multi-stage coarse-to-fine cascades with early stopping (seed 000 "Stage-Wise Computational Costs").
#pragma once

#include <cstddef>

#include "models/workload.hpp"

namespace cascadesim::models {

inline constexpr std::size_t max_cascade_stages = 8;

// Tokens of stage i relative to full resolution: resolution^spatial_dims (1/4 resolution in 2-D: 6.25%).
double stage_token_fraction(const CascadeSpec& spec, std::size_t stage);

// Fraction of inputs that reach stage i: 1 - sum of exit fractions of the stages before it.
double stage_reach_fraction(const CascadeSpec& spec, std::size_t stage);

// Probability that a batch of `batch` members runs stage i when it waits for its slowest member: the stage
// runs if any member reaches it, 1 - (1 - reach)^batch (members exit independently).
double batch_runs_stage_probability(double reach_fraction, double batch);

struct CascadeSeedResult {
  double compute_fraction = 1;     // expected GFLOPs / full-resolution GFLOPs
  double theoretical_speedup = 1;  // 1 / compute_fraction
  double overhead_fraction = 0;    // memory + transition + decision
  double practical_speedup = 1;    // theoretical * (1 - overhead_fraction)
};

// Seed 000's arithmetic exactly: each coarse stage costs its token fraction and runs for every input; the
// finest stage costs the remainder 1 - sum(coarse fractions) and runs only for the inputs that reach it.
// (2 stages, 1/4 and full, 50% stop: 6.25% + 0.5 * 93.75% = 53% -> 1.89x.)
CascadeSeedResult cascade_seed(const CascadeSpec& spec);

}  // namespace cascadesim::models
