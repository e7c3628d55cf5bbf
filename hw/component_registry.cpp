// The component catalog and building a component from its config section.
#include "hw/component_registry.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace cascadesim::hw {

ComponentCatalog& ComponentCatalog::instance() {
  static ComponentCatalog catalog;
  return catalog;
}

bool ComponentCatalog::add(ComponentEntry entry) {
  if (find(entry.role, entry.name))
    throw std::logic_error("component " + entry.role + "/" + entry.name + " registered twice");
  // An action counts declared statistics only: a misspelt name would count nothing.
  for (const ActionInfo& a : entry.actions) {
    std::array<std::size_t, 3> indices{};
    for (std::size_t place = 0; place < a.stats.size(); ++place) {
      indices[place] = entry.stats.size();
      if (a.stats[place].empty()) continue;
      for (std::size_t i = 0; i < entry.stats.size(); ++i)
        if (entry.stats[i].name == a.stats[place]) indices[place] = i;
      if (indices[place] == entry.stats.size() || !entry.stats[indices[place]].sums_work)
        throw std::logic_error("component " + entry.role + "/" + entry.name + ": action " + std::string(a.name) +
                               " counts '" + std::string(a.stats[place]) + "', not a statistic that sums work");
    }
    entry.action_stats.push_back(indices);
  }
  // Kept sorted by role, then name: listings, error order and area sums do not depend on link order.
  const auto at = std::upper_bound(entries_.begin(), entries_.end(), entry, [](const auto& a, const auto& b) {
    return std::tie(a.role, a.name) < std::tie(b.role, b.name);
  });
  entries_.insert(at, std::move(entry));
  return true;
}

std::vector<std::string> ComponentCatalog::machine_roles() const {
  std::vector<std::string> roles;
  for (const ComponentEntry& e : entries_)
    if (e.role != "example" && (roles.empty() || roles.back() != e.role)) roles.push_back(e.role);
  return roles;
}

const ComponentEntry* ComponentCatalog::find(std::string_view role, std::string_view name) const {
  for (const ComponentEntry& e : entries_)
    if (e.role == role && e.name == name) return &e;
  return nullptr;
}

std::vector<const ComponentEntry*> ComponentCatalog::role(std::string_view role) const {
  std::vector<const ComponentEntry*> out;
  for (const ComponentEntry& e : entries_)
    if (e.role == role) out.push_back(&e);
  return out;
}

std::unique_ptr<Component> make_component(std::string_view role, const core::ConfigNode& node) {
  std::vector<std::string_view> names;
  for (const ComponentEntry* e : ComponentCatalog::instance().role(role)) names.push_back(e->name);
  const std::optional<std::string> name = core::read_impl_name(node, std::string(role) + " model", names);
  if (!name) return nullptr;
  const ComponentEntry* entry = ComponentCatalog::instance().find(role, *name);
  ComponentEnergy energy;
  std::unique_ptr<Component> component = entry->make(node, energy);
  if (component) component->set_registration(entry, std::move(energy));
  return component;
}

std::vector<double> action_counts(const ComponentEntry& entry, std::span<const double> stat_values) {
  std::vector<double> counts;
  for (std::size_t a = 0; a < entry.actions.size(); ++a) {
    double sum = 0;
    for (std::size_t i : entry.action_stats[a])
      if (i < stat_values.size()) sum += stat_values[i];
    counts.push_back(entry.actions[a].per_stat * sum);
  }
  return counts;
}

}  // namespace cascadesim::hw
