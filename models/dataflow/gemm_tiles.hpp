// The output tile a GEMM runs with, chosen as a GEMM library's heuristic chooses among its kernels; both backends
// cut a GemmWork with it before they time it.
#pragma once

#include <cstdint>
#include <functional>

#include "models/dataflow/kernel.hpp"

namespace cascadesim::models::dataflow {

// The machine as the heuristic weighs it. tile_compute_ns: one core's matrix time for a tile_m x tile_n output tile
// over k at the work's precision (each backend's own: the simulator's matrix unit, the analytical model's peak).
struct GemmTileMachine {
  std::int64_t cores = 1;
  double core_port_GBps = 0, l2_GBps = 0, hbm_GBps = 0;  // 0: not a limit
  std::function<double(const GemmWork&)> tile_compute_ns;
};

// g with the tile shape of smallest estimate among CUTLASS's Hopper shapes (256 x 256 stands for a 2-CTA cluster of
// 128 x 256 tiles sharing operands), the larger tile on a tie, so a machine with more cores never gets a worse choice
// than one with fewer. The estimate: whole waves of tiles, each bound by its matrix work or by its operands through
// the core's port; the whole GEMM bound by the operands passing the L2 and its compulsory bytes passing HBM.
GemmWork choose_gemm_tiles(GemmWork g, const GemmTileMachine& machine);

}  // namespace cascadesim::models::dataflow
