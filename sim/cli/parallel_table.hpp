// The many-device block of predict and simulate: per layer kind, compute against link time, and the stack's time.
#pragma once

#include <ostream>

#include "core/config_node.hpp"
#include "models/parallel.hpp"
#include "sim/engine/parallel_replay.hpp"

namespace cascadesim::sim {

// Whether a study runs on several devices (its machine has an interconnect of more than one device).
bool runs_parallel(const models::Study& study);

// The "parallel" object of predict's and simulate's JSON; simulated may be null (predict).
core::Json parallel_to_json(const models::Study& study, const models::ParallelPrediction& p,
                            const SimulatedParallel* simulated);
void write_parallel_table(std::ostream& out, const models::Study& study, const models::ParallelPrediction& p,
                          const SimulatedParallel* simulated);

}  // namespace cascadesim::sim
