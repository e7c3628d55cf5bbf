// Lazy key-tile lists and the analytical sum over a kernel description.
#include "models/dataflow/kernel.hpp"

#include "models/kernel_families.hpp"
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

void AttentionWork::unit_tiles(std::int64_t group, std::int64_t q, std::vector<std::int64_t>& out) const {
  out.clear();
  if (!pattern) return;
  if (heads_per_unit == 1) {
    pattern->visited_tiles(space(), group, q, out);
    return;
  }
  std::vector<std::int64_t> head_tiles;
  for (std::int64_t h = group * heads_per_unit; h < (group + 1) * heads_per_unit; ++h) {
    pattern->visited_tiles(space(), h, q, head_tiles);
    out.insert(out.end(), head_tiles.begin(), head_tiles.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

std::int64_t AttentionWork::unit_tile_count(std::int64_t group, std::int64_t q) const {
  if (!pattern) return visible(q);
  if (heads_per_unit == 1) return pattern->visited_count(space(), group, q);
  if (heads_per_unit == heads / kv_heads) return pattern->group_visited_count(space(), group, q);
  std::vector<std::int64_t> tiles;
  unit_tiles(group, q, tiles);
  return static_cast<std::int64_t>(tiles.size());
}

double AttentionWork::loaded_blocks() const {
  if (heads_per_unit == 1) return visited_blocks();
  if (!pattern) return visited_blocks() / static_cast<double>(heads_per_unit);
  double sum = 0;
  for (std::int64_t g = 0; g < head_groups(); ++g)
    for (std::int64_t q = 0; q < query_tiles; ++q) sum += static_cast<double>(unit_tile_count(g, q));
  return sum;
}

double AttentionWork::host_loaded_blocks() const {
  if (host_key_tiles <= 0) return 0;
  double sum = 0;
  std::vector<std::int64_t> tiles;
  for (std::int64_t g = 0; g < head_groups(); ++g)
    for (std::int64_t q = 0; q < query_tiles; ++q) {
      if (!pattern) {
        sum += static_cast<double>(std::min(host_key_tiles, visible(q)));
        continue;
      }
      unit_tiles(g, q, tiles);
      sum += static_cast<double>(std::lower_bound(tiles.begin(), tiles.end(), host_key_tiles) - tiles.begin());
    }
  return sum;
}

std::int64_t kv_splits_for(const AttentionWork& w, const SplitMachine& machine) {
  const std::int64_t cores = machine.cores;
  const double base = std::ceil(w.batch) * static_cast<double>(w.head_groups() * w.query_tiles);
  if (!w.splits_keys() || (w.kv_splits_as_run == 0 && base >= static_cast<double>(cores))) return 1;
  // The fewest tiles a unit that has any visits (a pattern may prune whole heads).
  std::int64_t fewest = 0;
  for (std::int64_t g = 0; g < w.head_groups(); ++g)
    if (const std::int64_t n = w.unit_tile_count(g, 0); n > 0) fewest = fewest == 0 ? n : std::min(fewest, n);
  if (w.kv_splits_as_run > 0) return std::max<std::int64_t>(1, std::min(w.kv_splits_as_run, fewest));
  auto wanted = static_cast<std::int64_t>(std::ceil(static_cast<double>(cores) / base));
  if (machine.core_port_GBps > 0 && machine.l2_hit_latency_ns > 0) {
    const double tile_load_ns = w.kv_tile_bytes() / machine.core_port_GBps;
    const double paid = std::sqrt(static_cast<double>(fewest) * tile_load_ns / (2.0 * machine.l2_hit_latency_ns));
    wanted = std::min(wanted, static_cast<std::int64_t>(std::floor(paid)));
  }
  return std::max<std::int64_t>(1, std::min(wanted, fewest));
}

void move_to_layer(Kernel& kernel, std::int64_t layer, std::uint64_t anchor_seed) {
  kernel.layer = layer;
  if (auto* a = std::get_if<AttentionWork>(&kernel.work)) {
    a->layer = layer;
    a->anchor_seed = anchor_seed;
  } else if (auto* s = std::get_if<SelectWork>(&kernel.work)) {
    s->space.layer = layer;
    s->space.anchor_seed = static_cast<std::uint64_t>(layer + 1);
  }
}

std::vector<Kernel> split_for_cores(std::vector<Kernel> kernels, const SplitMachine& machine) {
  std::vector<Kernel> out;
  out.reserve(kernels.size() + 1);
  for (Kernel& k : kernels) for_each_split(k, machine, [&out](const Kernel& run) { out.push_back(run); });
  return out;
}

Kernel combine_kernel(const Kernel& attention) {
  const auto& a = std::get<AttentionWork>(attention.work);
  const double units = std::ceil(a.batch) * static_cast<double>(a.head_groups() * a.query_tiles);
  StreamWork w;
  w.read_bytes = units * static_cast<double>(a.kv_splits) * a.partial_bytes();
  w.write_bytes = units * static_cast<double>(a.unit_rows() * a.v_dim()) * a.q_element_bytes();
  // Per split and row: a rescale factor exp(m_s - m) and a multiply-add per output element.
  w.vector_ops = units * static_cast<double>(a.kv_splits * a.unit_rows() * (2 * a.v_dim() + 2));
  w.units = units;
  // Two passes over the splits (their maxima, then the rescaled sums), each a loop of L2 reads that runs one split
  // after another (validation/kernels/decode.cu, reduce_splits). Measured on the H100 (reports/measured/h100-fa3/
  // run26_dbe1b62, Nsight Compute): the reduction kernel takes 10.6, 35.0 and 66.1 us at 32, 128 and 256 splits,
  // 0.25 us per split: two round trips as the source reads (its SASS not read), 120 ns each.
  w.dependent_l2_reads = 2.0 * static_cast<double>(a.kv_splits);
  return Kernel{"attention_combine", attention.op, attention.layer, attention.layer_kind, w};
}

double AttentionWork::visited_blocks() const {
  if (pattern) return pattern->visited_blocks(space());
  const double t = static_cast<double>(query_tiles);
  const double per_head = causal && query_tiles == key_tiles ? t * (t + 1.0) / 2.0 : t * static_cast<double>(key_tiles);
  return static_cast<double>(heads) * per_head;
}

std::int64_t SelectWork::kept(std::int64_t head, std::int64_t q) const {
  if (!shared_by_heads) return pattern->visited_count(space, head, q);
  std::int64_t most = 0;
  for (std::int64_t h = 0; h < heads; ++h) most = std::max(most, pattern->visited_count(space, h, q));
  return most;
}

double SelectWork::kept_blocks() const {
  if (!shared_by_heads) return pattern->visited_blocks(space);
  double sum = 0;
  for (std::int64_t q = 0; q < query_tiles; ++q) sum += static_cast<double>(kept(0, q));
  return sum;
}

std::int64_t pipeline_stages(const AttentionWork& w, double sram_bytes, std::int64_t max_stages) {
  const double q_bytes = static_cast<double>(w.unit_rows() * w.head_dim) * w.q_element_bytes();
  const double o_accumulator = static_cast<double>(w.unit_rows() * w.v_dim()) * 4.0;  // fp32 running output
  const double free = sram_bytes - q_bytes - o_accumulator;
  if (free < w.kv_tile_bytes()) return 0;
  return std::min<std::int64_t>(max_stages, static_cast<std::int64_t>(std::floor(free / w.kv_tile_bytes())));
}

double work_units(const Kernel& kernel) {
  return std::visit(
      [](const auto& w) -> double {
        if constexpr (std::is_same_v<std::decay_t<decltype(w)>, StreamWork>)
          return std::max(1.0, std::ceil(w.units));
        else
          return w.units();
      },
      kernel.work);
}

std::int64_t units_in_flight(const AttentionWork& w, const CoreLimits& core) {
  return units_in_flight(attention_implementation(w.implementation), core, w.unit_rows(), w.tile_tokens, w.head_dim,
                         w.q_element_bytes(), w.kv_element_bytes());
}

std::size_t kernel_family(const Kernel& kernel) {
  // Looked up once, at compile time: every predict evaluates this per kernel.
  static constexpr std::size_t decode = *kernel_family_index("decode"), gemm = *kernel_family_index("gemm"),
                               selection = *kernel_family_index("selection"),
                               elementwise = *kernel_family_index("elementwise");
  if (const auto* a = std::get_if<AttentionWork>(&kernel.work))
    return a->splits_keys() ? decode : static_cast<std::size_t>(a->implementation);
  if (std::holds_alternative<GemmWork>(kernel.work)) return gemm;
  if (std::holds_alternative<SelectWork>(kernel.work)) return selection;
  return elementwise;
}

std::array<MatrixShare, 2> matrix_shares(const Kernel& kernel) {
  if (const auto* g = std::get_if<GemmWork>(&kernel.work)) return {{{g->compute_precision(), 1.0}, {}}};
  if (const auto* a = std::get_if<AttentionWork>(&kernel.work))
    return {{{a->precision.query_key(), 0.5}, {a->precision.probability_value(), 0.5}}};
  // A stream without matrix work has no format to run at (its matrix_precision is left at the default).
  if (const auto* s = std::get_if<StreamWork>(&kernel.work); s && s->matrix_flops > 0)
    return {{{s->matrix_precision, 1.0}, {}}};
  return {};
}

OpCost kernel_cost(const Kernel& kernel) {
  OpCost cost = std::visit(
      [](const auto& w) -> OpCost {
        using W = std::decay_t<decltype(w)>;
        OpCost c;
        if constexpr (std::is_same_v<W, GemmWork>) {
          c.matrix_flops = w.problems * 2.0 * w.m * w.n * w.k;
          c.vector_flops = w.problems * w.epilogue_ops_per_output * w.m * w.n;
          c.written_bytes = w.written_bytes();
          c.hbm_bytes = w.compulsory_bytes();
          // Each output tile streams its A panel and its B panel through the cores: A is read once per N tile and B
          // once per M tile, whatever the L2 then keeps.
          c.moved_bytes =
              w.problems * w.k *
                  (w.a_bytes() * std::ceil(w.n / w.tile_n) * w.m + w.b_bytes() * std::ceil(w.m / w.tile_m) * w.n) +
              c.written_bytes;
        } else if constexpr (std::is_same_v<W, AttentionWork>) {
          const double blocks = w.batch * w.visited_blocks();  // every head of every sequence
          const double scores = blocks * static_cast<double>(w.rows * w.tile_tokens);
          // S = Q K^T over head_dim and O += P V over v_dim: 2 FLOPs per multiply-add each.
          c.matrix_flops = scores * 2.0 * static_cast<double>(w.head_dim + w.v_dim());
          c.vector_flops = scores * w.vector_ops_per_score;
          // Every split of a unit reads its Q; a split unit writes an fp32 partial instead of O.
          const double rows = w.batch * static_cast<double>(w.heads * w.query_tiles * w.rows);
          const double q_bytes = rows * static_cast<double>(w.head_dim) * w.q_element_bytes();
          const double out_bytes =
              w.kv_splits > 1
                  ? w.batch * static_cast<double>(w.head_groups() * w.query_tiles * w.kv_splits) * w.partial_bytes()
                  : rows * static_cast<double>(w.v_dim()) * w.q_element_bytes();
          c.host_bytes = w.batch * w.host_loaded_blocks() * w.kv_tile_bytes();
          c.hbm_bytes = q_bytes * static_cast<double>(w.kv_splits) + out_bytes +
                        w.batch * w.loaded_blocks() * w.kv_tile_bytes() - c.host_bytes +
                        (w.writes_tile_scores ? blocks * tile_score_bytes : 0.0) +
                        (w.reads_index_lists ? blocks * index_bytes : 0.0);
          c.exps = scores;  // one of the per-score operations
          c.written_bytes = out_bytes + (w.writes_tile_scores ? blocks * tile_score_bytes : 0.0);
        } else if constexpr (std::is_same_v<W, SelectWork>) {
          const double rated = static_cast<double>(dense_tiles(TileGrid{w.query_tiles, w.key_tiles, 0, 0}, w.causal));
          const double heads = w.batch * static_cast<double>(w.ranked_heads());
          const double kept = w.batch * w.kept_blocks();
          c.vector_flops = heads * rated * std::max(1.0, std::log2(static_cast<double>(w.top_k)));
          c.hbm_bytes = heads * rated * tile_score_bytes + kept * index_bytes;
          c.select_candidates = heads * rated;
          c.select_flops = c.vector_flops;
          c.written_bytes = kept * index_bytes;
        } else {
          c.matrix_flops = w.matrix_flops;
          c.vector_flops = w.vector_ops;
          c.hbm_bytes = w.read_bytes + w.write_bytes;
          c.written_bytes = w.write_bytes;
        }
        c.kernels = 1;
        if constexpr (!std::is_same_v<W, GemmWork>) c.moved_bytes = c.hbm_bytes;
        return c;
      },
      kernel.work);
  // Every unit loads its operands and stores its result: the fewest requests the engine can issue for it (it cuts
  // K/V runs and GEMM k-steps into more).
  cost.requests = 2.0 * work_units(kernel);
  return cost;
}

}  // namespace cascadesim::models::dataflow
