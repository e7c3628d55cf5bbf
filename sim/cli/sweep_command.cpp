// `cascadesim sweep`: argument parsing, the run, and the summary.
#include "sim/cli/sweep_command.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "core/config_error.hpp"
#include "sim/cli/arguments.hpp"
#include "sim/cli/predict_command.hpp"
#include "sim/sweep/mpi_sweep.hpp"
#include "sim/sweep/sweep_runner.hpp"

namespace cascadesim::sim {

const char* const sweep_usage =
    "usage: cascadesim sweep SWEEP.json --out DIR [-j N] [--resume] [--config-dir DIR]\n"
    "       mpirun -n N cascadesim sweep SWEEP.json --out DIR [--resume] [--config-dir DIR]\n"
    "\n"
    "Evaluates every point of a sweep spec (configs/sweeps/) and writes DIR/points.csv and DIR/points.jsonl\n"
    "(one row per point, in index order), DIR/sweep.json (the spec as loaded and its hash) and DIR/pareto.csv\n"
    "(the rows no other row beats on the spec's Pareto objectives). Every problem in the spec is reported before\n"
    "any point runs.\n"
    "  --out DIR         the output folder; an existing non-empty DIR/points.csv is an error without --resume\n"
    "  -j N              parallel workers (default: the hardware concurrency): threads for the analytical\n"
    "                    backend; for simulate and both, this process and N - 1 forked worker processes\n"
    "                    (SystemC's kernel is global to a process). The outputs are byte-identical whatever\n"
    "                    N is.\n"
    "  --resume          continue an interrupted sweep in DIR: drops a torn last line and runs the missing\n"
    "                    points; refused when DIR belongs to another sweep\n"
    "  --config-dir DIR  look for hw/ and models/ presets in DIR first (repeatable)\n"
    "\n"
    "Under mpirun every rank evaluates points, one chunk at a time (-j does not apply: start more ranks), and\n"
    "rank 0 hands chunks to whichever rank is free and writes DIR; the outputs are those of a single process.\n";

SweepOptions parse_sweep_args(const std::vector<std::string>& args) {
  const Arguments a(args,
                    {{"--out", Arity::one},
                     {"--jobs", Arity::one, "-j"},
                     {"--resume", Arity::flag},
                     {"--config-dir", Arity::repeatable}},
                    "sweep spec", 1);
  SweepOptions o;
  o.out_dir = a.value("--out");
  if (a.has("--jobs")) {
    const std::string v = a.value("--jobs");
    unsigned n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n == 0 || n > 4096)
      throw UsageError("--jobs takes a thread count from 1 to 4096 (got '" + v + "')");
    o.threads = n;
  }
  o.resume = a.has("--resume");
  o.load.config_dirs = a.values("--config-dir");
  if (!a.positionals().empty()) o.spec_path = a.positionals().front();
  if (o.spec_path.empty()) throw UsageError("needs a sweep spec: cascadesim sweep SWEEP.json --out DIR");
  if (o.out_dir.empty()) throw UsageError("--out DIR is required");
  return o;
}

namespace {

// "2 MPI ranks", "3 processes", "1 thread": who evaluated the points.
std::string workers_text(const sweep::SweepSummary& s) {
  auto plural = [](unsigned n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  if (s.ranks > 1) return plural(s.ranks, "MPI rank", "MPI ranks");
  if (s.processes > 1) return plural(s.processes, "process", "processes");
  return plural(s.threads, "thread", "threads");
}

void print_summary(const sweep::SweepSpec& spec, const sweep::SweepSummary& s, const std::string& out_dir,
                   std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%llu points evaluated in %.3f s (%.0f points/s, %s, %s backend)",
                static_cast<unsigned long long>(s.evaluated), s.seconds,
                s.seconds > 0 ? static_cast<double>(s.evaluated) / s.seconds : 0.0, workers_text(s).c_str(),
                std::string(sweep::to_string(spec.backend)).c_str());
  out << "cascadesim sweep: " << spec.name << " (" << spec.point_count << " points, " << spec.hash << ")\n"
      << "  " << line << "\n";
  if (s.resumed_rows > 0) out << "  resumed after " << s.resumed_rows << " rows already written\n";
  out << "  this run: " << s.ok << " ok, " << s.invalid << " invalid, " << s.excluded << " excluded by constraints\n"
      << "  rows: " << out_dir << "/points.csv, " << out_dir << "/points.jsonl\n";
  if (spec.has_pareto()) out << "  Pareto front: " << s.pareto_rows << " rows in " << out_dir << "/pareto.csv\n";
}

// Every rank loads the spec; they agree it is the same sweep before any point runs. Problems are reported by
// rank 0, which alone carries the exit code: when a rank exits non-zero, mpirun kills the others, so a failing
// rank 1 could take rank 0 down before it had said why. The other ranks end quietly with 0.
void run_sweep_over_mpi(const SweepOptions& options, std::ostream& out) {
  sweep::MpiWorld mpi;
  std::optional<sweep::SweepSpec> spec;
  std::exception_ptr error;
  std::string problem;
  try {
    if (options.threads > 0)
      throw UsageError("-j does not apply under mpirun: each rank evaluates one chunk at a time; start more ranks");
    spec.emplace(sweep::load_sweep_spec(options.spec_path, options.load));
  } catch (const std::exception& e) {
    error = std::current_exception();
    problem = e.what();
    if (problem.empty()) problem = "cannot load the spec";
  }
  const std::string verdict = mpi.agree(problem, spec ? spec->hash : std::string());
  if (!verdict.empty()) {
    if (mpi.rank() != 0) throw QuietExit{0};
    if (error) std::rethrow_exception(error);
    throw core::ConfigError({core::ConfigIssue{options.spec_path, "", verdict}});
  }
  if (mpi.rank() != 0) {
    mpi.serve(*spec);
    return;
  }
  sweep::Progress progress(std::cerr, ::isatty(STDERR_FILENO) != 0);
  sweep::SweepRunOptions run;
  run.out_dir = options.out_dir;
  run.resume = options.resume;
  run.progress = &progress;
  // An analytical chunk is a round trip to rank 0: 16,384 points (tens of milliseconds) keep that a small share.
  run.chunk_points = 16384;
  const std::unique_ptr<sweep::ChunkPeers> others = mpi.other_ranks();
  run.peers = others.get();
  const sweep::SweepSummary s = sweep::run_sweep(*spec, run);
  print_summary(*spec, s, options.out_dir, out);
}

}  // namespace

sweep::SweepSummary run_sweep_in_process(const sweep::SweepSpec& spec, const SweepOptions& options,
                                         sweep::Progress& progress,
                                         std::function<void(std::string_view jsonl_lines)> rows_written) {
  sweep::SweepRunOptions run;
  run.out_dir = options.out_dir;
  run.threads = options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  run.resume = options.resume;
  run.progress = &progress;
  run.rows_written = std::move(rows_written);
  return sweep::run_sweep(spec, run);
}

core::Json sweep_summary_json(const sweep::SweepSpec& spec, const sweep::SweepSummary& s, const std::string& out_dir) {
  return core::Json{{"sweep", spec.name},
                    {"hash", spec.hash},
                    {"backend", std::string(sweep::to_string(spec.backend))},
                    {"out_dir", out_dir},
                    {"points", s.points},
                    {"resumed_rows", s.resumed_rows},
                    {"evaluated", s.evaluated},
                    {"ok", s.ok},
                    {"invalid", s.invalid},
                    {"excluded", s.excluded},
                    {"pareto_rows", s.pareto_rows},
                    {"workers", workers_text(s)},
                    {"seconds", s.seconds}};
}

void run_sweep_command(const SweepOptions& options, std::ostream& out) {
  if (sweep::launched_by_mpirun()) {
    run_sweep_over_mpi(options, out);
    return;
  }
  const sweep::SweepSpec spec = sweep::load_sweep_spec(options.spec_path, options.load);
  sweep::Progress progress(std::cerr, ::isatty(STDERR_FILENO) != 0);
  print_summary(spec, run_sweep_in_process(spec, options, progress), options.out_dir, out);
}

}  // namespace cascadesim::sim
