// Composes the analytical models into one prediction per study (seed 002 for Kascade, 000 for cascades,
// 004 for early exit), in the seed's accounting or the exact one.
#include "models/prediction.hpp"

#include <algorithm>
#include <cmath>

#include "models/amdahl.hpp"
#include "models/dataflow/layer.hpp"
#include "models/early_exit.hpp"
#include "models/tiles.hpp"

namespace cascadesim::models {

std::string_view to_string(Accounting accounting) { return accounting == Accounting::seed ? "seed" : "exact"; }

namespace {

constexpr std::size_t index(LayerKind k) { return static_cast<std::size_t>(k); }
constexpr std::array<LayerKind, 3> all_kinds{LayerKind::dense, LayerKind::anchor, LayerKind::reuse};

struct StackCosts {
  std::array<LayerCost, 3> cost{};
  std::array<std::array<RooflineTime, op_count>, 3> op_time{};
  std::array<RooflineTime, 3> layer_time{};
  std::array<RooflineTime, 3> attention_time{};
  LayerCost ends;  // the model's embedding and head, once (dataflow::embedding_kernels, head_kernels)
  std::array<RooflineTime, op_count> end_time{};
};

// Costs of each layer kind; kinds absent from `needed` (a count of zero) are left empty.
StackCosts stack_costs(const TransformerModel& m, const LayerShape& shape, const HardwareSpec& hw,
                       const LayerCounts& needed = LayerCounts{1, 1, 1}) {
  const std::array<std::int64_t, 3> wanted{needed.dense, needed.anchor, needed.reuse};
  StackCosts s;
  for (LayerKind kind : all_kinds) {
    const std::size_t k = index(kind);
    if (wanted[k] == 0) continue;
    s.cost[k] = layer_cost(m, shape, kind, hw);
    for (std::size_t op = 0; op < op_count; ++op) {
      s.op_time[k][op] = roofline_time(s.cost[k].ops[op], hw);
      s.layer_time[k] += s.op_time[k][op];
    }
    s.attention_time[k] = s.op_time[k][static_cast<std::size_t>(Op::attention)];
    s.attention_time[k] += s.op_time[k][static_cast<std::size_t>(Op::anchor_scoring)];
    s.layer_time[k].bound = dominant_bound(s.layer_time[k]);
    s.attention_time[k].bound = dominant_bound(s.attention_time[k]);
  }
  std::vector<dataflow::Kernel> ends = dataflow::embedding_kernels(m, shape);
  for (dataflow::Kernel& k : dataflow::head_kernels(m, shape)) ends.push_back(std::move(k));
  for (const dataflow::Kernel& k : ends) s.ends[k.op] += analytical_cost(k, hw);
  for (std::size_t op = 0; op < op_count; ++op)
    if (s.ends.ops[op].kernels > 0) s.end_time[op] = roofline_time(s.ends.ops[op], hw);
  return s;
}

ModelTotals totals(const StackCosts& s, const LayerCounts& counts, const HardwareSpec& hw) {
  const std::array<double, 3> n{static_cast<double>(counts.dense), static_cast<double>(counts.anchor),
                                static_cast<double>(counts.reuse)};
  ModelTotals t;
  std::array<WorkCounts, layer_kinds> work{};
  std::array<double, layer_kinds> layer_s{};
  const bool on_engine = hw.energy && hw.energy->selection_on_engine;
  for (LayerKind kind : all_kinds) {
    const std::size_t k = index(kind);
    if (n[k] == 0) continue;
    const OpCost layer = s.cost[k].total();
    t.cost += n[k] * layer;
    t.time += n[k] * s.layer_time[k];
    t.attention += n[k] * s.attention_time[k];
    work[k] = work_counts(layer, on_engine);
    layer_s[k] = s.layer_time[k].time_s;
  }
  // The model's ends: their FLOPs, bytes and time (their energy is not priced: docs/models.md).
  t.cost += s.ends.total();
  for (const RooflineTime& end : s.end_time) t.time += end;
  t.time.bound = dominant_bound(t.time);
  t.attention.bound = dominant_bound(t.attention);
  t.energy = analytical_energy(hw.energy, hw.cores, work, n, layer_s);
  return t;
}

LayerCounts schedule_counts(const Study& st) {
  if (st.workload.schedule.layers.empty()) return LayerCounts{st.model.n_layers, 0, 0};
  return st.workload.schedule.counts();
}

double effective_speedup(const LayerCounts& c, double anchor_cost, double reuse_cost) {
  const double scheduled = static_cast<double>(c.dense) + static_cast<double>(c.anchor) * anchor_cost +
                           static_cast<double>(c.reuse) * reuse_cost;
  return static_cast<double>(c.total()) / scheduled;
}

CascadePrediction cascade_exact(const Study& st, const LayerShape& full, const LayerCounts& counts,
                                const ModelTotals& full_pass) {
  const Workload& w = st.workload;
  const std::vector<CascadeStagePlan> plan = cascade_plan(w);
  CascadePrediction r;
  r.stage_count = plan.size();
  double expected_flops = 0;
  double expected_time = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const CascadeStagePlan& stage_plan = plan[i];
    CascadeStagePrediction& p = r.stages[i];
    p.token_fraction = stage_plan.token_fraction;
    p.tokens = stage_plan.tokens;
    p.reach_fraction = stage_plan.reach_fraction;
    p.run_fraction = stage_plan.run_fraction;
    p.members = stage_plan.members;
    if (p.run_fraction <= 0) continue;
    const ModelTotals stage =
        totals(stack_costs(st.model, stage_shape(full, w.phase, p.tokens, stage_plan.members), st.hardware, counts),
               counts, st.hardware);
    double flops = stage.cost.flops();
    double time = stage.time.time_s;
    if (stage_plan.decides) {
      const OpCost decide =
          dataflow::kernel_cost(dataflow::stop_decision_kernel(st.model, w, stage_plan.members, p.tokens));
      flops += decide.flops();
      time += roofline_time(decide, st.hardware).time_s;
    }
    p.cost_fraction = p.run_fraction * flops / full_pass.cost.flops();
    expected_flops += p.run_fraction * flops;
    expected_time += p.run_fraction * time;
  }
  r.compute_fraction = expected_flops / full_pass.cost.flops();
  r.theoretical_speedup = 1.0 / r.compute_fraction;
  r.practical_speedup = full_pass.time.time_s / expected_time;
  r.overhead_fraction = 1.0 - r.practical_speedup / r.theoretical_speedup;
  return r;
}

CascadePrediction cascade_by_seed(const CascadeSpec& spec, std::int64_t batch) {
  const CascadeSeedResult seed = cascade_seed(spec, batch);
  CascadePrediction r;
  r.stage_count = spec.stages.size();
  const std::size_t last = spec.stages.size() - 1;
  const double final_share = final_stage_share(spec, batch);
  for (std::size_t i = 0; i < spec.stages.size(); ++i) {
    CascadeStagePrediction& p = r.stages[i];
    p.token_fraction = stage_token_fraction(spec, i);
    p.reach_fraction = stage_reach_fraction(spec, i);
    p.run_fraction = i == last ? final_share : 1.0;
    p.cost_fraction = i == last ? (1.0 - coarse_token_fraction(spec)) * final_share : p.token_fraction;
  }
  r.compute_fraction = seed.compute_fraction;
  r.theoretical_speedup = seed.theoretical_speedup;
  r.overhead_fraction = seed.overhead_fraction;
  r.practical_speedup = seed.practical_speedup;
  return r;
}

EarlyExitPrediction early_exit_prediction(const Study& st, Accounting accounting, const StackCosts& costs,
                                          const LayerShape& shape, const ModelTotals& full_pass) {
  const EarlyExitSpec& spec = *st.workload.early_exit;
  const std::int64_t layers = st.model.n_layers;
  const OpCost head = dataflow::kernel_cost(dataflow::exit_head_kernel(st.model, st.workload, shape));
  std::array<double, 3> layer_flops{};
  std::array<double, 3> layer_seconds{};
  for (LayerKind kind : all_kinds) {
    layer_flops[index(kind)] = costs.cost[index(kind)].total().flops();
    layer_seconds[index(kind)] = costs.layer_time[index(kind)].time_s;
  }
  EarlyExitPrediction r;
  r.average_depth_fraction = average_depth_fraction(spec, layers);
  const double expected_seconds = expected_early_exit_cost(spec, st.workload.schedule, layers, layer_seconds,
                                                           roofline_time(head, st.hardware).time_s);
  r.time_speedup = full_pass.time.time_s / expected_seconds;
  if (accounting == Accounting::seed) {
    r.speedup = 1.0 / r.average_depth_fraction;
  } else {
    r.speedup = full_pass.cost.flops() /
                expected_early_exit_cost(spec, st.workload.schedule, layers, layer_flops, head.flops());
  }
  return r;
}

Prediction derive(const Study& st, Accounting accounting, const StackCosts& costs) {
  const TransformerModel& m = st.model;
  const Workload& w = st.workload;
  const LayerShape shape = layer_shape(w);
  const TileGrid grid = layer_tile_grid(shape);

  Prediction p;
  p.accounting = accounting;
  p.layers = schedule_counts(st);

  p.layer_costs = costs.cost;
  p.layer_times = costs.op_time;
  p.model_ends = costs.ends;
  p.model_end_times = costs.end_time;
  p.dense_model = totals(costs, LayerCounts{m.n_layers, 0, 0}, st.hardware);
  p.schedule_model = totals(costs, p.layers, st.hardware);
  p.end_to_end_speedup = p.dense_model.time.time_s / p.schedule_model.time.time_s;
  p.flash_io_bound_bytes_per_head =
      flash_attention_io_bound_bytes(static_cast<double>(w.seq_len), static_cast<double>(m.head_dim),
                                     st.hardware.sram_per_core_bytes, bytes_per_element(w.precision.kv_cache));

  p.tiles.query_tiles = grid.query_tiles;
  p.tiles.key_tiles = grid.key_tiles;
  p.tiles.tile_tokens = grid.tile_tokens;
  p.tiles.last_key_tile_tokens = grid.last_key_tile_tokens;
  p.tiles.dense_per_head = dense_tiles(grid, m.causal);
  const double executed_scores =
      static_cast<double>(p.tiles.dense_per_head) * static_cast<double>(executed_query_rows(shape) * shape.tile_tokens);
  p.tiles.padding_fraction = 1.0 - useful_token_pairs(shape.query_tokens, shape.key_tokens, m.causal) / executed_scores;

  if (accounting == Accounting::seed) {
    // Seed 002 §2, per layer divided by d: 2 S^2 attention, 4 S d projections, 3 S d_MLP (SwiGLU).
    const double s_kv = static_cast<double>(w.seq_len);
    const double attention = 2.0 * s_kv;
    const double linear =
        4.0 * static_cast<double>(m.d_model) + static_cast<double>(m.mlp_matrices()) * static_cast<double>(m.d_mlp);
    p.attention_fraction = attention / (attention + linear);
    p.tiles.sparse_per_head = sparse_tiles_seed(grid, w.top_k);
    p.anchor_cost = 1.0;  // seed 002 §3: "ANCHOR (->DENSE in timing)"
    if (p.layers.reuse > 0) p.reuse_cost = static_cast<double>(w.top_k) / static_cast<double>(grid.key_tiles);
    if (!w.pattern->uses_top_k()) {
      // The seed's arithmetic with the pattern's own tiles per query tile for k (patterns not sized by top_k).
      const double per_head = mean_reuse_blocks(m, shape) / static_cast<double>(m.n_heads);
      p.tiles.sparse_per_head = std::llround(per_head);
      if (p.layers.reuse > 0) p.reuse_cost = per_head / static_cast<double>(grid.query_tiles * grid.key_tiles);
    }
  } else {
    const std::size_t dense = index(LayerKind::dense);
    const double dense_attention = costs.cost[dense].attention_part().flops();
    p.attention_fraction = dense_attention / costs.cost[dense].total().flops();
    p.tiles.sparse_per_head = std::llround(mean_reuse_blocks(m, shape) / static_cast<double>(m.n_heads));
    if (p.layers.anchor > 0)
      p.anchor_cost = costs.cost[index(LayerKind::anchor)].attention_part().flops() / dense_attention;
    if (p.layers.reuse > 0)
      p.reuse_cost = costs.cost[index(LayerKind::reuse)].attention_part().flops() / dense_attention;
  }
  if (p.layers.reuse == 0) p.tiles.sparse_per_head = p.tiles.dense_per_head;  // no layer skips anything
  p.tiles.reduction = 1.0 - static_cast<double>(p.tiles.sparse_per_head) / static_cast<double>(p.tiles.dense_per_head);
  p.effective_attention_speedup = effective_speedup(p.layers, p.anchor_cost, p.reuse_cost);
  p.amdahl_speedup = amdahl_speedup(p.attention_fraction, p.effective_attention_speedup);
  p.amdahl_limit = amdahl_limit(p.attention_fraction);

  if (w.cascade) {
    p.cascade = accounting == Accounting::seed ? cascade_by_seed(*w.cascade, w.batch)
                                               : cascade_exact(st, shape, p.layers, p.schedule_model);
  }
  if (w.early_exit) p.early_exit = early_exit_prediction(st, accounting, costs, shape, p.schedule_model);
  return p;
}

}  // namespace

ModelTotals stack_totals(const TransformerModel& m, const LayerShape& shape, const HardwareSpec& hw,
                         const LayerCounts& counts) {
  return totals(stack_costs(m, shape, hw, counts), counts, hw);
}

// Dense costs are always needed (they are the baseline); anchor and reuse costs only when the schedule has them.
StackCosts study_costs(const Study& study) {
  const LayerCounts counts = schedule_counts(study);
  return stack_costs(study.model, layer_shape(study.workload), study.hardware,
                     LayerCounts{1, counts.anchor, counts.reuse});
}

Prediction predict(const Study& study, Accounting accounting) {
  Prediction p = derive(study, accounting, study_costs(study));
  if (study.workload.decode) p.decode = predict_decode(study);
  return p;
}

SustainedStacks predict_sustained(const Study& study, const Prediction& reference) {
  Study slower = study;
  slower.hardware.clock_GHz *= probe_clock_scale;
  const Prediction probe = predict(slower, reference.accounting);
  const HardwareSpec& hw = study.hardware;
  auto settle = [&hw](const ModelTotals& at_reference, const ModelTotals& at_probe) {
    return sustained_run(hw.power_limit(), hw.clock_GHz,
                         clocked_time(at_reference.time.time_s, at_probe.time.time_s, probe_clock_scale),
                         run_energy(at_reference.energy));
  };
  return {hw.power_limit_W, settle(reference.dense_model, probe.dense_model),
          settle(reference.schedule_model, probe.schedule_model)};
}

BothAccountings predict_both(const Study& study) {
  const StackCosts costs = study_costs(study);
  BothAccountings both{derive(study, Accounting::seed, costs), derive(study, Accounting::exact, costs)};
  if (study.workload.decode) both.seed.decode = both.exact.decode = predict_decode(study);
  return both;
}

}  // namespace cascadesim::models
