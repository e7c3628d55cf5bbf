// Lazy key-tile lists and the analytical sum over a kernel description.
#include "models/dataflow/kernel.hpp"

#include <algorithm>
#include <cmath>

namespace cascadesim::models::dataflow {

namespace {
// SplitMix64 (Steele, Lea, Flood 2014): a cheap, well-mixed deterministic hash for synthetic selections.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

void AttentionWork::visited_tiles(std::int64_t head, std::int64_t q, std::vector<std::int64_t>& out) const {
  out.clear();
  const std::int64_t seen = visible(q);
  if (selection == KeySelection::dense || top_k >= seen) {
    for (std::int64_t j = 0; j < seen; ++j) out.push_back(j);
    return;
  }
  // Kascade-style lists keep the sink and the local tile, then the strongest others; which ones depends on
  // the data, so they are drawn here by a hash, the same for the heads of one GQA group.
  const std::int64_t diagonal = std::min(q, key_tiles - 1);
  out.push_back(0);
  if (top_k > 1 && diagonal != 0) out.push_back(diagonal);
  const std::int64_t group = head / std::max<std::int64_t>(1, heads / kv_heads);
  std::uint64_t state =
      mix(selection_seed ^ mix(static_cast<std::uint64_t>(group) * 0x100000001ULL + static_cast<std::uint64_t>(q)));
  while (static_cast<std::int64_t>(out.size()) < top_k) {
    state = mix(state);
    const auto j = static_cast<std::int64_t>(state % static_cast<std::uint64_t>(seen));
    if (std::find(out.begin(), out.end(), j) == out.end()) out.push_back(j);
  }
  std::sort(out.begin(), out.end());
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
          // Closed forms of sum over query tiles of visited(q) (models/tiles.hpp).
          double blocks = 0;
          const std::int64_t t = w.query_tiles;
          const bool aligned = w.causal && w.query_tiles == w.key_tiles;
          if (w.selection == KeySelection::dense) {
            blocks = aligned ? static_cast<double>(t) * static_cast<double>(t + 1) / 2.0
                             : static_cast<double>(t * w.key_tiles);
          } else if (aligned) {
            const std::int64_t k = std::min(w.top_k, t);
            blocks = static_cast<double>(k * (k + 1) / 2 + k * (t - k));
          } else {
            blocks = static_cast<double>(t * std::min(w.top_k, w.key_tiles));
          }
          const double heads = w.batch * static_cast<double>(w.heads);
          const double scores = heads * blocks * static_cast<double>(w.rows * w.tile_tokens);
          c.matrix_flops = scores * 4.0 * static_cast<double>(w.head_dim);
          c.vector_flops = scores * w.vector_ops_per_score;
          const double q_and_o =
              2.0 * heads * static_cast<double>(w.query_tiles * w.rows * w.head_dim) * w.bytes_per_element;
          c.hbm_bytes = q_and_o + heads * blocks * w.kv_tile_bytes() +
                        (w.writes_tile_scores ? heads * blocks * tile_score_bytes : 0.0) +
                        (w.reads_index_lists ? heads * blocks * index_bytes : 0.0);
        } else if constexpr (std::is_same_v<W, SelectWork>) {
          const std::int64_t t = w.query_tiles;
          const double rated = w.causal ? static_cast<double>(t) * static_cast<double>(t + 1) / 2.0
                                        : static_cast<double>(t * w.key_tiles);
          const double heads = w.batch * static_cast<double>(w.heads);
          const std::int64_t k = std::min(w.top_k, t);
          const double kept = w.causal ? static_cast<double>(k * (k + 1) / 2 + k * (t - k))
                                       : static_cast<double>(t * std::min(w.top_k, w.key_tiles));
          c.vector_flops = heads * rated * std::max(1.0, std::log2(static_cast<double>(w.top_k)));
          c.hbm_bytes = heads * rated * tile_score_bytes + heads * kept * index_bytes;
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
