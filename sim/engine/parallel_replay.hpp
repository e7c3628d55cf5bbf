// The simulator's side of many devices: collectives and parallel layer plans (models/parallel.hpp) replayed message
// by message on an interconnect's link calendars, so that messages sharing a link queue behind each other.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "hw/interconnect/interconnect.hpp"
#include "models/parallel.hpp"

namespace cascadesim::sim {

// Runs one collective among group's devices (ring order for the ring algorithms), every device starting at
// start_ns; bytes as models::collective_time_s counts them. Returns when the last device is done.
double replay_collective(hw::Interconnect& net, models::Collective collective, double bytes,
                         const std::vector<std::int64_t>& group, double start_ns);

// Pairwise-exchange all-to-all: in step k member i sends bytes(i, (i + k) mod p) to member (i + k) mod p, and moves
// to step k + 1 once its own send and its receive of step k are done. ready[i]: when member i may start; returns
// when each member has received everything.
std::vector<double> replay_all_to_all(hw::Interconnect& net, const std::vector<std::int64_t>& group,
                                      const std::function<double(std::size_t, std::size_t)>& bytes,
                                      const std::vector<double>& ready);

struct SimulatedParallelLayer {
  double time_s = 0;
  double link_wait_s = 0;  // the interconnect's wait_ns: time lost to contention, over every message
  double sent_bytes = 0;   // bytes every device sent, together
};

struct SimulatedParallel {
  std::array<SimulatedParallelLayer, models::layer_kinds> layers{};
  double time_s = 0;        // the schedule
  double dense_time_s = 0;  // every layer dense
};

// Replays one layer of each kind (every layer of a kind is the same) on a fresh interconnect state each.
// Contract: net has the study's devices (study.hardware.interconnect), the study passed the config checks.
SimulatedParallel simulate_parallel(const models::Study& study, hw::Interconnect& net);

}  // namespace cascadesim::sim

namespace cascadesim::sim {
struct LoadedStudy;
// The study's interconnect built from its hardware section, and the study replayed on it.
SimulatedParallel simulate_parallel_loaded(const LoadedStudy& loaded);
}  // namespace cascadesim::sim
