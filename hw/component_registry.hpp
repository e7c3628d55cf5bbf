// Components register themselves by role and name (Ramulator 2 style); the config's "impl" key picks one.
// The registry also carries each component's parameters and statistics for `cascadesim describe`.
#pragma once

#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config_node.hpp"
#include "core/field.hpp"
#include "core/registry.hpp"
#include "core/stats.hpp"

namespace cascadesim::hw {

// The silicon area of one component instance, from the area figures of its own config section.
struct ComponentArea {
  double mm2 = 0;
  bool per_core = false;  // true: every core has one (matrix, vector and top-k units, DMA engines)
};

// An area figure a config section does not give: the default of every area field.
inline constexpr double no_area_figure = std::numeric_limits<double>::quiet_NaN();

// mm2_per_unit x units, or nothing when the section gives no figure (mm2_per_unit is no_area_figure).
inline std::optional<ComponentArea> scaled_area(double mm2_per_unit, double units, bool per_core) {
  if (std::isnan(mm2_per_unit)) return std::nullopt;
  return ComponentArea{mm2_per_unit * units, per_core};
}

// Every component a registry can build derives from this, so the catalog can hand out any role.
class Component {
 public:
  virtual ~Component() = default;
  virtual const core::StatSet& stats() const = 0;
  // Contract: forgets all timing, queue, cache and statistics state, as between two runs.
  virtual void reset() = 0;
  // Contract: the area of one instance, in mm^2, from its config section's area figures; nothing when the
  // section gives none (presets that cite no area figures).
  virtual std::optional<ComponentArea> area() const { return std::nullopt; }
};

struct ComponentEntry {
  std::string role;  // memory, l2, matrix_unit, vector_unit, topk, noc, example, ...
  std::string name;  // the value of "impl"
  std::string doc;
  std::vector<core::ParamInfo> params;
  std::vector<core::StatInfo> stats;
  // Builds the component from its config section; reads through node (errors go to node.errors()).
  std::function<std::unique_ptr<Component>(const core::ConfigNode& node)> make;
};

class ComponentCatalog {
 public:
  static ComponentCatalog& instance();
  // Contract: (role, name) unique; called from static initialisers by CASCADESIM_REGISTER_COMPONENT. Entries are
  // kept sorted by role, then name.
  bool add(ComponentEntry entry);
  const ComponentEntry* find(std::string_view role, std::string_view name) const;
  std::vector<const ComponentEntry*> role(std::string_view role) const;
  const std::vector<ComponentEntry>& entries() const { return entries_; }
  // The roles a hardware config may hold as sections ({"impl": ..., ...}), sorted; the template role "example" is
  // not one.
  std::vector<std::string> machine_roles() const;

 private:
  std::vector<ComponentEntry> entries_;
};

// Builds the component named by node's "impl" for a role; reports an unknown or missing impl with the list
// of registered names. Returns nullptr after recording an error.
std::unique_ptr<Component> make_component(std::string_view role, const core::ConfigNode& node);

// A component built from its config section as a given interface, or nullptr after recording an error
// (also when the registered impl does not implement Interface).
template <class Interface>
std::unique_ptr<Interface> make_component_as(std::string_view role, const core::ConfigNode& node) {
  std::unique_ptr<Component> c = make_component(role, node);
  if (!c) return nullptr;
  if (auto* typed = dynamic_cast<Interface*>(c.get())) {
    c.release();
    return std::unique_ptr<Interface>(typed);
  }
  node.error_at("impl", "registered model does not implement the " + std::string(role) + " interface");
  return nullptr;
}

// The one registration line after a component's class. factory(const Config&, const ConfigNode&) builds it
// and may report cross-field errors through node (returning nullptr); it is called only when every field read
// cleanly. fields is a constexpr field table (core/field.hpp); a table with an entry lacking its key or target,
// or a key twice, does not compile:
//   CASCADESIM_REGISTER_COMPONENT(hbm, "memory", "hbm", "doc", HbmConfig, hbm_fields, hbm_stats, make_hbm)
#define CASCADESIM_REGISTER_COMPONENT(id, role_name, impl_name, doc_text, Config, fields, stat_table, factory)      \
  static_assert(::cascadesim::core::fields_declared<Config>(fields),                                                \
                #fields ": every field needs a key and a target, and no key may appear twice");                     \
  namespace {                                                                                                       \
  const bool registered_##id = ::cascadesim::hw::ComponentCatalog::instance().add(::cascadesim::hw::ComponentEntry{ \
      role_name, impl_name, doc_text, ::cascadesim::core::describe_fields<Config>(fields),                          \
      std::vector<::cascadesim::core::StatInfo>(std::begin(stat_table), std::end(stat_table)),                      \
      [](const ::cascadesim::core::ConfigNode& node) -> std::unique_ptr<::cascadesim::hw::Component> {              \
        const std::size_t before = node.errors().size();                                                            \
        const Config config = ::cascadesim::core::read_impl_config<Config>(node, fields);                           \
        if (node.errors().size() != before) return nullptr;                                                         \
        return factory(config, node);                                                                               \
      }});                                                                                                          \
  }

}  // namespace cascadesim::hw
