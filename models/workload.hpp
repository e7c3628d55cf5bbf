// What is run on the model: phase, lengths, tiling, the Kascade schedule, and optional cascade / early exit.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "models/dataflow/pattern.hpp"
#include "models/layer_schedule.hpp"
#include "models/parallel_spec.hpp"
#include "models/precision.hpp"

namespace cascadesim::models {

enum class Phase { prefill, decode };
enum class AttentionKernel { fused, materialized };  // FlashAttention-style tiles vs S x S scores in memory
enum class AnchorScoring { tile_max, pooled };       // how an anchor rates key tiles for top-k

// One stage of a coarse-to-fine cascade (seed 000 "Stage-Wise Computational Costs").
struct CascadeStage {
  double resolution = 1.0;     // linear resolution relative to full, per spatial dimension
  double exit_fraction = 0.0;  // fraction of all inputs that stop after this stage
};

// How a batch runs a cascade: it waits for its slowest member, exited members are compacted out, or the members
// that go on are re-bucketed between stages into buckets of bucket_size, each padded to full size.
enum class BatchPolicy { wait_for_slowest, compact, bucketed };

// How a confidence threshold's early-stopping rate is spread over the stages before the last: equal shares, or
// MSDNet's geometric exit distribution (models/cascade.hpp).
enum class ExitRule { equal_shares, geometric };

struct CascadeSpec {
  std::vector<CascadeStage> stages;  // coarse to fine; the last stage has resolution 1
  std::int64_t spatial_dims = 2;     // tokens scale as resolution^spatial_dims (2 for images)
  BatchPolicy batch_policy = BatchPolicy::compact;
  std::int64_t bucket_size = 0;  // members per bucket under BatchPolicy::bucketed (0: not given; other policies)
  // Seed 000's overhead terms, as fractions of the theoretical speedup ("Theoretical vs Practical Speedup Gap").
  double memory_overhead = 0.125;
  double transition_overhead = 0.065;
  double decision_overhead = 0.025;
  // Seed 000 "Confidence-Based Early Stopping": when set (not NaN), the stages' exit fractions were derived from
  // this threshold (exit_fractions_for_threshold in models/cascade.hpp) instead of being given per stage.
  double confidence_threshold = std::numeric_limits<double>::quiet_NaN();
  ExitRule exit_rule = ExitRule::equal_shares;  // read only with a confidence_threshold
  bool has_confidence_threshold() const { return !std::isnan(confidence_threshold); }
};

// Early exit over layers (seed 004 "Theoretical Analysis").
struct EarlyExitPoint {
  std::int64_t after_layer = 0;  // 1-based: this many layers run before the exit
  double fraction = 0.0;         // fraction of inputs that exit here
};

struct EarlyExitSpec {
  std::vector<EarlyExitPoint> exits;       // ascending after_layer; fractions sum to 1
  double exit_head_flops_per_token = 0.0;  // cost of one confidence head evaluation, per token
};

// SpAtten's progressive quantization (Wang, Zhang, Han, HPCA 2021; seed 003): the sparse layers' attention fetches
// the most significant bits of K and V first and computes; where the softmax is not confident it fetches the least
// significant bits and recomputes, so DRAM traffic cascades too.
struct ProgressiveQuantization {
  std::int64_t msb_bits = 8;        // bits per K/V element of the first fetch
  std::int64_t lsb_bits = 4;        // bits per element the second fetch adds
  double recompute_fraction = 0.0;  // of the query heads (per query tile), those that fetch the LSBs and recompute
};

// The workload's settings that reach every layer invocation: models::LayerShape derives from this as Workload does,
// so a setting the dataflow reads is declared once (here and in the study schema) and copied as a whole.
struct LayerSettings {
  std::int64_t tile_tokens = 128;  // query and key tile edge (seed 002: 128)
  std::int64_t top_k = 0;          // key tiles kept per query tile in reuse layers
  // Which key tiles reuse layers visit (/workload/pattern); Kascade's top-k lists when the study names none.
  std::shared_ptr<const dataflow::AttentionPattern> pattern = dataflow::default_pattern();
  AnchorScoring anchor_scoring = AnchorScoring::tile_max;
  AttentionKernel attention_kernel = AttentionKernel::fused;
  // Index into dataflow::attention_implementations() (/workload/attention_implementation): how fused attention's
  // units run on a core.
  std::int64_t attention_implementation = 0;
  TensorPrecisions precision;  // each tensor's number format (/workload/precision); bytes via bytes_per_element
  // Mixture-of-experts layers: the busiest expert's tokens over an even share (1: balanced routing). The expert GEMMs
  // run as a batched GEMM padded to the busiest expert's rows, as capacity-based dispatch computes them (GShard,
  // Lepikhin et al. 2020; Switch Transformer, Fedus et al. 2022, expert capacity), and as the busiest device of
  // expert parallelism bounds the layer.
  double expert_load_imbalance = 1.0;
  // Set: reuse layers' attention fetches K/V in two passes (models/dataflow/kascade_topk.cpp, reuse_kernels).
  std::optional<ProgressiveQuantization> progressive_quantization;
};

// KV eviction in decode (/workload/decode/eviction): the cache keeps at most kv_budget_tokens per sequence and layer;
// evicted tokens are neither stored nor read. sink_window: StreamingLLM's first tokens and a recent window (Xiao et
// al., ICLR 2024); heavy_hitter: H2O's tokens of largest accumulated attention plus recent ones (Zhang et al.,
// NeurIPS 2023), which keeps an accumulated score per head and cached token, updated at every step.
enum class KvEviction { none, sink_window, heavy_hitter };

// Multi-step decode (/workload/decode): steps decode steps from a cache of seq_len tokens, one token more per step.
// Selections are made at steps 0, P, 2P, ... (P = reselect_every) and reused in between (Recycled Attention; seed
// 003): on the other steps anchor layers and estimate-then-sparse layers attend over the lists they selected last,
// with no full attention, estimator or selection kernel. With correct_every C, after every C steps the C tokens
// decoded since the last correction are run again as a dense prefill chunk against the cache (TidalDecode's KV-cache
// correction, Yang et al. 2024 §3.3). K/V beyond the HBM (or kv_offload_fraction of it) lives in the machine's host
// memory and is read over its link (models/decode_steps.hpp).
struct DecodeSpec {
  std::int64_t steps = 1;
  std::int64_t reselect_every = 1;
  std::int64_t correct_every = 0;  // 0: no correction
  KvEviction eviction = KvEviction::none;
  std::int64_t kv_budget_tokens = 0;  // cached tokens kept per sequence and layer under eviction
  double kv_offload_fraction = 0;     // of every layer's K/V, the oldest tiles kept in host memory at least
};

struct Workload : LayerSettings {
  Phase phase = Phase::prefill;
  std::int64_t seq_len = 0;  // prefill: tokens per sequence; decode: KV-cache length
  std::int64_t batch = 1;
  LayerSchedule schedule;  // empty: all layers dense
  std::optional<CascadeSpec> cascade;
  std::optional<EarlyExitSpec> early_exit;
  ParallelSpec parallel;  // over the machine's /interconnect devices; none: one device
  std::optional<DecodeSpec> decode;
};

}  // namespace cascadesim::models
