// Full analytical predictions per second on one core, file I/O excluded (issue: >= 1,000,000 per second). With
// --calls, the microseconds of one `predict --json` call from C++ instead, the baseline of the Python module's
// (bench/predict_python_bench.py; issue: a Python predict call costs at most 2x the C++ call): predict_json on a
// study already loaded, and loading the study then predict_json.
// Usage: predict_bench [STUDY.json ...] [--seconds S] [--rounds R] [--calls]; prints medians over R rounds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <iostream>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "models/prediction.hpp"
#include "sim/cli/predict_command.hpp"
#include "sim/config/study_loader.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// One evaluation: predict() in one accounting, or predict_both() (what `cascadesim predict` computes).
enum class Mode { exact, seed, both };

// Calls of f per second over about `seconds`, checking the clock every `batch` calls.
template <typename F>
double calls_per_second(double seconds, int batch, F&& f) {
  std::int64_t calls = 0;
  const auto start = Clock::now();
  const auto stop_at = start + std::chrono::duration<double>(seconds);
  auto now = start;
  while (now < stop_at) {
    for (int i = 0; i < batch; ++i) f(calls + i);
    calls += batch;
    now = Clock::now();
  }
  return static_cast<double>(calls) / std::chrono::duration<double>(now - start).count();
}

// Evaluates on copies of the study whose seq_len cycles through nearby values, so that every call
// does the full work; returns evaluations per second.
double rate(const cascadesim::models::Study& base, Mode mode, double seconds, double& checksum) {
  std::vector<cascadesim::models::Study> variants(8, base);
  for (std::size_t i = 0; i < variants.size(); ++i)
    variants[i].workload.seq_len = base.workload.seq_len - static_cast<std::int64_t>(i);
  return calls_per_second(seconds, 1024, [&](std::int64_t call) {
    const auto& study = variants[static_cast<std::size_t>(call) & 7];
    if (mode == Mode::both) {
      const auto p = cascadesim::models::predict_both(study);
      checksum += p.seed.amdahl_speedup + p.exact.end_to_end_speedup;
    } else {
      const auto accounting =
          mode == Mode::seed ? cascadesim::models::Accounting::seed : cascadesim::models::Accounting::exact;
      const auto p = cascadesim::models::predict(study, accounting);
      checksum += p.amdahl_speedup + p.end_to_end_speedup;
    }
  });
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cascadesim;
  std::vector<std::string> studies;
  double seconds = 1.0;
  int rounds = 5;
  bool calls = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc)
      seconds = std::atof(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc)
      rounds = std::atoi(argv[++i]);
    else if (a == "--calls")
      calls = true;
    else
      studies.push_back(a);
  }
  if (studies.empty()) studies.push_back(std::string(sim::builtin_prefix) + std::string(sim::default_study_path));
  double checksum = 0;
  try {
    if (calls) {
      std::printf("%-36s %16s %20s\n", "C++ call (exact accounting)", "median us/call", "min..max us/call");
      for (const std::string& path : studies) {
        const sim::LoadedStudy loaded = sim::load_study(path, sim::LoadOptions{});
        auto on_loaded = [&](std::int64_t) {
          checksum += static_cast<double>(sim::predict_json(loaded, models::Accounting::exact).size());
        };
        auto from_file = [&](std::int64_t) {
          const sim::LoadedStudy fresh = sim::load_study(path, sim::LoadOptions{});
          checksum += static_cast<double>(sim::predict_json(fresh, models::Accounting::exact).size());
        };
        std::vector<double> loaded_us, file_us;
        for (int r = 0; r < rounds; ++r) {
          loaded_us.push_back(1e6 / calls_per_second(seconds, 16, on_loaded));
          file_us.push_back(1e6 / calls_per_second(seconds, 16, from_file));
        }
        for (const auto& [name, us] : {std::pair{"predict_json(loaded study)", loaded_us},
                                       std::pair{"load_study(file) + predict_json", file_us}})
          std::printf("%-36s %16.2f %9.2f..%.2f  %s\n", name, median(us), *std::min_element(us.begin(), us.end()),
                      *std::max_element(us.begin(), us.end()), path.c_str());
      }
      std::fprintf(stderr, "(checksum %g)\n", checksum);
      return 0;
    }
    std::printf("%-60s %10s %16s %16s\n", "study", "accounting", "median eval/s", "min..max eval/s");
    for (const std::string& path : studies) {
      const sim::LoadedStudy loaded = sim::load_study(path, sim::LoadOptions{});
      for (Mode mode : {Mode::both, Mode::exact, Mode::seed}) {
        std::vector<double> rates;
        for (int r = 0; r < rounds; ++r) rates.push_back(rate(loaded.study, mode, seconds, checksum));
        const char* name = mode == Mode::both ? "both" : mode == Mode::exact ? "exact" : "seed";
        std::printf("%-60s %10s %16.0f %9.0f..%.0f\n", path.c_str(), name, median(rates),
                    *std::min_element(rates.begin(), rates.end()), *std::max_element(rates.begin(), rates.end()));
      }
    }
  } catch (const core::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  std::fprintf(stderr, "(checksum %g)\n", checksum);
  return 0;
}
