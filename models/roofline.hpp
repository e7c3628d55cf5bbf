// Roofline time of an operation: max(compute, memory) plus fixed launch costs (Williams et al. 2009).
#pragma once

#include <string_view>

#include "models/hardware_spec.hpp"
#include "models/layer_costs.hpp"

namespace cascadesim::models {

enum class Bound { matrix, vector, memory, launch };
std::string_view to_string(Bound bound);

struct RooflineTime {
  double matrix_s = 0;          // matrix FLOPs at peak_matrix_TFLOPs * matrix_efficiency
  double vector_s = 0;          // vector FLOPs at peak_vector_TFLOPs
  double memory_s = 0;          // HBM bytes at hbm_bandwidth_GBps * memory_efficiency
  double launch_s = 0;          // kernels * kernel_launch_us
  double total_s = 0;           // max(matrix, vector, memory) + launch: units overlap, launches do not
  Bound bound = Bound::matrix;  // the largest term; launch when launches exceed the busy time

  RooflineTime& operator+=(const RooflineTime& o);  // sums terms; bound: the one with the largest sum
};
RooflineTime operator*(double scale, const RooflineTime& t);

RooflineTime roofline_time(const OpCost& cost, const HardwareSpec& hw);

// Bytes per FLOP at the ridge point: above it an op is memory-bound.
double ridge_flops_per_byte(const HardwareSpec& hw);

// FlashAttention's HBM traffic bound Theta(N^2 d^2 / M) for one head (Dao et al. 2022, Theorem 2), with M the
// per-core SRAM in elements; the constant is taken as 1, so it is an order of magnitude, not a count.
double flash_attention_io_bound_bytes(double seq_len, double head_dim, double sram_bytes, double bytes_per_element);

}  // namespace cascadesim::models
