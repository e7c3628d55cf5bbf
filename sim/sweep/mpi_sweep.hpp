// Sweeps over MPI ranks (`mpirun -n N cascadesim sweep ...`, Boost.MPI over Debian's Open MPI): every rank loads
// the spec and evaluates points; rank 0 also hands out chunks one at a time to whichever rank is free (dynamic
// distribution, so slow points do not idle the others) and writes the outputs, which are byte-identical to a
// single-process run's.
#pragma once

#include <memory>
#include <string>

#include "sim/sweep/chunk_peers.hpp"
#include "sim/sweep/sweep_spec.hpp"

namespace cascadesim::sim::sweep {

// True when an MPI launcher started this process (Open MPI's mpirun, or a PMI/PMIx one such as srun).
bool launched_by_mpirun();

class MpiWorld {
 public:
  // Initializes MPI with MPI_THREAD_SERIALIZED (rank 0 talks to the others from helper threads, one at a time).
  // Throws std::runtime_error when the MPI library offers less.
  MpiWorld();
  ~MpiWorld();  // finalizes MPI
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  int rank() const;
  int size() const;

  // Collective: each rank passes "" or why it cannot run, and the hash of the spec it loaded. Returns "" on every
  // rank when all loaded the same sweep, else the first problem as "rank R: ..." (or a hash mismatch).
  std::string agree(const std::string& problem, const std::string& spec_hash);

  // Rank 0: the other ranks as peers for run_sweep. Destroying it tells them there is no more work.
  std::unique_ptr<ChunkPeers> other_ranks();

  // Ranks other than 0: evaluates the chunks rank 0 sends until it says there is no more work.
  void serve(const SweepSpec& spec);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cascadesim::sim::sweep
