// Parallel layer plans: each device's share of a layer's work and what it sends, and their alpha-beta closed forms.
#include "models/parallel.hpp"

#include <algorithm>
#include <cmath>

#include "models/layer_costs.hpp"
#include "models/roofline.hpp"

namespace cascadesim::models {

std::string_view to_string(ContextParallel c) {
  switch (c) {
    case ContextParallel::none:
      return "none";
    case ContextParallel::ring:
      return "ring";
    case ContextParallel::zigzag:
      return "zigzag";
    case ContextParallel::tokenring:
      return "tokenring";
    case ContextParallel::ulysses:
      break;
  }
  return "ulysses";
}

std::string_view to_string(KvFetch f) { return f == KvFetch::rotate ? "rotate" : "on_demand"; }
std::string_view to_string(TpCollective c) { return c == TpCollective::all_reduce ? "all_reduce" : "reduce_scatter"; }

namespace {

// The context rank holding key (and query) tile t of T: contiguous shards for ring, else zig-zag's chunks d and
// 2P-1-d of 2P.
struct Shards {
  std::int64_t cp = 1, tiles = 1;
  bool zigzag = false;
  std::int64_t owner(std::int64_t t) const {
    const std::int64_t chunks = zigzag ? 2 * cp : cp;
    const std::int64_t chunk = std::min(chunks - 1, t * chunks / tiles);
    return chunk < cp ? chunk : 2 * cp - 1 - chunk;
  }
};

// Visited blocks by (query rank, key rank), over every head of one sequence, and for on-demand fetch the distinct
// remote (K/V head, tile) pairs each rank reads from each other rank.
struct BlockCounts {
  std::vector<double> blocks;  // [c * cp + o]
  std::vector<double> remote;  // [c * cp + o]
  double total = 0;
};

BlockCounts count_blocks(const TransformerModel& m, const LayerShape& s, const dataflow::PatternSpace& space,
                         const dataflow::AttentionPattern* pattern, const Shards& sh) {
  const std::int64_t cp = sh.cp, T = space.key_tiles;
  BlockCounts b;
  b.blocks.assign(static_cast<std::size_t>(cp * cp), 0.0);
  b.remote.assign(static_cast<std::size_t>(cp * cp), 0.0);
  std::vector<std::int64_t> owner(static_cast<std::size_t>(T));
  for (std::int64_t t = 0; t < T; ++t) owner[static_cast<std::size_t>(t)] = sh.owner(t);
  if (!pattern) {
    // Dense: query tile q sees key tiles [0, visible(q)); prefix[o][t] counts rank o's tiles below t.
    std::vector<double> prefix(static_cast<std::size_t>(cp * (T + 1)), 0.0);
    for (std::int64_t o = 0; o < cp; ++o)
      for (std::int64_t t = 0; t < T; ++t)
        prefix[static_cast<std::size_t>(o * (T + 1) + t + 1)] =
            prefix[static_cast<std::size_t>(o * (T + 1) + t)] + (owner[static_cast<std::size_t>(t)] == o ? 1.0 : 0.0);
    const double heads = static_cast<double>(m.n_heads);
    for (std::int64_t q = 0; q < space.query_tiles; ++q) {
      const std::int64_t c = owner[static_cast<std::size_t>(q)];
      const std::int64_t visible = space.visible(q);
      for (std::int64_t o = 0; o < cp; ++o)
        b.blocks[static_cast<std::size_t>(c * cp + o)] +=
            heads * prefix[static_cast<std::size_t>(o * (T + 1) + visible)];
    }
  } else {
    // Selected tiles: every list, and per rank the distinct remote tiles of each K/V head (a stamp per pair).
    std::vector<std::int64_t> stamp(static_cast<std::size_t>(space.kv_heads * T), -1);
    std::vector<std::int64_t> tiles;
    for (std::int64_t c = 0; c < cp; ++c)
      for (std::int64_t q = 0; q < space.query_tiles; ++q) {
        if (owner[static_cast<std::size_t>(q)] != c) continue;
        for (std::int64_t h = 0; h < space.heads; ++h) {
          pattern->visited_tiles(space, h, q, tiles);
          const std::int64_t kvh = space.kv_head(h);
          for (std::int64_t t : tiles) {
            const std::int64_t o = owner[static_cast<std::size_t>(t)];
            b.blocks[static_cast<std::size_t>(c * cp + o)] += 1;
            std::int64_t& mark = stamp[static_cast<std::size_t>(kvh * T + t)];
            if (o != c && mark != c) {
              mark = c;
              b.remote[static_cast<std::size_t>(c * cp + o)] += 1;
            }
          }
        }
      }
  }
  const double batch = s.batch;
  for (double& v : b.blocks) {
    v *= batch;
    b.total += v;
  }
  for (double& v : b.remote) v *= batch;
  return b;
}

ParallelLayerPlan plan_kind(const Study& st, const LayerShape& s, LayerKind kind) {
  const TransformerModel& m = st.model;
  const ParallelSpec& ps = st.workload.parallel;
  ParallelLayerPlan plan;
  plan.tp = ps.tensor_parallel;
  plan.cp = std::max<std::int64_t>(1, st.hardware.interconnect.devices / plan.tp);
  plan.context = ps.context;
  const double cp = static_cast<double>(plan.cp), tp = static_cast<double>(plan.tp);

  // One device's roofline time of each operation of a whole-sequence layer of this kind.
  const LayerCost cost = layer_cost(m, s, kind, st.hardware);
  double attention_s = 0, gemm_s = 0, norm_s = 0;
  for (std::size_t op = 0; op < op_count; ++op) {
    const double t = roofline_time(cost.ops[op], st.hardware).time_s;
    const Op o = static_cast<Op>(op);
    if (o == Op::attention || o == Op::anchor_scoring)
      attention_s += t;
    else if (o == Op::norm)
      norm_s += t;
    else
      gemm_s += t;
  }
  // Tokens split over the context ranks; weights (and heads) over the tensor ranks. Megatron's all-reduce form
  // keeps the norms whole on every tensor rank; sequence parallelism splits them too.
  plan.other_s = gemm_s / (cp * tp) + norm_s / (cp * (ps.tp_collective == TpCollective::reduce_scatter ? tp : 1.0));
  const double e = bytes_per_element(s.precision.activations);
  const double kv_e = bytes_per_element(s.precision.kv_cache);
  const double local_tokens = s.batch * static_cast<double>(s.query_tokens) / cp;
  if (plan.tp > 1) {
    // Two per layer: after the O projection and after the MLP's down projection (Shoeybi et al. 2019, sec. 3).
    plan.tp_collectives = 2;
    plan.tp_collective = ps.tp_collective;
    plan.tp_bytes = local_tokens * static_cast<double>(m.d_model) * e;
  }
  if (ps.context == ContextParallel::ulysses || plan.cp == 1) {
    plan.attention_s = attention_s / (cp * tp);
    if (plan.cp > 1) {
      plan.a2a_in_bytes =
          local_tokens * (static_cast<double>(m.q_width()) * e + 2.0 * static_cast<double>(m.kv_width()) * kv_e) / tp;
      plan.a2a_out_bytes = local_tokens * static_cast<double>(m.q_width()) * e / tp;
    }
    return plan;
  }

  const dataflow::PatternSpace space = pattern_space(m, s, s.reuse_layers.empty() ? 0 : s.reuse_layers.front().first,
                                                     s.reuse_layers.empty() ? 0 : s.reuse_layers.front().second);
  const bool sparse = kind == LayerKind::reuse;
  const Shards shards{plan.cp, space.key_tiles, ps.context != ContextParallel::ring};
  const BlockCounts b = count_blocks(m, s, space, sparse ? s.pattern.get() : nullptr, shards);
  const double s_per_block = b.total > 0 ? attention_s / b.total / tp : 0.0;
  const std::int64_t P = plan.cp;
  auto at = [P](std::int64_t c, std::int64_t o) { return static_cast<std::size_t>(c * P + o); };

  if (sparse && ps.kv_fetch == KvFetch::on_demand) {
    plan.on_demand = true;
    plan.local_compute_s.assign(static_cast<std::size_t>(P), 0.0);
    plan.remote_compute_s.assign(static_cast<std::size_t>(P), 0.0);
    plan.fetch_bytes.assign(static_cast<std::size_t>(P * P), 0.0);
    plan.request_bytes.assign(static_cast<std::size_t>(P * P), 0.0);
    // One K/V head's K and V of one tile; the tensor ranks fetch their own heads' share.
    const double tile_bytes = 2.0 * static_cast<double>(s.tile_tokens * m.head_dim) * kv_e;
    for (std::int64_t c = 0; c < P; ++c)
      for (std::int64_t o = 0; o < P; ++o) {
        const double t = b.blocks[at(c, o)] * s_per_block;
        (o == c ? plan.local_compute_s : plan.remote_compute_s)[static_cast<std::size_t>(c)] += t;
        plan.fetch_bytes[at(c, o)] = b.remote[at(c, o)] * tile_bytes / tp;
        plan.request_bytes[at(c, o)] = b.remote[at(c, o)] * index_bytes / tp;
      }
    return plan;
  }

  plan.step_compute_s.assign(static_cast<std::size_t>(P * P), 0.0);
  for (std::int64_t c = 0; c < P; ++c)
    for (std::int64_t step = 0; step < P; ++step) {
      const std::int64_t other = ((c - step) % P + P) % P;
      // ring, zigzag: rank c's queries on rank other's keys; tokenring: rank other's queries on rank c's keys.
      const double blocks = ps.context == ContextParallel::tokenring ? b.blocks[at(other, c)] : b.blocks[at(c, other)];
      plan.step_compute_s[at(c, step)] = blocks * s_per_block;
    }
  const double local_keys = local_tokens;
  if (ps.context == ContextParallel::tokenring) {
    plan.forward_bytes = local_tokens * static_cast<double>(m.q_width()) * e / tp;
    // Partial outputs in the activations' type and each row's log-sum-exp in fp32.
    plan.backward_bytes =
        local_tokens * (static_cast<double>(m.q_width()) * e + static_cast<double>(m.n_heads) * 4.0) / tp;
  } else {
    plan.forward_bytes = local_keys * 2.0 * static_cast<double>(m.kv_width()) * kv_e / tp;
  }
  return plan;
}

}  // namespace

std::array<ParallelLayerPlan, layer_kinds> plan_parallel(const Study& study) {
  const LayerShape s = layer_shape(study.workload);
  std::array<ParallelLayerPlan, layer_kinds> out;
  for (std::size_t k = 0; k < layer_kinds; ++k) out[k] = plan_kind(study, s, static_cast<LayerKind>(k));
  return out;
}

ParallelLayerTime evaluate_parallel(const ParallelLayerPlan& plan, const InterconnectFigures& net) {
  ParallelLayerTime t;
  const std::int64_t P = plan.cp;
  const std::int64_t devices = plan.cp * plan.tp;
  if (plan.tp_collectives > 0) {
    const double one = plan.tp_collective == TpCollective::all_reduce
                           ? collective_time_s(Collective::all_reduce, plan.tp_bytes, plan.tp, net)
                           : collective_time_s(Collective::reduce_scatter, plan.tp_bytes, plan.tp, net) +
                                 collective_time_s(Collective::all_gather, plan.tp_bytes, plan.tp, net);
    t.collective_s += static_cast<double>(plan.tp_collectives) * one;
    t.sent_bytes += static_cast<double>(plan.tp_collectives) *
                    (plan.tp_collective == TpCollective::all_reduce
                         ? collective_sent_bytes(Collective::all_reduce, plan.tp_bytes, plan.tp, net)
                         : 2.0 * collective_sent_bytes(Collective::all_gather, plan.tp_bytes, plan.tp, net));
  }
  double attention_s = 0;
  if (!plan.step_compute_s.empty()) {
    const AlphaBeta ab = ring_step(net, devices);
    const double forward_s = ab.alpha_s + plan.forward_bytes * ab.beta_s_per_byte;
    const double backward_s = plan.backward_bytes > 0 ? ab.alpha_s + plan.backward_bytes * ab.beta_s_per_byte : 0.0;
    // Both directions of a link run at once (TokenRing's point).
    const double step_link_s = std::max(forward_s, backward_s);
    for (std::int64_t step = 0; step < P; ++step) {
      double c = 0;
      for (std::int64_t r = 0; r < P; ++r) c = std::max(c, plan.step_compute_s[static_cast<std::size_t>(r * P + step)]);
      t.compute_s += c;
      attention_s += step + 1 < P ? std::max(c, step_link_s) : c;
    }
    // TokenRing's last partial outputs still travel home after the last step.
    attention_s += backward_s;
    t.sent_bytes += static_cast<double>(P - 1) * (plan.forward_bytes + plan.backward_bytes);
  } else if (plan.on_demand) {
    double most_fetch = 0, most_request = 0;
    for (std::int64_t c = 0; c < P; ++c) {
      double in = 0, out = 0, req_in = 0, req_out = 0;
      for (std::int64_t o = 0; o < P; ++o) {
        in += plan.fetch_bytes[static_cast<std::size_t>(c * P + o)];
        out += plan.fetch_bytes[static_cast<std::size_t>(o * P + c)];
        req_out += plan.request_bytes[static_cast<std::size_t>(c * P + o)];
        req_in += plan.request_bytes[static_cast<std::size_t>(o * P + c)];
      }
      most_fetch = std::max({most_fetch, in, out});
      most_request = std::max({most_request, req_in, req_out});
      t.sent_bytes = std::max(t.sent_bytes, out + req_out);
    }
    // An all-to-all whose busiest port sends or receives B bytes: the send buffer of p/(p-1) B.
    const double scale = static_cast<double>(P) / static_cast<double>(P - 1);
    const double request_s = collective_time_s(Collective::all_to_all, most_request * scale, P, net);
    const double fetch_s = collective_time_s(Collective::all_to_all, most_fetch * scale, P, net);
    t.collective_s += request_s;
    // The fetch overlaps the attention on the rank's own keys; the fetched tiles are attended after.
    for (std::int64_t c = 0; c < P; ++c) {
      const double local = plan.local_compute_s[static_cast<std::size_t>(c)];
      const double remote = plan.remote_compute_s[static_cast<std::size_t>(c)];
      const double rank_s = std::max(local, fetch_s) + remote;
      if (rank_s > attention_s) {
        attention_s = rank_s;
        t.compute_s = local + remote;
      }
    }
  } else {
    t.compute_s = plan.attention_s;
    attention_s = plan.attention_s;
    if (P > 1) {
      t.collective_s += collective_time_s(Collective::all_to_all, plan.a2a_in_bytes, P, net) +
                        collective_time_s(Collective::all_to_all, plan.a2a_out_bytes, P, net);
      t.sent_bytes += collective_sent_bytes(Collective::all_to_all, plan.a2a_in_bytes, P, net) +
                      collective_sent_bytes(Collective::all_to_all, plan.a2a_out_bytes, P, net);
    }
  }
  t.exposed_link_s = attention_s - t.compute_s;
  t.compute_s += plan.other_s;
  t.time_s = plan.other_s + attention_s + t.collective_s;
  return t;
}

ParallelPrediction predict_parallel(const Study& study) {
  const std::array<ParallelLayerPlan, layer_kinds> plans = plan_parallel(study);
  ParallelPrediction p;
  p.devices = study.hardware.interconnect.devices;
  p.cp = plans[0].cp;
  p.tp = plans[0].tp;
  for (std::size_t k = 0; k < layer_kinds; ++k) p.layers[k] = evaluate_parallel(plans[k], study.hardware.interconnect);
  p.counts = study.workload.schedule.layers.empty() ? LayerCounts{study.model.n_layers, 0, 0}
                                                    : study.workload.schedule.counts();
  p.time_s = static_cast<double>(p.counts.dense) * p.layers[0].time_s +
             static_cast<double>(p.counts.anchor) * p.layers[1].time_s +
             static_cast<double>(p.counts.reuse) * p.layers[2].time_s;
  p.dense_time_s = static_cast<double>(study.model.n_layers) * p.layers[0].time_s;
  return p;
}

}  // namespace cascadesim::models
