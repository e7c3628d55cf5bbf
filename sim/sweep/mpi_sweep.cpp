// MPI sweeps: the spec check across ranks, rank 0's peers (one request and one reply per chunk), and the other
// ranks' serving loop. Waiting ranks poll with short sleeps instead of blocking in MPI, whose blocking calls
// spin a core in Open MPI: on a machine with as many ranks as cores that core is needed by a rank at work.
#include "sim/sweep/mpi_sweep.hpp"

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sim/sweep/row_chunk.hpp"

namespace cascadesim::sim::sweep {

namespace {

namespace mpi = boost::mpi;

enum Tag : int { task_tag = 1, chunk_tag = 2, failure_tag = 3 };
constexpr std::uint64_t stop_marker = std::numeric_limits<std::uint64_t>::max();

// Sleeps between polls: short at first, so that a quick reply is taken at once, then doubling up to a cap, so
// that a rank waiting out a long simulated point wakes a few hundred times a second instead of ten thousand.
class PollBackoff {
 public:
  void wait() {
    std::this_thread::sleep_for(sleep_);
    sleep_ = std::min(2 * sleep_, std::chrono::microseconds(2000));
  }

 private:
  std::chrono::microseconds sleep_{20};
};

// The other ranks as run_sweep's peers: peer p is rank p + 1. MPI calls from the helper threads go one at a
// time under a mutex (MPI_THREAD_SERIALIZED).
class OtherRanks final : public ChunkPeers {
 public:
  explicit OtherRanks(mpi::communicator& world) : world_(world) {}
  ~OtherRanks() override {
    // Every evaluate() has returned by now (run_sweep joins its threads first), so no reply is pending.
    const std::uint64_t stop[2] = {stop_marker, stop_marker};
    std::lock_guard lock(mutex_);
    for (int r = 1; r < world_.size(); ++r) world_.send(r, task_tag, stop, 2);
  }

  std::size_t size() const override { return static_cast<std::size_t>(world_.size() - 1); }

  void evaluate(std::size_t peer, std::uint64_t begin, std::uint64_t end, std::string& bytes) override {
    const int rank = static_cast<int>(peer) + 1;
    const std::uint64_t range[2] = {begin, end};
    {
      std::lock_guard lock(mutex_);
      world_.send(rank, task_tag, range, 2);
    }
    int tag = 0;
    PollBackoff backoff;
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (const auto status = world_.iprobe(rank, mpi::any_tag)) {
          tag = status->tag();
          bytes.resize(static_cast<std::size_t>(status->count<char>().value_or(0)));
          world_.recv(rank, tag, bytes.data(), static_cast<int>(bytes.size()));
          break;
        }
      }
      backoff.wait();
    }
    if (tag == failure_tag)
      throw std::runtime_error("MPI rank " + std::to_string(rank) + ", points " + std::to_string(begin) + " to " +
                               std::to_string(end - 1) + ": " + bytes);
  }

 private:
  mpi::communicator& world_;
  std::mutex mutex_;
};

}  // namespace

bool launched_by_mpirun() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

struct MpiWorld::State {
  // Not aborting when unwinding: a rank with bad input finalizes and exits with its own code, as the others do.
  mpi::environment environment{mpi::threading::serialized, false};
  mpi::communicator world;
};

MpiWorld::MpiWorld() : state_(std::make_unique<State>()) {
  if (state_->environment.thread_level() < mpi::threading::serialized)
    throw std::runtime_error("the MPI library does not allow calls from more than one thread (MPI_THREAD_SERIALIZED)");
}

MpiWorld::~MpiWorld() = default;

int MpiWorld::rank() const { return state_->world.rank(); }
int MpiWorld::size() const { return state_->world.size(); }

std::string MpiWorld::agree(const std::string& problem, const std::string& spec_hash) {
  mpi::communicator& world = state_->world;
  std::vector<std::string> problems, hashes;
  mpi::gather(world, problem, problems, 0);
  mpi::gather(world, spec_hash, hashes, 0);
  std::string verdict;
  if (world.rank() == 0) {
    for (std::size_t r = 0; r < problems.size() && verdict.empty(); ++r)
      if (!problems[r].empty()) verdict = "rank " + std::to_string(r) + ": " + problems[r];
    for (std::size_t r = 1; r < hashes.size() && verdict.empty(); ++r)
      if (hashes[r] != hashes[0])
        verdict = "rank " + std::to_string(r) + " loaded another sweep (" + hashes[r] + ", rank 0 has " + hashes[0] +
                  "): the spec and its presets must be the same files on every rank";
  }
  mpi::broadcast(world, verdict, 0);
  return verdict;
}

std::unique_ptr<ChunkPeers> MpiWorld::other_ranks() { return std::make_unique<OtherRanks>(state_->world); }

void MpiWorld::serve(const SweepSpec& spec) {
  mpi::communicator& world = state_->world;
  const RowFormatter formatter(spec);
  const PointSpace space(spec.radices());
  ChunkEvaluator evaluator(spec, formatter, space, spec.has_pareto());
  RowChunk chunk;
  std::string bytes;
  for (;;) {
    PollBackoff backoff;
    while (!world.iprobe(0, task_tag)) backoff.wait();
    std::uint64_t range[2];
    world.recv(0, task_tag, range, 2);
    if (range[0] == stop_marker) return;
    bytes.clear();
    int tag = chunk_tag;
    try {
      if (range[0] >= range[1] || range[1] > space.size()) throw std::runtime_error("points out of range");
      evaluator.evaluate(range[0], range[1], chunk);
      append_chunk_bytes(chunk, bytes);
    } catch (const std::exception& e) {
      tag = failure_tag;
      bytes = e.what();
    }
    world.send(0, tag, bytes.data(), static_cast<int>(bytes.size()));
  }
}

}  // namespace cascadesim::sim::sweep
