// The work estimate checked before every simulation: values inside their declared ranges that the engine could not
// replay in bounded time and memory are refused up front, naming the study file, the section and the limit.
#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "sim/engine/simulation.hpp"
#include "sim/engine/work_estimate.hpp"
#include "study_json.hpp"

namespace cascadesim::sim {
namespace {

using testing::load;

core::Json small_study_with_hardware(core::Json hardware) {
  core::Json study = testing::valid_study();
  study["hardware"] = std::move(hardware);
  return study;
}

std::string work_refusal(const core::Json& study) {
  const LoadedStudy loaded = load(study);
  core::ConfigErrors errors;
  add_work_problems(loaded, errors);
  try {
    errors.throw_if_any();
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("the shipped default study is well inside the work limits") {
  const LoadedStudy loaded = load_study(std::string(builtin_prefix) + std::string(default_study_path), {});
  const WorkEstimate e = estimate_simulation_work(loaded);
  MESSAGE("default study: " << e.events << " memory-calendar steps, " << e.simulated_ns << " ns, " << e.stack_bytes
                            << " stack bytes");
  CHECK(e.events > 0);
  CHECK(e.events * 100 < max_simulation_events);
  CHECK(e.simulated_ns > 0);
  CHECK(e.simulated_ns < max_simulated_ns);
}

TEST_CASE("a declared but unrunnable memory latency is refused before anything is simulated, with estimate and limit") {
  // 1e9 ns is latency_ns's declared maximum: every request would book 5e7 calendar windows on each channel.
  const std::string why =
      work_refusal(small_study_with_hardware({{"preset", "h100-sxm"}, {"memory", {{"latency_ns", 1e9}}}}));
  CHECK(why.starts_with("study.json: /hardware/memory: the simulation would take about "));
  CHECK(why.find("memory-calendar steps, more than the 1e+12 a run may take") != std::string::npos);
  CHECK(why.find('\n') == std::string::npos);
}

TEST_CASE("a calendar window far below the latency is refused for the windows one request would hold") {
  const std::string why =
      work_refusal(small_study_with_hardware({{"preset", "h100-sxm"}, {"memory", {{"window_ns", 1e-6}}}}));
  CHECK(why.find("study.json: /hardware/memory: one request would hold its queue slot for about ") !=
        std::string::npos);
}

TEST_CASE("rates and clocks near the bottom of their ranges are refused for the time the engine's clock can count") {
  const std::string why = work_refusal(small_study_with_hardware({{"preset", "h100-sxm"}, {"clock_GHz", 1e-300}}));
  CHECK(why.starts_with("study.json: /hardware: the run would last about "));
  CHECK(why.find("ns the engine's picosecond clock can count") != std::string::npos);
}

TEST_CASE("the most cores a preset may declare are refused for their thread stacks, before any is allocated") {
  const std::string why = work_refusal(small_study_with_hardware({{"preset", "h100-sxm"}, {"cores", 1 << 20}}));
  CHECK(why.starts_with("study.json: /hardware/cores: 1048576 cores need"));
}

TEST_CASE("simulate refuses an unrunnable study up front, in well under a second") {
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH_AS(
      simulate_loaded(load(small_study_with_hardware({{"preset", "h100-sxm"}, {"memory", {{"latency_ns", 1e9}}}}))),
      doctest::Contains("memory-calendar steps"), core::ConfigError);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

}  // namespace
}  // namespace cascadesim::sim
