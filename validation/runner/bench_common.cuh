// Helpers the GPU benchmark runners share (cascadesim-fa3-bench, cascadesim-ring-attention, cascadesim-nccl-bench):
// CSR lists on the device, event timing summarized as median/p10/p90, the records file and option lists.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "validation/host/block_sparse.hpp"
#include "validation/host/measured_record.hpp"
#include "validation/host/multi_device_records.hpp"
#include "validation/kernels/attention.cuh"
#include "validation/kernels/cuda_support.cuh"

namespace cascadesim::validation {

// GPUs present when GPU 0 is of compute capability 9.0 (the fa3-style kernel is sm_90a code), else 0: the runners
// then exit 2, which ctest reports as skipped.
inline int sm90_device_count() {
  int devices = 0;
  cudaDeviceProp prop{};
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices < 1 || cudaGetDeviceProperties(&prop, 0) != cudaSuccess ||
      prop.major != 9 || prop.minor != 0)
    return 0;
  return devices;
}

// The device's description for the records (measured_record.hpp's DeviceInfo).
inline DeviceInfo device_info(int device) {
  cudaDeviceProp prop{};
  CASCADESIM_CUDA(cudaGetDeviceProperties(&prop, device));
  DeviceInfo info;
  info.name = prop.name;
  info.sm_count = prop.multiProcessorCount;
  info.l2_bytes = prop.l2CacheSize;
  info.compute_capability_major = prop.major;
  info.compute_capability_minor = prop.minor;
  CASCADESIM_CUDA(cudaDeviceGetAttribute(&info.sm_clock_kHz, cudaDevAttrClockRate, device));
  CASCADESIM_CUDA(cudaDeviceGetAttribute(&info.memory_clock_kHz, cudaDevAttrMemoryClockRate, device));
  CASCADESIM_CUDA(cudaDriverGetVersion(&info.driver_version));
  CASCADESIM_CUDA(cudaRuntimeGetVersion(&info.runtime_version));
  return info;
}

struct DeviceCsr {
  DeviceBuffer<std::int32_t> row_offsets;
  DeviceBuffer<std::int32_t> col_indices;
};

// On the current device.
inline DeviceCsr upload_csr(const BlockCsr& csr) {
  DeviceCsr d{DeviceBuffer<std::int32_t>(csr.row_offsets.size()),
              DeviceBuffer<std::int32_t>(std::max<std::size_t>(1, csr.col_indices.size()))};
  d.row_offsets.upload(csr.row_offsets);
  if (!csr.col_indices.empty()) {
    CASCADESIM_CUDA(
        cudaMemcpy(d.col_indices.get(), csr.col_indices.data(), csr.col_indices.size() * 4, cudaMemcpyHostToDevice));
  }
  return d;
}

struct GqaShape {
  AttentionShape shape;  // shape.heads: query heads
  int kv_heads = 1;
};

// The kernel's arguments over one set of device buffers and lists (block_max and lse: null, or written).
inline AttentionArgs make_args(const std::uint16_t* q, const std::uint16_t* k, const std::uint16_t* v, std::uint16_t* o,
                               const DeviceCsr& csr, float* block_max, const GqaShape& g, float* lse = nullptr) {
  AttentionArgs a;
  a.q = q;
  a.k = k;
  a.v = v;
  a.o = o;
  a.row_offsets = csr.row_offsets.get();
  a.col_indices = csr.col_indices.get();
  a.block_max = block_max;
  a.lse = lse;
  a.batch = g.shape.batch;
  a.heads = g.shape.heads;
  a.kv_heads = g.kv_heads;
  a.seq_len = g.shape.seq_len;
  a.causal = g.shape.causal;
  return a;
}

struct Timing {
  double median_ms = 0, p10_ms = 0, p90_ms = 0;
  std::vector<double> samples_ms;
};

inline Timing summarize(std::vector<double> samples_ms) {
  Timing t;
  t.samples_ms = std::move(samples_ms);
  t.median_ms = percentile(t.samples_ms, 0.5);
  t.p10_ms = percentile(t.samples_ms, 0.1);
  t.p90_ms = percentile(t.samples_ms, 0.9);
  return t;
}

// launch() enqueues one repetition on the legacy default stream of the current device; event-timed after warm-up.
template <typename Launch>
Timing time_launches(Launch launch, int warmup, int repetitions) {
  cudaEvent_t start, stop;
  CASCADESIM_CUDA(cudaEventCreate(&start));
  CASCADESIM_CUDA(cudaEventCreate(&stop));
  for (int i = 0; i < warmup; ++i) CASCADESIM_LAUNCH(launch());
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  std::vector<double> samples;
  for (int i = 0; i < repetitions; ++i) {
    CASCADESIM_CUDA(cudaEventRecord(start));
    CASCADESIM_LAUNCH(launch());
    CASCADESIM_CUDA(cudaEventRecord(stop));
    CASCADESIM_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    CASCADESIM_CUDA(cudaEventElapsedTime(&ms, start, stop));
    samples.push_back(ms);
  }
  CASCADESIM_CUDA(cudaEventDestroy(start));
  CASCADESIM_CUDA(cudaEventDestroy(stop));
  return summarize(std::move(samples));
}

inline void write_records(const std::string& path, const std::vector<std::string>& records) {
  core::write_file_atomically(path, records_document(records));
}

inline std::vector<int> parse_list(const char* text) {
  std::vector<int> out;
  for (const char* p = text; *p;) {
    out.push_back(std::atoi(p));
    while (*p && *p != ',') ++p;
    if (*p == ',') ++p;
  }
  return out;
}

}  // namespace cascadesim::validation
