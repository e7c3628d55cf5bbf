// The clock a power limit leaves a sustained run, on hand-worked cases: a run whose time all follows the clock,
// 600 J of core dynamic energy at the reference clock and 100 W static, so power(s) = 100 + 600 s^3 W with the
// voltage proportional to the clock (slope 1).
#include <doctest/doctest.h>

#include <cmath>

#include "models/power_limit.hpp"

using namespace cascadesim::models;

namespace {
const ClockedTime all_clocked{0.0, 1.0};
const RunEnergy core_bound{600.0, 0.0, 100.0};
PowerLimit limit_of(double W) { return PowerLimit{W, 2.2, 0.0, 1.0}; }  // reference 2 GHz: top scale 1.1
}  // namespace

TEST_CASE("without a limit a run stays at the reference clock and pays dynamic plus static energy") {
  const SustainedRun r = sustained_run(PowerLimit{}, 2.0, ClockedTime{0.5, 0.5}, RunEnergy{300, 40, 100});
  CHECK(r.clock_scale == 1.0);
  CHECK(r.clock_GHz == 2.0);
  CHECK(r.time_s == doctest::Approx(1.0));
  CHECK(r.energy_J == doctest::Approx(300 + 40 + 100));
  CHECK_FALSE(r.at_limit);
}

TEST_CASE("under the limit the clock settles where power meets it: 100 + 600 s^3 = 400 W at s = 0.5^(1/3)") {
  const SustainedRun r = sustained_run(limit_of(400), 2.0, all_clocked, core_bound);
  const double s = std::cbrt(0.5);
  CHECK(r.at_limit);
  CHECK(r.clock_scale == doctest::Approx(s));
  CHECK(r.clock_GHz == doctest::Approx(2.0 * s));
  CHECK(r.time_s == doctest::Approx(1.0 / s));
  CHECK(r.power_W == doctest::Approx(400));
  CHECK(r.energy_J == doctest::Approx(400 / s));
}

TEST_CASE("a run that stays under the limit at the highest clock runs there") {
  const SustainedRun r = sustained_run(limit_of(1000), 2.0, all_clocked, core_bound);
  CHECK_FALSE(r.at_limit);
  CHECK(r.clock_scale == doctest::Approx(1.1));
  CHECK(r.power_W == doctest::Approx(100 + 600 * 1.1 * 1.1 * 1.1));
}

TEST_CASE("the clock never falls below the floor, even where the power there still exceeds the limit") {
  PowerLimit p = limit_of(300);
  p.min_clock_GHz = 1.8;  // scale 0.9; 100 + 600 s^3 = 300 W would need s = 0.69
  const SustainedRun r = sustained_run(p, 2.0, all_clocked, core_bound);
  CHECK(r.at_limit);
  CHECK(r.clock_scale == doctest::Approx(0.9));
  CHECK(r.power_W == doctest::Approx(100 + 600 * 0.729));
}

TEST_CASE("with off-chip energy and time that does not follow the clock, the clock solves the run's own balance") {
  // Half the time fixed and half the dynamic energy off chip: power(s) = 100 + (300 s^2 + 300) / (0.5 + 0.5 / s).
  const SustainedRun r = sustained_run(limit_of(500), 2.0, ClockedTime{0.5, 0.5}, RunEnergy{300, 300, 100});
  const double s = r.clock_scale;
  CHECK(r.at_limit);
  CHECK(100 + (300 * s * s + 300) / (0.5 + 0.5 / s) == doctest::Approx(500));
  CHECK(r.time_s == doctest::Approx(0.5 + 0.5 / s));
}

TEST_CASE("two evaluations split a run's time into the part that follows the clock and the part that does not") {
  const ClockedTime t = clocked_time(2.0, 2.1, 0.9);  // 2.1 = fixed + clocked / 0.9, 2.0 = fixed + clocked
  CHECK(t.clocked_s == doctest::Approx(0.9));
  CHECK(t.fixed_s == doctest::Approx(1.1));
  CHECK(t.at(0.9) == doctest::Approx(2.1));
  const ClockedTime none = clocked_time(2.0, 1.99, 0.9);  // noise against the clock: nothing follows it
  CHECK(none.clocked_s == 0.0);
  CHECK(none.fixed_s == 2.0);
}

TEST_CASE("the core's energy per action scales with the voltage squared along the DVFS slope") {
  CHECK(core_energy_scale(PowerLimit{700, 0, 0, 1.0}, 0.8) == doctest::Approx(0.64));
  CHECK(core_energy_scale(PowerLimit{700, 0, 0, 0.5}, 0.8) == doctest::Approx(0.81));
  CHECK(core_energy_scale(PowerLimit{700, 0, 0, 0.0}, 0.8) == doctest::Approx(1.0));
}
