// Analytical sweep points per second, end to end (rows written to a temporary folder), and the peak memory of a
// 1,000,000-point sweep. Target: 200,000 points/s per core, memory flat in the number of points. Usage:
// sweep_bench [--points N] [--rounds R] [--threads 1,2] [--big-points N]; prints rounds, medians, peak memory.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "sim/sweep/sweep_runner.hpp"

namespace {

namespace fs = std::filesystem;
using namespace cascadesim;
using namespace cascadesim::sim;

// top_k (50 values) x seq_len (50 geometric values, 1K to 128K tokens) x launch cost (points / 2500 values)
// on the default study: a realistic mix, with top_k above the key tiles of short sequences giving invalid rows.
sweep::SweepSpec bench_spec(std::uint64_t points) {
  const std::uint64_t launches = std::max<std::uint64_t>(1, points / 2500);
  const std::string text = R"({"schema_version": 1, "name": "sweep-bench", "study": "kascade-llama-3.2-1b-32k",
    "axes": [
      {"path": "/workload/top_k", "range": {"from": 1, "to": 50, "step": 1}},
      {"path": "/workload/seq_len", "log_range": {"from": 1024, "to": 131072, "points": 50}},
      {"path": "/hardware/kernel_launch_us", "range": {"from": 2, "step": 0.01, "to": )" +
                           std::to_string(2 + 0.01 * static_cast<double>(launches - 1)) + R"(}}],
    "objectives": ["time_ms", "dense_time_ms", "speedup", "attention_speedup", "amdahl_speedup", "hbm_bytes"],
    "pareto": {"minimize": ["time_ms", "hbm_bytes"], "maximize": ["speedup"]}})";
  return sweep::load_sweep_spec_text(text, "sweep-bench.json");
}

fs::path fresh_folder() {
  std::string pattern = (fs::temp_directory_path() / "cascadesim-sweep-bench-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  return pattern;
}

sweep::SweepSummary run_once(const sweep::SweepSpec& spec, unsigned threads) {
  const fs::path dir = fresh_folder();
  sweep::SweepRunOptions options;
  options.out_dir = (dir / "out").string();
  options.threads = threads;
  const sweep::SweepSummary s = sweep::run_sweep(spec, options);
  fs::remove_all(dir);
  return s;
}

std::vector<unsigned> parse_list(const std::string& text) {
  std::vector<unsigned> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    out.push_back(static_cast<unsigned>(std::atoi(text.substr(start, comma - start).c_str())));
    start = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t points = 200000, big_points = 1000000;
  int rounds = 5;
  std::vector<unsigned> thread_counts{1, 2};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--points")
      points = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--big-points")
      big_points = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--rounds")
      rounds = std::atoi(argv[i + 1]);
    else if (a == "--threads")
      thread_counts = parse_list(argv[i + 1]);
  }
  try {
    // The big run first, in a child process, so that its peak resident memory is its own.
    std::fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
      const sweep::SweepSpec spec = bench_spec(big_points);
      const sweep::SweepSummary s = run_once(spec, 1);
      std::printf("big run: %llu points, 1 thread, %.2f s, %.0f points/s, front %zu rows\n",
                  static_cast<unsigned long long>(s.evaluated), s.seconds, static_cast<double>(s.evaluated) / s.seconds,
                  s.pareto_rows);
      std::fflush(stdout);
      std::_Exit(0);
    }
    int status = 0;
    rusage usage{};
    wait4(child, &status, 0, &usage);
    std::printf("big run: peak resident memory %.1f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);

    const sweep::SweepSpec spec = bench_spec(points);
    for (unsigned threads : thread_counts) {
      std::vector<double> rates;
      for (int r = 0; r < rounds; ++r) {
        const sweep::SweepSummary s = run_once(spec, threads);
        rates.push_back(static_cast<double>(s.evaluated) / s.seconds);
        std::printf("%u thread%s, round %d: %llu points (%llu invalid) in %.3f s, %.0f points/s\n", threads,
                    threads == 1 ? "" : "s", r + 1, static_cast<unsigned long long>(s.evaluated),
                    static_cast<unsigned long long>(s.invalid), s.seconds, rates.back());
      }
      std::sort(rates.begin(), rates.end());
      const double median = rates[rates.size() / 2];
      std::printf("%u thread%s: median %.0f points/s, %.0f points/s per core\n", threads, threads == 1 ? "" : "s",
                  median, median / threads);
    }
  } catch (const cascadesim::core::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  return 0;
}
