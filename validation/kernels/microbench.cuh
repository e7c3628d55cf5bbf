// Calibration micro-benchmarks of the GPU validation module: the ceilings (HBM and L2 bandwidth, mma.sync peak,
// launch overhead, cuBLAS bf16 GEMM) that the measured attention kernels and the simulator's presets compare against.
#pragma once

#include <cstddef>
#include <vector>

#include "validation/host/micro_result.hpp"

namespace cascadesim::validation {

// Runs every micro-benchmark on the current device (cudaSetDevice already done), each with warm-up repetitions
// first, then `repetitions` repetitions timed one by one with CUDA events. l2_bytes and sm_count are the device's
// (cudaDeviceProp::l2CacheSize, multiProcessorCount). Peak device memory is 4 GiB (the HBM copy's two buffers).
// Results, in order: hbm_copy, hbm_copy_memcpy, l2_read, mma_bf16_peak, launch_overhead, launch_overhead_graph, then
// cublas_gemm_bf16 for m=n=k=4096, m=n=k=8192 and m=32768 n=2048 k=2048 (or one skipped cublas_gemm_bf16 result,
// note "skipped: ..." and no samples, when no cuBLAS library can be loaded at run time).
// Throws std::invalid_argument when repetitions < 20, l2_bytes == 0 or sm_count < 1; std::runtime_error with
// file:line and the CUDA error name on any CUDA failure, the status number on any cuBLAS failure, and a message on
// any result that fails its check (copy contents, L2 load sum, mma accumulators, GEMM samples).
std::vector<MicroBenchResult> run_micro_benchmarks(int repetitions, std::size_t l2_bytes, int sm_count);

}  // namespace cascadesim::validation
