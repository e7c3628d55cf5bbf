// Multi-stage coarse-to-fine cascades with early stopping (seed 000 "Stage-Wise Computational Costs").
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "models/workload.hpp"

namespace cascadesim::models {

inline constexpr std::size_t max_cascade_stages = 8;

// Tokens of stage i relative to full resolution: resolution^spatial_dims (1/4 resolution in 2-D: 6.25%).
double stage_token_fraction(const CascadeSpec& spec, std::size_t stage);
// The tokens stage i runs on: seq_len x its token fraction, rounded, at least 1.
std::int64_t stage_tokens(std::int64_t seq_len, const CascadeSpec& spec, std::size_t stage);

// Fraction of inputs that reach stage i: 1 - sum of exit fractions of the stages before it.
double stage_reach_fraction(const CascadeSpec& spec, std::size_t stage);

// One stage of a cascade as both backends run it.
struct CascadeStagePlan {
  std::int64_t tokens = 0;    // stage_tokens
  double token_fraction = 0;  // stage_token_fraction
  double reach_fraction = 0;  // stage_reach_fraction
  double run_fraction = 0;    // probability that a batch runs the stage (batch_runs_stage_probability)
  // Sequences the stage holds when it runs: the whole batch when it waits for its slowest member, else the
  // expected members given that any remain (reach x batch / run_fraction; fractional).
  double members = 0;
  bool decides = false;  // pools and scores its output to decide whether to stop: every stage but the last
};

// The stages of w's cascade, coarse to fine. Contract: w.cascade is set.
std::vector<CascadeStagePlan> cascade_plan(const Workload& w);

// Seed 000 "Confidence-Based Early Stopping": the early-stopping rate each confidence threshold gives, at the
// mid-points of the seed's ranges (95%: 25-35% -> 30%, 90%: 45-55% -> 50%, 85%: 65-75% -> 70%).
struct ThresholdRate {
  double threshold;
  double early_stopping_rate;  // fraction of inputs that stop before the final (full-resolution) stage
};
inline constexpr std::array<ThresholdRate, 3> seed_threshold_rates{{{0.85, 0.70}, {0.90, 0.50}, {0.95, 0.30}}};
inline constexpr double min_confidence_threshold = seed_threshold_rates.front().threshold;
inline constexpr double max_confidence_threshold = seed_threshold_rates.back().threshold;

// The early-stopping rate at threshold, linear between the seed's table rows; nothing outside 0.85-0.95 (the
// table is not extrapolated).
std::optional<double> early_stopping_rate(double threshold);

// The exit fraction of each of `stages` stages (coarse to fine) at threshold: the early-stopping rate split in
// equal shares over the stages - 1 non-final stages (the seed gives only the total; equal shares is this
// model's rule), and the rest, 1 - rate, exits after the final stage. Nothing when the threshold is outside the
// table or there are fewer than 2 stages (nowhere to stop early).
std::optional<std::vector<double>> exit_fractions_for_threshold(double threshold, std::size_t stages);

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
