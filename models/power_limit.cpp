// The clock a power limit leaves a sustained run.
#include "models/power_limit.hpp"

#include <algorithm>

namespace cascadesim::models {

double core_energy_scale(const PowerLimit& power, double clock_scale) {
  const double volts = std::max(0.0, 1.0 + power.voltage_clock_slope * (clock_scale - 1.0));
  return volts * volts;
}

ClockedTime clocked_time(double reference_s, double scaled_s, double clock_scale) {
  // reference = fixed + clocked, scaled = fixed + clocked / s: two equations, two unknowns; a backend whose time
  // does not follow the clock at all (or whose differences are noise) gives clocked 0.
  const double clocked = std::max(0.0, (scaled_s - reference_s) / (1.0 / clock_scale - 1.0));
  const double clocked_s = std::min(clocked, reference_s);
  return {reference_s - clocked_s, clocked_s};
}

SustainedRun run_at_clock(const PowerLimit& power, double reference_clock_GHz, double clock_scale,
                          const ClockedTime& time, const RunEnergy& energy) {
  SustainedRun r;
  r.clock_scale = clock_scale;
  r.clock_GHz = clock_scale * reference_clock_GHz;
  r.time_s = time.at(clock_scale);
  r.energy_J = energy.core_dynamic_J * core_energy_scale(power, clock_scale) + energy.off_chip_dynamic_J +
               energy.static_W * r.time_s;
  r.power_W = r.time_s > 0 ? r.energy_J / r.time_s : energy.static_W;
  return r;
}

SustainedRun sustained_run(const PowerLimit& power, double reference_clock_GHz, const ClockedTime& time,
                           const RunEnergy& energy) {
  if (!power.limited()) return run_at_clock(power, reference_clock_GHz, 1.0, time, energy);
  const double top = power.max_clock_GHz > 0 ? std::max(power.max_clock_GHz / reference_clock_GHz, 1e-3) : 1.0;
  const double floor = std::clamp(power.min_clock_GHz / reference_clock_GHz, 1e-3, top);
  SustainedRun high = run_at_clock(power, reference_clock_GHz, top, time, energy);
  if (high.power_W <= power.limit_W) return high;
  SustainedRun low = run_at_clock(power, reference_clock_GHz, floor, time, energy);
  if (low.power_W >= power.limit_W) {
    low.at_limit = true;  // the floor still draws more than the limit: the board runs there, over it
    return low;
  }
  double lo = floor, hi = top;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (run_at_clock(power, reference_clock_GHz, mid, time, energy).power_W > power.limit_W ? hi : lo) = mid;
  }
  SustainedRun r = run_at_clock(power, reference_clock_GHz, lo, time, energy);
  r.at_limit = true;
  return r;
}

}  // namespace cascadesim::models
