// Roofline timing (Williams, Waterman, Patterson 2009) with launch overheads added outside the overlap.
#include "models/roofline.hpp"

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
    case Bound::host_link:
      return "host_link";
  }
  return "?";
}

double ridge_flops_per_byte(const HardwareSpec& hw) {
  return (hw.peak_matrix_TFLOPs() * 1e12 * hw.matrix_efficiency) / (hw.hbm_bandwidth_GBps * 1e9);
}

double flash_attention_io_bound_bytes(double seq_len, double head_dim, double sram_bytes, double bytes_per_element) {
  const double sram_elements = sram_bytes / bytes_per_element;
  return seq_len * seq_len * head_dim * head_dim / sram_elements * bytes_per_element;
}

}  // namespace cascadesim::models
