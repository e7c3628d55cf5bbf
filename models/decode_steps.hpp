// Multi-step decode (/workload/decode): a study's decode steps grouped by the work they do, the K/V each step keeps
// (eviction budgets) and where it lives (HBM, or the host-memory tier over its link), and the steps' totals as both
// backends report them (predict sums the roofline of each group, simulate replays each group once).
#pragma once

#include <cstdint>
#include <vector>

#include "models/layer_costs.hpp"
#include "models/study.hpp"

namespace cascadesim::models {

// Steps that do the same work: the same K/V tiles read, the same placement, and whether they select. Step s (from
// 0) reads a cache of seq_len + s tokens (min with kv_budget_tokens under eviction); it selects when s is a multiple
// of reselect_every. A group's steps are costed at its largest cache (an upper bound of at most one partial tile
// per K/V head and layer against costing each step at its own length).
struct DecodeStepGroup {
  std::int64_t first_step = 0;     // 0-based, the group's first
  std::int64_t steps = 0;          // how many steps of the run it stands for
  std::int64_t cached_tokens = 0;  // K/V tokens per sequence and layer each of its steps reads
  std::int64_t key_tiles = 0;
  std::int64_t host_key_tiles = 0;  // of those, the oldest, read from host memory
  bool selects = true;              // anchors and estimators select (false: they reuse the last selection)
  // A KV-cache correction (correct_every): query_tokens re-prefilled densely against the cache, every layer dense.
  bool correction = false;
  std::int64_t query_tokens = 1;
};

// The study's decode steps as groups, in order of their first step, then its KV-cache corrections (one after every
// correct_every steps, first_step naming the step it follows); dense_baseline: every layer dense, no eviction, no
// correction (the baseline of every decode speedup), the same K/V placement rule. Contract: workload.decode is set.
std::vector<DecodeStepGroup> decode_step_groups(const Study& study, bool dense_baseline);

// The K/V tokens a step keeps per sequence and layer: the cache grown by `step` tokens, capped by the eviction budget.
std::int64_t kept_tokens(const Workload& workload, std::int64_t step, bool dense_baseline);

// The oldest K/V tiles (of ceil(cached_tokens / tile_tokens)) that live in host memory: what overflows the HBM
// after the weights and activations (models/memory_footprint.hpp), at least kv_offload_fraction of the tiles, at
// most all but the newest tile (the one the step appends to). 0 without a host tier.
std::int64_t host_key_tiles(const Study& study, std::int64_t cached_tokens);

// One group's layer shape: the study's, at the group's cache, with its placement, selection reuse and H2O
// bookkeeping. dense_baseline drops the bookkeeping (a baseline evicts nothing).
LayerShape decode_step_shape(const Study& study, const DecodeStepGroup& group, bool dense_baseline);

// One group's figures for one step, and the run's totals.
struct DecodeGroupResult {
  DecodeStepGroup group;
  double time_s = 0;      // one step
  double hbm_bytes = 0;   // one step's off-chip HBM traffic
  double host_bytes = 0;  // one step's K/V read over the host link
};
struct DecodeRun {
  std::vector<DecodeGroupResult> groups;        // the study's schedule
  std::vector<DecodeGroupResult> dense_groups;  // every layer dense, full cache
  double time_s = 0, dense_time_s = 0;
  double hbm_bytes = 0, host_bytes = 0, dense_hbm_bytes = 0, dense_host_bytes = 0;
  double tokens = 0;  // generated: steps x batch
  // Called once per group after it is filled: adds it to the totals, weighted by its steps.
  void add(const DecodeGroupResult& g, bool dense_baseline);
  double tokens_per_s() const { return time_s > 0 ? tokens / time_s : 0; }
  double dense_tokens_per_s() const { return dense_time_s > 0 ? tokens / dense_time_s : 0; }
  double speedup() const { return time_s > 0 ? dense_time_s / time_s : 1; }
};

// The schedule a group runs: the study's, or every layer dense (the baseline and corrections).
LayerSchedule decode_step_schedule(const Study& study, const DecodeStepGroup& group, bool dense_baseline);

// The analytical run: each group's roofline stack time. Contract: workload.decode is set; the study passed the
// config checks.
DecodeRun predict_decode(const Study& study);

}  // namespace cascadesim::models
