// Action counts from the dataflow's costs, and joules from action counts.
#include "models/energy.hpp"

#include "models/layer_costs.hpp"
#include "models/layer_schedule.hpp"

namespace cascadesim::models {

std::string_view to_string(Work work) {
  static constexpr std::array<std::string_view, work_kinds> names{"macs",
                                                                  "vector_ops",
                                                                  "exps",
                                                                  "moved_bytes",
                                                                  "read_bytes",
                                                                  "write_bytes",
                                                                  "offchip_read_bytes",
                                                                  "offchip_write_bytes",
                                                                  "candidates",
                                                                  "requests",
                                                                  "link_bytes",
                                                                  "network_bytes",
                                                                  "host_read_bytes"};
  return names[static_cast<std::size_t>(work)];
}

WorkCounts work_counts(const OpCost& c, bool selection_on_engine) {
  WorkCounts w{};
  auto at = [&w](Work k) -> double& { return w[static_cast<std::size_t>(k)]; };
  at(Work::macs) = c.matrix_flops / 2.0;
  at(Work::exps) = c.exps;
  at(Work::vector_ops) = c.vector_flops - c.exps - (selection_on_engine ? c.select_flops : 0.0);
  at(Work::candidates) = selection_on_engine ? c.select_candidates : 0.0;
  at(Work::moved_bytes) = c.moved_bytes;
  at(Work::read_bytes) = c.moved_bytes - c.written_bytes;
  at(Work::write_bytes) = c.written_bytes;
  // Writes pass the L2 to memory (write-through); reads reach it as far as the L2 does not keep them.
  at(Work::offchip_read_bytes) = c.hbm_bytes - c.written_bytes;
  at(Work::offchip_write_bytes) = c.written_bytes;
  at(Work::requests) = c.requests;
  at(Work::host_read_bytes) = c.host_bytes;
  return w;
}

std::size_t EnergyFigures::action_count() const {
  std::size_t n = 0;
  for (const ComponentFigures& c : components) n += c.actions.size();
  return n;
}

std::vector<double> action_counts(const EnergyFigures& figures, const WorkCounts& work) {
  std::vector<double> counts;
  counts.reserve(figures.action_count());
  for (const ComponentFigures& c : figures.components)
    for (const ActionFigure& a : c.actions) counts.push_back(a.per_work * work[static_cast<std::size_t>(a.work)]);
  return counts;
}

std::size_t EnergyBreakdown::first_action(std::size_t component) const {
  std::size_t first = 0;
  for (std::size_t c = 0; c < component; ++c) first += figures->components[c].actions.size();
  return first;
}

double EnergyBreakdown::action_J(std::size_t action) const {
  std::size_t i = action;
  for (const ComponentFigures& c : figures->components) {
    if (i < c.actions.size()) return counts[action] * c.actions[i].pJ * 1e-12;
    i -= c.actions.size();
  }
  return 0;
}

double EnergyBreakdown::component_dynamic_J(std::size_t component) const {
  const std::size_t first = first_action(component);
  const std::vector<ActionFigure>& actions = figures->components[component].actions;
  double pJ = 0;
  for (std::size_t a = 0; a < actions.size(); ++a) pJ += counts[first + a] * actions[a].pJ;
  return pJ * 1e-12;
}

double EnergyBreakdown::dynamic_J() const {
  if (!available()) return 0;
  double J = 0;
  for (std::size_t c = 0; c < figures->components.size(); ++c) J += component_dynamic_J(c);
  return J;
}

double EnergyBreakdown::off_chip_dynamic_J() const {
  if (!available()) return 0;
  double J = 0;
  for (std::size_t c = 0; c < figures->components.size(); ++c)
    if (figures->components[c].off_chip) J += component_dynamic_J(c);
  return J;
}

RunEnergy run_energy(const EnergyBreakdown& e) {
  const double off_chip = e.off_chip_dynamic_J();
  return {e.dynamic_J() - off_chip, off_chip, e.static_W()};
}

double EnergyBreakdown::component_static_W(std::size_t component) const {
  const ComponentFigures& c = figures->components[component];
  return c.static_W * (c.per_core ? static_cast<double>(cores) : 1.0);
}

double EnergyBreakdown::static_W() const {
  if (!available()) return 0;
  double W = 0;
  for (std::size_t c = 0; c < figures->components.size(); ++c) W += component_static_W(c);
  return W;
}

double EnergyBreakdown::kind_dynamic_J(std::size_t kind) const {
  if (!available() || kind_counts[kind].empty()) return 0;
  double pJ = 0;
  std::size_t i = 0;
  for (const ComponentFigures& c : figures->components)
    for (const ActionFigure& a : c.actions) pJ += kind_counts[kind][i++] * a.pJ;
  return pJ * 1e-12;
}

core::Json energy_to_json(const EnergyBreakdown& e) {
  core::Json j{{"available", e.available()}, {"missing", e.figures ? e.figures->missing : std::vector<std::string>{}}};
  if (!e.available()) return j;
  j["total_J"] = e.total_J();
  j["dynamic_J"] = e.dynamic_J();
  j["static_J"] = e.static_J();
  j["static_W"] = e.static_W();
  j["time_ms"] = e.time_s * 1e3;
  j["edp_Js"] = e.edp_Js();
  core::Json components = core::Json::object();
  std::size_t action = 0;
  for (std::size_t c = 0; c < e.figures->components.size(); ++c) {
    const ComponentFigures& f = e.figures->components[c];
    core::Json actions = core::Json::object();
    for (const ActionFigure& a : f.actions) {
      actions[a.name] = {{"unit", a.unit}, {"count", e.counts[action]}, {"pJ", a.pJ}, {"J", e.action_J(action)}};
      ++action;
    }
    components[f.name] = {{"dynamic_J", e.component_dynamic_J(c)},
                          {"static_W", e.component_static_W(c)},
                          {"static_J", e.component_static_W(c) * e.time_s},
                          {"instances", f.per_core ? e.cores : 1},
                          {"actions", actions}};
  }
  j["components"] = components;
  core::Json kinds = core::Json::object();
  for (std::size_t k = 0; k < layer_kinds; ++k) {
    if (e.kind_layers[k] == 0) continue;
    core::Json dynamic_by_component = core::Json::object();
    for (std::size_t c = 0; c < e.figures->components.size(); ++c) {
      const std::size_t first = e.first_action(c);
      double pJ = 0;
      for (std::size_t a = 0; a < e.figures->components[c].actions.size(); ++a)
        pJ += e.kind_counts[k][first + a] * e.figures->components[c].actions[a].pJ;
      dynamic_by_component[e.figures->components[c].name] = pJ * 1e-12;
    }
    const double total = e.kind_dynamic_J(k) + e.kind_static_J(k);
    kinds[std::string(to_string(static_cast<LayerKind>(k)))] = {{"layers", e.kind_layers[k]},
                                                                {"time_ms", e.kind_time_s[k] * 1e3},
                                                                {"dynamic_J", e.kind_dynamic_J(k)},
                                                                {"static_J", e.kind_static_J(k)},
                                                                {"total_J", total},
                                                                {"per_layer_J", total / e.kind_layers[k]},
                                                                {"dynamic_J_by_component", dynamic_by_component}};
  }
  j["by_layer_kind"] = kinds;
  return j;
}

core::Json sustained_to_json(const SustainedStacks& stacks) {
  auto run = [](const SustainedRun& r) {
    return core::Json{{"clock_GHz", r.clock_GHz},
                      {"time_ms", r.time_s * 1e3},
                      {"power_W", r.power_W},
                      {"energy_J", r.energy_J},
                      {"at_limit", r.at_limit}};
  };
  return {{"power_limit_W", stacks.power_limit_W},
          {"dense", run(stacks.dense)},
          {"schedule", run(stacks.schedule)},
          {"speedup", stacks.speedup()}};
}

EnergyBreakdown analytical_energy(std::shared_ptr<const EnergyFigures> figures, std::int64_t cores,
                                  const std::array<WorkCounts, layer_kinds>& layer_work,
                                  const std::array<double, layer_kinds>& layers,
                                  const std::array<double, layer_kinds>& layer_time_s) {
  EnergyBreakdown e;
  e.figures = std::move(figures);
  e.cores = cores;
  if (!e.figures) return e;
  e.counts.assign(e.figures->action_count(), 0.0);
  for (std::size_t k = 0; k < layer_kinds; ++k) {
    if (layers[k] == 0) continue;
    e.kind_counts[k] = action_counts(*e.figures, layer_work[k]);
    for (double& v : e.kind_counts[k]) v *= layers[k];
    for (std::size_t a = 0; a < e.counts.size(); ++a) e.counts[a] += e.kind_counts[k][a];
    e.kind_layers[k] = layers[k];
    e.kind_time_s[k] = layers[k] * layer_time_s[k];
    e.time_s += e.kind_time_s[k];
  }
  return e;
}

}  // namespace cascadesim::models
