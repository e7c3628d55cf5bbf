// The objective catalogue.
#include "sim/sweep/sweep_objectives.hpp"

#include <array>
#include <string>

namespace cascadesim::sim::sweep {

namespace {
constexpr std::array<ObjectiveInfo, 24> catalog{{
    {Objective::time_ms, "time_ms", Source::analytical, true},
    {Objective::dense_time_ms, "dense_time_ms", Source::analytical, true},
    {Objective::speedup, "speedup", Source::analytical, true},
    {Objective::attention_speedup, "attention_speedup", Source::analytical, true},
    {Objective::amdahl_speedup, "amdahl_speedup", Source::analytical, true},
    {Objective::hbm_bytes, "hbm_bytes", Source::analytical, true},
    {Objective::cascade_speedup, "cascade_speedup", Source::analytical, false},
    {Objective::area_mm2, "area_mm2", Source::hardware, false},
    {Objective::energy_J, "energy_J", Source::analytical, false},
    {Objective::edp_Js, "edp_Js", Source::analytical, false},
    {Objective::simulated_time_ms, "simulated_time_ms", Source::simulated, true},
    {Objective::simulated_speedup, "simulated_speedup", Source::simulated, true},
    {Objective::simulated_cascade_speedup, "simulated_cascade_speedup", Source::simulated, false},
    {Objective::simulated_sequences_per_s, "simulated_sequences_per_s", Source::simulated, false},
    {Objective::simulated_energy_J, "simulated_energy_J", Source::simulated, false},
    {Objective::simulated_edp_Js, "simulated_edp_Js", Source::simulated, false},
    {Objective::simulated_hbm_bytes, "simulated_hbm_bytes", Source::simulated, true},
    {Objective::parallel_time_ms, "parallel_time_ms", Source::analytical, false},
    {Objective::parallel_speedup, "parallel_speedup", Source::analytical, false},
    {Objective::parallel_link_ms, "parallel_link_ms", Source::analytical, false},
    {Objective::decode_tokens_per_s, "decode_tokens_per_s", Source::analytical, false},
    {Objective::decode_speedup, "decode_speedup", Source::analytical, false},
    {Objective::simulated_decode_tokens_per_s, "simulated_decode_tokens_per_s", Source::simulated, false},
    {Objective::simulated_decode_speedup, "simulated_decode_speedup", Source::simulated, false},
}};
}  // namespace

std::string_view to_string(Backend backend) {
  switch (backend) {
    case Backend::analytical:
      return "analytical";
    case Backend::simulate:
      return "simulate";
    case Backend::both:
      break;
  }
  return "both";
}

std::span<const ObjectiveInfo> objective_catalog() { return catalog; }

const ObjectiveInfo& info(Objective objective) { return catalog[static_cast<std::size_t>(objective)]; }

std::optional<Objective> find_objective(std::string_view name) {
  for (const ObjectiveInfo& i : catalog)
    if (i.name == name) return i.objective;
  return std::nullopt;
}

std::optional<std::string_view> renamed_objective(std::string_view old_name) {
  // Every time objective moved from seconds to milliseconds: <name>_s is now <name>_ms.
  if (!old_name.ends_with("time_s")) return std::nullopt;
  const std::string now = std::string(old_name.substr(0, old_name.size() - 2)) + "_ms";
  if (const auto o = find_objective(now)) return info(*o).name;
  return std::nullopt;
}

bool provides(Backend backend, Objective objective) {
  const Source source = info(objective).source;
  if (backend == Backend::both || source == Source::hardware) return true;
  return (source == Source::simulated) == (backend == Backend::simulate);
}

}  // namespace cascadesim::sim::sweep
