// The figures of a machine that the analytical models need: peaks, capacities and fixed costs.
#pragma once

#include <cstdint>
#include <string>

namespace cascadesim::models {

struct HardwareSpec {
  std::string name;
  double peak_matrix_TFLOPs = 0;  // dense (not 2:4 sparse) tensor/matrix-unit throughput
  double peak_vector_TFLOPs = 0;  // non-matrix FP32 throughput: softmax, scoring, top-k compares
  double hbm_bandwidth_GBps = 0;  // off-chip memory bandwidth, GB = 1e9 bytes
  double hbm_bytes = 0;
  double l2_bytes = 0;             // shared on-chip cache or global buffer; 0 = none
  double sram_per_core_bytes = 0;  // per-core scratchpad / shared memory
  std::int64_t cores = 0;          // SMs, TensorCores or PEs that take work units
  double clock_GHz = 0;
  double kernel_launch_us = 0;        // fixed cost per kernel launch and synchronisation
  double matrix_efficiency = 1.0;     // achievable fraction of peak_matrix_TFLOPs (calibration fits it)
  double memory_efficiency = 1.0;     // achievable fraction of hbm_bandwidth_GBps (calibration fits it)
  std::string matrix_dtype = "bf16";  // element type that peak_matrix_TFLOPs is quoted for
};

}  // namespace cascadesim::models
