// The energy table of `predict` and `simulate`.
#include "sim/cli/energy_table.hpp"

#include <cmath>
#include <cstdio>

#include "models/layer_schedule.hpp"

namespace cascadesim::sim {

namespace {

std::string joules(double J) {
  char b[64];
  if (J != 0 && std::abs(J) < 1e-3)
    std::snprintf(b, sizeof b, "%.3f mJ", J * 1e3);
  else
    std::snprintf(b, sizeof b, "%.4f J", J);
  return b;
}

std::string section_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

void write_energy_table(std::ostream& out, const models::EnergyBreakdown& dense,
                        const models::EnergyBreakdown& schedule, const std::string& dense_label,
                        const std::string& schedule_label) {
  char line[512];
  if (!schedule.available()) {
    out << "\nEnergy: the hardware's component sections give no energy figures"
        << (schedule.figures && !schedule.figures->missing.empty()
                ? " (" + section_names(schedule.figures->missing) + ")"
                : std::string())
        << "\n";
    return;
  }
  const models::EnergyFigures& figures = *schedule.figures;
  out << "\nEnergy: dynamic = actions x their energies, static = static power x time (figures: docs/energy.md)\n";
  if (!figures.missing.empty())
    out << "  left out, no energy figures in their sections: " << section_names(figures.missing) << "\n";
  auto row = [&](const std::string& label, const std::string& a, const std::string& b) {
    std::snprintf(line, sizeof line, "%-34s %18s %18s\n", label.c_str(), a.c_str(), b.c_str());
    out << line;
  };
  row("", dense_label, schedule_label);
  row("total energy", joules(dense.total_J()), joules(schedule.total_J()));
  row("  dynamic", joules(dense.dynamic_J()), joules(schedule.dynamic_J()));
  char W[64];
  std::snprintf(W, sizeof W, "  static (%.1f W)", schedule.static_W());
  row(W, joules(dense.static_J()), joules(schedule.static_J()));
  std::snprintf(W, sizeof W, "%.4g J s", dense.edp_Js());
  std::string dense_edp = W;
  std::snprintf(W, sizeof W, "%.4g J s", schedule.edp_Js());
  row("energy-delay product", dense_edp, W);

  out << "\nBy component and action: count (schedule) and energy, dense | schedule\n";
  std::snprintf(line, sizeof line, "%-30s %14s %10s %12s %12s\n", "component action (unit)", "count", "pJ each",
                "dense", "schedule");
  out << line;
  std::size_t action = 0;
  for (std::size_t c = 0; c < figures.components.size(); ++c) {
    const models::ComponentFigures& f = figures.components[c];
    for (const models::ActionFigure& a : f.actions) {
      const std::string label = f.name + " " + a.name + " (" + a.unit + ")";
      std::snprintf(line, sizeof line, "%-30s %14.4g %10.4g %12s %12s\n", label.c_str(), schedule.counts[action], a.pJ,
                    joules(dense.action_J(action)).c_str(), joules(schedule.action_J(action)).c_str());
      out << line;
      ++action;
    }
    const std::string label = f.name + " static";
    std::snprintf(line, sizeof line, "%-30s %14s %10s %12s %12s\n", label.c_str(), "", "",
                  joules(dense.component_static_W(c) * dense.time_s).c_str(),
                  joules(schedule.component_static_W(c) * schedule.time_s).c_str());
    out << line;
  }

  out << "\nBy layer kind (schedule): energy per layer, dynamic + static\n";
  std::snprintf(line, sizeof line, "%-8s %7s %14s %14s %14s %14s\n", "kind", "layers", "dynamic/layer", "static/layer",
                "total/layer", "vs dense layer");
  out << line;
  const auto dense_kind = static_cast<std::size_t>(models::LayerKind::dense);
  auto per_layer = [](const models::EnergyBreakdown& e, std::size_t k) {
    return (e.kind_dynamic_J(k) + e.kind_static_J(k)) / e.kind_layers[k];
  };
  // The dense layer the others compare with: the schedule's own, else the baseline's.
  const double dense_layer_J =
      schedule.kind_layers[dense_kind] > 0 ? per_layer(schedule, dense_kind) : per_layer(dense, dense_kind);
  for (std::size_t k = 0; k < models::layer_kinds; ++k) {
    if (schedule.kind_layers[k] == 0) continue;
    const double n = schedule.kind_layers[k];
    const double total = per_layer(schedule, k);
    std::snprintf(line, sizeof line, "%-8s %7.0f %14s %14s %14s %+13.1f%%\n",
                  std::string(models::to_string(static_cast<models::LayerKind>(k))).c_str(), n,
                  joules(schedule.kind_dynamic_J(k) / n).c_str(), joules(schedule.kind_static_J(k) / n).c_str(),
                  joules(total).c_str(), 100.0 * (total / dense_layer_J - 1.0));
    out << line;
  }
  const auto anchor = static_cast<std::size_t>(models::LayerKind::anchor);
  const auto reuse = static_cast<std::size_t>(models::LayerKind::reuse);
  if (schedule.kind_layers[reuse] > 0)
    out << "The " << schedule.kind_layers[reuse] << " reuse layers save "
        << joules(schedule.kind_layers[reuse] * dense_layer_J - schedule.kind_dynamic_J(reuse) -
                  schedule.kind_static_J(reuse))
        << " against dense layers";
  if (schedule.kind_layers[anchor] > 0)
    out << (schedule.kind_layers[reuse] > 0 ? "; the " : "The ") << schedule.kind_layers[anchor]
        << " anchor layers cost "
        << joules(schedule.kind_dynamic_J(anchor) + schedule.kind_static_J(anchor) -
                  schedule.kind_layers[anchor] * dense_layer_J)
        << " more than dense ones (block maxima, scores written, selection)";
  if (schedule.kind_layers[reuse] > 0 || schedule.kind_layers[anchor] > 0)
    out << "; the schedule saves " << joules(dense.total_J() - schedule.total_J()) << " (" << [&] {
      char b[32];
      std::snprintf(b, sizeof b, "%.1f%%", 100.0 * (1.0 - schedule.total_J() / dense.total_J()));
      return std::string(b);
    }() << ") of the dense stack's energy.\n";
}

void write_pair_row(std::ostream& out, const char* label, const std::string& dense, const std::string& schedule) {
  char line[512];
  std::snprintf(line, sizeof line, "%-34s %18s %18s\n", label, dense.c_str(), schedule.c_str());
  out << line;
}

std::string formatted(const char* format, double value) {
  char b[64];
  std::snprintf(b, sizeof b, format, value);
  return b;
}

void write_sustained_table(std::ostream& out, const models::SustainedStacks& stacks, const std::string& dense_label,
                           const std::string& schedule_label) {
  auto row = [&out](const char* label, const std::string& a, const std::string& b) {
    write_pair_row(out, label, a, b);
  };
  const auto f = formatted;
  auto clock = [&f](const models::SustainedRun& r) {
    return f("%.3f GHz", r.clock_GHz) + (r.at_limit ? " (limit)" : " (top)");
  };
  out << "\nSustained: each run repeated back to back under the " << f("%.0f W", stacks.power_limit_W)
      << " power limit; the clock settles where the power meets it (docs/energy.md)\n";
  row("", dense_label, schedule_label);
  row("clock", clock(stacks.dense), clock(stacks.schedule));
  row("time per run", f("%.3f ms", stacks.dense.time_s * 1e3), f("%.3f ms", stacks.schedule.time_s * 1e3));
  row("board power", f("%.0f W", stacks.dense.power_W), f("%.0f W", stacks.schedule.power_W));
  row("energy per run", joules(stacks.dense.energy_J), joules(stacks.schedule.energy_J));
  out << "Sustained speedup " << f("%.3fx", stacks.speedup()) << "\n";
}

}  // namespace cascadesim::sim
