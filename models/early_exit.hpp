// Early exit over layers: an exit distribution gives an average depth and a speedup (seed 004).
#pragma once

#include <array>
#include <cstdint>

#include "models/layer_schedule.hpp"
#include "models/workload.hpp"

namespace cascadesim::models {

// Seed 004: p = sum over exits of fraction * after_layer / n_layers (50% at 3 of 12, 50% at 12: 0.625).
double average_depth_fraction(const EarlyExitSpec& spec, std::int64_t n_layers);

// Expected cost of one input when layer i costs cost_by_kind[kind(i)] and each exit ramp passed costs
// head_cost: sum over exits e of fraction_e * (sum of layer costs up to after_e + ramps up to e * head_cost).
// An empty schedule means all layers dense. One pass over the layers; no allocation.
double expected_early_exit_cost(const EarlyExitSpec& spec, const LayerSchedule& schedule, std::int64_t n_layers,
                                const std::array<double, 3>& cost_by_kind, double head_cost);

}  // namespace cascadesim::models
