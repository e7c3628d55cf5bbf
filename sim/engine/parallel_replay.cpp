// Collectives and parallel layers as messages on the link calendars.
#include "sim/engine/parallel_replay.hpp"

#include <algorithm>

namespace cascadesim::sim {

using models::Collective;

std::vector<double> replay_all_to_all(hw::Interconnect& net, const std::vector<std::int64_t>& group,
                                      const std::function<double(std::size_t, std::size_t)>& bytes,
                                      const std::vector<double>& ready) {
  const std::size_t p = group.size();
  std::vector<double> at = ready, sent(p), received(p);
  for (std::size_t k = 1; k < p; ++k) {
    for (std::size_t i = 0; i < p; ++i) {
      const std::size_t j = (i + k) % p;
      const double arrival = net.send(group[i], group[j], bytes(i, j), at[i], 0);
      sent[i] = arrival;
      received[j] = arrival;
    }
    for (std::size_t i = 0; i < p; ++i) at[i] = std::max(sent[i], received[i]);
  }
  return at;
}

double replay_collective(hw::Interconnect& net, Collective collective, double bytes,
                         const std::vector<std::int64_t>& group, double start_ns) {
  const std::size_t p = group.size();
  if (p <= 1) return start_ns;
  const double block = bytes / static_cast<double>(p);
  if (collective == Collective::all_to_all) {
    const std::vector<double> done = replay_all_to_all(
        net, group, [block](std::size_t, std::size_t) { return block; }, std::vector<double>(p, start_ns));
    return *std::max_element(done.begin(), done.end());
  }
  if (collective == Collective::send_recv) {
    double done = start_ns;
    for (std::size_t i = 0; i < p; ++i)
      done = std::max(done, net.send(group[i], group[(i + 1) % p], bytes, start_ns, 1));
    return done;
  }
  // Ring algorithms: in every step each member passes one block to its successor, once it has the block from its
  // predecessor's previous step (Patarasuk and Yuan 2009; an all-reduce is a reduce-scatter then an all-gather).
  const std::size_t steps = (collective == Collective::all_reduce ? 2 : 1) * (p - 1);
  std::vector<double> have(p, start_ns), next(p);
  for (std::size_t s = 0; s < steps; ++s) {
    for (std::size_t i = 0; i < p; ++i) next[(i + 1) % p] = net.send(group[i], group[(i + 1) % p], block, have[i], 1);
    have.swap(next);
  }
  return *std::max_element(have.begin(), have.end());
}

namespace {

std::vector<std::int64_t> lane(std::int64_t cp, std::int64_t tp, std::int64_t t) {
  std::vector<std::int64_t> devices;
  for (std::int64_t c = 0; c < cp; ++c) devices.push_back(c * tp + t);
  return devices;
}

// Ring attention (and zig-zag, TokenRing): a rank computes step s once its previous step is done and the block of
// step s has arrived, and forwards each block to its successor as soon as it has it.
double replay_ring(const models::ParallelLayerPlan& plan, hw::Interconnect& net, double start_ns) {
  const std::int64_t P = plan.cp;
  std::vector<std::vector<std::int64_t>> lanes;
  for (std::int64_t t = 0; t < plan.tp; ++t) lanes.push_back(lane(P, plan.tp, t));
  std::vector<std::vector<double>> have(static_cast<std::size_t>(plan.tp), std::vector<double>(P, start_ns));
  std::vector<std::vector<double>> busy = have;
  double done = start_ns;
  for (std::int64_t s = 0; s < P; ++s) {
    for (std::size_t t = 0; t < lanes.size(); ++t) {
      std::vector<double> next(static_cast<std::size_t>(P), start_ns);
      for (std::int64_t c = 0; c < P; ++c) {
        const auto i = static_cast<std::size_t>(c);
        const double begin = std::max(busy[t][i], have[t][i]);
        busy[t][i] = begin + plan.step_compute_s[static_cast<std::size_t>(c * P + s)] * 1e9;
        done = std::max(done, busy[t][i]);
        // Double buffering: the block worked on goes on to the successor while it is computed on, not earlier.
        if (s + 1 < P)
          next[static_cast<std::size_t>((c + 1) % P)] =
              net.send(lanes[t][i], lanes[t][static_cast<std::size_t>((c + 1) % P)], plan.forward_bytes, begin, 1);
        // TokenRing: the step's partial outputs go back towards their queries' owner as soon as they are computed.
        if (plan.backward_bytes > 0)
          done = std::max(done, net.send(lanes[t][i], lanes[t][static_cast<std::size_t>((c - 1 + P) % P)],
                                         plan.backward_bytes, busy[t][i], -1));
      }
      if (s + 1 < P) have[t] = next;
    }
  }
  return done;
}

double replay_on_demand(const models::ParallelLayerPlan& plan, hw::Interconnect& net, double start_ns) {
  const std::int64_t P = plan.cp;
  double done = start_ns;
  for (std::int64_t t = 0; t < plan.tp; ++t) {
    const std::vector<std::int64_t> group = lane(P, plan.tp, t);
    const auto at = [P](std::size_t c, std::size_t o) { return c * static_cast<std::size_t>(P) + o; };
    // The selection exchange: rank i sends rank j the ids of the tiles it needs from j.
    const std::vector<double> asked = replay_all_to_all(
        net, group, [&](std::size_t i, std::size_t j) { return plan.request_bytes[at(i, j)]; },
        std::vector<double>(static_cast<std::size_t>(P), start_ns));
    // The fetch: rank i sends rank j the tiles j asked for.
    const std::vector<double> fetched = replay_all_to_all(
        net, group, [&](std::size_t i, std::size_t j) { return plan.fetch_bytes[at(j, i)]; }, asked);
    for (std::int64_t c = 0; c < P; ++c) {
      const auto i = static_cast<std::size_t>(c);
      const double local_end = start_ns + plan.local_compute_s[i] * 1e9;
      done = std::max(done, std::max(local_end, fetched[i]) + plan.remote_compute_s[i] * 1e9);
    }
  }
  return done;
}

SimulatedParallelLayer replay_layer(const models::ParallelLayerPlan& plan, hw::Interconnect& net) {
  net.reset();
  double t = plan.other_s * 1e9;
  if (!plan.step_compute_s.empty()) {
    t = replay_ring(plan, net, t);
  } else if (plan.on_demand) {
    t = replay_on_demand(plan, net, t);
  } else {
    double end = t;
    for (std::int64_t l = 0; l < plan.tp; ++l) {
      const std::vector<std::int64_t> group = lane(plan.cp, plan.tp, l);
      double a = replay_collective(net, Collective::all_to_all, plan.a2a_in_bytes, group, t) + plan.attention_s * 1e9;
      end = std::max(end, replay_collective(net, Collective::all_to_all, plan.a2a_out_bytes, group, a));
    }
    t = end;
  }
  // Tensor parallelism: every context rank's tensor ranks run their collectives at once.
  for (std::int64_t k = 0; k < plan.tp_collectives; ++k) {
    double end = t;
    for (std::int64_t c = 0; c < plan.cp; ++c) {
      std::vector<std::int64_t> group;
      for (std::int64_t r = 0; r < plan.tp; ++r) group.push_back(c * plan.tp + r);
      if (plan.tp_collective == models::TpCollective::all_reduce) {
        end = std::max(end, replay_collective(net, Collective::all_reduce, plan.tp_bytes, group, t));
      } else {
        const double scattered = replay_collective(net, Collective::reduce_scatter, plan.tp_bytes, group, t);
        end = std::max(end, replay_collective(net, Collective::all_gather, plan.tp_bytes, group, scattered));
      }
    }
    t = end;
  }
  SimulatedParallelLayer out;
  out.time_s = t * 1e-9;
  out.link_wait_s = net.stats()[hw::interconnect_stat::wait_ns] * 1e-9;
  out.sent_bytes = net.stats()[hw::interconnect_stat::sent_bytes];
  return out;
}

}  // namespace

SimulatedParallel simulate_parallel(const models::Study& study, hw::Interconnect& net) {
  const std::array<models::ParallelLayerPlan, models::layer_kinds> plans = models::plan_parallel(study);
  SimulatedParallel out;
  for (std::size_t k = 0; k < models::layer_kinds; ++k) out.layers[k] = replay_layer(plans[k], net);
  const models::LayerCounts counts = study.workload.schedule.layers.empty()
                                         ? models::LayerCounts{study.model.n_layers, 0, 0}
                                         : study.workload.schedule.counts();
  out.time_s = static_cast<double>(counts.dense) * out.layers[0].time_s +
               static_cast<double>(counts.anchor) * out.layers[1].time_s +
               static_cast<double>(counts.reuse) * out.layers[2].time_s;
  out.dense_time_s = static_cast<double>(study.model.n_layers) * out.layers[0].time_s;
  return out;
}

}  // namespace cascadesim::sim

#include "sim/config/study_loader.hpp"

namespace cascadesim::sim {

SimulatedParallel simulate_parallel_loaded(const LoadedStudy& loaded) {
  core::ConfigErrors errors;
  const core::ConfigNode hardware(loaded.hardware_layers, errors);
  std::unique_ptr<hw::Interconnect> net;
  if (hardware.has("interconnect"))
    net = hw::make_component_as<hw::Interconnect>("interconnect", hardware.child("interconnect"));
  else
    hardware.error_at("interconnect", "missing section: a many-device simulation needs the machine's links");
  errors.throw_if_any();
  return simulate_parallel(loaded.study, *net);
}

}  // namespace cascadesim::sim
