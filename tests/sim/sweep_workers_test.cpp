// The sweep's parallel workers: row chunks in their byte form, forked worker processes for the simulate backend
// (outputs byte-identical to one process's), and a worker that dies or fails (an error, never a lost row).
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <doctest/doctest.h>

#include "core/config_error.hpp"
#include "sim/sweep/row_chunk.hpp"
#include "sim/sweep/sweep_runner.hpp"
#include "sim/sweep/sweep_spec.hpp"
#include "sim/sweep/worker_processes.hpp"
#include "tests/temp_dir.hpp"

namespace cascadesim::sim::sweep {
namespace {

namespace fs = std::filesystem;
using cascadesim::testing::read_text;
using cascadesim::testing::TempDir;

const fs::path source_dir{CASCADESIM_SOURCE_DIR};

// 6 simulated points of the tests' small study (both backends), with a Pareto front.
SweepSpec simulated_spec() {
  const core::Json doc{{"schema_version", 1},
                       {"name", "workers"},
                       {"study", (source_dir / "tests/data/sim_small.json").string()},
                       {"axes",
                        {{{"path", "/workload/top_k"}, {"values", {1, 2, 8}}},
                         {{"path", "/hardware/memory/channel_bandwidth_GBps"}, {"values", {100, 335}}}}},
                       {"backend", "both"},
                       {"objectives", {"speedup", "simulated_time_ms", "simulated_speedup"}},
                       {"pareto", {{"minimize", {"simulated_time_ms"}}, {"maximize", {"simulated_speedup"}}}}};
  return load_sweep_spec_text(doc.dump(), "workers.json");
}

SweepSummary run(const SweepSpec& spec, const fs::path& dir, unsigned threads) {
  SweepRunOptions options;
  options.out_dir = dir.string();
  options.threads = threads;
  return run_sweep(spec, options);
}

TEST_CASE("a row chunk reads back from its bytes exactly, and malformed bytes are an error") {
  RowChunk chunk;
  chunk.csv = "0,2,ok,1.5\n1,3,invalid,\n";
  chunk.jsonl = "{\"index\":0}\n{\"index\":1}\n";
  chunk.csv_ends = {11, 24};
  chunk.objectives = {1.5, -0.0, 1e-300};
  chunk.ok = {1, 0};
  chunk.invalid = 1;
  chunk.excluded = 7;
  std::string bytes;
  append_chunk_bytes(chunk, bytes);
  RowChunk back;
  back.csv = "stale";
  read_chunk_bytes(bytes, back);
  CHECK(back.csv == chunk.csv);
  CHECK(back.jsonl == chunk.jsonl);
  CHECK(back.csv_ends == chunk.csv_ends);
  CHECK(back.objectives == chunk.objectives);
  CHECK(back.ok == chunk.ok);
  CHECK(back.invalid == 1);
  CHECK(back.excluded == 7);
  CHECK_THROWS_AS(read_chunk_bytes(std::string_view(bytes).substr(0, bytes.size() - 1), back), std::runtime_error);
  CHECK_THROWS_AS(read_chunk_bytes(bytes + "x", back), std::runtime_error);
  CHECK_THROWS_AS(read_chunk_bytes(std::string(8, '\xff'), back), std::runtime_error);
}

TEST_CASE("the simulate backend with -j 2 and 3 runs forked worker processes, with outputs byte-identical to one") {
  TempDir tmp;
  const SweepSpec spec = simulated_spec();
  const SweepSummary one = run(spec, tmp.path() / "one", 1);
  CHECK(one.processes == 1);
  CHECK(one.ok == 6);
  for (unsigned jobs : {2u, 3u}) {
    const fs::path dir = tmp.path() / ("j" + std::to_string(jobs));
    const SweepSummary s = run(spec, dir, jobs);
    CHECK(s.processes == jobs);
    CHECK(s.threads == 1);
    CHECK(s.ok == 6);
    for (const char* file : {"points.csv", "points.jsonl", "pareto.csv", "sweep.json"})
      CHECK_MESSAGE(read_text(dir / file) == read_text(tmp.path() / "one" / file), file);
  }
}

TEST_CASE("worker processes return what the child computed, and report a child's exception and its death") {
  WorkerProcesses workers(2, [](std::uint64_t begin, std::uint64_t end, std::string& bytes) {
    if (begin == 13) throw std::runtime_error("point 13 cannot be evaluated");
    if (begin == 66) ::raise(SIGKILL);
    bytes = std::to_string(begin) + ".." + std::to_string(end) + " in " + std::to_string(::getpid());
  });
  REQUIRE(workers.size() == 2);
  std::string a, b;
  workers.evaluate(0, 1, 2, a);
  workers.evaluate(1, 3, 5, b);
  CHECK(a.rfind("1..2 in ", 0) == 0);
  CHECK(b.rfind("3..5 in ", 0) == 0);
  CHECK(a.substr(8) != std::to_string(::getpid()));  // evaluated in a child
  CHECK(a.substr(8) != b.substr(8));                 // by two children
  CHECK_THROWS_WITH_AS(workers.evaluate(0, 13, 14, a),
                       doctest::Contains("points 13 to 13: point 13 cannot be evaluated"), std::runtime_error);
  workers.evaluate(0, 20, 21, a);  // the child goes on after an exception
  CHECK(a.rfind("20..21 in ", 0) == 0);
  CHECK_THROWS_WITH_AS(workers.evaluate(1, 66, 67, b),
                       doctest::Contains("was killed by signal 9 while evaluating points 66 to 66"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(workers.evaluate(1, 70, 71, b), doctest::Contains("had ended"), std::runtime_error);
}

}  // namespace
}  // namespace cascadesim::sim::sweep
