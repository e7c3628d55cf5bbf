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

// The samples of one part of a repetition, split by device events between its launches.
struct StageSamples {
  std::string name;
  std::vector<double> samples_ms;
};

struct MeasuredRecord {
  CaseSpec spec;
  DeviceInfo device;
  std::int64_t executed_blocks = 0;  // (batch, head, query tile, key tile) blocks the attention kernels ran
  double flop_count = 0;             // 4 * tile_q * tile_k * head_dim per executed block
  // Fewest bytes through device memory (METHOD.md): each input read once, each output written once; for a sparse
  // pass only the key and value tiles some query tile lists, plus the index lists.
  double compulsory_bytes = 0;
  double median_ms = 0;
  double p10_ms = 0;
  double p90_ms = 0;
  double achieved_TFLOP_per_s = 0;  // flop_count / median
  double achieved_GB_per_s = 0;     // compulsory_bytes / median
  int buffer_sets = 0;              // input sets rotated so that one pass over them exceeds the L2
  std::vector<double> samples_ms;
  // Parts of each repetition (empty for single-launch kernels): anchor "attention", "select"; cascade "pool",
  // "coarse", "select", "refine"; stack one entry per layer, "layer_03_anchor".
  std::vector<StageSamples> stages;
};

// Nearest-rank percentile of samples (copied and sorted); q in [0, 1]. Contract: samples is non-empty.
double percentile(std::vector<double> samples, double q);

// Writes text to path + ".tmp", then renames it over path, so that a reader or a crash never sees a partial file.
// Throws std::runtime_error on I/O failure.
void write_json_atomically(const std::string& path, const std::string& text);

// Writes {"schema_version": 1, "records": [...]} to path + ".tmp", then renames it over path, so a reader or a
// crash never sees a partial file. Throws std::runtime_error on I/O failure.
void write_records_atomically(const std::string& path, const std::vector<MeasuredRecord>& records);

}  // namespace cascadesim::validation
