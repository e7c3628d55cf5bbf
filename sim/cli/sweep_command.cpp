// `cascadesim sweep`: argument parsing, the run, and the summary.
#include "sim/cli/sweep_command.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <thread>

#include "sim/cli/predict_command.hpp"
#include "sim/sweep/sweep_runner.hpp"

namespace cascadesim::sim {

const char* const sweep_usage =
    "usage: cascadesim sweep SWEEP.json --out DIR [-j N] [--resume] [--config-dir DIR]\n"
    "\n"
    "Evaluates every point of a sweep spec (configs/sweeps/) and writes DIR/points.csv and DIR/points.jsonl\n"
    "(one row per point, in index order), DIR/sweep.json (the spec as loaded and its hash) and DIR/pareto.csv\n"
    "(the rows no other row beats on the spec's Pareto objectives). Every problem in the spec is reported before\n"
    "any point runs.\n"
    "  --out DIR         the output folder; an existing non-empty DIR/points.csv is an error without --resume\n"
    "  -j N              worker threads for the analytical backend (default: the hardware concurrency); the\n"
    "                    simulate and both backends run points one at a time on one thread (SystemC is not\n"
    "                    thread-safe). The outputs are byte-identical whatever N is.\n"
    "  --resume          continue an interrupted sweep in DIR: drops a torn last line and runs the missing\n"
    "                    points; refused when DIR belongs to another sweep\n"
    "  --config-dir DIR  look for hw/ and models/ presets in DIR first (repeatable)\n";

SweepOptions parse_sweep_args(const std::vector<std::string>& args) {
  SweepOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--out") {
      o.out_dir = value();
    } else if (a == "-j" || a == "--jobs") {
      const std::string& v = value();
      unsigned n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size() || n == 0 || n > 4096)
        throw UsageError(a + " takes a thread count from 1 to 4096 (got '" + v + "')");
      o.threads = n;
    } else if (a == "--resume") {
      o.resume = true;
    } else if (a == "--config-dir") {
      o.load.config_dirs.push_back(value());
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError("unknown option '" + a + "'");
    } else if (o.spec_path.empty()) {
      o.spec_path = a;
    } else {
      throw UsageError("more than one sweep spec given ('" + o.spec_path + "' and '" + a + "')");
    }
  }
  if (o.spec_path.empty()) throw UsageError("needs a sweep spec: cascadesim sweep SWEEP.json --out DIR");
  if (o.out_dir.empty()) throw UsageError("--out DIR is required");
  return o;
}

void run_sweep_command(const SweepOptions& options, std::ostream& out) {
  const sweep::SweepSpec spec = sweep::load_sweep_spec(options.spec_path, options.load);
  sweep::Progress progress(std::cerr, ::isatty(STDERR_FILENO) != 0);
  sweep::SweepRunOptions run;
  run.out_dir = options.out_dir;
  run.threads = options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  run.resume = options.resume;
  run.progress = &progress;
  const sweep::SweepSummary s = sweep::run_sweep(spec, run);
  char line[256];
  std::snprintf(line, sizeof line, "%llu points evaluated in %.3f s (%.0f points/s, %u thread%s, %s backend)",
                static_cast<unsigned long long>(s.evaluated), s.seconds,
                s.seconds > 0 ? static_cast<double>(s.evaluated) / s.seconds : 0.0, s.threads,
                s.threads == 1 ? "" : "s", std::string(sweep::to_string(spec.backend)).c_str());
  out << "cascadesim sweep: " << spec.name << " (" << spec.point_count << " points, " << spec.hash << ")\n"
      << "  " << line << "\n";
  if (s.resumed_rows > 0) out << "  resumed after " << s.resumed_rows << " rows already written\n";
  out << "  this run: " << s.ok << " ok, " << s.invalid << " invalid, " << s.excluded << " excluded by constraints\n"
      << "  rows: " << options.out_dir << "/points.csv, " << options.out_dir << "/points.jsonl\n";
  if (spec.has_pareto())
    out << "  Pareto front: " << s.pareto_rows << " rows in " << options.out_dir << "/pareto.csv\n";
}

}  // namespace cascadesim::sim
