// Wall time, peak memory and simulated tile operations per second of `simulate` on a study (default: the
// built-in Kascade study, dense + 1D+3A+12R). Targets: the pair in <= 2 s on one core, under 1 GiB (simulator
// issue); <= 1 s (overlap issue), which layers repeating a simulated layer's work reach (they are counted, not
// replayed, so tile operations per second count theirs too). Usage: simulate_bench [STUDY.json] [--rounds R]; prints
// each round and the median.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "sim/cli/simulate_command.hpp"

int main(int argc, char** argv) {
  using namespace cascadesim;
  std::string study;
  int rounds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc)
      rounds = std::atoi(argv[++i]);
    else
      study = a;
  }
  std::vector<double> seconds;
  double tile_ops = 0;
  try {
    for (int r = 0; r < rounds; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const sim::Simulation s = sim::simulate_study(study, sim::LoadOptions{});
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      tile_ops = s.dense.tile_ops + s.schedule.tile_ops;
      seconds.push_back(elapsed);
      std::printf(
          "round %d: %.3f s wall, %.0f tile operations, %.2f M tile operations/s, speedup %.4f, layers "
          "simulated %lld of %lld\n",
          r + 1, elapsed, tile_ops, tile_ops / elapsed / 1e6, s.speedup,
          static_cast<long long>(s.dense.layers_simulated + s.schedule.layers_simulated),
          static_cast<long long>(s.dense.layers + s.schedule.layers));
    }
  } catch (const core::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("median %.3f s wall for the pair (%.2f M tile operations/s), peak resident memory %.1f MiB\n", median,
              tile_ops / median / 1e6, static_cast<double>(usage.ru_maxrss) / 1024.0);
  return 0;
}
