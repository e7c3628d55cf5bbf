// Ring attention's zig-zag plan against hand-worked index maps and lists, and the log-sum-exp merge of partial
// outputs against the float64 reference over the whole key set.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "validation/host/lse_merge.hpp"
#include "validation/host/random_inputs.hpp"
#include "validation/host/reference_attention.hpp"
#include "validation/host/ring_plan.hpp"

using namespace cascadesim::validation;

namespace {
// Row r's entries of a CSR.
std::vector<std::int32_t> csr_row(const BlockCsr& csr, int r) {
  return {csr.col_indices.begin() + csr.row_offsets[r], csr.col_indices.begin() + csr.row_offsets[r + 1]};
}
using Tiles = std::vector<std::int32_t>;
}  // namespace

TEST_CASE("validation: zig-zag shards give rank r chunks r and 2P-1-r in global order") {
  const ZigzagLayout layout{2, 128};  // S = 512, chunks of 128
  CHECK(layout.seq_len() == 512);
  CHECK(zigzag_global_row(layout, 0, 0) == 0);
  CHECK(zigzag_global_row(layout, 0, 127) == 127);
  CHECK(zigzag_global_row(layout, 0, 128) == 384);
  CHECK(zigzag_global_row(layout, 1, 0) == 128);
  CHECK(zigzag_global_row(layout, 1, 200) == 256 + 72);
  const RankRow owner = zigzag_owner(layout, 300);  // chunk 2 belongs to rank 1, second half
  CHECK(owner.rank == 1);
  CHECK(owner.local_row == 128 + 44);
  for (int g = 0; g < 512; ++g) {
    const RankRow o = zigzag_owner(layout, g);
    CHECK(zigzag_global_row(layout, o.rank, o.local_row) == g);
  }
  // [2 slices, 512 rows, head_dim 2]: value = slice * 1000 + row; sharded, then unsharded back.
  std::vector<float> whole(2 * 512 * 2);
  for (int s = 0; s < 2; ++s)
    for (int r = 0; r < 512; ++r) whole[(s * 512 + r) * 2] = whole[(s * 512 + r) * 2 + 1] = s * 1000.0f + r;
  const std::vector<float> part1 = zigzag_shard(layout, 1, 2, 2, whole);
  CHECK(part1[0] == 128.0f);                    // slice 0, local row 0
  CHECK(part1[(256 + 130) * 2] == 1000 + 258);  // slice 1, local row 130: global 256 + 2
  std::vector<float> back(whole.size(), -1.0f);
  for (int r = 0; r < 2; ++r) zigzag_unshard(layout, r, 2, 2, zigzag_shard(layout, r, 2, 2, whole), back);
  CHECK(back == whole);
}

TEST_CASE("validation: the ring's sources: one way, or each half its own way") {
  const ZigzagLayout layout{4, 128};
  CHECK(ring_sources(layout, 1, 0, false).first_half == 1);
  CHECK(ring_sources(layout, 1, 2, false).first_half == 3);
  CHECK(ring_sources(layout, 1, 2, false).second_half == 3);
  CHECK(ring_sources(layout, 1, 1, true).first_half == 0);
  CHECK(ring_sources(layout, 1, 1, true).second_half == 2);
  CHECK(ring_sources(layout, 0, 3, true).first_half == 1);
  CHECK(ring_sources(layout, 0, 3, true).second_half == 3);
}

TEST_CASE("validation: per-step lists of a two-rank zig-zag ring, worked by hand") {
  // P = 2, chunks of 256 (two tiles): rank 0 holds chunks 0 and 3, rank 1 chunks 1 and 2; local tiles 0-1 and 2-3.
  const ZigzagLayout layout{2, 256};
  const StepList own0 = ring_step_list(layout, 0, {0, 0}, 1, 1);
  CHECK(own0.causal_needed);
  CHECK(csr_row(own0.csr, 0) == Tiles{0});
  CHECK(csr_row(own0.csr, 1) == Tiles{0, 1});
  CHECK(csr_row(own0.csr, 2) == Tiles{0, 1, 2});  // chunk 3 sees all of chunk 0 and its own diagonal
  CHECK(csr_row(own0.csr, 3) == Tiles{0, 1, 2, 3});
  const StepList rank0_step1 = ring_step_list(layout, 0, {1, 1}, 1, 1);  // chunks 1 and 2 of rank 1
  CHECK_FALSE(rank0_step1.causal_needed);
  CHECK(csr_row(rank0_step1.csr, 0).empty());
  CHECK(csr_row(rank0_step1.csr, 1).empty());
  CHECK(csr_row(rank0_step1.csr, 2) == Tiles{0, 1, 2, 3});
  const StepList rank1_step1 = ring_step_list(layout, 1, {0, 0}, 1, 1);  // chunks 0 and 3 of rank 0
  CHECK(csr_row(rank1_step1.csr, 0) == Tiles{0, 1});
  CHECK(csr_row(rank1_step1.csr, 3) == Tiles{0, 1});
  // Balanced: 18 blocks each over the two steps.
  CHECK(listed_blocks(own0.csr) + listed_blocks(rank0_step1.csr) == 18);
  CHECK(listed_blocks(ring_step_list(layout, 1, {1, 1}, 1, 1).csr) + listed_blocks(rank1_step1.csr) == 18);
}

TEST_CASE("validation: transfers of a two-rank ring, worked by hand") {
  // P = 2, chunks of 128 rows, one slice of head_dim 8: a block is 256 x 8 elements, a half 128 x 8.
  const ZigzagLayout layout{2, 128};
  CHECK(held_buffer(0) == RingBuffer::own);
  CHECK(held_buffer(1) == RingBuffer::ring1);
  CHECK(held_buffer(2) == RingBuffer::ring0);
  const auto one_way = ring_transfers(layout, 1, false, 1, 8);
  REQUIRE(one_way.size() == 2);
  CHECK(one_way[0].from == 0);
  CHECK(one_way[0].to == 1);
  CHECK(one_way[0].src == RingBuffer::own);
  CHECK(one_way[0].dst == RingBuffer::ring1);
  CHECK(one_way[0].elements == 2048);
  const auto both_ways = ring_transfers(layout, 1, true, 1, 8);
  REQUIRE(both_ways.size() == 4);  // per rank: the first half forward, the second backward (both to the other rank)
  CHECK(both_ways[1].from == 0);
  CHECK(both_ways[1].to == 1);
  CHECK(both_ways[1].src_offset == 1024);
  CHECK(both_ways[1].dst_offset == 1024);
  CHECK(both_ways[1].elements == 1024);
  // Three ranks, step 2: rank 0 forwards what it held at step 1 (ring1) into rank 1's ring0.
  const auto later = ring_transfers(ZigzagLayout{3, 128}, 2, false, 2, 8);
  REQUIRE(later.size() == 3);
  CHECK(later[0].src == RingBuffer::ring1);
  CHECK(later[0].dst == RingBuffer::ring0);
  CHECK(later[0].elements == 2 * 256 * 8);
}

TEST_CASE("validation: every ring form covers the causal blocks once: its lists sum to the dense causal count") {
  for (int P : {1, 2, 3, 4, 8})
    for (bool bidirectional : {false, true}) {
      const ZigzagLayout layout{P, 256};
      const int tiles = layout.seq_len() / 128;
      std::int64_t blocks = 0;
      for (int r = 0; r < P; ++r)
        for (int s = 0; s < P; ++s)
          blocks += listed_blocks(ring_step_list(layout, r, ring_sources(layout, r, s, bidirectional), 2, 3).csr);
      CHECK(blocks == 2 * 3 * static_cast<std::int64_t>(tiles) * (tiles + 1) / 2);
    }
}

TEST_CASE("validation: a sampled top-k selection keeps the diagonal tile and min(top_k, visible) tiles per row") {
  const BlockCsr sel = sampled_top_k(1, 2, 1280, 5, 99);  // 10 tiles
  REQUIRE(sel.rows() == 20);
  for (int row = 0; row < sel.rows(); ++row) {
    const int qt = row % 10;
    const Tiles t = csr_row(sel, row);
    CHECK(static_cast<int>(t.size()) == std::min(5, qt + 1));
    CHECK(t.back() == qt);
    for (std::size_t i = 1; i < t.size(); ++i) CHECK(t[i - 1] < t[i]);
  }
}

TEST_CASE("validation: on-demand fetch lists of a two-rank sparse layer, worked by hand") {
  // S = 512 in chunks of 128: global tile g is chunk g; rank 0 holds tiles 0 and 3, rank 1 tiles 1 and 2.
  const ZigzagLayout layout{2, 128};
  BlockCsr sel;
  sel.tile_q = sel.tile_k = 128;
  sel.q_tiles = sel.k_tiles = 4;
  const std::vector<Tiles> rows = {{0}, {0, 1}, {0, 2}, {1, 3},      // head 0, query tiles 0-3
                                   {0}, {1},    {1, 2}, {0, 2, 3}};  // head 1
  sel.row_offsets = {0};
  for (const Tiles& r : rows) {
    sel.col_indices.insert(sel.col_indices.end(), r.begin(), r.end());
    sel.row_offsets.push_back(static_cast<std::int32_t>(sel.col_indices.size()));
  }
  const std::vector<OnDemandStep> steps = on_demand_steps(layout, 0, sel, 1, 2, 1);
  REQUIRE(steps.size() == 2);
  CHECK(steps[0].source == 0);
  CHECK(steps[0].list.causal_needed);
  // Rank 0's rows: (head, local tile) = (0, 0) is query tile 0, (0, 1) is query tile 3.
  CHECK(csr_row(steps[0].list.csr, 0) == Tiles{0});
  CHECK(csr_row(steps[0].list.csr, 1) == Tiles{1});     // tile 3 is rank 0's local tile 1
  CHECK(csr_row(steps[0].list.csr, 3) == Tiles{0, 1});  // head 1, query tile 3: tiles 0 and 3
  CHECK(steps[1].source == 1);
  CHECK_FALSE(steps[1].list.causal_needed);
  // From rank 1 (local tile 0 = tile 1, 1 = tile 2) the one K/V head needs both: packed into slots 0 and 1.
  CHECK(steps[1].tiles.at(0) == Tiles{0, 1});
  CHECK(csr_row(steps[1].list.csr, 0).empty());
  CHECK(csr_row(steps[1].list.csr, 1) == Tiles{0});  // head 0, query tile 3: tile 1 in slot 0
  CHECK(csr_row(steps[1].list.csr, 3) == Tiles{1});  // head 1, query tile 3: tile 2 in slot 1
  // Rank 1 sends rank 0 its two tiles, packed in order: (slice 0, tile 0, slot 0), (slice 0, tile 1, slot 1); two
  // tiles of 128 x head_dim 8 elements from its send buffer into rank 0's step-1 buffer.
  const std::vector<std::vector<OnDemandStep>> fetches = {steps, on_demand_steps(layout, 1, sel, 1, 2, 1)};
  CHECK(pack_entries(layout, 1, 1, fetches) == std::vector<int>{0, 0, 0, 0, 1, 1});
  const auto moved = on_demand_transfers(layout, 1, fetches, 8);
  const auto to_rank0 = std::find_if(moved.begin(), moved.end(), [](const PlannedTransfer& t) { return t.to == 0; });
  REQUIRE(to_rank0 != moved.end());
  CHECK(to_rank0->from == 1);
  CHECK(to_rank0->src == RingBuffer::send);
  CHECK(to_rank0->dst == RingBuffer::ring1);
  CHECK(to_rank0->elements == 2 * 128 * 8);
  // Rank 0 lists 1 + 2 (head 0) and 1 + 3 (head 1) blocks, each computed at exactly one step.
  CHECK(listed_blocks(steps[0].list.csr) + listed_blocks(steps[1].list.csr) == 7);
}

TEST_CASE("validation: log-sum-exp merge weights, worked by hand") {
  const double inf = std::numeric_limits<double>::infinity();
  const LseMergeWeights<double> w = lse_merge_weights(std::log(1.0), std::log(3.0));
  CHECK(w.accumulated == doctest::Approx(0.25));
  CHECK(w.part == doctest::Approx(0.75));
  CHECK(w.lse == doctest::Approx(std::log(4.0)));
  const LseMergeWeights<double> first = lse_merge_weights(-inf, 2.0);
  CHECK(first.accumulated == 0.0);
  CHECK(first.part == 1.0);
  CHECK(first.lse == 2.0);
  const LseMergeWeights<double> empty_part = lse_merge_weights(2.0, -inf);
  CHECK(empty_part.accumulated == 1.0);
  CHECK(empty_part.part == 0.0);
  const LseMergeWeights<float> none =
      lse_merge_weights(-std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity());
  CHECK(none.accumulated == 0.0f);
  CHECK(none.part == 0.0f);
  CHECK(std::isinf(none.lse));
}

TEST_CASE("validation: merging two disjoint key halves by their log-sum-exps gives whole-sequence attention") {
  const AttentionShape shape{1, 2, 64, 8, true};
  const std::size_t n = 2 * 64 * 8;
  const auto q = random_bf16(n, 11, 2.0f), k = random_bf16(n, 12, 2.0f), v = random_bf16(n, 13);
  // Tiles of 16: the first two key tiles in one part, the last two in the other.
  BlockCsr first = dense_block_csr(shape, 16, 16), second = first;
  for (BlockCsr* part : {&first, &second}) {
    const bool keep_low = part == &first;
    BlockCsr kept = *part;
    kept.col_indices.clear();
    kept.row_offsets.assign(1, 0);
    for (int r = 0; r < part->rows(); ++r) {
      for (int e = part->row_offsets[r]; e < part->row_offsets[r + 1]; ++e)
        if ((part->col_indices[e] < 2) == keep_low) kept.col_indices.push_back(part->col_indices[e]);
      kept.row_offsets.push_back(static_cast<std::int32_t>(kept.col_indices.size()));
    }
    *part = kept;
  }
  std::vector<double> lse_whole, lse_a, lse_b;
  const auto whole = reference_attention(shape, q, k, v, nullptr, &lse_whole);
  const auto a = reference_attention(shape, q, k, v, &first, &lse_a);
  const auto b = reference_attention(shape, q, k, v, &second, &lse_b);
  for (int row = 0; row < 2 * 64; ++row) {
    const LseMergeWeights<double> w = lse_merge_weights(lse_a[row], lse_b[row]);
    CHECK(w.lse == doctest::Approx(lse_whole[row]));
    for (int c = 0; c < 8; ++c) {
      const std::size_t i = static_cast<std::size_t>(row) * 8 + c;
      CHECK(w.accumulated * a[i] + w.part * b[i] == doctest::Approx(whole[i]));
    }
  }
  // Rows 0-31 attend only the first part: the second's lse is -inf there.
  CHECK(std::isinf(lse_b[0]));
}

namespace {
// Every rank's K or V buffers (ring_plan.hpp's RingBuffer: own, ring0, ring1, send), moved as the device runner moves
// them: the packs and transfers of each step in step order (on the device they overlap the computation of the step
// before; the buffers' alternation keeps them apart).
struct EmulatedBuffers {
  std::vector<std::array<std::vector<Bf16>, 4>> ranks;

  EmulatedBuffers(const std::vector<std::vector<Bf16>>& shards) {
    for (const auto& shard : shards) {
      std::array<std::vector<Bf16>, 4> b;
      b.fill(std::vector<Bf16>(shard.size(), to_bf16(0.0f)));
      b[static_cast<std::size_t>(RingBuffer::own)] = shard;
      ranks.push_back(b);
    }
  }
  std::vector<Bf16>& at(int rank, RingBuffer b) {
    return ranks[static_cast<std::size_t>(rank)][static_cast<std::size_t>(b)];
  }
  void pack(int rank, const std::vector<int>& entries, int local_tokens, int head_dim) {
    const std::size_t tile = 128 * static_cast<std::size_t>(head_dim);
    const std::size_t slice = static_cast<std::size_t>(local_tokens) * head_dim;
    for (std::size_t e = 0; e + 2 < entries.size(); e += 3)
      std::copy_n(
          at(rank, RingBuffer::own).begin() + static_cast<std::ptrdiff_t>(entries[e] * slice + entries[e + 1] * tile),
          tile,
          at(rank, RingBuffer::send).begin() + static_cast<std::ptrdiff_t>(entries[e] * slice + entries[e + 2] * tile));
  }
  void move(const PlannedTransfer& t) {
    REQUIRE(t.src_offset + t.elements <= at(t.from, t.src).size());
    REQUIRE(t.dst_offset + t.elements <= at(t.to, t.dst).size());
    std::copy_n(at(t.from, t.src).begin() + static_cast<std::ptrdiff_t>(t.src_offset), t.elements,
                at(t.to, t.dst).begin() + static_cast<std::ptrdiff_t>(t.dst_offset));
  }
};
}  // namespace

TEST_CASE("validation: ring attention emulated with the float64 reference equals whole-sequence attention") {
  // The device runner's plan on the host: each step's packs and transfers applied to every rank's buffers, then per
  // rank the reference over its local rows against the buffer it holds, with that step's list and causal flag, merged
  // by log-sum-exp; dense over both ring forms and a sparse layer fetched on demand.
  const int heads = 4, kv_heads = 2, d = 8;
  for (int P : {1, 2, 3, 4}) {
    const ZigzagLayout layout{P, 128};
    const AttentionShape whole{1, heads, layout.seq_len(), d, true};
    const std::size_t nq = static_cast<std::size_t>(heads) * whole.seq_len * d;
    const std::size_t nkv = static_cast<std::size_t>(kv_heads) * whole.seq_len * d;
    const auto q = random_bf16(nq, 31 + P, 2.0f), k = random_bf16(nkv, 32 + P, 2.0f), v = random_bf16(nkv, 33 + P);
    const BlockCsr selection = sampled_top_k(1, heads, whole.seq_len, 3, 7 + P);
    std::vector<std::vector<Bf16>> k_shards, v_shards;
    std::vector<std::vector<OnDemandStep>> fetches;
    for (int r = 0; r < P; ++r) {
      k_shards.push_back(zigzag_shard(layout, r, kv_heads, d, k));
      v_shards.push_back(zigzag_shard(layout, r, kv_heads, d, v));
      fetches.push_back(on_demand_steps(layout, r, selection, 1, heads, kv_heads));
    }
    for (int form = 0; form < 3; ++form) {  // ring, bidirectional ring, on-demand sparse
      CAPTURE(P);
      CAPTURE(form);
      const bool sparse = form == 2;
      const auto expected = reference_attention(whole, q, repeat_kv_heads(whole, kv_heads, k),
                                                repeat_kv_heads(whole, kv_heads, v), sparse ? &selection : nullptr);
      EmulatedBuffers kb(k_shards), vb(v_shards);
      const std::size_t rows = static_cast<std::size_t>(heads) * layout.local_tokens();
      std::vector<std::vector<double>> acc(static_cast<std::size_t>(P), std::vector<double>(rows * d, 0.0));
      std::vector<std::vector<double>> lse(static_cast<std::size_t>(P),
                                           std::vector<double>(rows, -std::numeric_limits<double>::infinity()));
      for (int s = 0; s < P; ++s) {
        if (s > 0) {
          if (sparse)
            for (int o = 0; o < P; ++o) {
              kb.pack(o, pack_entries(layout, o, s, fetches), layout.local_tokens(), d);
              vb.pack(o, pack_entries(layout, o, s, fetches), layout.local_tokens(), d);
            }
          for (const PlannedTransfer& t : sparse ? on_demand_transfers(layout, s, fetches, d)
                                                 : ring_transfers(layout, s, form == 1, kv_heads, d)) {
            kb.move(t);
            vb.move(t);
          }
        }
        for (int r = 0; r < P; ++r) {
          const StepList list = sparse ? fetches[static_cast<std::size_t>(r)][static_cast<std::size_t>(s)].list
                                       : ring_step_list(layout, r, ring_sources(layout, r, s, form == 1), 1, heads);
          if (listed_blocks(list.csr) == 0) continue;
          const AttentionShape local{1, heads, layout.local_tokens(), d, list.causal_needed};
          std::vector<double> part_lse;
          const auto part = reference_attention(
              local, zigzag_shard(layout, r, heads, d, q), repeat_kv_heads(local, kv_heads, kb.at(r, held_buffer(s))),
              repeat_kv_heads(local, kv_heads, vb.at(r, held_buffer(s))), &list.csr, &part_lse);
          auto& a = acc[static_cast<std::size_t>(r)];
          auto& l = lse[static_cast<std::size_t>(r)];
          for (std::size_t row = 0; row < rows; ++row) {
            const LseMergeWeights<double> w = lse_merge_weights(l[row], part_lse[row]);
            for (std::size_t c = 0; c < static_cast<std::size_t>(d); ++c)
              a[row * d + c] = w.accumulated * a[row * d + c] + w.part * part[row * d + c];
            l[row] = w.lse;
          }
        }
      }
      std::vector<float> merged_whole(nq);
      for (int r = 0; r < P; ++r) {
        const auto& a = acc[static_cast<std::size_t>(r)];
        zigzag_unshard(layout, r, heads, d, std::vector<float>(a.begin(), a.end()), merged_whole);
      }
      double worst = 0;
      for (std::size_t i = 0; i < nq; ++i) worst = std::max(worst, std::fabs(merged_whole[i] - expected[i]));
      CHECK(worst < 1e-5);  // float storage of the merged rows
    }
  }
}
