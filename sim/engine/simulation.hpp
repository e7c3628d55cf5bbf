// A study simulated: the all-dense baseline and the study's schedule replayed on the machine its hardware section
// describes, with the cascade's stages and the early exits composed as the analytical model composes them
// (models::cascade_plan). The commands print it; the sweep evaluates it per point.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/prediction.hpp"
#include "sim/config/study_loader.hpp"
#include "sim/engine/engine.hpp"

namespace cascadesim::sim {

// A cascade replayed stage by stage: each stage's stack at its token count, weighted by how often it runs.
struct CascadeSimulation {
  struct Stage {
    std::int64_t tokens = 0;
    double members = 0;       // sequences in the batch that runs the stage
    double run_fraction = 0;  // probability the stage runs (seed 000's batch effect when waiting for the slowest)
    double time_ns = 0;       // one run of the stage, its stop decision included
    double matrix_macs = 0;   // the matrix units' MACs in that run
  };
  std::vector<Stage> stages;
  double expected_time_ns = 0;
  double speedup = 1;  // the schedule's full-resolution time / expected_time_ns
};

// Early exit from the scheduled run's per-layer times: each exit pays the layers before it and its heads.
struct EarlyExitSimulation {
  double expected_time_ns = 0;
  double speedup = 1;
};

struct Simulation {
  LoadedStudy loaded;
  RunResult dense;     // every layer dense: the baseline
  RunResult schedule;  // the study's schedule
  double speedup = 1;  // dense.time_ns / schedule.time_ns
  models::BothAccountings prediction;
  std::optional<CascadeSimulation> cascade;
  std::optional<EarlyExitSimulation> early_exit;
  std::optional<models::SustainedStacks> sustained;  // both runs repeated back to back under the power limit
  // The decode steps (/workload/decode): each group of steps replayed once, for the schedule and the dense baseline.
  std::optional<models::DecodeRun> decode;
};

// How a study's runs are replayed: a trace of the scheduled run (which simulates every layer), and whether a layer
// repeating a simulated layer's work takes its results (RunOptions::reuse_repeated_layers).
// sustained: also the runs repeated back to back under the power limit, from a second simulation of both stacks at
// models::probe_clock_scale (which tells how much of each run follows the clock); the hardware must give
// power_limit_W and every section's energy figures.
struct SimulationOptions {
  TraceSink* trace = nullptr;
  bool reuse_repeated_layers = true;
  bool sustained = false;
};

// Why a study's hardware cannot run sustained (no power limit, missing energy figures); empty when it can.
std::string sustained_problem(const models::HardwareSpec& hardware);

// Loads the study, builds the hardware, runs both stacks. Throws ConfigError on bad input (a section the
// simulator needs is missing, a tile that does not fit the scratchpad, ...).
Simulation simulate_study(const std::string& study_path, const LoadOptions& load,
                          const SimulationOptions& options = {});
// The same for a study already loaded (the sweep loads each point's study from text).
Simulation simulate_loaded(LoadedStudy loaded, const SimulationOptions& options = {});

// Adds the reasons the simulator refuses a loaded study apart from its hardware sections (a tile the scratchpad
// cannot hold, a kernel the engine does not replay). Runs no SystemC, so a caller can ask before simulating.
void add_simulation_problems(const LoadedStudy& loaded, core::ConfigErrors& errors);

// On a preset with fitted kernel families (a calibrated one), the families of the run's kernels that have no fitted
// figures there and so run at the components' own rates, by name; empty on a preset without any.
std::vector<std::string> unfitted_families(const Simulation& s);

// Useful matrix-unit MACs (the components' counts) over what the matrix units could do at peak in the run's
// time: at most its achieved fraction of peak, however long the units were busy (padding, fill and drain).
double matrix_utilization(const RunResult& r);
// Bytes HBM moved over what its channels could move in the run's time.
double hbm_utilization(const RunResult& r);

}  // namespace cascadesim::sim
