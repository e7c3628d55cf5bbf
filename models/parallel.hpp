// Many devices: how a study's layers split over them (context parallelism: ring attention, zig-zag, TokenRing,
// Ulysses; tensor parallelism for projections and MLP) and what crosses the links, described once as a plan per layer
// kind that the analytical closed forms (evaluate_parallel) and the simulator's link replay (sim/engine/
// parallel_replay) both read.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "models/collectives.hpp"
#include "models/layer_schedule.hpp"
#include "models/parallel_spec.hpp"
#include "models/study.hpp"

namespace cascadesim::models {

// One layer of a kind on every device: what each computes and sends. Devices are numbered c * tp + t (context rank
// c, tensor rank t); the tensor ranks of a context rank run the same plan on their share of the heads.
struct ParallelLayerPlan {
  std::int64_t cp = 1, tp = 1;
  ContextParallel context = ContextParallel::none;
  double other_s = 0;  // projections, MLP, norms, RoPE on one device: before and after attention, not overlapped
  // Ring family: step_compute_s[c * cp + s] is context rank c's attention at ring step s (on the keys of rank
  // (c - s) mod cp, ring and zigzag; on the queries of rank (c - s) mod cp, tokenring).
  std::vector<double> step_compute_s;
  double forward_bytes = 0;   // per step, each device to its successor (K/V; tokenring: queries)
  double backward_bytes = 0;  // tokenring: per step, partial outputs and their row statistics back to the predecessor
  // Ulysses: attention on 1/cp of the heads and all of the sequence, between two all-to-alls.
  double attention_s = 0;
  double a2a_in_bytes = 0, a2a_out_bytes = 0;  // one device's send buffers (Q, K, V in; O out)
  // On-demand fetch (reuse layers): rank c's attention on its own keys, then on the fetched ones.
  bool on_demand = false;
  std::vector<double> local_compute_s, remote_compute_s;  // per context rank
  std::vector<double> fetch_bytes;                        // [c * cp + o]: bytes rank o sends rank c
  std::vector<double> request_bytes;                      // [c * cp + o]: tile ids rank c sends rank o
  // Tensor parallelism: collectives per layer over each context rank's tensor ranks, each of tp_bytes per device.
  std::int64_t tp_collectives = 0;  // all-reduces, or reduce-scatter + all-gather pairs
  TpCollective tp_collective = TpCollective::all_reduce;
  double tp_bytes = 0;
};

// Every layer kind planned (dense too, for the all-dense baseline), from one device's roofline time of each operation
// of a whole-sequence layer, scaled by the share of the work each device does. Contract: the study passed the
// config checks (parallel_problem: devices = cp x tp, prefill for context parallelism).
std::array<ParallelLayerPlan, layer_kinds> plan_parallel(const Study& study);

// One layer's time split: compute on the critical path, link time not hidden under it, and collectives.
struct ParallelLayerTime {
  double time_s = 0;
  double compute_s = 0;       // the busiest device's computation on the critical path
  double exposed_link_s = 0;  // time the critical path waits for K/V, queries or fetched tiles
  double collective_s = 0;    // tensor-parallel collectives, Ulysses' all-to-alls, the selection exchange
  double sent_bytes = 0;      // one device's bytes sent (the most any sends)
  bool link_bound() const { return exposed_link_s + collective_s > compute_s; }
};

// The alpha-beta closed form of a layer plan on an interconnect: ring steps as max(compute, alpha + bytes beta),
// fetches and collectives by collective_time_s.
ParallelLayerTime evaluate_parallel(const ParallelLayerPlan& plan, const InterconnectFigures& net);

struct ParallelPrediction {
  std::int64_t devices = 1, cp = 1, tp = 1;
  std::array<ParallelLayerTime, layer_kinds> layers{};  // one layer of each kind
  LayerCounts counts;
  double time_s = 0;        // the schedule
  double dense_time_s = 0;  // every layer dense, the same parallelism
  double speedup() const { return dense_time_s / time_s; }
};

// Contract: as plan_parallel.
ParallelPrediction predict_parallel(const Study& study);

}  // namespace cascadesim::models
