// Forked copies of this process that evaluate sweep chunks: how the simulate backends use more than one core,
// since SystemC's kernel is global to a process and cannot be shared by threads. Each child reads a point range
// from a socket, evaluates it and writes the chunk back.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/sweep/chunk_peers.hpp"

namespace cascadesim::sim::sweep {

class WorkerProcesses final : public ChunkPeers {
 public:
  // evaluate(begin, end, bytes) runs in the children. Contract: called while this process runs one thread and
  // has not started SystemC (the children inherit its state); throws std::runtime_error when fork fails.
  WorkerProcesses(std::size_t count,
                  std::function<void(std::uint64_t begin, std::uint64_t end, std::string& bytes)> evaluate);
  // Closes the sockets, which ends the children, and reaps them.
  ~WorkerProcesses() override;
  WorkerProcesses(const WorkerProcesses&) = delete;
  WorkerProcesses& operator=(const WorkerProcesses&) = delete;

  std::size_t size() const override { return children_.size(); }
  void evaluate(std::size_t peer, std::uint64_t begin, std::uint64_t end, std::string& bytes) override;

 private:
  struct Child {
    pid_t pid = -1;
    int fd = -1;  // the parent's end of a socket pair
  };
  std::vector<Child> children_;
};

}  // namespace cascadesim::sim::sweep
