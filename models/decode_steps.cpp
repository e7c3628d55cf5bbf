// Decode steps grouped by their work, K/V budgets and placement, and the analytical run over the groups.
#include "models/decode_steps.hpp"

#include <algorithm>
#include <cmath>

#include "models/memory_footprint.hpp"
#include "models/prediction.hpp"

namespace cascadesim::models {

std::int64_t kept_tokens(const Workload& w, std::int64_t step, bool dense_baseline) {
  const std::int64_t cached = w.seq_len + step;
  if (dense_baseline || w.decode->eviction == KvEviction::none) return cached;
  return std::min(cached, w.decode->kv_budget_tokens);
}

std::int64_t host_key_tiles(const Study& study, std::int64_t cached_tokens) {
  const Workload& w = study.workload;
  if (!w.decode || study.hardware.host_bytes <= 0) return 0;
  Workload at = w;
  at.seq_len = cached_tokens;
  const MemoryFootprint f = memory_footprint(study.model, at);
  const double free = study.hardware.hbm_bytes - f.weight_bytes - f.activation_bytes;
  const double overflow = std::clamp((f.kv_cache_bytes - free) / f.kv_cache_bytes, 0.0, 1.0);
  const double fraction = std::max(overflow, w.decode->kv_offload_fraction);
  const std::int64_t tiles = (cached_tokens + w.tile_tokens - 1) / w.tile_tokens;
  return std::min(tiles - 1, static_cast<std::int64_t>(std::ceil(fraction * static_cast<double>(tiles))));
}

std::vector<DecodeStepGroup> decode_step_groups(const Study& study, bool dense_baseline) {
  const Workload& w = study.workload;
  const DecodeSpec& d = *w.decode;
  std::vector<DecodeStepGroup> groups;
  auto add = [&](std::int64_t step, bool selects, bool correction) {
    const std::int64_t kept = kept_tokens(w, step, dense_baseline);
    const std::int64_t tiles = (kept + w.tile_tokens - 1) / w.tile_tokens;
    auto same = [&](const DecodeStepGroup& g) {
      return g.key_tiles == tiles && g.selects == selects && g.correction == correction;
    };
    auto it = std::find_if(groups.begin(), groups.end(), same);
    if (it == groups.end())
      it = groups.insert(groups.end(), DecodeStepGroup{step, 0, kept, tiles, 0, selects, correction,
                                                       correction ? d.correct_every : 1});
    it->steps += 1;
    it->cached_tokens = std::max(it->cached_tokens, kept);
  };
  for (std::int64_t step = 0; step < d.steps; ++step) add(step, dense_baseline || step % d.reselect_every == 0, false);
  // TidalDecode's correction re-prefills the tokens decoded since the last one, against the cache they were decoded
  // into (the last such step's).
  if (!dense_baseline && d.correct_every > 0)
    for (std::int64_t step = d.correct_every - 1; step < d.steps; step += d.correct_every) add(step, true, true);
  for (DecodeStepGroup& g : groups) g.host_key_tiles = host_key_tiles(study, g.cached_tokens);
  return groups;
}

LayerShape decode_step_shape(const Study& study, const DecodeStepGroup& group, bool dense_baseline) {
  LayerShape s = layer_shape(study.workload);
  s.key_tokens = group.cached_tokens;
  s.query_tokens = group.query_tokens;
  s.top_k = std::min<std::int64_t>(s.top_k, group.key_tiles);
  s.reuses_selection = !group.selects;
  s.host_key_tiles = group.host_key_tiles;
  if (!dense_baseline && study.workload.decode->eviction == KvEviction::heavy_hitter)
    s.scored_tokens = group.cached_tokens;
  return s;
}

LayerSchedule decode_step_schedule(const Study& study, const DecodeStepGroup& group, bool dense_baseline) {
  return dense_baseline || group.correction ? dense_schedule(study.model.n_layers) : study.workload.schedule;
}

void DecodeRun::add(const DecodeGroupResult& g, bool dense_baseline) {
  const auto n = static_cast<double>(g.group.steps);
  (dense_baseline ? dense_groups : groups).push_back(g);
  (dense_baseline ? dense_time_s : time_s) += n * g.time_s;
  (dense_baseline ? dense_hbm_bytes : hbm_bytes) += n * g.hbm_bytes;
  (dense_baseline ? dense_host_bytes : host_bytes) += n * g.host_bytes;
}

DecodeRun predict_decode(const Study& study) {
  DecodeRun run;
  run.tokens = static_cast<double>(study.workload.decode->steps * study.workload.batch);
  for (const bool dense : {false, true}) {
    for (const DecodeStepGroup& g : decode_step_groups(study, dense)) {
      const LayerSchedule schedule = decode_step_schedule(study, g, dense);
      const LayerCounts counts = schedule.layers.empty() ? LayerCounts{study.model.n_layers, 0, 0} : schedule.counts();
      const ModelTotals t = stack_totals(study.model, decode_step_shape(study, g, dense), study.hardware, counts);
      run.add(DecodeGroupResult{g, t.time.time_s, t.cost.hbm_bytes, t.cost.host_bytes}, dense);
    }
  }
  return run;
}

}  // namespace cascadesim::models
