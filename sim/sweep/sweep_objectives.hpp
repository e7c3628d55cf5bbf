// The figures a sweep records for each point, and what computes each: the analytical model (models::predict,
// exact accounting), the simulator (the dense baseline and the schedule on the hw models), or the hardware config
// itself (the components' area figures), which every backend gives.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace cascadesim::sim::sweep {

enum class Backend { analytical, simulate, both };
std::string_view to_string(Backend backend);

enum class Objective {
  time_ms,            // schedule_model.time.time_s in ms: the scheduled stack on the roofline
  dense_time_ms,      // dense_model.time.time_s in ms: the all-dense stack on the roofline
  speedup,            // end_to_end_speedup: dense over scheduled roofline time
  attention_speedup,  // effective_attention_speedup s
  amdahl_speedup,     // 1 / ((1 - f) + f / s)
  hbm_bytes,          // schedule_model.cost.hbm_bytes: off-chip traffic of the scheduled stack
  cascade_speedup,    // cascade->practical_speedup: full-resolution time over the cascade's expected time
  area_mm2,           // the sum of the hardware components' areas (hw/system/machine_area)
  energy_J,           // schedule_model.energy.total_J(): the scheduled stack's actions priced, static power x time
  edp_Js,             // energy_J x the scheduled stack's roofline time in s
  simulated_time_ms,  // the simulated scheduled stack
  simulated_speedup,  // simulated dense time over simulated scheduled time
  simulated_cascade_speedup,      // simulated full-resolution time over the cascade's expected simulated time
  simulated_sequences_per_s,      // batch / the simulated scheduled stack's time in s
  simulated_energy_J,             // the simulated scheduled stack's energy (its components' counted actions priced)
  simulated_edp_Js,               // simulated_energy_J x the simulated scheduled stack's time in s
  simulated_hbm_bytes,            // off-chip bytes read and written in the simulated scheduled stack
  parallel_time_ms,               // the scheduled stack on every device of /hardware/interconnect (alpha-beta forms)
  parallel_speedup,               // the all-dense stack over the scheduled one, both on every device
  parallel_link_ms,               // the scheduled stack's time waiting on links and collectives beyond its compute
  decode_tokens_per_s,            // decode->tokens_per_s(): the decode steps' tokens over their roofline time
  decode_speedup,                 // dense decode of the full cache over the decode steps, both on the roofline
  simulated_decode_tokens_per_s,  // the same, simulated
  simulated_decode_speedup,       // the same, simulated
};

enum class Source { analytical, simulated, hardware };

struct ObjectiveInfo {
  Objective objective;
  std::string_view name;
  Source source;
  // Listed when a spec names no objectives; the others hold only for some studies and presets (a cascade, area or
  // energy figures) and must be asked for.
  bool by_default;
};

// Every objective, in the order above.
std::span<const ObjectiveInfo> objective_catalog();
const ObjectiveInfo& info(Objective objective);
std::optional<Objective> find_objective(std::string_view name);
// The new name of a time objective from before every record moved to milliseconds (time_s -> time_ms), or nothing.
std::optional<std::string_view> renamed_objective(std::string_view old_name);
bool provides(Backend backend, Objective objective);

}  // namespace cascadesim::sim::sweep
