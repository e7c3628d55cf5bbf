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
      p.members =
          spec.batch_policy == BatchPolicy::wait_for_slowest ? batch : p.reach_fraction * batch / p.run_fraction;
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

std::optional<std::vector<double>> exit_fractions_for_threshold(double threshold, std::size_t stages) {
  const std::optional<double> rate = early_stopping_rate(threshold);
  if (!rate || stages < 2) return std::nullopt;
  const double share = *rate / static_cast<double>(stages - 1);
  std::vector<double> fractions(stages - 1, share);
  fractions.push_back(1.0 - *rate);
  return fractions;
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
