// A board under a power limit: under sustained load a GPU's power manager lowers the core clock (and with it the
// supply voltage) until the board's power meets its limit, and boosts it up to its highest clock where the power
// stays below (NVIDIA's power capping; measured on the H100 in reports/measured/h100-fa3/run23_6c63b10: 37 of 46
// validation cases at the 700 W cap, SM clock 1575-1890 MHz). docs/energy.md derives the model.
#pragma once

namespace cascadesim::models {

// The machine's power management, from the hardware config's top level (limit_W 0: none; every clock then stays at
// the reference clock, clock_GHz).
struct PowerLimit {
  double limit_W = 0;
  double max_clock_GHz = 0;  // the highest boost clock (0: the reference clock)
  double min_clock_GHz = 0;  // the lowest clock the manager lowers to (0: no floor)
  // Relative supply-voltage change per relative clock change along the DVFS curve near the reference clock:
  // V / V_ref = 1 + voltage_clock_slope x (f / f_ref - 1). The core's switching energy per action scales with V^2
  // (CMOS dynamic energy C V^2); off-chip memory has its own supply and clock.
  double voltage_clock_slope = 1;
  bool limited() const { return limit_W > 0; }
};

// The factor by which the core's dynamic energy per action changes at clock_scale = f / f_ref.
double core_energy_scale(const PowerLimit& power, double clock_scale);

// A run's time as a function of the core clock: fixed_s + clocked_s / clock_scale. The clocked part is what runs
// at the core's per-cycle rates; the rest (off-chip memory, fixed latencies) does not follow the clock.
struct ClockedTime {
  double fixed_s = 0;
  double clocked_s = 0;
  double at(double clock_scale) const { return fixed_s + clocked_s / clock_scale; }
};
// From the run's time at the reference clock and at clock_scale (two evaluations of the same backend).
ClockedTime clocked_time(double reference_s, double scaled_s, double clock_scale);
// The clock of that second evaluation: within the range a power limit moves the clock over (the H100's 1.98 GHz
// boost to about 1.3 GHz under its cap against a 1.83 GHz reference), where the time's dependence on the clock is
// close to fixed + clocked / scale.
inline constexpr double probe_clock_scale = 0.9;

// The run's energy at the reference clock: dynamic joules of the core's components and of off-chip memory, and
// the static power of every component.
struct RunEnergy {
  double core_dynamic_J = 0;
  double off_chip_dynamic_J = 0;
  double static_W = 0;
};

// Where a run repeated back to back settles: the clock, its time, power and energy per run.
struct SustainedRun {
  double clock_scale = 1;  // f / f_ref
  double clock_GHz = 0;
  double time_s = 0;
  double power_W = 0;
  double energy_J = 0;
  bool at_limit = false;  // the limit set the clock (otherwise the highest clock, or no limit)
};

// A study's dense and scheduled stacks, each repeated back to back under the power limit (each settles at its own
// clock).
struct SustainedStacks {
  double power_limit_W = 0;
  SustainedRun dense, schedule;
  double speedup() const { return dense.time_s / schedule.time_s; }
};

// Solves power(clock_scale) = limit_W for the clock between the floor and the highest clock; power rises with the
// clock (the clocked time falls and each action's energy rises), so the solution is unique.
SustainedRun sustained_run(const PowerLimit& power, double reference_clock_GHz, const ClockedTime& time,
                           const RunEnergy& energy);

// The same run at a given clock (the board's power over its time, as measured).
SustainedRun run_at_clock(const PowerLimit& power, double reference_clock_GHz, double clock_scale,
                          const ClockedTime& time, const RunEnergy& energy);

}  // namespace cascadesim::models
