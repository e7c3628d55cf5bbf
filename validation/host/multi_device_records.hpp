// Records of the multi-device runners (cascadesim-nccl-bench, cascadesim-ring-attention): NCCL collectives with
// nccl-tests' algorithm and bus bandwidths, and ring-attention runs carrying the plan parameters of
// models/parallel.hpp (devices, context-parallel variant, K/V fetch, top_k), so that predicted and measured can be
// joined. Host-only, so that the tests check them without a GPU.
#pragma once

#include <string>
#include <vector>

#include "models/collectives.hpp"
#include "validation/host/measured_record.hpp"

namespace cascadesim::validation {

// The records file of the benchmark runners: {"schema_version": 1, "records": [r0, r1, ...]}, one record a line.
std::string records_document(const std::vector<std::string>& records);

// nccl-tests' bus-bandwidth factor (NVIDIA/nccl-tests doc/PERFORMANCE.md): busbw = algbw x factor, with algbw = bytes
// / time and bytes as models::collective_time_s counts them (all-reduce's vector, all-gather's output,
// reduce-scatter's input, send/recv's message): all-reduce 2(n-1)/n, all-gather and reduce-scatter (n-1)/n, send/recv
// 1. It makes busbw comparable with the link's bandwidth whatever the rank count. Contract: ranks >= 1; all-to-all is
// not measured (throws std::invalid_argument).
double bus_bandwidth_factor(models::Collective collective, int ranks);

struct TimingSummary {
  double median_ms = 0, p10_ms = 0, p90_ms = 0;
};

struct CollectiveMeasurement {
  models::Collective collective = models::Collective::all_reduce;
  double bytes = 0;  // as bus_bandwidth_factor's
  int ranks = 1;     // GPUs in the communicator
  std::string nccl_version;
  TimingSummary time;  // of a repetition: the slowest rank's event time
};

// One JSON object: collective, bytes, ranks, the times, algbw_GBps and busbw_GBps from the median (GB = 1e9 bytes),
// the NCCL version and the device (its name, SM count and SM clock).
std::string collective_record_json(const CollectiveMeasurement& m, const DeviceInfo& device);

// One ring-attention run over `devices` ranks (emulated on one GPU when transport is "loopback").
struct RingMeasurement {
  std::string variant;    // "zigzag" (unidirectional ring) or "zigzag-bidirectional"
  std::string kv_fetch;   // "rotate" (dense layer: every K/V block round the ring) or "on_demand" (sparse)
  std::string transport;  // "nccl" or "loopback"
  int devices = 1;        // context ranks P
  int batch = 1, heads = 1, kv_heads = 1, seq_len = 1, head_dim = 128;
  int top_k = 0;                  // 0: dense
  long long executed_blocks = 0;  // 128 x 128 blocks over all ranks
  double flop_count = 0;          // 4 x 128 x 128 x head_dim per block
  double sent_bytes_max = 0;      // the most bytes one rank sent over the whole layer
  double single_device_ms = 0;    // the same layer on one device (whole sequence), 0 if not measured
  int reserved_sms = 0;           // SMs the attention launches left to the transfers' kernels
  TimingSummary time;
};

// One JSON object with every field of m, speedup over one device when measured, and the device.
std::string ring_record_json(const RingMeasurement& m, const DeviceInfo& device);

}  // namespace cascadesim::validation
