// Decode attention on the host: the key-tile lists a decode pass reads (dense, or top-k K/V fetch), the float64
// reference output, and the fewest bytes such a pass moves. Shared by cascadesim-fa3-bench and cascadesim-validate.
#pragma once

#include <cstdint>
#include <vector>

#include "validation/host/bf16.hpp"
#include "validation/host/block_sparse.hpp"

namespace cascadesim::validation {

// One new query token per sequence: q, o [batch, heads, head_dim]; k, v [batch, kv_heads, context, head_dim].
struct DecodeShape {
  int batch = 1;
  int heads = 1;
  int kv_heads = 1;
  int context = 1;
  int head_dim = 64;
};

// Per (batch, kv head) one CSR row of the key tiles (tile_keys keys; the last may be partial) it reads: every tile
// (top_k 0, or top_k >= the tile count) or top_k distinct tiles drawn by a splitmix64 hash chain from seed, ascending.
BlockCsr decode_lists(const DecodeShape& shape, int top_k, int tile_keys, std::uint64_t seed);

// Float64 output [batch, heads, head_dim]: query head h of sequence b attends the listed keys of K/V head
// h / (heads / kv_heads), scaled by 1 / sqrt(head_dim). Contract: lists came from decode_lists for this shape.
std::vector<double> reference_decode(const DecodeShape& shape, const std::vector<Bf16>& q, const std::vector<Bf16>& k,
                                     const std::vector<Bf16>& v, const BlockCsr& lists, int tile_keys);

// Fewest bytes through device memory (METHOD.md): the listed K and V rows read once, Q read and O written once (bf16),
// the lists read once.
double decode_compulsory_bytes(const DecodeShape& shape, const BlockCsr& lists, int tile_keys);

// Keys the lists cover in all (partial last tiles counted by their keys), summed over the (batch, kv head) rows.
double decode_listed_keys(const DecodeShape& shape, const BlockCsr& lists, int tile_keys);

}  // namespace cascadesim::validation
