// `cascadesim simulate`: replays the study's dataflow, and the all-dense baseline, on the hardware models.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "models/prediction.hpp"
#include "sim/config/study_loader.hpp"
#include "sim/engine/engine.hpp"

namespace cascadesim::sim {

struct SimulateOptions {
  std::string study_path;  // empty: the built-in default study
  bool json = false;
  std::string trace_path;  // Chrome / Perfetto trace-event JSON of the scheduled run
  LoadOptions load;
};

extern const char* const simulate_usage;
SimulateOptions parse_simulate_args(const std::vector<std::string>& args);

struct Simulation {
  LoadedStudy loaded;
  RunResult dense;     // every layer dense: the baseline
  RunResult schedule;  // the study's schedule
  double speedup = 1;  // dense.total_ns / schedule.total_ns
  models::BothAccountings prediction;
};

// Loads the study, builds the hardware, runs both stacks. Throws ConfigError on bad input (a section the
// simulator needs is missing, a tile that does not fit the scratchpad, ...).
Simulation simulate_study(const std::string& study_path, const LoadOptions& load, TraceSink* trace = nullptr);

void run_simulate(const SimulateOptions& options, std::ostream& out);
Json simulation_to_json(const Simulation& s);
void write_simulation_table(std::ostream& out, const Simulation& s);

}  // namespace cascadesim::sim
