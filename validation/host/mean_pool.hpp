// Multi-resolution cascade stage geometry and its CPU reference: the coarse stage attends over tokens pooled by
// `factor`, and a coarse tile of tile/factor pooled tokens covers exactly one fine tile of `tile` tokens.
#pragma once

#include <vector>

#include "validation/host/bf16.hpp"
#include "validation/host/block_sparse.hpp"

namespace cascadesim::validation {

// The same batch, heads, head_dim and causality over ceil(seq_len / factor) pooled tokens. Contract: factor >= 1.
AttentionShape pooled_shape(const AttentionShape& shape, int factor);

// x is [batch, heads, seq_len, head_dim]; returns [batch, heads, ceil(seq_len / factor), head_dim] in double, each
// pooled token the mean of its `factor` tokens (fewer for the last one when factor does not divide seq_len).
std::vector<double> reference_mean_pool(const AttentionShape& shape, const std::vector<Bf16>& x, int factor);

// A coarse selection (over pooled tokens, tiles tile/factor) read as a fine mask (tiles tile_q x tile_k): the rows
// and column indices carry over unchanged, since coarse tile i and fine tile i cover the same tokens.
// Contract: coarse.tile_q * factor == tile_q and coarse.tile_k * factor == tile_k.
BlockCsr refine_mask(const BlockCsr& coarse, const AttentionShape& fine_shape, int factor);

}  // namespace cascadesim::validation
