// `cascadesim simulate`: replays the study's dataflow, and the all-dense baseline, on the hardware models.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/engine/simulation.hpp"

namespace cascadesim::sim {

struct SimulateOptions {
  std::string study_path;  // empty: the built-in default study
  bool json = false;
  std::string trace_path;    // Chrome / Perfetto trace-event JSON of the scheduled run
  bool every_layer = false;  // simulate layers that repeat a simulated layer's work instead of reusing its results
  bool sustained = false;    // also both runs repeated back to back under the hardware's power limit
  LoadOptions load;
};

extern const char* const simulate_usage;
SimulateOptions parse_simulate_args(const std::vector<std::string>& args);

// What `simulate` computes for a loaded study (options.study_path and options.load are not read): the simulation
// and the object `--json` prints, every figure checked finite; with options.trace_path, the trace, which replaces
// its target only once the run has finished. The Python module calls it in a worker process.
struct SimulateResult {
  Simulation simulation;
  core::Json json;
};
SimulateResult simulate_command_result(LoadedStudy loaded, const SimulateOptions& options);

void run_simulate(const SimulateOptions& options, std::ostream& out);
core::Json simulation_to_json(const Simulation& s);
void write_simulation_table(std::ostream& out, const Simulation& s);

}  // namespace cascadesim::sim
