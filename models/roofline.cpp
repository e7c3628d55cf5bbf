// Roofline timing (Williams, Waterman, Patterson 2009) with launch overheads added outside the overlap.
#include "models/roofline.hpp"

#include <algorithm>

namespace cascadesim::models {

std::string_view to_string(Bound bound) {
  switch (bound) {
    case Bound::matrix:
      return "matrix";
    case Bound::vector:
      return "vector";
    case Bound::memory:
      return "memory";
    case Bound::launch:
      return "launch";
  }
  return "?";
}

namespace {
Bound dominant(const RooflineTime& t) {
  const double busy = std::max({t.matrix_s, t.vector_s, t.memory_s});
  if (t.launch_s > busy) return Bound::launch;
  if (t.memory_s >= t.matrix_s && t.memory_s >= t.vector_s) return Bound::memory;
  return t.matrix_s >= t.vector_s ? Bound::matrix : Bound::vector;
}
}  // namespace

RooflineTime& RooflineTime::operator+=(const RooflineTime& o) {
  matrix_s += o.matrix_s;
  vector_s += o.vector_s;
  memory_s += o.memory_s;
  launch_s += o.launch_s;
  total_s += o.total_s;
  bound = dominant(*this);
  return *this;
}

RooflineTime operator*(double scale, const RooflineTime& t) {
  RooflineTime r{scale * t.matrix_s, scale * t.vector_s, scale * t.memory_s,
                 scale * t.launch_s, scale * t.total_s,  t.bound};
  return r;
}

RooflineTime roofline_time(const OpCost& cost, const HardwareSpec& hw) {
  RooflineTime t;
  t.matrix_s = cost.matrix_flops / (hw.peak_matrix_TFLOPs * 1e12 * hw.matrix_efficiency);
  t.vector_s = cost.vector_flops / (hw.peak_vector_TFLOPs * 1e12);
  t.memory_s = cost.hbm_bytes / (hw.hbm_bandwidth_GBps * 1e9 * hw.memory_efficiency);
  t.launch_s = cost.kernels * hw.kernel_launch_us * 1e-6;
  t.total_s = std::max({t.matrix_s, t.vector_s, t.memory_s}) + t.launch_s;
  t.bound = dominant(t);
  return t;
}

double ridge_flops_per_byte(const HardwareSpec& hw) {
  return (hw.peak_matrix_TFLOPs * 1e12 * hw.matrix_efficiency) / (hw.hbm_bandwidth_GBps * 1e9 * hw.memory_efficiency);
}

double flash_attention_io_bound_bytes(double seq_len, double head_dim, double sram_bytes, double bytes_per_element) {
  const double sram_elements = sram_bytes / bytes_per_element;
  return seq_len * seq_len * head_dim * head_dim / sram_elements * bytes_per_element;
}

}  // namespace cascadesim::models
