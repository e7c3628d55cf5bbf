// Double-precision CPU references for the attention kernels: the forward output O = softmax(Q K^T / sqrt(d)) V,
// optionally restricted to a block-sparse mask, and the per-block maximum score used to rank key tiles.
#pragma once

#include <vector>

#include "validation/host/bf16.hpp"
#include "validation/host/block_sparse.hpp"

namespace cascadesim::validation {

// O in double, [batch, heads, seq_len, head_dim]. Query i attends key j when j < seq_len, j <= i if causal, and,
// with a mask, j's key tile is listed for i's query tile (the causal mask still applies inside listed tiles).
// A query row with no attended key (possible under a mask when tile_q != tile_k) has an all-zero output.
// lse: when given, receives [batch, heads, seq_len] each row's log-sum-exp of its attended scaled scores in natural-log
// units (-inf for a row with none), as the fa3-style kernel's AttentionArgs::lse.
std::vector<double> reference_attention(const AttentionShape& shape, const std::vector<Bf16>& q,
                                        const std::vector<Bf16>& k, const std::vector<Bf16>& v,
                                        const BlockCsr* mask = nullptr, std::vector<double>* lse = nullptr);

// [batch, heads, q_tiles, k_tiles]: the largest scaled score q_i . k_j / sqrt(d) over the block's in-range,
// causally visible (i, j) pairs, rounded to float; -inf for key tiles the query tile cannot see.
std::vector<float> reference_block_max(const AttentionShape& shape, const std::vector<Bf16>& q,
                                       const std::vector<Bf16>& k, int tile_q, int tile_k);

// K or V of kv_heads heads, [batch, kv_heads, seq_len, head_dim], repeated to shape.heads heads (query head h reads
// K/V head h / (heads / kv_heads)): grouped-query attention as the multi-head attention the references compute.
// Contract: kv_heads divides shape.heads and kv holds batch * kv_heads * seq_len * head_dim values.
std::vector<Bf16> repeat_kv_heads(const AttentionShape& shape, int kv_heads, const std::vector<Bf16>& kv);

}  // namespace cascadesim::validation
