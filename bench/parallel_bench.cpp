// Wall time of a many-device study: load, the closed forms and the link replay (what `cascadesim simulate` does for
// it). Target: the shipped 64-device study in <= 10 s on one core (many-device issue). Usage: parallel_bench
// [STUDY.json] [--rounds R]; default configs/studies/ring-kascade-llama-3.1-8b-1m-64xh100.json; prints each round and
// the median.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "sim/config/study_loader.hpp"
#include "sim/engine/parallel_replay.hpp"

int main(int argc, char** argv) {
  using namespace cascadesim;
  std::string study = "configs/studies/ring-kascade-llama-3.1-8b-1m-64xh100.json";
  int rounds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc)
      rounds = std::max(1, std::atoi(argv[++i]));
    else
      study = a;
  }
  std::vector<double> seconds;
  try {
    for (int r = 0; r < rounds; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const sim::LoadedStudy loaded = sim::load_study(study, sim::LoadOptions{});
      const models::ParallelPrediction predicted = models::predict_parallel(loaded.study);
      const sim::SimulatedParallel simulated = sim::simulate_parallel_loaded(loaded);
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      seconds.push_back(elapsed);
      std::printf("round %d: %.3f s wall, %lld devices, closed forms %.3f ms, simulated %.3f ms\n", r + 1, elapsed,
                  static_cast<long long>(predicted.devices), predicted.time_s * 1e3, simulated.time_s * 1e3);
    }
  } catch (const core::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  std::sort(seconds.begin(), seconds.end());
  std::printf("median: %.3f s over %d rounds\n", seconds[seconds.size() / 2], rounds);
  return 0;
}
