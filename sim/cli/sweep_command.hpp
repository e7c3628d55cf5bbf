// `cascadesim sweep`: design-space exploration over a sweep spec, with streamed, resumable outputs.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/study_loader.hpp"
#include "sim/sweep/sweep_progress.hpp"
#include "sim/sweep/sweep_runner.hpp"
#include "sim/sweep/sweep_spec.hpp"

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

// Runs a loaded spec into options.out_dir in this process, as the command does without mpirun: threads for the
// analytical backend, this process and forked workers for the simulate backends (options.threads 0: the hardware
// concurrency); progress drawn on `progress`, each chunk's points.jsonl lines passed to rows_written once written.
sweep::SweepSummary run_sweep_in_process(const sweep::SweepSpec& spec, const SweepOptions& options,
                                         sweep::Progress& progress,
                                         std::function<void(std::string_view jsonl_lines)> rows_written = {});

// What the command's summary says, as one JSON object (the Python module's sweep summary).
core::Json sweep_summary_json(const sweep::SweepSpec& spec, const sweep::SweepSummary& summary,
                              const std::string& out_dir);

}  // namespace cascadesim::sim
