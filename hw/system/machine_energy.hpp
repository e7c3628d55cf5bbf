// A machine's energy figures: every component section's action energies and static power, from the component
// catalog's action tables, so a new component needs no entry here (models/energy.hpp prices the counts).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_node.hpp"
#include "hw/component_registry.hpp"
#include "models/energy.hpp"

namespace cascadesim::hw {

// Builds the component of every registered role that hardware has a section for and takes its figures; a section
// lacking any of them is listed as missing. Errors in a section are recorded in hardware.errors() (that section
// then counts as missing).
models::EnergyFigures energy_figures(const core::ConfigNode& hardware);

// Whether key is an energy figure of some registered implementation of role: an action's energy or static_W.
bool energy_field(std::string_view role, std::string_view key);

// One component's figures under the name of its section, or nothing when its section lacks any.
std::optional<models::ComponentFigures> component_figures(const std::string& section, const Component& component);

}  // namespace cascadesim::hw
