// The objective catalogue.
#include "sim/sweep/sweep_objectives.hpp"

#include <array>

namespace cascadesim::sim::sweep {

namespace {
constexpr std::array<ObjectiveInfo, 8> catalog{{
    {Objective::time_s, "time_s", false},
    {Objective::dense_time_s, "dense_time_s", false},
    {Objective::speedup, "speedup", false},
    {Objective::attention_speedup, "attention_speedup", false},
    {Objective::amdahl_speedup, "amdahl_speedup", false},
    {Objective::hbm_bytes, "hbm_bytes", false},
    {Objective::simulated_time_s, "simulated_time_s", true},
    {Objective::simulated_speedup, "simulated_speedup", true},
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

bool provides(Backend backend, Objective objective) {
  if (backend == Backend::both) return true;
  return info(objective).simulated == (backend == Backend::simulate);
}

}  // namespace cascadesim::sim::sweep
