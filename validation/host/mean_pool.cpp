// Mean pooling reference and the coarse-to-fine mask mapping of the cascade stage.
#include "validation/host/mean_pool.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "validation/host/tile_geometry.hpp"

namespace cascadesim::validation {

AttentionShape pooled_shape(const AttentionShape& shape, int factor) {
  if (factor < 1) throw std::invalid_argument("pooled_shape: factor must be >= 1");
  AttentionShape pooled = shape;
  pooled.seq_len = tile_count(shape.seq_len, factor);
  return pooled;
}

std::vector<double> reference_mean_pool(const AttentionShape& shape, const std::vector<Bf16>& x, int factor) {
  const AttentionShape pooled = pooled_shape(shape, factor);
  const std::size_t slices = static_cast<std::size_t>(shape.batch) * shape.heads;
  const std::size_t d = static_cast<std::size_t>(shape.head_dim);
  if (x.size() != slices * shape.seq_len * d) throw std::invalid_argument("reference_mean_pool: size mismatch");
  std::vector<double> out(slices * pooled.seq_len * d, 0.0);
  for (std::size_t s = 0; s < slices; ++s) {
    for (int p = 0; p < pooled.seq_len; ++p) {
      const int first = p * factor;
      const int count = std::min(factor, shape.seq_len - first);
      double* row = &out[(s * pooled.seq_len + p) * d];
      for (int t = 0; t < count; ++t) {
        const Bf16* in = &x[(s * shape.seq_len + first + t) * d];
        for (std::size_t c = 0; c < d; ++c) row[c] += to_float(in[c]);
      }
      for (std::size_t c = 0; c < d; ++c) row[c] /= count;
    }
  }
  return out;
}

BlockCsr refine_mask(const BlockCsr& coarse, const AttentionShape& fine_shape, int factor) {
  if (coarse.tile_q * factor <= 0 || coarse.tile_k * factor <= 0)
    throw std::invalid_argument("refine_mask: tiles and factor must be positive");
  BlockCsr fine = coarse;
  fine.tile_q = coarse.tile_q * factor;
  fine.tile_k = coarse.tile_k * factor;
  fine.q_tiles = tile_count(fine_shape.seq_len, fine.tile_q);
  fine.k_tiles = tile_count(fine_shape.seq_len, fine.tile_k);
  if (fine.q_tiles != coarse.q_tiles || fine.k_tiles != coarse.k_tiles)
    throw std::invalid_argument("refine_mask: coarse and fine tile counts differ (" + std::to_string(coarse.q_tiles) +
                                " vs " + std::to_string(fine.q_tiles) + " query tiles)");
  return fine;
}

}  // namespace cascadesim::validation
