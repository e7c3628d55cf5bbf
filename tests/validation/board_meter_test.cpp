// The board window of an energy measurement: energy from the counter's difference, mean power from it, the clock
// and the share of power-capped samples from the readings inside the window only; and the record's energy block.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "tests/temp_dir.hpp"
#include "validation/host/board_meter.hpp"
#include "validation/host/case_spec.hpp"
#include "validation/host/measured_record.hpp"

namespace cascadesim::validation {
namespace {

BoardReading reading(double host_s, std::uint64_t energy_mJ, int clock_MHz, std::uint64_t reasons) {
  BoardReading r;
  r.host_s = host_s;
  r.energy_mJ = energy_mJ;
  r.sm_clock_MHz = clock_MHz;
  r.clock_event_reasons = reasons;
  return r;
}

TEST_CASE(
    "validation: a board window's energy is the counter's difference, and clock and capping come from inside it") {
  const BoardReading first = reading(10.0, 1'000'000, 1980, 0);
  const BoardReading last = reading(12.5, 2'750'000, 1500, kClockEventSwPowerCap);
  const std::vector<BoardReading> samples = {
      reading(9.9, 0, 345, 0),  // before the window: left out
      reading(10.5, 0, 1980, 0),
      reading(11.0, 0, 1500, kClockEventSwPowerCap),
      reading(11.5, 0, 1410, kClockEventSwPowerCap | 0x1),
      reading(12.0, 0, 1455, kClockEventSwPowerCap),
      reading(12.6, 0, 100, 0),  // after it: left out
  };
  const BoardWindow w = summarize_board_window(first, last, samples);
  CHECK(w.seconds == doctest::Approx(2.5));
  CHECK(w.energy_J == doctest::Approx(1750.0));
  CHECK(w.mean_power_W == doctest::Approx(700.0));
  CHECK(w.samples == 4);
  CHECK(w.sm_clock_MHz_min == 1410);
  CHECK(w.sm_clock_MHz_median == 1500);  // upper median of {1410, 1455, 1500, 1980}
  CHECK(w.power_capped_fraction == doctest::Approx(0.75));
}

TEST_CASE("validation: a record measured with --energy-s carries per-run energy and the part above idle") {
  cascadesim::testing::TempDir temp;
  const auto path = temp.path() / "measured.json";
  const std::vector<CaseSpec> cases = parse_cases(
      R"({"schema_version": 1, "cases": [{"name": "a", "seq_len": 1024, "heads": 4, "head_dim": 64,
          "repetitions": 20}]})",
      "cases.json");
  MeasuredRecord r;
  r.spec = cases[0];
  r.device.name = "NVIDIA H100 80GB HBM3";
  r.samples_ms.assign(20, 1.0);
  r.median_ms = r.p10_ms = r.p90_ms = 1.0;
  EnergyMeasurement e;
  e.idle.seconds = 1.0;
  e.idle.energy_J = 80.0;
  e.idle.mean_power_W = 80.0;
  e.loaded.seconds = 2.0;
  e.loaded.energy_J = 1200.0;
  e.loaded.mean_power_W = 600.0;
  e.runs = 1000;
  e.ms_per_run = 2.0;
  e.power_limit_W = 700.0;
  r.energy = e;
  MeasuredResultsFile file(path.string(), cases, r.device, false);
  file.add(0, r);
  const nlohmann::json energy =
      nlohmann::json::parse(cascadesim::testing::read_text(path)).at("records").at(0).at("energy");
  CHECK(energy.at("runs") == 1000);
  CHECK(energy.at("energy_per_run_J").get<double>() == doctest::Approx(1.2));
  CHECK(energy.at("energy_above_idle_per_run_J").get<double>() == doctest::Approx((1200.0 - 80.0 * 2.0) / 1000));
  CHECK(energy.at("loaded").at("mean_power_W") == 600.0);
  CHECK(energy.at("idle").at("seconds") == 1.0);
  CHECK(energy.at("power_limit_W") == 700.0);
}

}  // namespace
}  // namespace cascadesim::validation
