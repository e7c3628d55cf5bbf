#include "models/dataflow/gemm_tiles.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace cascadesim::models::dataflow {

namespace {
constexpr std::array<std::array<double, 2>, 7> gemm_tile_candidates{
    {{256, 256}, {256, 128}, {128, 256}, {128, 128}, {128, 64}, {64, 128}, {64, 64}}};

double over(double bytes, double GBps) { return GBps > 0 ? bytes / GBps : 0.0; }

// Without the compulsory bytes' HBM bound, which no tile shape changes.
double tile_bound_ns(const GemmWork& g, const GemmTileMachine& machine) {
  const double units = g.units();
  const double waves = std::ceil(units / static_cast<double>(std::max<std::int64_t>(machine.cores, 1)));
  const double operand_bytes = (g.tile_m * g.a_bytes() + g.tile_n * g.b_bytes()) * g.k;
  const double compute_ns = machine.tile_compute_ns(g);
  const double port_ns = over(operand_bytes, machine.core_port_GBps);
  const double l2_ns = over(units * operand_bytes, machine.l2_GBps);
  return std::max(waves * std::max(compute_ns, port_ns), l2_ns);
}
}  // namespace

GemmWork choose_gemm_tiles(GemmWork g, const GemmTileMachine& machine) {
  GemmWork best = g;
  double best_ns = std::numeric_limits<double>::infinity();
  const double hbm_ns = over(g.compulsory_bytes(), machine.hbm_GBps);
  for (const auto& [tile_m, tile_n] : gemm_tile_candidates) {
    GemmWork candidate = g;
    candidate.tile_m = tile_m;
    candidate.tile_n = tile_n;
    const double ns = std::max(tile_bound_ns(candidate, machine), hbm_ns);
    if (ns < best_ns * (1.0 - 1e-9)) {
      best = candidate;
      best_ns = ns;
    }
  }
  return best;
}

}  // namespace cascadesim::models::dataflow
