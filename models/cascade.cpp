// Cascade stage fractions and seed 000's cascade arithmetic.
#include "models/cascade.hpp"

#include <algorithm>
#include <cmath>

namespace cascadesim::models {

double stage_token_fraction(const CascadeSpec& spec, std::size_t stage) {
  return std::pow(spec.stages[stage].resolution, static_cast<double>(spec.spatial_dims));
}

std::int64_t stage_tokens(std::int64_t seq_len, const CascadeSpec& spec, std::size_t stage) {
  return std::max<std::int64_t>(1, std::llround(static_cast<double>(seq_len) * stage_token_fraction(spec, stage)));
}

std::vector<CascadeStagePlan> cascade_plan(const Workload& w) {
  const CascadeSpec& spec = *w.cascade;
  const auto batch = static_cast<double>(w.batch);
  std::vector<CascadeStagePlan> plan;
  for (std::size_t i = 0; i < spec.stages.size(); ++i) {
    CascadeStagePlan p;
    p.tokens = stage_tokens(w.seq_len, spec, i);
    p.token_fraction = stage_token_fraction(spec, i);
    p.reach_fraction = stage_reach_fraction(spec, i);
    p.run_fraction = batch_runs_stage_probability(p.reach_fraction, batch);
    if (p.run_fraction > 0)
      p.members = expected_padded_slots(w.batch, p.reach_fraction, policy_bucket_slots(spec, w.batch)) / p.run_fraction;
    p.decides = i + 1 < spec.stages.size();
    plan.push_back(p);
  }
  return plan;
}

double stage_reach_fraction(const CascadeSpec& spec, std::size_t stage) {
  double exited = 0;
  for (std::size_t j = 0; j < stage; ++j) exited += spec.stages[j].exit_fraction;
  return std::max(0.0, 1.0 - exited);
}

std::optional<double> early_stopping_rate(double threshold) {
  if (!(threshold >= min_confidence_threshold && threshold <= max_confidence_threshold)) return std::nullopt;
  for (std::size_t i = 1; i < seed_threshold_rates.size(); ++i) {
    const ThresholdRate& lo = seed_threshold_rates[i - 1];
    const ThresholdRate& hi = seed_threshold_rates[i];
    if (threshold > hi.threshold) continue;
    if (threshold == lo.threshold) return lo.early_stopping_rate;
    if (threshold == hi.threshold) return hi.early_stopping_rate;
    const double t = (threshold - lo.threshold) / (hi.threshold - lo.threshold);
    return lo.early_stopping_rate + t * (hi.early_stopping_rate - lo.early_stopping_rate);
  }
  return std::nullopt;
}

std::optional<std::vector<double>> exit_fractions_for_threshold(double threshold, std::size_t stages, ExitRule rule) {
  const std::optional<double> rate = early_stopping_rate(threshold);
  if (!rate || stages < 2) return std::nullopt;
  return exit_fractions_for_rate(*rate, stages, rule);
}

std::vector<double> exit_fractions_for_rate(double rate, std::size_t stages, ExitRule rule) {
  if (rule == ExitRule::equal_shares) {
    const double share = rate / static_cast<double>(stages - 1);
    std::vector<double> fractions(stages - 1, share);
    fractions.push_back(1.0 - rate);
    return fractions;
  }
  const double ratio = (1.0 - rate) / rate;
  std::vector<double> fractions;
  double weight = 1;
  double total = 0;
  for (std::size_t k = 0; k < stages; ++k, weight *= ratio) {
    fractions.push_back(weight);
    total += weight;
  }
  for (double& f : fractions) f /= total;
  return fractions;
}

double batch_runs_stage_probability(double reach_fraction, double batch) {
  return 1.0 - std::pow(1.0 - reach_fraction, batch);
}

std::int64_t policy_bucket_slots(const CascadeSpec& spec, std::int64_t batch) {
  switch (spec.batch_policy) {
    case BatchPolicy::compact:
      return 1;
    case BatchPolicy::wait_for_slowest:
      return batch;
    case BatchPolicy::bucketed:
      break;
  }
  return std::min(spec.bucket_size, batch);
}

double expected_padded_slots(std::int64_t batch, double reach, std::int64_t bucket) {
  if (reach <= 0) return 0;
  const auto buckets_for = [bucket](std::int64_t n) { return static_cast<double>((n + bucket - 1) / bucket * bucket); };
  if (reach >= 1) return buckets_for(batch);
  // Binomial terms in logs, so that large batches with small reach neither overflow nor underflow.
  const double log_p = std::log(reach);
  const double log_q = std::log1p(-reach);
  const double log_batch_factorial = std::lgamma(static_cast<double>(batch) + 1);
  double slots = 0;
  for (std::int64_t n = 1; n <= batch; ++n) {
    const auto k = static_cast<double>(n);
    const double log_term = log_batch_factorial - std::lgamma(k + 1) - std::lgamma(static_cast<double>(batch - n) + 1) +
                            k * log_p + static_cast<double>(batch - n) * log_q;
    slots += std::exp(log_term) * buckets_for(n);
  }
  return slots;
}

double final_stage_share(const CascadeSpec& spec, std::int64_t batch) {
  const std::size_t last = spec.stages.size() - 1;
  return expected_padded_slots(batch, stage_reach_fraction(spec, last), policy_bucket_slots(spec, batch)) /
         static_cast<double>(batch);
}

double coarse_token_fraction(const CascadeSpec& spec) {
  double coarse = 0;
  for (std::size_t i = 0; i + 1 < spec.stages.size(); ++i) coarse += stage_token_fraction(spec, i);
  return coarse;
}

CascadeSeedResult cascade_seed(const CascadeSpec& spec, std::int64_t batch) {
  CascadeSeedResult r;
  const double coarse = coarse_token_fraction(spec);
  r.compute_fraction = coarse + (1.0 - coarse) * final_stage_share(spec, batch);
  r.theoretical_speedup = 1.0 / r.compute_fraction;
  r.overhead_fraction = spec.memory_overhead + spec.transition_overhead + spec.decision_overhead;
  r.practical_speedup = r.theoretical_speedup * (1.0 - r.overhead_fraction);
  return r;
}

}  // namespace cascadesim::models
