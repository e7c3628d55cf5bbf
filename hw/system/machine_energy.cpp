// A machine's energy figures from its component sections.
#include "hw/system/machine_energy.hpp"

#include <algorithm>
#include <cmath>

namespace cascadesim::hw {

std::optional<models::ComponentFigures> component_figures(const std::string& section, const Component& component) {
  const ComponentEntry* entry = component.entry();
  const ComponentEnergy& energy = component.energy();
  if (!entry || std::isnan(energy.static_W)) return std::nullopt;
  // The off-chip memory role is DRAM on its own supply and clock: the core's voltage does not scale its energy.
  models::ComponentFigures c{section, energy.static_W, component.per_core(), section == "memory", {}};
  for (std::size_t a = 0; a < entry->actions.size(); ++a) {
    const ActionInfo& info = entry->actions[a];
    if (std::isnan(energy.action_pJ[a])) return std::nullopt;
    c.actions.push_back(models::ActionFigure{std::string(info.name), std::string(info.unit), energy.action_pJ[a],
                                             info.work, info.per_stat, std::string(info.energy_key)});
  }
  return c;
}

bool energy_field(std::string_view role, std::string_view key) {
  if (key == static_power_key) return !ComponentCatalog::instance().role(role).empty();
  for (const ComponentEntry* e : ComponentCatalog::instance().role(role))
    for (const ActionInfo& a : e->actions)
      if (a.energy_key == key) return true;
  return false;
}

models::EnergyFigures energy_figures(const core::ConfigNode& hardware) {
  models::EnergyFigures figures;
  for (const std::string& role : ComponentCatalog::instance().machine_roles()) {
    if (!hardware.has(role)) continue;
    const std::unique_ptr<Component> component = make_component(role, hardware.child(role));
    std::optional<models::ComponentFigures> c = component ? component_figures(role, *component) : std::nullopt;
    if (!c) {
      figures.missing.push_back(role);
      continue;
    }
    for (const models::ActionFigure& a : c->actions)
      if (a.work == models::Work::candidates) figures.selection_on_engine = true;
    figures.components.push_back(std::move(*c));
  }
  return figures;
}

}  // namespace cascadesim::hw
