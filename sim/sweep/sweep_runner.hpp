// Runs a sweep: evaluates the points still missing from the output folder on a thread pool (the analytical
// backend) or one at a time on the calling thread (simulate and both: SystemC is not thread-safe), writes the
// rows in index order, and keeps the Pareto front while they stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/sweep/sweep_progress.hpp"
#include "sim/sweep/sweep_spec.hpp"

namespace cascadesim::sim::sweep {

struct SweepRunOptions {
  std::string out_dir;
  unsigned threads = 1;  // analytical backend only
  bool resume = false;
  std::size_t chunk_points = 1024;  // points a worker takes at once (the simulate backends take one)
  Progress* progress = nullptr;     // none: quiet
};

struct SweepSummary {
  std::uint64_t points = 0;                         // in the sweep
  std::uint64_t resumed_rows = 0;                   // complete rows found in the folder
  std::uint64_t evaluated = 0;                      // by this run
  std::uint64_t ok = 0, invalid = 0, excluded = 0;  // of this run's rows
  std::size_t pareto_rows = 0;                      // in pareto.csv (0 without Pareto objectives)
  unsigned threads = 1;                             // used
  double seconds = 0;                               // wall time of this run, output included
};

// Contract: the files in out_dir are byte-identical whatever the thread count and however often the run was
// interrupted and resumed. Throws ConfigError for an unusable folder, std::runtime_error when writing fails.
SweepSummary run_sweep(const SweepSpec& spec, const SweepRunOptions& options);

}  // namespace cascadesim::sim::sweep
