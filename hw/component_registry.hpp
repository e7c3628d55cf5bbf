// Components register themselves by role and name (Ramulator 2 style); the config's "impl" key picks one.
// The registry also carries each component's parameters and statistics for `cascadesim describe`.
#pragma once

#include <array>
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
#include "models/energy.hpp"

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

// An energy figure a config section does not give: the default of every energy field.
inline constexpr double no_energy_figure = std::numeric_limits<double>::quiet_NaN();

// The key of the static-power field every component's field table declares (W per instance).
inline constexpr std::string_view static_power_key = "static_W";

// One kind of work a component does whose energy its section gives (Accelergy's "action"), declared once beside
// its statistics: the simulator counts it from those statistics, the analytical model from the dataflow's counts
// of the same work (models::Work).
struct ActionInfo {
  std::string_view name;                    // "mac", "read", "candidate"
  std::string_view unit;                    // what one action is: "MAC", "bit", "byte", "candidate", "request"
  std::string_view energy_key;              // the section's field giving its energy in pJ per action
  std::array<std::string_view, 3> stats{};  // the statistics whose sum counts it ("" for unused places)
  double per_stat = 1;                      // actions per unit of those statistics (8 bits per byte)
  models::Work work = models::Work::macs;   // the analytical model's count of it, in the statistics' units
  std::string_view doc;
};

// The field of an action's energy (pJ per action) or of the static power (W), as every component's table declares
// them: non-negative, and NaN (no figure) unless the section gives one.
template <class S>
constexpr core::Field<S> energy_field(std::string_view key, std::string_view doc, double S::*target) {
  return core::Field<S>{
      .key = key, .unit = key == static_power_key ? "W" : "pJ", .doc = doc, .min = 0, .max = 1e6, .target = target};
}
inline constexpr std::string_view per_core_static_power =
    "static power of one core's unit (leakage, clocking) while the machine runs; static energy = it x cores x time";

// A component's energy figures as its section gives them, in the order of its action table; NaN where the section
// gives none.
struct ComponentEnergy {
  std::vector<double> action_pJ;
  double static_W = no_energy_figure;
};

struct ComponentEntry;

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
  // Contract: true when every core has one instance (matrix, vector and top-k units, DMA engines), false for what
  // the cores share. Per role: the role's interface answers.
  virtual bool per_core() const { return false; }

  // The registered entry it was built from (its actions) and its section's energy figures; set by the catalog.
  const ComponentEntry* entry() const { return entry_; }
  const ComponentEnergy& energy() const { return energy_; }
  void set_registration(const ComponentEntry* entry, ComponentEnergy energy) {
    entry_ = entry;
    energy_ = std::move(energy);
  }

 private:
  const ComponentEntry* entry_ = nullptr;
  ComponentEnergy energy_;
};

struct ComponentEntry {
  std::string role;  // memory, l2, matrix_unit, vector_unit, topk, noc, example, ...
  std::string name;  // the value of "impl"
  std::string doc;
  std::vector<core::ParamInfo> params;
  std::vector<core::StatInfo> stats;
  std::vector<ActionInfo> actions;
  // Builds the component from its config section; reads through node (errors go to node.errors()). The catalog
  // then sets its registration (make_component).
  std::function<std::unique_ptr<Component>(const core::ConfigNode& node, ComponentEnergy& energy)> make;
  // Per action, the indices of its statistics (stats.size() for unused places); filled by the catalog.
  std::vector<std::array<std::size_t, 3>> action_stats;
};

// The counts of a component's actions, in the order of its entry's action table, from statistics values in the
// order of its stat table.
std::vector<double> action_counts(const ComponentEntry& entry, std::span<const double> stat_values);

// Whether a field table declares a number field for every action's energy and the static power, so that a
// registration whose actions name a missing field does not compile.
template <class S>
constexpr bool energy_fields_declared(std::span<const core::Field<S>> fields, std::span<const ActionInfo> actions) {
  auto number_field = [&fields](std::string_view key) {
    for (const core::Field<S>& f : fields)
      if (f.key == key) return std::holds_alternative<double S::*>(f.target);
    return false;
  };
  if (!number_field(static_power_key)) return false;
  for (const ActionInfo& a : actions)
    if (!number_field(a.energy_key)) return false;
  return true;
}

// The energy figures of a config struct: its actions' energy fields and its static power.
template <class S>
ComponentEnergy read_energy(std::span<const core::Field<S>> fields, std::span<const ActionInfo> actions,
                            const S& config) {
  auto value = [&](std::string_view key) {
    for (const core::Field<S>& f : fields)
      if (f.key == key) return config.*std::get<double S::*>(f.target);
    return no_energy_figure;
  };
  ComponentEnergy e;
  for (const ActionInfo& a : actions) e.action_pJ.push_back(value(a.energy_key));
  e.static_W = value(static_power_key);
  return e;
}

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
// or a key twice, does not compile; nor does an action table (constexpr ActionInfo[]) naming an energy field the
// table lacks, or a table without static_W. The catalog checks that the actions' statistics exist:
//   CASCADESIM_REGISTER_COMPONENT(hbm, "memory", "hbm", "doc", HbmConfig, hbm_fields, hbm_stats, hbm_actions,
//                                 make_hbm)
#define CASCADESIM_REGISTER_COMPONENT(id, role_name, impl_name, doc_text, Config, fields, stat_table, action_table, \
                                      factory)                                                                      \
  static_assert(::cascadesim::core::fields_declared<Config>(fields),                                                \
                #fields ": every field needs a key and a target, and no key may appear twice");                     \
  static_assert(::cascadesim::hw::energy_fields_declared<Config>(fields, action_table),                             \
                #fields ": every action of " #action_table " needs its energy field, and static_W must be one");    \
  namespace {                                                                                                       \
  const bool registered_##id = ::cascadesim::hw::ComponentCatalog::instance().add(::cascadesim::hw::ComponentEntry{ \
      role_name,                                                                                                    \
      impl_name,                                                                                                    \
      doc_text,                                                                                                     \
      ::cascadesim::core::describe_fields<Config>(fields),                                                          \
      std::vector<::cascadesim::core::StatInfo>(std::begin(stat_table), std::end(stat_table)),                      \
      std::vector<::cascadesim::hw::ActionInfo>(std::begin(action_table), std::end(action_table)),                  \
      [](const ::cascadesim::core::ConfigNode& node,                                                                \
         ::cascadesim::hw::ComponentEnergy& energy) -> std::unique_ptr<::cascadesim::hw::Component> {               \
        const std::size_t before = node.errors().size();                                                            \
        const Config config = ::cascadesim::core::read_impl_config<Config>(node, fields);                           \
        if (node.errors().size() != before) return nullptr;                                                         \
        energy = ::cascadesim::hw::read_energy<Config>(fields, action_table, config);                               \
        return factory(config, node);                                                                               \
      },                                                                                                            \
      {}});                                                                                                         \
  }

}  // namespace cascadesim::hw
