// Machine area as the sum of its components' areas; the roles come from the component catalog, so a new
// component needs no entry here.
#include "hw/system/machine_area.hpp"

#include <algorithm>

#include "hw/component_registry.hpp"

namespace cascadesim::hw {

MachineArea machine_area(const core::ConfigNode& hardware) {
  MachineArea area;
  for (const ComponentEntry& e : ComponentCatalog::instance().entries()) {
    if (e.role == "example" || !hardware.has(e.role)) continue;
    if (std::find(area.sections.begin(), area.sections.end(), e.role) != area.sections.end()) continue;
    area.sections.push_back(e.role);
    const std::unique_ptr<Component> component = make_component(e.role, hardware.child(e.role));
    const std::optional<ComponentArea> a = component ? component->area() : std::nullopt;
    if (!a) {
      area.missing.push_back(e.role);
      continue;
    }
    (a->per_core ? area.per_core_mm2 : area.shared_mm2) += a->mm2;
  }
  return area;
}

std::string section_list(const std::vector<std::string>& sections) {
  std::string out;
  for (const std::string& s : sections) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace cascadesim::hw
