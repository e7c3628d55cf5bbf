// libFuzzer target: sweep specs (configs/sweeps/*.json). A spec that loads has its first points evaluated
// (analytical backend only: the simulator is fuzzed through the study targets), and every row they give must
// carry finite objectives or a reason.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "sim/sweep/row_chunk.hpp"
#include "sim/sweep/sweep_spec.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cascadesim;
  using namespace cascadesim::sim;
  sweep::SweepSpec spec;
  try {
    spec = sweep::load_sweep_spec_text(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz-sweep.json");
  } catch (const core::ConfigError& e) {
    if (e.issues().empty()) cascadesim::fuzz::finding("a core::ConfigError without issues", 0);
    return 0;
  }
  if (spec.backend != sweep::Backend::analytical) return 0;
  const sweep::RowFormatter formatter(spec);
  const sweep::PointSpace space(spec.radices());
  sweep::ChunkEvaluator evaluator(spec, formatter, space, true);
  sweep::RowChunk chunk;
  evaluator.evaluate(0, std::min<std::uint64_t>(space.size(), 32), chunk);
  for (double v : chunk.objectives)
    if (!std::isfinite(v)) cascadesim::fuzz::finding("an ok row's objective", v);
  return 0;
}
