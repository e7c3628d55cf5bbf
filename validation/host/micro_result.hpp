// One calibration micro-benchmark result (HBM and L2 bandwidth, mma.sync peak, launch overhead, cuBLAS GEMM) and
// the atomic writer of the micro-benchmark file. Plain C++ so that the CUDA side and the host tests share it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "validation/host/measured_record.hpp"

namespace cascadesim::validation {

struct MicroBenchResult {
  std::string name;                     // "hbm_copy", "hbm_copy_memcpy", "l2_read", "mma_bf16_peak", "launch_overhead",
                                        // "launch_overhead_graph", "cublas_gemm_bf16"
  std::string metric;                   // unit of median/p10/p90: "GB_per_s", "TFLOP_per_s", "us_per_launch"
  double median = 0, p10 = 0, p90 = 0;  // of the metric over the repetitions (nearest rank, each of its own sort)
  double median_ms = 0;                 // median time of one timed repetition
  std::vector<double> samples_ms;       // one per timed repetition, in order; empty when skipped
  std::vector<std::pair<std::string, double>> parameters;  // e.g. {"bytes_read", ...}, {"m", 8192}, ...
  std::string note;                                        // what exactly is counted, one line
};

// Writes {"schema_version": 1, "device": {...}, "results": [...]} (parameters as an object) through path + ".tmp"
// renamed over path. Throws std::runtime_error on I/O failure.
void write_micro_results_atomically(const std::string& path, const DeviceInfo& device,
                                    const std::vector<MicroBenchResult>& results);

}  // namespace cascadesim::validation
