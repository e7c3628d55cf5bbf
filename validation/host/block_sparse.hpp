// Block-sparse attention masks as CSR (per query tile, the sorted key tiles it attends), the dense mask, and the
// tile-max top-k selection that turns an anchor's block maxima into such a mask.
#pragma once

#include <cstdint>
#include <vector>

namespace cascadesim::validation {

// Q, K, V, O are [batch, heads, seq_len, head_dim], contiguous.
struct AttentionShape {
  int batch = 1;
  int heads = 1;
  int seq_len = 1;
  int head_dim = 64;
  bool causal = false;
};

// One CSR row per (batch, head, query tile), row index (b * heads + h) * q_tiles + q_tile.
// Contract: row_offsets has rows + 1 entries starting at 0; each row's col_indices are ascending, unique and
// below the row's visible key-tile count.
struct BlockCsr {
  int tile_q = 64;
  int tile_k = 64;
  int q_tiles = 0;
  int k_tiles = 0;
  std::vector<std::int32_t> row_offsets;
  std::vector<std::int32_t> col_indices;

  int rows() const { return static_cast<int>(row_offsets.size()) - 1; }
};

// Every visible key tile of every query tile.
BlockCsr dense_block_csr(const AttentionShape& shape, int tile_q, int tile_k);

// Row offsets of a top-k mask: each row keeps min(top_k, visible key tiles) entries.
std::vector<std::int32_t> top_k_row_offsets(const AttentionShape& shape, int tile_q, int tile_k, int top_k);

// block_max is [batch, heads, q_tiles, k_tiles] fp32 (invisible entries are ignored). Per row, keeps the top_k
// visible key tiles by descending block max, ties to the lower index, and lists them ascending.
// Contract: block maxima of visible tiles are not NaN.
BlockCsr select_top_k(const AttentionShape& shape, int tile_q, int tile_k, const std::vector<float>& block_max,
                      int top_k);

// Fewest bytes one attention pass over `mask` moves through device memory (METHOD.md, "Two numbers first"): Q read
// and O written once (bf16), each key and value tile that some row of its (batch, K/V head) lists read once, and the
// index lists read once. With kv_heads K/V heads (0: one per query head), query head h reads K/V head
// h / (heads / kv_heads). For the dense mask this is (2 * heads + 2 * kv_heads) * batch * seq_len * head_dim * 2 plus
// the lists. Contract: `mask` was built for `shape`; col_indices.size() and its rows are consistent with it.
double compulsory_attention_bytes(const AttentionShape& shape, const std::vector<std::int32_t>& row_offsets,
                                  const std::vector<std::int32_t>& col_indices, int tile_q, int tile_k,
                                  int kv_heads = 0);

}  // namespace cascadesim::validation
