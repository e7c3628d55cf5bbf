// Ring attention's zig-zag plan: index maps, per-step lists and on-demand fetch lists.
#include "validation/host/ring_plan.hpp"

#include <algorithm>
#include <stdexcept>

#include "validation/host/bf16.hpp"
#include "validation/host/splitmix.hpp"
#include "validation/host/tile_geometry.hpp"

namespace cascadesim::validation {

namespace {
constexpr int kRingTile = 128;

void check_layout(const ZigzagLayout& layout) {
  if (layout.ranks < 1 || layout.chunk_tokens < kRingTile || layout.chunk_tokens % kRingTile != 0)
    throw std::invalid_argument("zig-zag layout: ranks >= 1 and chunk_tokens a positive multiple of 128");
}

int wrap_rank(int r, int ranks) { return ((r % ranks) + ranks) % ranks; }

// One CSR row per (slice, local query tile) of the same tile list in every slice.
BlockCsr replicate_rows(const std::vector<std::vector<std::int32_t>>& per_tile, int slices, int k_tiles) {
  BlockCsr csr;
  csr.tile_q = csr.tile_k = kRingTile;
  csr.q_tiles = static_cast<int>(per_tile.size());
  csr.k_tiles = k_tiles;
  csr.row_offsets.push_back(0);
  for (int s = 0; s < slices; ++s)
    for (const auto& tiles : per_tile) {
      csr.col_indices.insert(csr.col_indices.end(), tiles.begin(), tiles.end());
      csr.row_offsets.push_back(static_cast<std::int32_t>(csr.col_indices.size()));
    }
  return csr;
}
}  // namespace

int zigzag_chunk(const ZigzagLayout& layout, int rank, int half) {
  return half == 0 ? rank : 2 * layout.ranks - 1 - rank;
}

int zigzag_global_row(const ZigzagLayout& layout, int rank, int local_row) {
  const int half = local_row / layout.chunk_tokens;
  return zigzag_chunk(layout, rank, half) * layout.chunk_tokens + local_row % layout.chunk_tokens;
}

RankRow zigzag_owner(const ZigzagLayout& layout, int global_row) {
  const int chunk = global_row / layout.chunk_tokens;
  const int within = global_row % layout.chunk_tokens;
  if (chunk < layout.ranks) return {chunk, within};
  return {2 * layout.ranks - 1 - chunk, layout.chunk_tokens + within};
}

template <typename T>
std::vector<T> zigzag_shard(const ZigzagLayout& layout, int rank, int slices, int head_dim,
                            const std::vector<T>& whole) {
  check_layout(layout);
  const std::size_t row = static_cast<std::size_t>(head_dim);
  const std::size_t local = static_cast<std::size_t>(layout.local_tokens());
  const std::size_t global = static_cast<std::size_t>(layout.seq_len());
  if (whole.size() != static_cast<std::size_t>(slices) * global * row)
    throw std::invalid_argument("zigzag_shard: the tensor is not [slices, seq_len, head_dim]");
  std::vector<T> part(static_cast<std::size_t>(slices) * local * row);
  for (int s = 0; s < slices; ++s)
    for (std::size_t i = 0; i < local; ++i) {
      const std::size_t g = static_cast<std::size_t>(zigzag_global_row(layout, rank, static_cast<int>(i)));
      std::copy_n(whole.begin() + static_cast<std::ptrdiff_t>((s * global + g) * row), row,
                  part.begin() + static_cast<std::ptrdiff_t>((s * local + i) * row));
    }
  return part;
}

template <typename T>
void zigzag_unshard(const ZigzagLayout& layout, int rank, int slices, int head_dim, const std::vector<T>& part,
                    std::vector<T>& whole) {
  check_layout(layout);
  const std::size_t row = static_cast<std::size_t>(head_dim);
  const std::size_t local = static_cast<std::size_t>(layout.local_tokens());
  const std::size_t global = static_cast<std::size_t>(layout.seq_len());
  if (part.size() != static_cast<std::size_t>(slices) * local * row ||
      whole.size() != static_cast<std::size_t>(slices) * global * row)
    throw std::invalid_argument("zigzag_unshard: the tensors are not [slices, rows, head_dim]");
  for (int s = 0; s < slices; ++s)
    for (std::size_t i = 0; i < local; ++i) {
      const std::size_t g = static_cast<std::size_t>(zigzag_global_row(layout, rank, static_cast<int>(i)));
      std::copy_n(part.begin() + static_cast<std::ptrdiff_t>((s * local + i) * row), row,
                  whole.begin() + static_cast<std::ptrdiff_t>((s * global + g) * row));
    }
}

template std::vector<Bf16> zigzag_shard(const ZigzagLayout&, int, int, int, const std::vector<Bf16>&);
template void zigzag_unshard(const ZigzagLayout&, int, int, int, const std::vector<Bf16>&, std::vector<Bf16>&);
template std::vector<float> zigzag_shard(const ZigzagLayout&, int, int, int, const std::vector<float>&);
template void zigzag_unshard(const ZigzagLayout&, int, int, int, const std::vector<float>&, std::vector<float>&);

RingSources ring_sources(const ZigzagLayout& layout, int rank, int step, bool bidirectional) {
  const int back = wrap_rank(rank - step, layout.ranks);
  return {back, bidirectional ? wrap_rank(rank + step, layout.ranks) : back};
}

StepList ring_step_list(const ZigzagLayout& layout, int rank, const RingSources& sources, int batch, int heads) {
  check_layout(layout);
  const int half_tiles = layout.chunk_tokens / kRingTile;
  const int key_chunks[2] = {zigzag_chunk(layout, sources.first_half, 0), zigzag_chunk(layout, sources.second_half, 1)};
  StepList out;
  std::vector<std::vector<std::int32_t>> per_tile(static_cast<std::size_t>(2 * half_tiles));
  for (int qt = 0; qt < 2 * half_tiles; ++qt) {
    const int q_half = qt / half_tiles;
    const int q_chunk = zigzag_chunk(layout, rank, q_half);
    for (int k_half = 0; k_half < 2; ++k_half) {
      const int k_chunk = key_chunks[k_half];
      if (k_chunk > q_chunk) continue;
      const bool diagonal = k_chunk == q_chunk;
      // The kernel's causal masking compares local rows: exact only where the key half is not after the query half.
      if (k_half > q_half) throw std::logic_error("ring_step_list: a visible key half after its query half");
      const int last = diagonal ? qt % half_tiles : half_tiles - 1;
      for (int t = 0; t <= last; ++t) per_tile[static_cast<std::size_t>(qt)].push_back(k_half * half_tiles + t);
      out.causal_needed |= diagonal;
    }
  }
  out.csr = replicate_rows(per_tile, batch * heads, 2 * half_tiles);
  return out;
}

BlockCsr sampled_top_k(int batch, int heads, int seq_len, int top_k, std::uint64_t seed) {
  if (top_k < 1) throw std::invalid_argument("sampled_top_k: top_k must be >= 1");
  BlockCsr csr;
  csr.tile_q = csr.tile_k = kRingTile;
  csr.q_tiles = csr.k_tiles = tile_count(seq_len, kRingTile);
  csr.row_offsets.push_back(0);
  std::vector<char> taken(static_cast<std::size_t>(csr.k_tiles));
  std::uint64_t x = seed;
  for (int bh = 0; bh < batch * heads; ++bh)
    for (int qt = 0; qt < csr.q_tiles; ++qt) {
      const int visible = visible_key_tiles(qt, seq_len, kRingTile, kRingTile, true);
      const std::size_t begin = csr.col_indices.size();
      if (visible <= top_k) {
        for (int t = 0; t < visible; ++t) csr.col_indices.push_back(t);
      } else {
        // The diagonal tile, then top_k - 1 distinct tiles of [0, visible - 1) (Floyd's sampling).
        std::fill(taken.begin(), taken.begin() + visible, 0);
        taken[static_cast<std::size_t>(visible - 1)] = 1;
        const int pool = visible - 1;
        for (int j = pool - (top_k - 1); j < pool; ++j) {
          x = splitmix64(x);
          const int pick = static_cast<int>(x % static_cast<std::uint64_t>(j + 1));
          taken[static_cast<std::size_t>(taken[static_cast<std::size_t>(pick)] ? j : pick)] = 1;
        }
        for (int t = 0; t < visible; ++t)
          if (taken[static_cast<std::size_t>(t)]) csr.col_indices.push_back(t);
      }
      std::sort(csr.col_indices.begin() + static_cast<std::ptrdiff_t>(begin), csr.col_indices.end());
      csr.row_offsets.push_back(static_cast<std::int32_t>(csr.col_indices.size()));
    }
  return csr;
}

std::vector<OnDemandStep> on_demand_steps(const ZigzagLayout& layout, int rank, const BlockCsr& selection, int batch,
                                          int heads, int kv_heads) {
  check_layout(layout);
  if (kv_heads < 1 || heads % kv_heads != 0) throw std::invalid_argument("on_demand_steps: kv_heads must divide heads");
  const int P = layout.ranks;
  const int global_tiles = layout.seq_len() / kRingTile;
  const int local_tiles = layout.local_tokens() / kRingTile;
  if (selection.q_tiles != global_tiles || selection.rows() != batch * heads * global_tiles)
    throw std::invalid_argument("on_demand_steps: the selection is not (batch, heads, 128-row tiles) of the sequence");
  const int group = heads / kv_heads;
  const int slices = batch * kv_heads;
  std::vector<OnDemandStep> steps(static_cast<std::size_t>(P));
  // needed[o][slice][local tile of o]: some query head of the slice's group lists it.
  std::vector<std::vector<std::vector<char>>> needed(
      static_cast<std::size_t>(P),
      std::vector<std::vector<char>>(static_cast<std::size_t>(slices), std::vector<char>(local_tiles, 0)));
  auto local_q_tile_rows = [&](int b, int h, int lt) {
    const int global_row = zigzag_global_row(layout, rank, lt * kRingTile);
    return (b * heads + h) * global_tiles + global_row / kRingTile;
  };
  for (int b = 0; b < batch; ++b)
    for (int h = 0; h < heads; ++h)
      for (int lt = 0; lt < local_tiles; ++lt) {
        const int row = local_q_tile_rows(b, h, lt);
        for (int e = selection.row_offsets[row]; e < selection.row_offsets[row + 1]; ++e) {
          const RankRow owner = zigzag_owner(layout, selection.col_indices[e] * kRingTile);
          needed[static_cast<std::size_t>(owner.rank)][static_cast<std::size_t>(b * kv_heads + h / group)]
                [static_cast<std::size_t>(owner.local_row / kRingTile)] = 1;
        }
      }
  for (int s = 0; s < P; ++s) {
    OnDemandStep& step = steps[static_cast<std::size_t>(s)];
    step.source = wrap_rank(rank - s, P);
    // slot[slice][source tile]: where the tile lands in this step's buffer (own tiles stay where they are).
    std::vector<std::vector<std::int32_t>> slot(static_cast<std::size_t>(slices),
                                                std::vector<std::int32_t>(local_tiles, -1));
    step.tiles.assign(static_cast<std::size_t>(slices), {});
    for (int sl = 0; sl < slices; ++sl)
      for (int t = 0; t < local_tiles; ++t) {
        if (!needed[static_cast<std::size_t>(step.source)][static_cast<std::size_t>(sl)][static_cast<std::size_t>(t)])
          continue;
        if (s == 0) {
          slot[static_cast<std::size_t>(sl)][static_cast<std::size_t>(t)] = t;
        } else {
          slot[static_cast<std::size_t>(sl)][static_cast<std::size_t>(t)] =
              static_cast<std::int32_t>(step.tiles[static_cast<std::size_t>(sl)].size());
          step.tiles[static_cast<std::size_t>(sl)].push_back(t);
        }
      }
    BlockCsr& csr = step.list.csr;
    csr.tile_q = csr.tile_k = kRingTile;
    csr.q_tiles = csr.k_tiles = local_tiles;
    csr.row_offsets.assign(1, 0);
    for (int b = 0; b < batch; ++b)
      for (int h = 0; h < heads; ++h)
        for (int lt = 0; lt < local_tiles; ++lt) {
          const int row = local_q_tile_rows(b, h, lt);
          const std::size_t begin = csr.col_indices.size();
          for (int e = selection.row_offsets[row]; e < selection.row_offsets[row + 1]; ++e) {
            const RankRow owner = zigzag_owner(layout, selection.col_indices[e] * kRingTile);
            if (owner.rank != step.source) continue;
            csr.col_indices.push_back(slot[static_cast<std::size_t>(b * kv_heads + h / group)]
                                          [static_cast<std::size_t>(owner.local_row / kRingTile)]);
            // Own tiles include the diagonal one; a remote tile is of an earlier chunk, wholly visible.
            if (s == 0 && owner.local_row / kRingTile == lt) step.list.causal_needed = true;
          }
          std::sort(csr.col_indices.begin() + static_cast<std::ptrdiff_t>(begin), csr.col_indices.end());
          csr.row_offsets.push_back(static_cast<std::int32_t>(csr.col_indices.size()));
        }
  }
  return steps;
}

RingBuffer held_buffer(int step) {
  if (step == 0) return RingBuffer::own;
  return step % 2 == 0 ? RingBuffer::ring0 : RingBuffer::ring1;
}

std::vector<PlannedTransfer> ring_transfers(const ZigzagLayout& layout, int step, bool bidirectional, int slices,
                                            int head_dim) {
  check_layout(layout);
  const int P = layout.ranks;
  const std::size_t d = static_cast<std::size_t>(head_dim);
  const std::size_t slice_elements = static_cast<std::size_t>(layout.local_tokens()) * d;
  const std::size_t half_elements = static_cast<std::size_t>(layout.chunk_tokens) * d;
  std::vector<PlannedTransfer> out;
  for (int o = 0; o < P; ++o) {
    if (!bidirectional) {
      out.push_back({o, wrap_rank(o + 1, P), held_buffer(step - 1), held_buffer(step), 0, 0,
                     static_cast<std::size_t>(slices) * slice_elements});
      continue;
    }
    for (int half = 0; half < 2; ++half)
      for (int sl = 0; sl < slices; ++sl) {
        const std::size_t offset = static_cast<std::size_t>(sl) * slice_elements + half * half_elements;
        out.push_back({o, wrap_rank(half == 0 ? o + 1 : o - 1, P), held_buffer(step - 1), held_buffer(step), offset,
                       offset, half_elements});
      }
  }
  return out;
}

std::vector<PlannedTransfer> on_demand_transfers(const ZigzagLayout& layout, int step,
                                                 const std::vector<std::vector<OnDemandStep>>& fetches, int head_dim) {
  const int P = layout.ranks;
  const std::size_t slice_elements = static_cast<std::size_t>(layout.local_tokens()) * head_dim;
  std::vector<PlannedTransfer> out;
  for (int r = 0; r < P; ++r) {
    const OnDemandStep& fetch = fetches.at(static_cast<std::size_t>(r)).at(static_cast<std::size_t>(step));
    for (std::size_t sl = 0; sl < fetch.tiles.size(); ++sl) {
      if (fetch.tiles[sl].empty()) continue;
      out.push_back({fetch.source, r, RingBuffer::send, held_buffer(step), sl * slice_elements, sl * slice_elements,
                     fetch.tiles[sl].size() * kRingTile * static_cast<std::size_t>(head_dim)});
    }
  }
  return out;
}

std::vector<int> pack_entries(const ZigzagLayout& layout, int sender, int step,
                              const std::vector<std::vector<OnDemandStep>>& fetches) {
  const int served = wrap_rank(sender + step, layout.ranks);
  const OnDemandStep& fetch = fetches.at(static_cast<std::size_t>(served)).at(static_cast<std::size_t>(step));
  std::vector<int> entries;
  for (std::size_t sl = 0; sl < fetch.tiles.size(); ++sl)
    for (std::size_t j = 0; j < fetch.tiles[sl].size(); ++j)
      entries.insert(entries.end(), {static_cast<int>(sl), fetch.tiles[sl][j], static_cast<int>(j)});
  return entries;
}

}  // namespace cascadesim::validation
