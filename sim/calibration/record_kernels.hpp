// The dataflow a measured GPU case ran, as the simulator and the analytical model describe it: the same kernels,
// tiles and launches as validation/runner/cascadesim_validate.cu enqueues for that case.
#pragma once

#include <vector>

#include "models/dataflow/kernel.hpp"
#include "models/hardware_spec.hpp"
#include "sim/calibration/measured_points.hpp"

namespace cascadesim::sim {

// dense: one dense attention; anchor: attention keeping block maxima + top-k selection; sparse: attention over
// top_k tiles per query tile; cascade: three pooling passes (Q, K, V), the coarse anchor over pooled tokens with
// tiles / pool_factor, its selection, and the sparse refinement; stack: one layer per schedule entry, reuse layers
// reading the latest anchor's lists. One K/V head per query head (the measured kernels have no GQA). A record that
// names a model is a study of it: a stack of its whole layers, or (layer_op) the one kernel of its layer that runs
// the record's op.
// Throws std::invalid_argument for a record the dataflow cannot describe (bad schedule, top_k 0 where needed).
std::vector<models::dataflow::Kernel> record_kernels(const MeasuredPoint& point);

// The analytical model's costs of the same case, one entry per roofline term it sums: the attention part of each
// layer (models::layer_cost: attention and anchor scoring) and, for the cascade stage, each pooling pass.
std::vector<models::OpCost> record_analytical_costs(const MeasuredPoint& point, const models::HardwareSpec& hw);

}  // namespace cascadesim::sim
