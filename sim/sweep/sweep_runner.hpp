// Runs a sweep: evaluates the points still missing from the output folder on a thread pool (the analytical
// backend), on this thread and forked worker processes (simulate and both: SystemC's kernel is global to a
// process), or on this thread and the other MPI ranks; writes the rows in index order, and keeps the Pareto
// front while they stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "sim/sweep/chunk_peers.hpp"
#include "sim/sweep/sweep_progress.hpp"
#include "sim/sweep/sweep_spec.hpp"

namespace cascadesim::sim::sweep {

struct SweepRunOptions {
  std::string out_dir;
  unsigned threads = 1;  // analytical: threads; simulate and both: this process and threads - 1 forked workers
  bool resume = false;
  std::size_t chunk_points = 1024;  // points a worker takes at once (the simulate backends take one)
  Progress* progress = nullptr;     // none: quiet
  ChunkPeers* peers = nullptr;      // the other MPI ranks; with them this process evaluates on one thread
  // Called with each chunk's points.jsonl lines once they are written, in index order (the Python module streams
  // them); none: nothing is called.
  std::function<void(std::string_view jsonl_lines)> rows_written;
};

struct SweepSummary {
  std::uint64_t points = 0;                         // in the sweep
  std::uint64_t resumed_rows = 0;                   // complete rows found in the folder
  std::uint64_t evaluated = 0;                      // by this run
  std::uint64_t ok = 0, invalid = 0, excluded = 0;  // of this run's rows
  std::size_t pareto_rows = 0;                      // in pareto.csv (0 without Pareto objectives)
  unsigned threads = 1;                             // evaluating threads of this process
  unsigned processes = 1;                           // evaluating processes: this one and forked workers
  unsigned ranks = 1;                               // evaluating MPI ranks
  double seconds = 0;                               // wall time of this run, output included
};

// Contract: the files in out_dir are byte-identical whatever the thread, process or rank count and however
// often the run was interrupted and resumed. Throws ConfigError for an unusable folder, std::runtime_error when writing
// fails.
SweepSummary run_sweep(const SweepSpec& spec, const SweepRunOptions& options);

}  // namespace cascadesim::sim::sweep
