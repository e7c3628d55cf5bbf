// Roofline time of an operation: max(compute, memory) plus fixed launch costs (Williams et al. 2009).
#pragma once

#include <algorithm>
#include <string_view>

#include "models/hardware_spec.hpp"
#include "models/layer_costs.hpp"

namespace cascadesim::models {

enum class Bound { matrix, vector, memory, launch, host_link };
std::string_view to_string(Bound bound);

struct RooflineTime {
  double matrix_s = 0;  // matrix FLOPs at each one's precision's peak * matrix_efficiency, over the busiest core
  double vector_s = 0;  // vector FLOPs at peak_vector_TFLOPs()
  double memory_s = 0;  // HBM bytes at hbm_bandwidth_GBps, or longer where few cores' ports carry them
  double host_s = 0;    // host-memory bytes at host_bandwidth_GBps (the host tier's link, beside HBM)
  double launch_s = 0;  // kernels * kernel_launch_us
  double fixed_s = 0;   // the kernels' own fixed costs and their units' chains (OpCost::unit_chain_s)
  double serial_s = 0;  // the vector work that waits for the matrix work (fa2-style softmax)
  // max(matrix + serial vector, vector, memory, host) + fixed + launch: units overlap, fixed costs and launches do not
  double time_s = 0;
  Bound bound = Bound::matrix;  // the largest term; launch when launches exceed the busy time

  // Sums every term; the bound is left for dominant_bound() once the sum is complete.
  RooflineTime& operator+=(const RooflineTime& o) {
    matrix_s += o.matrix_s;
    vector_s += o.vector_s;
    memory_s += o.memory_s;
    host_s += o.host_s;
    launch_s += o.launch_s;
    fixed_s += o.fixed_s;
    serial_s += o.serial_s;
    time_s += o.time_s;
    return *this;
  }
};

inline RooflineTime operator*(double scale, const RooflineTime& t) {
  RooflineTime s = t;
  for (double* v : {&s.matrix_s, &s.vector_s, &s.memory_s, &s.host_s, &s.launch_s, &s.fixed_s, &s.serial_s, &s.time_s})
    *v *= scale;
  return s;
}

// The largest of the terms; launch when launches exceed the busy time.
inline Bound dominant_bound(const RooflineTime& t) {
  const double busy = std::max({t.matrix_s, t.vector_s, t.memory_s, t.host_s});
  if (t.launch_s > busy) return Bound::launch;
  if (t.host_s > t.memory_s && t.host_s >= t.matrix_s && t.host_s >= t.vector_s) return Bound::host_link;
  if (t.memory_s >= t.matrix_s && t.memory_s >= t.vector_s) return Bound::memory;
  return t.matrix_s >= t.vector_s ? Bound::matrix : Bound::vector;
}

// Inline: it runs tens of times per prediction, inside sweeps of millions of points.
inline RooflineTime roofline_time(const OpCost& cost, const HardwareSpec& hw) {
  RooflineTime t;
  t.matrix_s = (cost.matrix_flops + cost.precision_matrix_flops + cost.family_matrix_flops + cost.wave_matrix_flops) /
               (hw.peak_matrix_TFLOPs() * 1e12 * hw.matrix_efficiency);
  t.vector_s = (cost.vector_flops + cost.special_function_flops + cost.family_vector_flops + cost.wave_vector_flops) /
               (hw.peak_vector_TFLOPs() * 1e12);
  t.memory_s = (cost.hbm_bytes + cost.port_excess_bytes) / (hw.hbm_bandwidth_GBps * 1e9);
  if (cost.host_bytes > 0) t.host_s = cost.host_bytes / (hw.host_bandwidth_GBps * 1e9);
  t.launch_s = cost.kernels * hw.kernel_launch_us * 1e-6;
  t.fixed_s = cost.fixed_s + cost.unit_chain_s;
  t.serial_s = cost.serial_vector_flops / (hw.peak_vector_TFLOPs() * 1e12);
  t.time_s = std::max({t.matrix_s + t.serial_s, t.vector_s, t.memory_s, t.host_s}) + t.fixed_s + t.launch_s;
  t.bound = dominant_bound(t);
  return t;
}

// Bytes per FLOP at the ridge point: above it an op is memory-bound.
double ridge_flops_per_byte(const HardwareSpec& hw);

// FlashAttention's HBM traffic bound Theta(N^2 d^2 / M) for one head (Dao et al. 2022, Theorem 2), with M the
// per-core SRAM in elements; the constant is taken as 1, so it is an order of magnitude, not a count.
double flash_attention_io_bound_bytes(double seq_len, double head_dim, double sram_bytes, double bytes_per_element);

}  // namespace cascadesim::models
