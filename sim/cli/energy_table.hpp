// The energy breakdown as `predict` and `simulate` print it: the dense baseline beside the schedule, per component
// and action (static against dynamic), and per layer kind, so that what the reuse layers save and what anchors
// and selection cost can be read off.
#pragma once

#include <ostream>
#include <string>

#include "models/energy.hpp"

namespace cascadesim::sim {

// Contract: both breakdowns come from the same machine (the same figures). Prints one line saying so when the
// machine has no energy figures.
void write_energy_table(std::ostream& out, const models::EnergyBreakdown& dense,
                        const models::EnergyBreakdown& schedule, const std::string& dense_label,
                        const std::string& schedule_label);

// One row of the dense-beside-schedule tables that `predict` and `simulate` print, and a number in a printf format.
void write_pair_row(std::ostream& out, const char* label, const std::string& dense, const std::string& schedule);
std::string formatted(const char* format, double value);

// Both stacks repeated back to back under the power limit: the clock each settles at, its time, power and energy.
void write_sustained_table(std::ostream& out, const models::SustainedStacks& stacks, const std::string& dense_label,
                           const std::string& schedule_label);

}  // namespace cascadesim::sim
