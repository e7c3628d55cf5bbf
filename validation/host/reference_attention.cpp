// Double-precision CPU references for the attention kernels.
#include "validation/host/reference_attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "validation/host/tile_geometry.hpp"

namespace cascadesim::validation {

namespace {
std::size_t tensor_size(const AttentionShape& s) {
  return static_cast<std::size_t>(s.batch) * s.heads * s.seq_len * s.head_dim;
}

void check_inputs(const AttentionShape& shape, const std::vector<Bf16>& q, const std::vector<Bf16>& k) {
  if (shape.batch < 1 || shape.heads < 1 || shape.seq_len < 1 || shape.head_dim < 1)
    throw std::invalid_argument("attention shape: batch, heads, seq_len and head_dim must be >= 1");
  if (q.size() != tensor_size(shape) || k.size() != tensor_size(shape))
    throw std::invalid_argument("attention inputs: expected " + std::to_string(tensor_size(shape)) + " elements");
}

// Scaled scores of query row i against keys [0, seq_len) of one (batch, head) slice, in double.
void scaled_scores(const AttentionShape& shape, const float* q_row, const std::vector<float>& k_slice,
                   std::vector<double>& scores) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(shape.head_dim));
  for (int j = 0; j < shape.seq_len; ++j) {
    const float* k_row = k_slice.data() + static_cast<std::size_t>(j) * shape.head_dim;
    double dot = 0;
    for (int c = 0; c < shape.head_dim; ++c) dot += static_cast<double>(q_row[c]) * k_row[c];
    scores[static_cast<std::size_t>(j)] = dot * scale;
  }
}

std::vector<float> slice_to_float(const std::vector<Bf16>& x, std::size_t offset, std::size_t n) {
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = to_float(x[offset + i]);
  return out;
}
}  // namespace

std::vector<double> reference_attention(const AttentionShape& shape, const std::vector<Bf16>& q,
                                        const std::vector<Bf16>& k, const std::vector<Bf16>& v, const BlockCsr* mask,
                                        std::vector<double>* lse) {
  check_inputs(shape, q, k);
  if (v.size() != tensor_size(shape)) throw std::invalid_argument("attention inputs: V has the wrong size");
  const int q_tiles = mask ? tile_count(shape.seq_len, mask->tile_q) : 0;
  if (mask && mask->rows() != shape.batch * shape.heads * q_tiles)
    throw std::invalid_argument("reference_attention: mask rows do not match batch * heads * q_tiles");
  const int s = shape.seq_len;
  const int d = shape.head_dim;
  const std::size_t slice = static_cast<std::size_t>(s) * d;
  std::vector<double> out(tensor_size(shape), 0.0);
  std::vector<double> scores(static_cast<std::size_t>(s));
  std::vector<char> allowed(static_cast<std::size_t>(s));
  std::vector<char> tile_listed(mask ? static_cast<std::size_t>(mask->k_tiles) : 0);
  if (lse)
    lse->assign(static_cast<std::size_t>(shape.batch) * shape.heads * s, -std::numeric_limits<double>::infinity());
  for (int bh = 0; bh < shape.batch * shape.heads; ++bh) {
    const std::size_t base = static_cast<std::size_t>(bh) * slice;
    const std::vector<float> qf = slice_to_float(q, base, slice);
    const std::vector<float> kf = slice_to_float(k, base, slice);
    const std::vector<float> vf = slice_to_float(v, base, slice);
    for (int i = 0; i < s; ++i) {
      if (mask) {
        const int row = bh * q_tiles + i / mask->tile_q;
        std::fill(tile_listed.begin(), tile_listed.end(), 0);
        for (int e = mask->row_offsets[row]; e < mask->row_offsets[row + 1]; ++e) tile_listed[mask->col_indices[e]] = 1;
      }
      scaled_scores(shape, qf.data() + static_cast<std::size_t>(i) * d, kf, scores);
      double row_max = -std::numeric_limits<double>::infinity();
      for (int j = 0; j < s; ++j) {
        const bool ok = (!shape.causal || j <= i) && (!mask || tile_listed[j / mask->tile_k]);
        allowed[j] = ok;
        if (ok) row_max = std::max(row_max, scores[j]);
      }
      if (row_max == -std::numeric_limits<double>::infinity()) continue;
      double denominator = 0;
      double* o_row = out.data() + base + static_cast<std::size_t>(i) * d;
      for (int j = 0; j < s; ++j) {
        if (!allowed[j]) continue;
        const double p = std::exp(scores[j] - row_max);
        denominator += p;
        const float* v_row = vf.data() + static_cast<std::size_t>(j) * d;
        for (int c = 0; c < d; ++c) o_row[c] += p * v_row[c];
      }
      for (int c = 0; c < d; ++c) o_row[c] /= denominator;
      if (lse) (*lse)[static_cast<std::size_t>(bh) * s + static_cast<std::size_t>(i)] = row_max + std::log(denominator);
    }
  }
  return out;
}

std::vector<float> reference_block_max(const AttentionShape& shape, const std::vector<Bf16>& q,
                                       const std::vector<Bf16>& k, int tile_q, int tile_k) {
  check_inputs(shape, q, k);
  if (tile_q < 1 || tile_k < 1) throw std::invalid_argument("reference_block_max: tiles must be >= 1");
  const int s = shape.seq_len;
  const int d = shape.head_dim;
  const int q_tiles = tile_count(s, tile_q);
  const int k_tiles = tile_count(s, tile_k);
  const std::size_t slice = static_cast<std::size_t>(s) * d;
  const double neg_inf = -std::numeric_limits<double>::infinity();
  std::vector<float> out(static_cast<std::size_t>(shape.batch) * shape.heads * q_tiles * k_tiles);
  std::vector<double> scores(static_cast<std::size_t>(s));
  std::vector<double> block(static_cast<std::size_t>(k_tiles));
  for (int bh = 0; bh < shape.batch * shape.heads; ++bh) {
    const std::size_t base = static_cast<std::size_t>(bh) * slice;
    const std::vector<float> qf = slice_to_float(q, base, slice);
    const std::vector<float> kf = slice_to_float(k, base, slice);
    for (int qt = 0; qt < q_tiles; ++qt) {
      std::fill(block.begin(), block.end(), neg_inf);
      for (int i = qt * tile_q; i < std::min(s, (qt + 1) * tile_q); ++i) {
        scaled_scores(shape, qf.data() + static_cast<std::size_t>(i) * d, kf, scores);
        const int last_key = shape.causal ? i : s - 1;
        for (int j = 0; j <= last_key; ++j) block[j / tile_k] = std::max(block[j / tile_k], scores[j]);
      }
      float* dst = out.data() + (static_cast<std::size_t>(bh) * q_tiles + qt) * k_tiles;
      for (int kt = 0; kt < k_tiles; ++kt) dst[kt] = static_cast<float>(block[kt]);
    }
  }
  return out;
}

std::vector<Bf16> repeat_kv_heads(const AttentionShape& shape, int kv_heads, const std::vector<Bf16>& kv) {
  const std::size_t slice = static_cast<std::size_t>(shape.seq_len) * shape.head_dim;
  if (kv_heads < 1 || shape.heads % kv_heads != 0 ||
      kv.size() != static_cast<std::size_t>(shape.batch) * kv_heads * slice)
    throw std::invalid_argument("repeat_kv_heads: kv_heads must divide heads and kv must hold its heads");
  const int group = shape.heads / kv_heads;
  std::vector<Bf16> out(static_cast<std::size_t>(shape.batch) * shape.heads * slice);
  for (int b = 0; b < shape.batch; ++b)
    for (int h = 0; h < shape.heads; ++h)
      std::copy_n(
          kv.begin() + static_cast<std::ptrdiff_t>((static_cast<std::size_t>(b) * kv_heads + h / group) * slice), slice,
          out.begin() + static_cast<std::ptrdiff_t>((static_cast<std::size_t>(b) * shape.heads + h) * slice));
  return out;
}

}  // namespace cascadesim::validation
