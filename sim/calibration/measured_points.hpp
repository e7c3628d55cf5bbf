// GPU measurements as calibration and reports read them: the records `cascadesim validate` writes, and its
// micro-benchmark file, each value checked with its file and JSON pointer.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace cascadesim::sim {

// One timed case (validation/host/measured_record.hpp writes them).
struct MeasuredPoint {
  std::string file;
  std::string pointer;  // "/records/12"
  std::string name;
  std::string kernel;  // dense, anchor, sparse, cascade, stack, gemm, decode, layer_op
  std::int64_t batch = 1, seq_len = 0, heads = 0, head_dim = 0, tile_q = 0, tile_k = 0, top_k = 0;
  std::int64_t pool_factor = 0;
  bool causal = true;
  std::string schedule;  // stacks only
  // Stacks: a shipped model (configs/models) whose whole layers ran, projections, attention and MLP, as a study of
  // it describes them; empty: the attention kernels alone. Layer ops: the model whose layer kernel ran.
  std::string model;
  // Layer ops only: the operation (models::Op's name: norm, rope, activation) of the model's layer kernel that ran.
  std::string op;
  // GEMMs only: C[seq_len x gemm_n] = A[seq_len x gemm_k] B[gemm_k x gemm_n] per batch member (a layer's projection).
  std::int64_t gemm_n = 0, gemm_k = 0;
  // Decode only: one new token per sequence against seq_len cached keys (top_k > 0: its top_k key tiles); the query
  // heads share kv_heads K/V heads, and the kernel split each sequence's keys kv_splits ways (0: not recorded).
  std::int64_t kv_heads = 0, kv_splits = 0;
  std::string implementation = "fa2-style";  // the kernel family that ran (models/dataflow/attention_implementation)
  // The run's time as every record names it (docs/results.md): the record's median_ms, the median of its timed
  // repetitions; p10_ms and p90_ms bound the spread.
  double time_ms = 0, p10_ms = 0, p90_ms = 0;
  // Records measured with the board's energy (cascadesim-validate --energy-s, gemm_shapes.py --sustain-s): the
  // energy of one run and its time under sustained load, the mean board power and the median SM clock then (the
  // power cap lowers it); NaN when the record has no "energy" block.
  double energy_J = std::numeric_limits<double>::quiet_NaN();
  double sustained_ms = std::numeric_limits<double>::quiet_NaN();
  double sustained_power_W = std::numeric_limits<double>::quiet_NaN();
  double sustained_sm_clock_MHz = std::numeric_limits<double>::quiet_NaN();
  std::string device;
};

// The figures calibration takes from the micro-benchmarks as measured, not fitted.
struct MeasuredCeilings {
  std::string file;
  std::string device;
  double hbm_copy_GBps = 0;    // the faster copy, bytes read + written
  double l2_read_GBps = 0;     // loads that hit the L2 from every SM (0: not measured)
  double graph_launch_us = 0;  // per empty kernel replayed in a CUDA graph: the GPU's own gap between kernels
};

struct MeasuredSet {
  std::vector<MeasuredPoint> points;
  std::vector<MeasuredCeilings> ceilings;  // one per micro-benchmark file
  std::vector<std::string> files;
};

// Reads each file: a records file ({"records": [...]}) or a micro-benchmark file ({"results": [...]}). Every
// problem (unreadable file, not JSON, empty, a record missing a field or with a wrong type) is collected and thrown
// as one ConfigError, one line each: "m.json: /records/3/median_ms: missing required field".
MeasuredSet load_measured(const std::vector<std::string>& paths);
// The same for one file's text already in memory; label names it in messages.
MeasuredSet load_measured_text(std::string_view text, const std::string& label);

}  // namespace cascadesim::sim
