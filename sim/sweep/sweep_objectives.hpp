// The figures a sweep records for each point, and which backend computes each: the analytical model
// (models::predict, exact accounting) or the simulator (the dense baseline and the schedule on the hw models).
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace cascadesim::sim::sweep {

enum class Backend { analytical, simulate, both };
std::string_view to_string(Backend backend);

enum class Objective {
  time_s,             // schedule_model.time.total_s: the scheduled stack on the roofline
  dense_time_s,       // dense_model.time.total_s: the all-dense stack on the roofline
  speedup,            // end_to_end_speedup: dense over scheduled roofline time
  attention_speedup,  // effective_attention_speedup s
  amdahl_speedup,     // 1 / ((1 - f) + f / s)
  hbm_bytes,          // schedule_model.cost.hbm_bytes: off-chip traffic of the scheduled stack
  simulated_time_s,   // the simulated scheduled stack
  simulated_speedup,  // simulated dense time over simulated scheduled time
};

struct ObjectiveInfo {
  Objective objective;
  std::string_view name;
  bool simulated;  // computed by the simulate backend (else by the analytical one)
};

// Every objective, in the order above.
std::span<const ObjectiveInfo> objective_catalog();
const ObjectiveInfo& info(Objective objective);
std::optional<Objective> find_objective(std::string_view name);
bool provides(Backend backend, Objective objective);

}  // namespace cascadesim::sim::sweep
