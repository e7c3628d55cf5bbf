// Lazy key-tile lists and the analytical sum over a kernel description.
#include "models/dataflow/kernel.hpp"

#include "models/tiles.hpp"

#include <algorithm>
#include <cmath>

namespace cascadesim::models::dataflow {

void AttentionWork::visited_tiles(std::int64_t head, std::int64_t q, std::vector<std::int64_t>& out) const {
  if (pattern) {
    pattern->visited_tiles(space(), head, q, out);
    return;
  }
  out.clear();
  for (std::int64_t j = 0; j < visible(q); ++j) out.push_back(j);
}

double AttentionWork::visited_blocks() const {
  if (pattern) return pattern->visited_blocks(space());
  const double t = static_cast<double>(query_tiles);
  const double per_head = causal && query_tiles == key_tiles ? t * (t + 1.0) / 2.0 : t * static_cast<double>(key_tiles);
  return static_cast<double>(heads) * per_head;
}

OpCost kernel_cost(const Kernel& kernel) {
  return std::visit(
      [](const auto& w) -> OpCost {
        using W = std::decay_t<decltype(w)>;
        OpCost c;
        if constexpr (std::is_same_v<W, GemmWork>) {
          c.matrix_flops = 2.0 * w.m * w.n * w.k;
          c.vector_flops = w.epilogue_ops_per_output * w.m * w.n;
          const double n_written = w.n_written > 0 ? w.n_written : w.n;
          c.hbm_bytes = w.bytes_per_element * (w.m * w.k + w.k * w.n + w.m * n_written);
        } else if constexpr (std::is_same_v<W, AttentionWork>) {
          const double blocks = w.batch * w.visited_blocks();  // every head of every sequence
          const double scores = blocks * static_cast<double>(w.rows * w.tile_tokens);
          c.matrix_flops = scores * 4.0 * static_cast<double>(w.head_dim);
          c.vector_flops = scores * w.vector_ops_per_score;
          const double q_and_o =
              2.0 * w.batch * static_cast<double>(w.heads * w.query_tiles * w.rows * w.head_dim) * w.bytes_per_element;
          c.hbm_bytes = q_and_o + blocks * w.kv_tile_bytes() +
                        (w.writes_tile_scores ? blocks * tile_score_bytes : 0.0) +
                        (w.reads_index_lists ? blocks * index_bytes : 0.0);
        } else if constexpr (std::is_same_v<W, SelectWork>) {
          const double rated = static_cast<double>(dense_tiles(TileGrid{w.query_tiles, w.key_tiles, 0, 0}, w.causal));
          const double heads = w.batch * static_cast<double>(w.heads);
          const double kept = w.batch * w.pattern->visited_blocks(w.space);
          c.vector_flops = heads * rated * std::max(1.0, std::log2(static_cast<double>(w.top_k)));
          c.hbm_bytes = heads * rated * tile_score_bytes + kept * index_bytes;
        } else {
          c.matrix_flops = w.matrix_flops;
          c.vector_flops = w.vector_ops;
          c.hbm_bytes = w.read_bytes + w.write_bytes;
        }
        c.kernels = 1;
        return c;
      },
      kernel.work);
}

}  // namespace cascadesim::models::dataflow
