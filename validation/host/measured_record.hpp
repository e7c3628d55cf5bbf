// One timing record of cascadesim-validate and the atomic writer of the measured-results file. Stat names carry
// their units (conventions.md, "Statistics and outputs"); the device is recorded in every record (nvbench).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "validation/host/case_spec.hpp"

namespace cascadesim::validation {

struct DeviceInfo {
  std::string name;
  int sm_count = 0;
  int sm_clock_kHz = 0;
  int memory_clock_kHz = 0;
  std::int64_t l2_bytes = 0;
  int driver_version = 0;   // CUDA encoding, e.g. 13000 for 13.0
  int runtime_version = 0;  // idem
  int compute_capability_major = 0;
  int compute_capability_minor = 0;
};

struct MeasuredRecord {
  CaseSpec spec;
  DeviceInfo device;
  std::int64_t executed_blocks = 0;  // (batch, head, query tile, key tile) blocks the attention kernel ran
  double flop_count = 0;             // 4 * tile_q * tile_k * head_dim per executed block
  double median_ms = 0;
  double p10_ms = 0;
  double p90_ms = 0;
  double achieved_TFLOP_per_s = 0;  // flop_count / median
  int buffer_sets = 0;              // input sets rotated so that one pass over them exceeds the L2
  std::vector<double> samples_ms;
  // Anchor records only (empty otherwise): the same repetitions split by a device event between the two launches,
  // the attention with block maxima, then the top-k selection; their medians are written as attention_median_ms
  // and select_median_ms.
  std::vector<double> attention_samples_ms;
  std::vector<double> select_samples_ms;
};

// Nearest-rank percentile of samples (copied and sorted); q in [0, 1]. Contract: samples is non-empty.
double percentile(std::vector<double> samples, double q);

// Writes {"schema_version": 1, "records": [...]} to path + ".tmp", then renames it over path, so a reader or a
// crash never sees a partial file. Throws std::runtime_error on I/O failure.
void write_records_atomically(const std::string& path, const std::vector<MeasuredRecord>& records);

}  // namespace cascadesim::validation
