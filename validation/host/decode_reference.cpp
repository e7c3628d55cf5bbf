// Decode attention on the host: key-tile lists, the float64 reference and the compulsory bytes.
#include "validation/host/decode_reference.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "validation/host/splitmix.hpp"
#include "validation/host/tile_geometry.hpp"

namespace cascadesim::validation {

namespace {
void check_decode_shape(const DecodeShape& s, int tile_keys) {
  if (s.batch < 1 || s.heads < 1 || s.kv_heads < 1 || s.heads % s.kv_heads != 0 || s.context < 1 || s.head_dim < 1 ||
      tile_keys < 1)
    throw std::invalid_argument("decode: invalid shape (kv_heads must divide heads; every size >= 1)");
}
}  // namespace

BlockCsr decode_lists(const DecodeShape& s, int top_k, int tile_keys, std::uint64_t seed) {
  check_decode_shape(s, tile_keys);
  const int tiles = tile_count(s.context, tile_keys);
  BlockCsr csr;
  csr.tile_q = 1;
  csr.tile_k = tile_keys;
  csr.q_tiles = 1;
  csr.k_tiles = tiles;
  csr.row_offsets.push_back(0);
  std::uint64_t x = seed;
  for (int r = 0; r < s.batch * s.kv_heads; ++r) {
    std::vector<int> picked;
    if (top_k <= 0 || top_k >= tiles) {
      for (int t = 0; t < tiles; ++t) picked.push_back(t);
    } else {
      std::vector<char> used(static_cast<std::size_t>(tiles), 0);
      while (static_cast<int>(picked.size()) < top_k) {
        x = splitmix64(x);
        const int t = static_cast<int>(x % static_cast<std::uint64_t>(tiles));
        if (!used[static_cast<std::size_t>(t)]) used[static_cast<std::size_t>(t)] = 1, picked.push_back(t);
      }
      std::sort(picked.begin(), picked.end());
    }
    for (int t : picked) csr.col_indices.push_back(t);
    csr.row_offsets.push_back(static_cast<std::int32_t>(csr.col_indices.size()));
  }
  return csr;
}

std::vector<double> reference_decode(const DecodeShape& s, const std::vector<Bf16>& q, const std::vector<Bf16>& k,
                                     const std::vector<Bf16>& v, const BlockCsr& lists, int tile_keys) {
  check_decode_shape(s, tile_keys);
  const int d = s.head_dim, group = s.heads / s.kv_heads;
  const std::size_t kv_elements = static_cast<std::size_t>(s.batch) * s.kv_heads * s.context * d;
  if (q.size() != static_cast<std::size_t>(s.batch) * s.heads * d || k.size() != kv_elements ||
      v.size() != kv_elements || lists.rows() != s.batch * s.kv_heads)
    throw std::invalid_argument("reference_decode: tensor sizes or lists do not match the shape");
  std::vector<double> out(static_cast<std::size_t>(s.batch) * s.heads * d, 0.0);
  for (int b = 0; b < s.batch; ++b) {
    for (int h = 0; h < s.heads; ++h) {
      const int row = b * s.kv_heads + h / group;
      const std::size_t kv = static_cast<std::size_t>(row) * s.context * d;
      const Bf16* qh = &q[(static_cast<std::size_t>(b) * s.heads + h) * d];
      std::vector<int> keys;
      for (int e = lists.row_offsets[row]; e < lists.row_offsets[row + 1]; ++e)
        for (int j = 0; j < tile_keys; ++j)
          if (lists.col_indices[e] * tile_keys + j < s.context) keys.push_back(lists.col_indices[e] * tile_keys + j);
      std::vector<double> score(keys.size());
      double mx = -INFINITY;
      for (std::size_t i = 0; i < keys.size(); ++i) {
        double dot = 0;
        for (int c = 0; c < d; ++c)
          dot += static_cast<double>(to_float(qh[c])) * to_float(k[kv + static_cast<std::size_t>(keys[i]) * d + c]);
        score[i] = dot / std::sqrt(static_cast<double>(d));
        mx = std::max(mx, score[i]);
      }
      double sum = 0;
      for (double& x : score) sum += (x = std::exp(x - mx));
      double* o = &out[(static_cast<std::size_t>(b) * s.heads + h) * d];
      for (std::size_t i = 0; i < keys.size(); ++i)
        for (int c = 0; c < d; ++c)
          o[c] += score[i] / sum * to_float(v[kv + static_cast<std::size_t>(keys[i]) * d + c]);
    }
  }
  return out;
}

double decode_listed_keys(const DecodeShape& s, const BlockCsr& lists, int tile_keys) {
  check_decode_shape(s, tile_keys);
  double keys = 0;
  for (const std::int32_t t : lists.col_indices) keys += std::min(tile_keys, s.context - t * tile_keys);
  return keys;
}

double decode_compulsory_bytes(const DecodeShape& s, const BlockCsr& lists, int tile_keys) {
  constexpr double kBf16Bytes = 2;
  const double q_elements = static_cast<double>(s.batch) * s.heads * s.head_dim;
  return decode_listed_keys(s, lists, tile_keys) * s.head_dim * kBf16Bytes * 2 + 2 * q_elements * kBf16Bytes +
         4.0 * static_cast<double>(lists.row_offsets.size() + lists.col_indices.size());
}

}  // namespace cascadesim::validation
