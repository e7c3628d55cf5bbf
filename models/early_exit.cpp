// Early exit (seed 004 "Theoretical Analysis": average depth p * L, speedup 1 / p).
#include "models/early_exit.hpp"

#include <cstddef>

namespace cascadesim::models {

double average_depth_fraction(const EarlyExitSpec& spec, std::int64_t n_layers) {
  double depth = 0;
  for (const EarlyExitPoint& e : spec.exits)
    depth += e.fraction * static_cast<double>(e.after_layer) / static_cast<double>(n_layers);
  return depth;
}

double expected_early_exit_cost(const EarlyExitSpec& spec, const LayerSchedule& schedule, std::int64_t n_layers,
                                const std::array<double, 3>& cost_by_kind, double head_cost) {
  double expected = 0;
  double prefix = 0;
  std::int64_t layer = 0;
  std::size_t ramps = 0;
  for (const EarlyExitPoint& e : spec.exits) {
    for (; layer < e.after_layer && layer < n_layers; ++layer) {
      const LayerKind kind =
          schedule.layers.empty() ? LayerKind::dense : schedule.layers[static_cast<std::size_t>(layer)];
      prefix += cost_by_kind[static_cast<std::size_t>(kind)];
    }
    ++ramps;
    expected += e.fraction * (prefix + static_cast<double>(ramps) * head_cost);
  }
  return expected;
}

}  // namespace cascadesim::models
