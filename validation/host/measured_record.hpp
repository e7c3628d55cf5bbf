// One timing record of cascadesim-validate and the atomic writer of the measured-results file. Stat names carry
// their units (conventions.md, "Statistics and outputs"); the device is recorded in every record (nvbench).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "validation/host/board_meter.hpp"
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

// Board energy around one case (--energy-s): the board idle for a moment, then the case's launches back to back for
// seconds (NVML's energy counter and the power cap's clock control act over tens to hundreds of milliseconds, so a
// burst of milliseconds measures neither), so the per-run figures are those of sustained load, at the clock the power
// limit leaves.
struct EnergyMeasurement {
  BoardWindow idle;
  BoardWindow loaded;
  std::int64_t runs = 0;
  double ms_per_run = 0;  // device time of the loaded window (events) over runs
  double power_limit_W = 0;
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
  int decode_splits = 0;            // kDecode: the splits per row that ran (the case's, or the occupancy-based one)
  std::vector<double> samples_ms;
  // Parts of each repetition (empty for single-launch kernels): anchor "attention", "select"; cascade "pool",
  // "coarse", "select", "refine"; stack one entry per layer, "layer_03_anchor".
  std::vector<StageSamples> stages;
  std::optional<EnergyMeasurement> energy;
};

// The device as every record carries it (name, compute capability, SM count and clock, L2, versions): a JSON object.
std::string device_json_text(const DeviceInfo& device);

// Nearest-rank percentile of samples (copied and sorted); q in [0, 1]. Contract: samples is non-empty.
double percentile(std::vector<double> samples, double q);

// The measured-results file of one timing run: {"schema_version": 1, "records": [...]}, one record per measured case
// in the order of the cases, rewritten atomically after each case so that a kill, a full disk or a device fault at
// any moment leaves every finished record in it, readable.
class MeasuredResultsFile {
 public:
  // Fresh (resume false): refuses a path that already holds records, which would be lost. Resume: reads back the
  // records of an interrupted run of the same cases on the same device and keeps them as they are; a record whose
  // case is not in `cases`, or whose case fields differ from the case's, or that was measured on another device,
  // is refused. A missing or empty file holds nothing to resume. Throws CaseError "<path>: /records/2/seq_len: ...".
  MeasuredResultsFile(std::string path, const std::vector<CaseSpec>& cases, const DeviceInfo& device, bool resume);

  bool measured(std::size_t case_index) const { return !record_text_.at(case_index).empty(); }
  std::size_t record_count() const;

  // Rewrites the file with the record of cases[case_index] added; on a write error (core::write_file_atomically's
  // OutputError) the file and this object stay as they were.
  void add(std::size_t case_index, const MeasuredRecord& record);

 private:
  std::string path_;
  std::vector<std::string> record_text_;  // one per case: the record as JSON text, "" until measured
};

}  // namespace cascadesim::validation
