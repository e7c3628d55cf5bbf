// The silicon area of a machine: the sum over the component sections of its hardware config of each component's
// own area (ComponentArea, from that section's area figures), per-core components once per core.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config_node.hpp"

namespace cascadesim::hw {

struct MachineArea {
  double shared_mm2 = 0;              // components the cores share: off-chip memory interface, L2, interconnect
  double per_core_mm2 = 0;            // the components of one core
  std::vector<std::string> sections;  // the component sections found, in catalog order
  std::vector<std::string> missing;   // those whose section gives no area figures
  bool complete() const { return !sections.empty() && missing.empty(); }
  double total_mm2(std::int64_t cores) const { return shared_mm2 + per_core_mm2 * static_cast<double>(cores); }
};

// Builds the component of every registered role that hardware has a section for and adds up their areas. Errors in
// a section are recorded in hardware.errors() (that section then counts as missing).
MachineArea machine_area(const core::ConfigNode& hardware);

// "memory, l2, noc" for messages.
std::string section_list(const std::vector<std::string>& sections);

}  // namespace cascadesim::hw
