// Both backends price one description of the work: the analytical model counts each action from the dataflow's
// costs, the simulator from its components' statistics, and the counts of the work both see alike (MACs, vector
// operations, exponentials, ranked candidates, bytes written) agree exactly, in total and per layer kind. Where they
// legitimately differ, the difference in dynamic energy is at most those actions' energy: what reaches off-chip
// memory and fills the L2 (the roofline's reuse bound against the simulated LRU L2); the bytes the cores read (a
// GEMM's panels are re-read once per output tile of the shape the engine picks for the machine, the analytical
// model takes the kernel's own; attention's bytes agree, tests/sim/pattern_backends_test.cpp); DMA requests (the
// analytical model's one load and one store per unit against the engine's K/V runs and GEMM k-steps).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/cli/simulate_command.hpp"
#include "sim/config/study_loader.hpp"

using namespace cascadesim;

namespace {

const std::string source_dir = CASCADESIM_SOURCE_DIR;

bool counted_alike(models::Work w) {
  using models::Work;
  return w == Work::macs || w == Work::vector_ops || w == Work::exps || w == Work::candidates || w == Work::write_bytes;
}

void check_backends_agree(const std::string& study_path) {
  INFO("study " << study_path);
  const sim::Simulation s = sim::simulate_study(study_path, {});
  const models::EnergyBreakdown& predicted = s.prediction.exact.schedule_model.energy;
  const models::EnergyBreakdown& simulated = s.schedule.energy;
  REQUIRE(predicted.available());
  REQUIRE(simulated.figures == predicted.figures);  // one description of the machine
  const models::EnergyFigures& figures = *predicted.figures;
  REQUIRE(figures.complete());
  double may_differ_J = 0;
  std::size_t action = 0;
  for (const models::ComponentFigures& c : figures.components) {
    for (const models::ActionFigure& a : c.actions) {
      INFO(c.name << " " << a.name);
      if (counted_alike(a.work)) {
        CHECK(simulated.counts[action] == doctest::Approx(predicted.counts[action]).epsilon(1e-9));
        for (std::size_t k = 0; k < models::layer_kinds; ++k)
          if (predicted.kind_layers[k] > 0)
            CHECK(simulated.kind_counts[k][action] == doctest::Approx(predicted.kind_counts[k][action]).epsilon(1e-9));
      } else {
        may_differ_J += std::max(predicted.action_J(action), simulated.action_J(action));
      }
      // The simulator's layer kinds partition its run.
      double by_kind = 0;
      for (std::size_t k = 0; k < models::layer_kinds; ++k)
        if (simulated.kind_layers[k] > 0) by_kind += simulated.kind_counts[k][action];
      CHECK(by_kind == doctest::Approx(simulated.counts[action]).epsilon(1e-9));
      ++action;
    }
  }
  CHECK(std::abs(simulated.dynamic_J() - predicted.dynamic_J()) <= may_differ_J);
  // Static energy is the same static power over each backend's own time.
  CHECK(simulated.static_W() == doctest::Approx(predicted.static_W()).epsilon(1e-12));
  CHECK(simulated.static_J() == doctest::Approx(simulated.static_W() * s.schedule.time_ns * 1e-9).epsilon(1e-12));
  double kind_s = 0;
  for (std::size_t k = 0; k < models::layer_kinds; ++k) kind_s += simulated.kind_time_s[k];
  CHECK(kind_s == doctest::Approx(simulated.time_s).epsilon(1e-9));
}

}  // namespace

TEST_CASE("predict and simulate count the same actions for the same work on a GPU") {
  check_backends_agree(source_dir + "/tests/data/sim_small.json");
}

TEST_CASE("predict and simulate count the same actions for the same work with a top-k engine, in decode") {
  check_backends_agree(source_dir + "/configs/studies/spatten-topk-decode-llama-3.2-1b.json");
}

TEST_CASE("predict and simulate count the same actions for the same work on a systolic array") {
  check_backends_agree(source_dir + "/configs/studies/kascade-llama-3.2-1b-8k-fusemax-like.json");
}
