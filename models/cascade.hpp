// Multi-stage coarse-to-fine cascades with early stopping (seed 000 "Stage-Wise Computational Costs").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
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
  // Sequences (padding slots included) the stage holds when it runs: the policy's expected padded members given
  // that any member remains, expected_padded_members / run_fraction (fractional). That is the whole batch when
  // it waits for its slowest member and reach x batch / run_fraction when compacted.
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

// The exit fraction of each of `stages` stages (coarse to fine) at threshold. Nothing when the threshold is
// outside the table or there are fewer than 2 stages (nowhere to stop early).
// equal_shares: the early-stopping rate split in equal shares over the stages - 1 non-final stages, the rest,
//   1 - rate, exiting after the final stage (the seed gives only the total; equal shares is an assumption).
// geometric: MSDNet's exit distribution (Huang et al., "Multi-Scale Dense Networks for Resource Efficient Image
//   Classification", ICLR 2018, §5 budgeted batch classification: thresholds set so that a fraction
//   z (1 - q)^(k-1) q of the inputs exits at classifier k, z normalizing over the K classifiers). Stage k of K
//   takes r^(k-1) / sum_{j<K} r^j with r = 1 - q; r is fixed by making a 2-stage cascade stop the seed's rate
//   early, 1 / (1 + r) = rate, so r = (1 - rate) / rate (an assumption: the seed does not say how many stages its
//   threshold table had). Rates below 50% give r > 1 (q < 0: exits grow with depth), outside MSDNet's (0, 1].
//   More stages then stop more inputs early (90%: 50% with 2 stages, 66.7% with 3, 75% with 4).
std::optional<std::vector<double>> exit_fractions_for_threshold(double threshold, std::size_t stages,
                                                                ExitRule rule = ExitRule::equal_shares);
// The same for an early-stopping rate in (0, 1) and stages >= 2 (the rule's arithmetic, without the table).
std::vector<double> exit_fractions_for_rate(double rate, std::size_t stages, ExitRule rule);

// Probability that a batch of `batch` members runs stage i: the stage runs if any member reaches it,
// 1 - (1 - reach)^batch (members exit independently).
double batch_runs_stage_probability(double reach_fraction, double batch);

// The slots of one bucket under the cascade's batch policy for a batch of `batch`: compact 1, wait_for_slowest the
// whole batch, bucketed its bucket_size (at most the batch).
std::int64_t policy_bucket_slots(const CascadeSpec& spec, std::int64_t batch);

// Expected slots a stage runs when each of `batch` members reaches it independently with probability reach and
// the members that do are packed into buckets of `bucket` slots, the last one padded to full:
// E[ceil(N / bucket)] x bucket with N ~ Binomial(batch, reach), summed over the binomial's terms.
// bucket 1: reach x batch (compacted); bucket = batch: batch x (1 - (1 - reach)^batch) (waiting for the slowest).
// Contract: batch >= 1, bucket >= 1, 0 <= reach <= 1.
double expected_padded_slots(std::int64_t batch, double reach, std::int64_t bucket);

struct CascadeSeedResult {
  double compute_fraction = 1;     // expected GFLOPs / full-resolution GFLOPs
  double theoretical_speedup = 1;  // 1 / compute_fraction
  double overhead_fraction = 0;    // memory + transition + decision
  double practical_speedup = 1;    // theoretical * (1 - overhead_fraction)
};

// Seed 000's arithmetic exactly: each coarse stage costs its token fraction and runs for every input; the
// finest stage costs the remainder 1 - sum(coarse fractions) and runs only for the inputs that reach it.
// (2 stages, 1/4 and full, 50% stop: 6.25% + 0.5 * 93.75% = 53% -> 1.89x.) The seed has no batch term; for a
// batch of `batch` the finest stage's share is the batch policy's padded slots per member instead
// (final_stage_share), which equals the reach fraction for one input or when compacting.
CascadeSeedResult cascade_seed(const CascadeSpec& spec, std::int64_t batch = 1);

// Slots per member of the batch that the finest stage runs under the batch policy: expected_padded_slots / batch.
double final_stage_share(const CascadeSpec& spec, std::int64_t batch);

// Sum of the coarse stages' token fractions: what seed 000's arithmetic charges every input before the last stage.
double coarse_token_fraction(const CascadeSpec& spec);

}  // namespace cascadesim::models
