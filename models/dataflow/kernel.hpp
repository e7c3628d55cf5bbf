// What moves and computes, kernel by kernel and tile by tile, described once: the simulator replays it on the
// hardware models and the analytical sums (kernel_cost) add it up. Compact and lazy: a work unit's key tiles
// are a range for dense attention and generated on demand for top-k, never a materialized list per tile.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "models/dataflow/pattern.hpp"
#include "models/layer_costs.hpp"
#include "models/layer_schedule.hpp"
#include "models/precision.hpp"

namespace cascadesim::models::dataflow {

// C[m x n] = A[m x k] B[k x n], `problems` times over (a batched GEMM: one per head in unfused attention): work
// units are tile_m x tile_n output tiles of every problem, each streaming k. Consecutive problems may share B
// (the query heads of one K/V head read the same K or V).
struct GemmWork {
  double m = 0, n = 0, k = 0;
  double problems = 1;
  std::int64_t problems_per_b = 1;  // consecutive problems that read the same B
  // A 2-CTA cluster of 128 x 256 tiles sharing operands by multicast (CUTLASS Hopper) acts as one 256 x 256 tile.
  double tile_m = 256, tile_n = 256;
  // Formats of A (activations; Q or P unfused), B (a weight; K or V unfused) and C; the product runs at
  // matrix_precision(A, B).
  Precision a_precision = Precision::bf16, b_precision = Precision::bf16, out_precision = Precision::bf16;
  double epilogue_ops_per_output = 0;  // fused elementwise work (activation) per output element
  std::uint64_t a_tensor = 0;          // ids for tile-granular caching: A panels reused across N tiles,
  std::uint64_t b_tensor = 0;          // B (weight) panels reused across M tiles

  double tiles_per_problem() const { return std::ceil(m / tile_m) * std::ceil(n / tile_n); }
  double units() const { return std::ceil(problems) * tiles_per_problem(); }  // output tiles
  double a_bytes() const { return bytes_per_element(a_precision); }
  double b_bytes() const { return bytes_per_element(b_precision); }
  double out_bytes() const { return bytes_per_element(out_precision); }
  Precision compute_precision() const { return matrix_precision(a_precision, b_precision); }
  double written_bytes() const { return out_bytes() * problems * m * n; }
  // A and C once, B once per group of problems that share it: what must pass HBM whatever the tiles.
  double compulsory_bytes() const {
    return a_bytes() * problems * m * k + b_bytes() * (problems / static_cast<double>(problems_per_b)) * k * n +
           written_bytes();
  }
  bool operator==(const GemmWork&) const = default;
};

// Tiled attention, FlashAttention-2 style: a work unit is one query tile of one head of one sequence; it loads
// Q, streams K/V tiles (K and V of a tile travel together), keeps the online softmax, and writes O. Which key
// tiles a query tile visits is its pattern's (models/dataflow/pattern.hpp); without one, every visible tile.
// Decode runs as flash-decoding does (Dao, Haziza, Massa, Sizov 2023): the query heads of one K/V head are
// packed into one unit's rows, so each K/V tile is loaded once per K/V head, and a unit's key tiles may be
// split over several units (kv_splits) whose fp32 partial outputs a combine kernel reduces.
struct AttentionWork {
  double batch = 1;
  std::int64_t heads = 0, kv_heads = 0, head_dim = 0;
  std::int64_t query_tiles = 0, key_tiles = 0, tile_tokens = 0;
  std::int64_t key_tokens = 0;  // the keys without tile padding (compulsory bytes); 0: key_tiles x tile_tokens
  std::int64_t rows = 0;        // query rows per tile as computed (1 in decode)
  bool causal = true;
  std::shared_ptr<const AttentionPattern> pattern;  // null: dense
  std::int64_t top_k = 0;                           // the study's top_k, for patterns that use it
  std::int64_t layer = 0;
  std::uint64_t anchor_seed = 0;                        // the anchor whose lists a reuse layer reads (layer + 1)
  double vector_ops_per_score = softmax_ops_per_score;  // + 1 / tile_tokens when an anchor keeps block maxima
  bool writes_tile_scores = false;                      // anchor: one fp32 score per visited block
  bool reads_index_lists = false;                       // reuse: int32 lists from memory
  TensorPrecisions precision;                           // Q and O: activations; K and V: kv_cache; P: scores
  double kv_fetch_bytes_per_element = 0;  // > 0: K/V bytes fetched per element (a progressive-quantization pass)
  std::uint64_t kv_tensor = 0;            // id of this layer's K/V, for tile-granular caching
  std::int64_t heads_per_unit = 1;        // query heads packed into one unit's rows (one K/V head's group), else 1
  std::int64_t kv_splits = 1;             // set for a machine by kv_splits_for
  std::int64_t kv_splits_as_run = 0;      // > 0: the splits a measured kernel ran with, which kv_splits_for keeps
  std::int64_t implementation = 0;        // how its units run on a core: attention_implementation(implementation)
  std::int64_t host_key_tiles = 0;        // key tiles [0, host_key_tiles) of every K/V head are read from host memory
  std::int64_t value_dim = 0;             // width of a V row and of O; 0: head_dim (MLA's differ)
  // MLA with absorbed weights (DeepSeek-V2 §2.1.2; FlashMLA): a key row is the cached latent plus the rotary key,
  // and its first value_dim elements serve as V, so a tile loads one row per token, not a K row and a V row.
  bool latent_kv = false;

  PatternSpace space() const {
    return PatternSpace{heads, kv_heads, query_tiles, key_tiles, causal, top_k, layer, anchor_seed, tile_tokens};
  }
  std::int64_t visible(std::int64_t q) const { return causal && query_tiles == key_tiles ? q + 1 : key_tiles; }
  std::int64_t visited(std::int64_t head, std::int64_t q) const {
    return pattern ? pattern->visited_count(space(), head, q) : visible(q);
  }
  // Blocks over every head of one sequence: causal T(T+1)/2 or Tq Tk per head when dense (seed 002 §4).
  double visited_blocks() const;
  double q_element_bytes() const { return bytes_per_element(precision.activations); }  // Q and O
  double kv_element_bytes() const {
    return kv_fetch_bytes_per_element > 0 ? kv_fetch_bytes_per_element : bytes_per_element(precision.kv_cache);
  }
  std::int64_t v_dim() const { return value_dim > 0 ? value_dim : head_dim; }
  // Elements of one token's K and V of one K/V head as a tile loads them.
  std::int64_t kv_row_elements() const { return latent_kv ? head_dim : head_dim + v_dim(); }
  double kv_tile_bytes() const { return static_cast<double>(tile_tokens * kv_row_elements()) * kv_element_bytes(); }
  // One K/V head's whole K and V of one sequence.
  double key_bytes_per_kv_head() const {
    const std::int64_t keys = key_tokens > 0 ? key_tokens : key_tiles * tile_tokens;
    return static_cast<double>(keys * kv_row_elements()) * kv_element_bytes();
  }
  std::int64_t head_groups() const { return heads / heads_per_unit; }
  std::int64_t unit_rows() const { return rows * heads_per_unit; }
  // Query rows that do not fill a tile (decode): the unit's key tiles may be split over kv_splits units.
  bool splits_keys() const { return rows < tile_tokens; }
  // fp32 output rows plus each row's running max and sum, as a split unit writes them for the combine kernel.
  double partial_bytes() const { return static_cast<double>(unit_rows() * (v_dim() + 2)) * 4.0; }
  // Work units: one per query tile, head group, split and whole sequence.
  double units() const { return std::ceil(batch) * static_cast<double>(head_groups() * query_tiles * kv_splits); }
  // Unit u's place in the order the engine hands units out: key splits fastest, then query tiles, head groups and
  // sequences (a causal kernel's longest units come last in each head group).
  struct UnitPlace {
    std::int64_t seq = 0, group = 0, q = 0, split = 0;
  };
  UnitPlace unit_place(std::int64_t u) const {
    return {u / (kv_splits * query_tiles * head_groups()), (u / (kv_splits * query_tiles)) % head_groups(),
            (u / kv_splits) % query_tiles, u % kv_splits};
  }
  // Of a unit's `listed` key tiles, the indices [first, second) that split `split` computes.
  std::pair<std::int64_t, std::int64_t> split_range(std::int64_t listed, std::int64_t split) const {
    if (kv_splits == 1) return {0, listed};  // no division: the closed form calls this for every unit of a wave
    return {listed * split / kv_splits, listed * (split + 1) / kv_splits};
  }

  // The key tiles query tile q of `head` visits, ascending, written to out (cleared first).
  void visited_tiles(std::int64_t head, std::int64_t q, std::vector<std::int64_t>& out) const;
  // The key tiles a unit of head group `group` loads for query tile q: the union of its heads' lists, ascending
  // (out cleared first). Dense attention (no pattern) loads the visible range and leaves out empty.
  void unit_tiles(std::int64_t group, std::int64_t q, std::vector<std::int64_t>& out) const;
  std::int64_t unit_tile_count(std::int64_t group, std::int64_t q) const;
  // K/V tiles loaded over every head group of one sequence: visited_blocks() / heads_per_unit when the group's
  // heads share their lists.
  double loaded_blocks() const;
  // Of loaded_blocks(), those below host_key_tiles: read over the host link, not from HBM.
  double host_loaded_blocks() const;
  bool operator==(const AttentionWork&) const = default;  // the same pattern object, not equal lists
};

// Splits per unit for a machine: none when the units already fill the cores or the work is not decode; otherwise
// enough to give every core a unit (as flash-decoding's split heuristic fills the SMs), at most the fewest key
// tiles a unit visits, and no more than pay for their fold: a split unit loads tiles / s tiles while the combine
// waits 2 s L2 round trips (combine_kernel), least in sum at s = sqrt(tiles x tile load / (2 x round trip)).
std::int64_t kv_splits_for(const AttentionWork& w, const SplitMachine& machine);

// Per query tile, rank the visible key tiles by the anchor's block scores and write the lists its pattern
// keeps (anchor layers of patterns that select from scores, a kernel of its own).
struct SelectWork {
  double batch = 1;
  std::int64_t heads = 0, query_tiles = 0, key_tiles = 0, top_k = 0;
  bool causal = true;
  std::shared_ptr<const AttentionPattern> pattern;  // sizes the lists written
  PatternSpace space;                               // the anchor's own layer
  bool shared_by_heads = false;                     // one ranking per query tile serves every head
  std::int64_t candidates(std::int64_t q) const { return causal ? q + 1 : key_tiles; }
  std::int64_t ranked_heads() const { return shared_by_heads ? 1 : heads; }
  // The tiles ranking `head` (of ranked_heads()) keeps for query tile q: its pattern's list, or, shared, the longest
  // list of any head (heads a pattern prunes keep none of it).
  std::int64_t kept(std::int64_t head, std::int64_t q) const;
  // kept summed over the ranked heads and query tiles of one sequence.
  double kept_blocks() const;
  double units() const { return std::ceil(batch) * static_cast<double>(ranked_heads() * query_tiles); }
  bool operator==(const SelectWork&) const = default;
};

// Elementwise passes over memory: pooling for scoring, cascade stop decisions.
struct StreamWork {
  double read_bytes = 0, write_bytes = 0, vector_ops = 0;
  double matrix_flops = 0;                       // small dense products riding along (pooled scores)
  Precision matrix_precision = Precision::bf16;  // the format they run at
  double units = 1;                              // work units it is spread over
  // Per unit: reads of data the L2 holds, each issued only once the one before has returned (a fold over partials
  // written by an earlier kernel), so each costs an L2 round trip on the unit's critical path.
  double dependent_l2_reads = 0;
  bool operator==(const StreamWork&) const = default;
};

struct Kernel {
  std::string name;
  Op op = Op::qkv_projection;
  std::int64_t layer = 0;
  LayerKind layer_kind = LayerKind::dense;
  std::variant<GemmWork, AttentionWork, SelectWork, StreamWork> work;
};

// The same kernel in another layer of its kind, for its costs: it visits that layer's pattern lists, read from the
// given anchor's (the tensor ids, which only caches read, stay).
void move_to_layer(Kernel& kernel, std::int64_t layer, std::uint64_t anchor_seed);

// The kernels as a machine runs them: decode attention's key tiles split over the cores (kv_splits_for), each split
// attention followed by its combine kernel. Both backends evaluate this list.
std::vector<Kernel> split_for_cores(std::vector<Kernel> kernels, const SplitMachine& machine);
// The same for one kernel, without building a list: sets its kv_splits, calls f with it, then with its combine
// kernel when it splits.
template <class F>
void for_each_split(Kernel& kernel, const SplitMachine& machine, F&& f);

// The second pass of split attention: each unit reads its kv_splits partials, rescales them by their row maxima
// and sums them, and writes O (flash-decoding's reduction). Contract: attention holds AttentionWork.
Kernel combine_kernel(const Kernel& attention);

// Scratchpad check: how many K/V tiles a core can hold in flight beside its Q tile and fp32 O accumulator
// (at most max_stages); 0 when not even one fits. Kernels that declare no stage count keep up to
// default_pipeline_stages in flight.
inline constexpr std::int64_t default_pipeline_stages = 4;
std::int64_t pipeline_stages(const AttentionWork& w, double sram_bytes, std::int64_t max_stages);

// The work units a kernel is cut into (a stream's at least one, whole).
double work_units(const Kernel& kernel);
// Units of an attention kernel one core has in flight on a machine of these limits (its implementation's
// occupancy, models/dataflow/attention_implementation.hpp).
std::int64_t units_in_flight(const AttentionWork& w, const CoreLimits& core);

// The family whose fitted figures a kernel takes (models/kernel_families.hpp): an attention kernel's implementation,
// decode for split-key attention, gemm, selection, or elementwise for streams.
std::size_t kernel_family(const Kernel& kernel);

// The formats a kernel's matrix FLOPs run at and the share of them at each: attention's Q K^T and P V take half
// each; a second share of 0 when one format runs all of them.
struct MatrixShare {
  Precision precision = Precision::bf16;
  double share = 0;
};
std::array<MatrixShare, 2> matrix_shares(const Kernel& kernel);

// The analytical sum over a kernel's description (FLOPs, compulsory-or-streamed bytes are the simulator's job;
// here bytes count every tile load, before any cache).
OpCost kernel_cost(const Kernel& kernel);

template <class F>
void for_each_split(Kernel& kernel, const SplitMachine& machine, F&& f) {
  auto* a = std::get_if<AttentionWork>(&kernel.work);
  if (a) a->kv_splits = kv_splits_for(*a, machine);
  f(static_cast<const Kernel&>(kernel));
  if (a && a->kv_splits > 1) f(static_cast<const Kernel&>(combine_kernel(kernel)));
}

}  // namespace cascadesim::models::dataflow
