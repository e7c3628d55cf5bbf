// Timing cases for cascadesim-validate, read from JSON. Unknown keys and invalid values are collected and
// reported together with their JSON paths (conventions.md, "Configuration").
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "models/layer_schedule.hpp"
#include "validation/host/block_sparse.hpp"

namespace cascadesim::validation {

class CaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class KernelKind { kDense, kAnchor, kSparse, kCascade, kStack, kDecode };

const char* kernel_kind_name(KernelKind kind);

// Which attention kernels a case runs: the FlashAttention-2-style kernels (mma.sync, any of the four tile shapes),
// the fa3-style Hopper kernel (wgmma, bulk tensor copies, warp specialization; sm_90a, tiles 128 x 128 only), or, for
// decode, the split-KV (flash-decoding) kernels.
enum class Implementation { kFa2Style, kFa3Style, kSplitKvDecode };

const char* implementation_name(Implementation implementation);  // "fa2-style", "fa3-style", "split-kv-decode"

// Keys per listed tile of a decode case (kDecodeTileKeys of validation/kernels/decode.cuh, which the runner checks
// against this at compile time).
constexpr int kDecodeCaseTileKeys = 64;

// One measured configuration. kDense runs every visible tile; kAnchor runs the dense pass that also writes block
// maxima, then the top-k selection; kSparse runs the top_k tiles per query tile that the anchor selected.
// kCascade is a two-resolution stage: mean-pool Q, K and V by pool_factor, attend over the pooled tokens with
// tiles tile/pool_factor while recording block maxima, select top_k coarse tiles per query tile, then refine at
// full resolution over the selected tiles. kStack runs one layer per schedule entry on its own inputs: dense,
// anchor (dense + maxima + selection) or reuse (sparse over the latest anchor's selection). kDecode is one decode
// step: one new query token per sequence against a K/V cache of shape.seq_len tokens, over every key tile (top_k 0)
// or top_k key tiles of kDecodeCaseTileKeys keys per (sequence, K/V head) (top-k K/V fetch; the tiles drawn at
// random), split over `splits` blocks per row and reduced in a second pass.
struct CaseSpec {
  std::string name;
  AttentionShape shape;
  int kv_heads = 0;  // K/V heads (grouped-query attention), dividing shape.heads; 0 (the JSON default): shape.heads
  int tile_q = 128;
  int tile_k = 128;
  KernelKind kernel = KernelKind::kDense;
  int top_k = 0;  // required (>= 1) for kAnchor, kSparse, kCascade and a kStack with anchors; optional for kDecode
  int pool_factor = 0;             // kCascade only (>= 2); tile_q and tile_k must be multiples of it
  models::LayerSchedule schedule;  // kStack only, e.g. "1D+3A+12R" or "16D"
  int repetitions = 30;
  int warmup = 5;
  Implementation implementation = Implementation::kFa2Style;
  int splits = 0;  // kDecode only: blocks per (sequence, K/V head) row; 0 picks them from the device's occupancy

  int kv_head_count() const { return kv_heads > 0 ? kv_heads : shape.heads; }
};

// Document: {"schema_version": 1, "generated_from": {...} (optional, provenance), "cases": [{"name", "seq_len",
// "heads", "kv_heads", "head_dim", "causal", "batch", "tile_q", "tile_k", "kernel", "top_k", "pool_factor",
// "schedule", "repetitions", "warmup", "implementation", "splits"}, ...]}. "implementation" is "fa2-style" (the
// default) or "fa3-style" for prefill kernels; fa3-style needs tile_q = tile_k = 128. A cascade runs both stages
// through its implementation; a fa3-style cascade needs pool_factor 2 (its coarse stage runs the fa3-style 64 x 64
// tiles over the pooled tokens). kv_heads other than heads needs fa3-style and no cascade. Kernel "decode" takes
// "split-kv-decode" (its default and only implementation), no tile_q / tile_k (its tiles are kDecodeCaseTileKeys keys
// of one query), causal true only (the new token sees the whole cache) and an optional "splits".
// `source` names the document in errors. Throws CaseError listing every problem, one per line: "<source>:
// /cases/1/head_dim: must be >= 1 (got 0)".
std::vector<CaseSpec> parse_cases(const std::string& json_text, const std::string& source);
std::vector<CaseSpec> load_cases(const std::string& path);

}  // namespace cascadesim::validation
