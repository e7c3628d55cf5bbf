// Ring attention over P context ranks with zig-zag sharding, as index maps and per-step block-sparse lists: which
// rows each rank holds, whose K/V it holds at each ring step, the CSR list of 128 x 128 blocks it computes there, and
// for sparse reuse layers which selected key tiles it fetches from each other rank (on demand). The same plan as
// models/parallel.hpp's zigzag and on_demand forms (parallel_spec.hpp gives the sources). Host-only: the device
// runner (validation/multi_device/) and the tests read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "validation/host/block_sparse.hpp"

namespace cascadesim::validation {

// seq_len = 2 x ranks x chunk_tokens: rank r holds chunks r and 2P-1-r (Brandon et al., Striped Attention, 2023;
// zhuzilin/ring-flash-attention's zigzag), chunk r first. Local rows [0, 2 chunk_tokens) keep the global order, so
// that a rank's own K/V is plain causal attention over its local rows.
struct ZigzagLayout {
  int ranks = 1;
  int chunk_tokens = 128;  // a multiple of the 128-key tile
  int seq_len() const { return 2 * ranks * chunk_tokens; }
  int local_tokens() const { return 2 * chunk_tokens; }
};

// Contract: 0 <= rank < ranks, half 0 or 1.
int zigzag_chunk(const ZigzagLayout& layout, int rank, int half);
// The global row of rank's local row; the rank and local row of a global row.
int zigzag_global_row(const ZigzagLayout& layout, int rank, int local_row);
struct RankRow {
  int rank = 0;
  int local_row = 0;
};
RankRow zigzag_owner(const ZigzagLayout& layout, int global_row);

// [batch, heads, seq_len, head_dim] in global order to rank's [batch, heads, local_tokens, head_dim], and back
// (unshard writes rank's rows into `whole`).
template <typename T>
std::vector<T> zigzag_shard(const ZigzagLayout& layout, int rank, int slices, int head_dim,
                            const std::vector<T>& whole);
template <typename T>
void zigzag_unshard(const ZigzagLayout& layout, int rank, int slices, int head_dim, const std::vector<T>& part,
                    std::vector<T>& whole);

// Unidirectional ring: at step s rank r holds the whole K/V block of rank (r - s) mod P, received from r - 1.
// Bidirectional: each half of a block travels its own way, chunk-r halves forward (to r + 1) and chunk-(2P-1-r)
// halves backward (to r - 1), so at step s rank r holds the first half of rank (r - s)'s block and the second half
// of rank (r + s)'s: half the bytes on each direction of every link.
struct RingSources {
  int first_half = 0;   // the rank whose chunk (first half of its block) sits in this step's first half
  int second_half = 0;  // the rank whose chunk 2P-1-rank sits in the second half
};
RingSources ring_sources(const ZigzagLayout& layout, int rank, int step, bool bidirectional);

// The blocks rank computes against the K/V halves `sources` (local rows on both sides): a key half of an earlier
// chunk than the query half is fully visible, of the same chunk causal (the diagonal tiles), of a later chunk not
// at all. One row per (batch, head, local query tile) as BlockCsr, tiles 128 x 128. causal_needed: the step lists
// diagonal blocks, so the kernel must run causal (its masking of key > query on local rows is then exact for every
// listed block, since an earlier chunk only ever sits in the first half under a query of the second).
struct StepList {
  BlockCsr csr;
  bool causal_needed = false;
};
StepList ring_step_list(const ZigzagLayout& layout, int rank, const RingSources& sources, int batch, int heads);

// A causal top-k selection over the whole sequence (tiles 128 x 128, rows (b, h, q_tile)): each query tile keeps its
// diagonal tile and top_k - 1 other visible tiles drawn at random (splitmix64), or every visible tile when fewer;
// ascending. Stands for Kascade's reuse layers' lists (the lists' lengths are what the timing depends on).
BlockCsr sampled_top_k(int batch, int heads, int seq_len, int top_k, std::uint64_t seed);

// On-demand fetch of a sparse layer's selected tiles: rank r fetches from source rank (r - s) mod P at step s
// (s = 0: its own K/V, nothing fetched), per K/V head the distinct tiles its query heads' lists name there, packed in
// ascending order into slots [0, n) of a local_tokens-row buffer. The step's list names slots (own tiles at s = 0).
struct OnDemandStep {
  int source = 0;
  // [batch * kv_heads + kv_head] (the K/V slices): the source's local tile indices fetched, ascending (none at step 0)
  std::vector<std::vector<std::int32_t>> tiles;
  StepList list;
};
// Contract: selection is rows (b, h, q_tile) over the whole sequence (128 x 128 tiles, causal, as sampled_top_k);
// kv_heads divides heads.
std::vector<OnDemandStep> on_demand_steps(const ZigzagLayout& layout, int rank, const BlockCsr& selection, int batch,
                                          int heads, int kv_heads);

// Where K/V data sits on a rank, each buffer [slices, local_tokens, head_dim] (K and V alike): its own shard, the two
// ring buffers a step's incoming block alternates between, and the packed tiles it sends (on-demand fetch).
enum class RingBuffer { own, ring0, ring1, send };
// The buffer a rank computes step s on: its own K/V at step 0, then ring buffer s mod 2.
RingBuffer held_buffer(int step);

// One copy between ranks before a step, in elements of the K (and identically the V) buffers.
struct PlannedTransfer {
  int from = 0, to = 0;
  RingBuffer src = RingBuffer::own, dst = RingBuffer::ring0;
  std::size_t src_offset = 0, dst_offset = 0, elements = 0;
};
// What moves before step s (1 <= s < P) of a dense layer: each rank forwards the block it held at step s - 1 whole to
// r + 1 (unidirectional), or per slice its first half to r + 1 and its second half to r - 1 (bidirectional), into
// the receiver's held_buffer(s).
std::vector<PlannedTransfer> ring_transfers(const ZigzagLayout& layout, int step, bool bidirectional, int slices,
                                            int head_dim);
// The same for a sparse layer fetched on demand: fetches[r] = on_demand_steps(layout, r, ...); the source of rank r's
// step s sends, per slice, its packed tiles (pack_entries) from its send buffer into r's held_buffer(s).
std::vector<PlannedTransfer> on_demand_transfers(const ZigzagLayout& layout, int step,
                                                 const std::vector<std::vector<OnDemandStep>>& fetches, int head_dim);
// What rank `sender` packs into its send buffer before step s: (slice, source tile, slot) triples, flattened, for
// the rank it serves at that step, (sender + s) mod P.
std::vector<int> pack_entries(const ZigzagLayout& layout, int sender, int step,
                              const std::vector<std::vector<OnDemandStep>>& fetches);

// Blocks of a list (its entries).
inline std::int64_t listed_blocks(const BlockCsr& csr) { return static_cast<std::int64_t>(csr.col_indices.size()); }

}  // namespace cascadesim::validation
