// Energy as Accelergy counts it: each component's actions (a MAC, a byte read, a candidate ranked) times their
// energies, plus each component's static power over the run's time. The component sections give the figures
// (hw/component_registry.hpp: ActionInfo); the simulator counts actions from its components' statistics and the
// analytical model from the dataflow's counts (OpCost), both in the vocabulary of Work.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_node.hpp"
#include "models/power_limit.hpp"

namespace cascadesim::models {

struct OpCost;

// What an action counts, as both backends count it. Bytes "moved" are what the cores ask of the on-chip
// hierarchy (every tile load, before any cache); "offchip" bytes are what reaches off-chip memory.
enum class Work : std::uint8_t {
  macs,                 // matrix-unit multiply-accumulates
  vector_ops,           // elementwise operations other than exponentials
  exps,                 // exponentials (special-function unit)
  moved_bytes,          // bytes the cores read and write through the interconnect
  read_bytes,           // of those, read
  write_bytes,          // of those, written
  offchip_read_bytes,   // bytes read from off-chip memory (after the L2 keeps what it can)
  offchip_write_bytes,  // bytes written to off-chip memory
  candidates,           // scores a top-k engine ranks
  requests,             // DMA requests (descriptors) issued
  link_bytes,           // bytes devices send each other within a node (NVLink, PCIe), per hop
  network_bytes,        // bytes devices send each other between nodes (InfiniBand)
  host_read_bytes,      // K/V bytes read from the host-memory tier over its link
};
inline constexpr std::size_t work_kinds = 13;
std::string_view to_string(Work work);

using WorkCounts = std::array<double, work_kinds>;

// The analytical counts of a cost. Selection compares go to the top-k engine's candidates when the machine has
// one (as the engine runs them there), to the vector unit's operations otherwise.
WorkCounts work_counts(const OpCost& cost, bool selection_on_engine);

struct ActionFigure {
  std::string name;  // "mac", "read", "candidate"
  std::string unit;  // what one action is: "MAC", "bit", "byte", "candidate", "request"
  double pJ = 0;     // energy of one action
  Work work = Work::macs;
  double per_work = 1;  // actions per unit of work counted (8 bits per byte)
  std::string key;      // the section's field giving pJ ("mac_pJ"), which calibrate rewrites
};

struct ComponentFigures {
  std::string name;       // its config section ("memory", "l2", "topk", ...)
  double static_W = 0;    // leakage and clocking of one instance while the machine runs
  bool per_core = false;  // one instance per core (matrix, vector and top-k units, DMA engines)
  bool off_chip = false;  // its own supply and clock (off-chip memory): the core's voltage does not scale it
  std::vector<ActionFigure> actions;
};

// A machine's energy figures, from its component sections.
struct EnergyFigures {
  std::vector<ComponentFigures> components;  // the sections giving every figure of theirs
  std::vector<std::string> missing;          // sections giving none or only some: left out of every sum
  bool selection_on_engine = false;          // a section's action counts candidates (a top-k engine)
  bool complete() const { return !components.empty() && missing.empty(); }
  std::size_t action_count() const;
};

inline constexpr std::size_t layer_kinds = 3;  // LayerKind: dense, anchor, reuse

// The energy of one run (a stack of layers, predicted or simulated): the action counts of every component, the
// run's time, and both per layer kind. Joules are derived from the counts, so a fit of measured energy can take
// the counts as its regressors (docs/energy.md).
struct EnergyBreakdown {
  std::shared_ptr<const EnergyFigures> figures;
  std::int64_t cores = 1;
  std::vector<double> counts;  // per action, the components' actions in figures order, one after another
  double time_s = 0;
  std::array<std::vector<double>, layer_kinds> kind_counts;
  std::array<double, layer_kinds> kind_time_s{};
  std::array<double, layer_kinds> kind_layers{};

  bool available() const { return figures && !figures->components.empty(); }
  double action_J(std::size_t action) const;
  double dynamic_J() const;
  double static_W() const;  // every instance of every component with figures
  double static_J() const { return static_W() * time_s; }
  double total_J() const { return dynamic_J() + static_J(); }
  double edp_Js() const { return total_J() * time_s; }
  double component_static_W(std::size_t component) const;
  // The first action of component c in counts.
  std::size_t first_action(std::size_t component) const;
  double component_dynamic_J(std::size_t component) const;
  double off_chip_dynamic_J() const;
  double kind_dynamic_J(std::size_t kind) const;
  double kind_static_J(std::size_t kind) const { return static_W() * kind_time_s[kind]; }
};

// The analytical breakdown of a stack: per layer kind, one layer's cost, the layers of that kind, and one layer's
// time.
EnergyBreakdown analytical_energy(std::shared_ptr<const EnergyFigures> figures, std::int64_t cores,
                                  const std::array<WorkCounts, layer_kinds>& layer_work,
                                  const std::array<double, layer_kinds>& layers,
                                  const std::array<double, layer_kinds>& layer_time_s);

// The one energy block of every result (predict, simulate, reports; docs/results.md): totals, static against
// dynamic, per component and action (with the counts, for fits of measured energy), and per layer kind.
core::Json energy_to_json(const EnergyBreakdown& energy);

// The run's energy as the power limit's model takes it (models/power_limit.hpp).
RunEnergy run_energy(const EnergyBreakdown& energy);

// The sustained block of predict's and simulate's results (docs/results.md).
core::Json sustained_to_json(const SustainedStacks& stacks);

// The action counts of work, in figures order.
std::vector<double> action_counts(const EnergyFigures& figures, const WorkCounts& work);

}  // namespace cascadesim::models
