// `cascadesim sweep`: design-space exploration over a sweep spec, with streamed, resumable outputs.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "sim/config/study_loader.hpp"

namespace cascadesim::sim {

struct SweepOptions {
  std::string spec_path;
  std::string out_dir;
  unsigned threads = 0;  // 0: the hardware concurrency
  bool resume = false;
  LoadOptions load;
};

// Thrown on the MPI ranks other than 0 when the run cannot start: rank 0 reports why and exits 2; the others end
// with code, printing nothing.
struct QuietExit {
  int code = 0;
};

extern const char* const sweep_usage;
// Throws UsageError for a malformed command line.
SweepOptions parse_sweep_args(const std::vector<std::string>& args);

// Loads the spec (every problem reported before any point runs), runs it into options.out_dir with progress on
// stderr, and prints a summary to out; under mpirun, over the ranks (rank 0 prints). Throws ConfigError or
// UsageError on bad input, QuietExit on the other ranks.
void run_sweep_command(const SweepOptions& options, std::ostream& out);

}  // namespace cascadesim::sim
