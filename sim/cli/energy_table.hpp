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

}  // namespace cascadesim::sim
