// Evaluators of sweep chunks outside the calling process: forked worker processes (the simulate backends, whose
// SystemC kernel is global to a process) or the other ranks of an MPI run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cascadesim::sim::sweep {

class ChunkPeers {
 public:
  virtual ~ChunkPeers() = default;

  virtual std::size_t size() const = 0;

  // Has peer evaluate points [begin, end) and returns their chunk in bytes (append_chunk_bytes). Blocks until
  // it is done. Contract: peer < size(); calls for distinct peers may run on distinct threads at once; throws
  // std::runtime_error when the peer failed or died.
  virtual void evaluate(std::size_t peer, std::uint64_t begin, std::uint64_t end, std::string& bytes) = 0;
};

}  // namespace cascadesim::sim::sweep
