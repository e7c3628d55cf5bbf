// Block-sparse attention masks as CSR and the tile-max top-k selection.
#include "validation/host/block_sparse.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "validation/host/tile_geometry.hpp"

namespace cascadesim::validation {

namespace {
void check_tiles(const AttentionShape& shape, int tile_q, int tile_k) {
  if (shape.batch < 1 || shape.heads < 1 || shape.seq_len < 1 || shape.head_dim < 1)
    throw std::invalid_argument("attention shape: batch, heads, seq_len and head_dim must be >= 1");
  if (tile_q < 1 || tile_k < 1) throw std::invalid_argument("attention tiles: tile_q and tile_k must be >= 1");
  // The CSR offsets are int32 (the kernels read them so): every list must stay below 2^31 entries.
  const double q_tiles = tile_count(shape.seq_len, tile_q);
  const double blocks = static_cast<double>(shape.batch) * shape.heads * q_tiles * tile_count(shape.seq_len, tile_k);
  if (blocks > std::numeric_limits<std::int32_t>::max())
    throw std::invalid_argument("attention shape: " + std::to_string(static_cast<long long>(blocks)) +
                                " tile blocks exceed the 2^31 - 1 that int32 index lists hold");
}
}  // namespace

BlockCsr dense_block_csr(const AttentionShape& shape, int tile_q, int tile_k) {
  check_tiles(shape, tile_q, tile_k);
  BlockCsr csr;
  csr.tile_q = tile_q;
  csr.tile_k = tile_k;
  csr.q_tiles = tile_count(shape.seq_len, tile_q);
  csr.k_tiles = tile_count(shape.seq_len, tile_k);
  csr.row_offsets.push_back(0);
  for (int bh = 0; bh < shape.batch * shape.heads; ++bh) {
    for (int qt = 0; qt < csr.q_tiles; ++qt) {
      const int visible = visible_key_tiles(qt, shape.seq_len, tile_q, tile_k, shape.causal);
      for (int kt = 0; kt < visible; ++kt) csr.col_indices.push_back(kt);
      csr.row_offsets.push_back(static_cast<std::int32_t>(csr.col_indices.size()));
    }
  }
  return csr;
}

std::vector<std::int32_t> top_k_row_offsets(const AttentionShape& shape, int tile_q, int tile_k, int top_k) {
  check_tiles(shape, tile_q, tile_k);
  if (top_k < 1) throw std::invalid_argument("top_k must be >= 1 (got " + std::to_string(top_k) + ")");
  const int q_tiles = tile_count(shape.seq_len, tile_q);
  std::vector<std::int32_t> offsets{0};
  for (int bh = 0; bh < shape.batch * shape.heads; ++bh) {
    for (int qt = 0; qt < q_tiles; ++qt) {
      const int visible = visible_key_tiles(qt, shape.seq_len, tile_q, tile_k, shape.causal);
      offsets.push_back(offsets.back() + std::min(top_k, visible));
    }
  }
  return offsets;
}

BlockCsr select_top_k(const AttentionShape& shape, int tile_q, int tile_k, const std::vector<float>& block_max,
                      int top_k) {
  BlockCsr csr;
  csr.tile_q = tile_q;
  csr.tile_k = tile_k;
  csr.row_offsets = top_k_row_offsets(shape, tile_q, tile_k, top_k);
  csr.q_tiles = tile_count(shape.seq_len, tile_q);
  csr.k_tiles = tile_count(shape.seq_len, tile_k);
  const std::size_t rows = static_cast<std::size_t>(csr.rows());
  if (block_max.size() != rows * static_cast<std::size_t>(csr.k_tiles))
    throw std::invalid_argument("select_top_k: block_max has " + std::to_string(block_max.size()) +
                                " entries, expected " + std::to_string(rows * csr.k_tiles));
  csr.col_indices.resize(static_cast<std::size_t>(csr.row_offsets.back()));
  std::vector<std::int32_t> order;
  for (std::size_t row = 0; row < rows; ++row) {
    const int qt = static_cast<int>(row % static_cast<std::size_t>(csr.q_tiles));
    const int visible = visible_key_tiles(qt, shape.seq_len, tile_q, tile_k, shape.causal);
    const float* scores = block_max.data() + row * static_cast<std::size_t>(csr.k_tiles);
    order.resize(static_cast<std::size_t>(visible));
    std::iota(order.begin(), order.end(), 0);
    const auto keep = static_cast<std::ptrdiff_t>(csr.row_offsets[row + 1] - csr.row_offsets[row]);
    std::partial_sort(order.begin(), order.begin() + keep, order.end(), [&](std::int32_t a, std::int32_t b) {
      return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
    });
    std::sort(order.begin(), order.begin() + keep);
    std::copy(order.begin(), order.begin() + keep, csr.col_indices.begin() + csr.row_offsets[row]);
  }
  return csr;
}

double compulsory_attention_bytes(const AttentionShape& shape, const std::vector<std::int32_t>& row_offsets,
                                  const std::vector<std::int32_t>& col_indices, int tile_q, int tile_k, int kv_heads) {
  check_tiles(shape, tile_q, tile_k);
  constexpr double kBf16Bytes = 2;
  const int kv = kv_heads > 0 ? kv_heads : shape.heads;
  if (shape.heads % kv != 0) throw std::invalid_argument("compulsory_attention_bytes: kv_heads must divide heads");
  const int group = shape.heads / kv;
  const int q_tiles = tile_count(shape.seq_len, tile_q);
  const int k_tiles = tile_count(shape.seq_len, tile_k);
  const int slices = shape.batch * shape.heads;
  if (row_offsets.size() != static_cast<std::size_t>(slices) * q_tiles + 1 ||
      static_cast<std::size_t>(row_offsets.back()) != col_indices.size())
    throw std::invalid_argument("compulsory_attention_bytes: index lists do not match the shape");
  const double row_bytes = kBf16Bytes * shape.head_dim;
  double bytes = 2.0 * slices * shape.seq_len * row_bytes;  // Q read, O written
  std::vector<char> listed(static_cast<std::size_t>(k_tiles));
  // A K/V tile is read once for its K/V head when any query head of its group lists it.
  for (int kv_slice = 0; kv_slice < shape.batch * kv; ++kv_slice) {
    std::fill(listed.begin(), listed.end(), 0);
    for (int slice = kv_slice * group; slice < (kv_slice + 1) * group; ++slice) {
      const std::size_t first = static_cast<std::size_t>(row_offsets[static_cast<std::size_t>(slice) * q_tiles]);
      const std::size_t last = static_cast<std::size_t>(row_offsets[static_cast<std::size_t>(slice + 1) * q_tiles]);
      for (std::size_t i = first; i < last; ++i) listed[static_cast<std::size_t>(col_indices[i])] = 1;
    }
    for (int kt = 0; kt < k_tiles; ++kt)
      if (listed[static_cast<std::size_t>(kt)])
        bytes += 2.0 * std::min(tile_k, shape.seq_len - kt * tile_k) * row_bytes;  // K and V rows of the tile
  }
  return bytes + 4.0 * static_cast<double>(row_offsets.size() + col_indices.size());
}

}  // namespace cascadesim::validation
