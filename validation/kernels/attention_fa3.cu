// fa3-style forward attention for Hopper (sm_90a): the design of FlashAttention-3 (Shah et al. 2024, §3): a producer
// warp issues bulk tensor copies (TMA) of Q and of each listed K/V tile into a ring of shared-memory stages that
// complete on mbarriers; two consumer warpgroups (64 query rows each) run S = Q K^T with wgmma from shared memory
// and O += P V with P from registers, ping-ponging (named barriers) so that one's softmax overlaps the other's GEMMs,
// and overlapping within a warpgroup the softmax of tile j with P V of tile j - 1 (FA3 Alg. 2). Dense, block-sparse
// and the anchor (block maxima) share this one code path: the key tiles come from a CSR list per query tile.
#include <cuda.h>
#include <cudaTypedefs.h>
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "validation/host/tile_geometry.hpp"
#include "validation/kernels/attention_fa3.cuh"
#include "validation/kernels/wgmma_sm90.cuh"

// Timing probes of the anchor's extra work (validation/run_fa3_anchor_probe_on_gpu.sh builds one binary each; their
// block maxima are wrong, so --check fails on them): 0, the kernel as shipped; 1, a plain store instead of the
// per-warp atomic maximum; 2, no warp-wide fold of the block maximum (each warp's lane 0 raises its own rows' only);
// 3, no -inf fill of the block-max row nor the consumers' barrier after it.
#ifndef CASCADESIM_FA3_ANCHOR_PROBE
#define CASCADESIM_FA3_ANCHOR_PROBE 0
#endif

namespace cascadesim::validation {

namespace {

using namespace sm90;

constexpr int kPanelCols = 64;  // bf16 columns of one 128-byte swizzled panel (TMA box inner size)
constexpr std::uint32_t kRowBytes = 128;
// Registers per thread after reallocation: 24 for the producer warpgroup; the consumers take the rest of the SM's
// 65,536 (Fa3Layout::kConsumerRegs).
constexpr int kProducerRegs = 24;
// Named barriers of the ping-pong schedule: consumer warpgroup w waits on kPingPongBar + w.
constexpr int kPingPongBar = 1;
// Named barrier of the two consumer warpgroups after the anchor's -inf fill of a block-max row.
constexpr int kAnchorInitBar = 3;
// Devices one process may launch on (per-device launch state below).
constexpr int kMaxDevices = 64;

// One tile configuration: BM query rows per work item (64 per consumer warpgroup), BN keys per key tile.
// 128 x 128: two consumer warpgroups, one block per SM (128 * 24 + 256 * 240 = 64,512 registers, FlashAttention-3's
// split). 64 x 64 (the cascade's coarse stage over pooled tokens, whose tiles each stand for one 128 x 128 tile): one
// consumer warpgroup and two blocks per SM, so that an SM still holds two consumer warpgroups (2 * (128 * 24 +
// 128 * 232) = 65,536 registers). The shared-memory layout depends on the Q buffers and K/V stages chosen at launch
// (Fa3Options), up to kMaxQBuffers and kMaxStages.
template <int D, int BM, int BN>
struct Fa3Layout {
  static_assert((BM == 128 && BN == 128) || (BM == 64 && BN == 64), "tile configurations: 128 x 128 and 64 x 64");
  static constexpr int kConsumers = BM / 64;
  static constexpr int kThreads = 128 * (1 + kConsumers);
  static constexpr int kBlocksPerSm = BM == 64 ? 2 : 1;
  static constexpr int kConsumerRegs = BM == 64 ? 232 : 240;
  static constexpr int kPanels = D / kPanelCols;
  static constexpr std::uint32_t kQPanelBytes = BM * kRowBytes;
  static constexpr std::uint32_t kKvPanelBytes = BN * kRowBytes;
  static constexpr std::uint32_t kQBytes = kQPanelBytes * kPanels;
  static constexpr std::uint32_t kKvTileBytes = kKvPanelBytes * kPanels;
  // Defaults: two Q buffers (a persistent block loads the next work item's Q while its consumers finish the current
  // one); two K/V stages keep the next tile's copy in flight during the current one, and smaller tiles have room for
  // more. The maxima fit one block (128 x 128) or two (64 x 64) in the SM's 228 KB.
  static constexpr int kDefaultQBuffers = 2;
  static constexpr int kDefaultStages = BM == 128 ? (D == 64 ? 3 : 2) : (D == 64 ? 4 : 2);
  static constexpr int kMaxQBuffers = BM == 128 ? (D == 64 ? 4 : 3) : (D == 64 ? 4 : 2);
  static constexpr int kMaxStages = BM == 128 ? (D == 64 ? 4 : 2) : (D == 64 ? 4 : 2);
  // Byte offsets from the 1024-byte aligned base: Q buffers, K stages, V stages, the mbarriers (q_full[], q_empty[],
  // k_full[], v_full[], k_empty[], v_empty[]), then the work item of each Q buffer, written by the producer before it
  // arrives on q_full.
  __host__ __device__ static constexpr std::uint32_t k_offset(int q_buffers) { return q_buffers * kQBytes; }
  __host__ __device__ static constexpr std::uint32_t v_offset(int q_buffers, int stages) {
    return k_offset(q_buffers) + stages * kKvTileBytes;
  }
  __host__ __device__ static constexpr std::uint32_t barrier_offset(int q_buffers, int stages) {
    return v_offset(q_buffers, stages) + stages * kKvTileBytes;
  }
  __host__ __device__ static constexpr std::uint32_t item_slot_offset(int q_buffers, int stages) {
    return barrier_offset(q_buffers, stages) + (2 * q_buffers + 4 * stages) * 8;
  }
  static constexpr std::size_t smem_bytes(int q_buffers, int stages) {
    return item_slot_offset(q_buffers, stages) + 4 * q_buffers + 1024;
  }
};

struct Fa3Params {
  std::uint16_t* o = nullptr;
  const std::int32_t* row_offsets = nullptr;
  const std::int32_t* col_indices = nullptr;
  float* block_max = nullptr;
  float* lse = nullptr;  // null: not written
  int* work_counter =
      nullptr;  // persistent grid: items handed out so far beyond the first gridDim.x, zeroed per launch
  int batch = 1;
  int heads = 1;
  int kv_heads = 1;
  int seq_len = 1;
  int q_tiles = 1;
  int k_tiles = 1;
  int q_buffers = 2;  // Q buffers and K/V ring stages in use (Fa3Layout: at most kMaxQBuffers, kMaxStages)
  int stages = 2;
  bool causal = false;
};

__device__ __forceinline__ std::uint32_t pack_bf16(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const std::uint32_t*>(&v);
}

__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

// As in attention.cu: atomic maximum of a float that is never NaN.
__device__ __forceinline__ void atomic_max_float(float* address, float value) {
  if (!signbit(value)) {
    atomicMax(reinterpret_cast<int*>(address), __float_as_int(value));
  } else {
    atomicMin(reinterpret_cast<unsigned int*>(address), __float_as_uint(value));
  }
}

template <int D>
__device__ __forceinline__ void wgmma_pv(float (&o)[D / 2], const std::uint32_t (&a)[4], std::uint64_t desc) {
  if constexpr (D == 128) {
    wgmma_rs_m64n128k16(o, a, desc, 1);
  } else {
    wgmma_rs_m64n64k16(o, a, desc, 1);
  }
}

// S = Q K^T for one warpgroup: K-major operands in 128-byte swizzled panels of 64 columns; a k-step of 16 columns
// is 32 bytes into a panel (the swizzle is applied by the hardware to the final address).
template <int D, int BM, int BN>
__device__ __forceinline__ void issue_qk(float (&s)[BN / 2], std::uint32_t q_wg, std::uint32_t k_stage) {
  using L = Fa3Layout<D, BM, BN>;
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) {
    const std::uint64_t a = smem_descriptor_sw128(q_wg + (kk / 4) * L::kQPanelBytes + (kk % 4) * 32, 16, 1024);
    const std::uint64_t b = smem_descriptor_sw128(k_stage + (kk / 4) * L::kKvPanelBytes + (kk % 4) * 32, 16, 1024);
    if constexpr (BN == 128) {
      wgmma_ss_m64n128k16(s, a, b, kk > 0);
    } else {
      wgmma_ss_m64n64k16(s, a, b, kk > 0);
    }
  }
}

// O += P V: V is MN-major (head_dim contiguous): 8-key groups 1024 bytes apart (SBO), 64-column panels
// kKvPanelBytes apart (LBO); a k-step is 16 key rows.
template <int D, int BN>
__device__ __forceinline__ void issue_pv(float (&o)[D / 2], const std::uint32_t (&pf)[BN / 16][4],
                                         std::uint32_t v_stage) {
#pragma unroll
  for (int kk = 0; kk < BN / 16; ++kk)
    wgmma_pv<D>(o, pf[kk], smem_descriptor_sw128(v_stage + kk * 16 * kRowBytes, BN * kRowBytes, 1024));
}

// P as wgmma A fragments: the accumulator layout of key columns [16kk, 16kk + 16) is one k-step's A layout.
template <int BN>
__device__ __forceinline__ void to_fragments(const float (&s)[BN / 2], std::uint32_t (&pf)[BN / 16][4]) {
#pragma unroll
  for (int kk = 0; kk < BN / 16; ++kk) {
    pf[kk][0] = pack_bf16(s[8 * kk], s[8 * kk + 1]);
    pf[kk][1] = pack_bf16(s[8 * kk + 2], s[8 * kk + 3]);
    pf[kk][2] = pack_bf16(s[8 * kk + 4], s[8 * kk + 5]);
    pf[kk][3] = pack_bf16(s[8 * kk + 6], s[8 * kk + 7]);
  }
}

// Masks one tile's scores, folds them into the running max m and sum l (FlashAttention-2 Alg. 1, lines 9-10, in
// log2 units), leaves exp2(scaled score - max) in s, and returns the factors alpha by which O must be rescaled.
// The accumulator layout: s[4j + c] is row (c < 2 ? row0 : row1), key k_first + 8j + col_base + (c & 1).
template <int D, int BN, bool ANCHOR>
__device__ __forceinline__ void softmax_tile(float (&s)[BN / 2], float& m0, float& m1, float& l0, float& l1,
                                             float& alpha0, float& alpha1, int k_first, int wg_first, int row0,
                                             int row1, int col_base, int seq_len, bool causal, float* block_max_entry,
                                             int lane) {
  constexpr float kScale = D == 64 ? 0.125f : 0.08838834764831845f;  // 1 / sqrt(D)
  constexpr float kScaleLog2 = kScale * 1.4426950408889634f;
  constexpr float kNegInf = -INFINITY;
  // Keys past seq_len, and under causality keys after the query, get -inf.
  if (k_first + BN > seq_len || (causal && k_first + BN - 1 > wg_first)) {
#pragma unroll
    for (int j = 0; j < BN / 8; ++j) {
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const int key = k_first + j * 8 + col_base + (c & 1);
        const int row = c < 2 ? row0 : row1;
        if (key >= seq_len || (causal && key > row)) s[j * 4 + c] = kNegInf;
      }
    }
  }
  float mx0 = kNegInf, mx1 = kNegInf;
#pragma unroll
  for (int j = 0; j < BN / 8; ++j) {
    mx0 = fmaxf(mx0, fmaxf(s[4 * j], s[4 * j + 1]));
    mx1 = fmaxf(mx1, fmaxf(s[4 * j + 2], s[4 * j + 3]));
  }
  mx0 = fmaxf(mx0, __shfl_xor_sync(0xFFFFFFFFu, mx0, 1));
  mx0 = fmaxf(mx0, __shfl_xor_sync(0xFFFFFFFFu, mx0, 2));
  mx1 = fmaxf(mx1, __shfl_xor_sync(0xFFFFFFFFu, mx1, 1));
  mx1 = fmaxf(mx1, __shfl_xor_sync(0xFFFFFFFFu, mx1, 2));
  if constexpr (ANCHOR) {
    // The block's maximum raw score over this warp's in-range rows, folded in with one atomic per warp.
    float block_raw = fmaxf(row0 < seq_len ? mx0 : kNegInf, row1 < seq_len ? mx1 : kNegInf);
#if CASCADESIM_FA3_ANCHOR_PROBE != 2
#pragma unroll
    for (int offset = 4; offset < 32; offset <<= 1)
      block_raw = fmaxf(block_raw, __shfl_xor_sync(0xFFFFFFFFu, block_raw, offset));
#endif
#if CASCADESIM_FA3_ANCHOR_PROBE == 1
    if (lane == 0 && block_raw != kNegInf) *block_max_entry = block_raw * kScale;
#else
    if (lane == 0 && block_raw != kNegInf) atomic_max_float(block_max_entry, block_raw * kScale);
#endif
  }
  const float new_m0 = fmaxf(m0, mx0 * kScaleLog2);
  const float new_m1 = fmaxf(m1, mx1 * kScaleLog2);
  // A row with every key masked so far keeps max -inf; subtracting 0 instead keeps exp2 at 0, never NaN.
  const float base0 = new_m0 == kNegInf ? 0.0f : new_m0;
  const float base1 = new_m1 == kNegInf ? 0.0f : new_m1;
  alpha0 = fast_exp2(m0 - base0);
  alpha1 = fast_exp2(m1 - base1);
  m0 = new_m0;
  m1 = new_m1;
  float sum0 = 0.0f, sum1 = 0.0f;
#pragma unroll
  for (int j = 0; j < BN / 8; ++j) {
    s[4 * j] = fast_exp2(s[4 * j] * kScaleLog2 - base0);
    s[4 * j + 1] = fast_exp2(s[4 * j + 1] * kScaleLog2 - base0);
    s[4 * j + 2] = fast_exp2(s[4 * j + 2] * kScaleLog2 - base1);
    s[4 * j + 3] = fast_exp2(s[4 * j + 3] * kScaleLog2 - base1);
    sum0 += s[4 * j] + s[4 * j + 1];
    sum1 += s[4 * j + 2] + s[4 * j + 3];
  }
  l0 = l0 * alpha0 + sum0;
  l1 = l1 * alpha1 + sum1;
}

// One work item per (batch, head, query tile). Items are ordered by (batch, K/V head), then query tile from the
// last, then query head within the group: the blocks running at one time share one K/V head (about 132 query tiles
// of it), so its K/V tiles are read from HBM about once and then served from L2, also for sparse lists; under
// causality the tiles with the most key tiles start first.
struct WorkItem {
  int batch, head, kv_head, q_tile, csr_row;
};

__device__ __forceinline__ WorkItem decode_item(int item, const Fa3Params& p) {
  const int group = p.heads / p.kv_heads;
  WorkItem w;
  const int head_in_group = item % group;
  item /= group;
  w.q_tile = p.q_tiles - 1 - item % p.q_tiles;
  item /= p.q_tiles;
  w.kv_head = item % p.kv_heads;
  w.batch = item / p.kv_heads;
  w.head = w.kv_head * group + head_in_group;
  w.csr_row = (w.batch * p.heads + w.head) * p.q_tiles + w.q_tile;
  return w;
}

// PERSISTENT: a grid of at most one block per SM; block b starts with item b and then takes the next unclaimed item
// from an atomic counter (a dynamic schedule, as FlashAttention-3's tile scheduler: under causality items differ in
// length by up to q_tiles times). The producer copies the next item's Q and K/V tiles while the consumers finish the
// current item (its last P V and output), which matters when an item lists few key tiles. It hands each item to the
// consumers through a shared-memory slot per Q buffer, published by its arrival on q_full (release/acquire), and
// ends them with item -1. Otherwise one block per item.
template <int D, int BM, int BN, bool ANCHOR, bool PINGPONG, bool PERSISTENT>
__global__ void __launch_bounds__(Fa3Layout<D, BM, BN>::kThreads, Fa3Layout<D, BM, BN>::kBlocksPerSm)
    attention_fa3_kernel(const __grid_constant__ CUtensorMap tm_q, const __grid_constant__ CUtensorMap tm_k,
                         const __grid_constant__ CUtensorMap tm_v, const Fa3Params p) {
  using L = Fa3Layout<D, BM, BN>;
  static_assert(!PINGPONG || L::kConsumers == 2, "ping-pong needs two consumer warpgroups");
  constexpr int kConsumerThreads = 128 * L::kConsumers;
  constexpr float kNegInf = -INFINITY;
  const int q_buffers = p.q_buffers;
  const int stages = p.stages;

  extern __shared__ unsigned char smem_raw[];
  // The 128-byte swizzle repeats every 1024 bytes: tiles start at 1024-byte boundaries, so TMA's swizzle and the
  // wgmma descriptors' (base offset 0) agree.
  const std::uint32_t raw = smem_u32(smem_raw);
  unsigned char* smem = smem_raw + ((1024 - (raw & 1023)) & 1023);
  const std::uint32_t q_addr = smem_u32(smem);
  const std::uint32_t k_off = L::k_offset(q_buffers);
  const std::uint32_t v_off = L::v_offset(q_buffers, stages);
  const std::uint32_t k_addr = q_addr + k_off;
  const std::uint32_t v_addr = q_addr + v_off;
  std::uint64_t* bars = reinterpret_cast<std::uint64_t*>(smem + L::barrier_offset(q_buffers, stages));
  std::uint64_t* q_full = bars;
  std::uint64_t* q_empty = bars + q_buffers;
  std::uint64_t* k_full = bars + 2 * q_buffers;
  std::uint64_t* v_full = k_full + stages;
  std::uint64_t* k_empty = v_full + stages;
  std::uint64_t* v_empty = k_empty + stages;

  const int items = p.q_tiles * p.batch * p.heads;
  volatile int* item_slot = reinterpret_cast<volatile int*>(smem + L::item_slot_offset(q_buffers, stages));

  if (threadIdx.x == 0) {
    // The empty barriers are released by lane 0 of each consumer warp once its reads of the buffer are complete.
    for (int b = 0; b < q_buffers; ++b) {
      mbar_init(&q_full[b], 1);
      mbar_init(&q_empty[b], 4 * L::kConsumers);
    }
    for (int s = 0; s < stages; ++s) {
      mbar_init(&k_full[s], 1);
      mbar_init(&v_full[s], 1);
      mbar_init(&k_empty[s], 4 * L::kConsumers);
      mbar_init(&v_empty[s], 4 * L::kConsumers);
    }
    mbar_init_fence();
  }
  __syncthreads();

  if (threadIdx.x < 128) {
    // ---- producer warpgroup: one thread issues every copy ----
    setmaxnreg_dec<kProducerRegs>();
    if (threadIdx.x == 0) {
      prefetch_tensor_map(&tm_q);
      prefetch_tensor_map(&tm_k);
      prefetch_tensor_map(&tm_v);
      int it = 0;  // K/V tiles issued so far: the ring position runs on across items
      int item = static_cast<int>(blockIdx.x);
      for (int local = 0;; ++local) {
        const int qb = local % q_buffers;
        mbar_wait(&q_empty[qb], ((local / q_buffers) & 1) ^ 1);
        if (item >= items || (!PERSISTENT && local > 0)) {
          item_slot[qb] = -1;  // no more work: the consumers stop at this item
          mbar_arrive(&q_full[qb]);
          break;
        }
        item_slot[qb] = item;
        const WorkItem w = decode_item(item, p);
        const int begin = p.row_offsets[w.csr_row];
        const int n = p.row_offsets[w.csr_row + 1] - begin;
        const std::int32_t* tiles = p.col_indices + begin;
        mbar_arrive_expect_tx(&q_full[qb], L::kQBytes);
#pragma unroll
        for (int pnl = 0; pnl < L::kPanels; ++pnl)
          tma_load_3d(smem + qb * L::kQBytes + pnl * L::kQPanelBytes, &tm_q, pnl * kPanelCols, w.q_tile * BM,
                      w.batch * p.heads + w.head, &q_full[qb]);
        const int kv_slice = w.batch * p.kv_heads + w.kv_head;
        for (int i = 0; i < n; ++i, ++it) {
          const int stage = it % stages;
          const std::uint32_t parity = ((it / stages) & 1) ^ 1;
          const int key_row = tiles[i] * BN;
          unsigned char* k_dst = smem + k_off + stage * L::kKvTileBytes;
          unsigned char* v_dst = smem + v_off + stage * L::kKvTileBytes;
          mbar_wait(&k_empty[stage], parity);
          mbar_arrive_expect_tx(&k_full[stage], L::kKvTileBytes);
#pragma unroll
          for (int pnl = 0; pnl < L::kPanels; ++pnl)
            tma_load_3d(k_dst + pnl * L::kKvPanelBytes, &tm_k, pnl * kPanelCols, key_row, kv_slice, &k_full[stage]);
          mbar_wait(&v_empty[stage], parity);
          mbar_arrive_expect_tx(&v_full[stage], L::kKvTileBytes);
#pragma unroll
          for (int pnl = 0; pnl < L::kPanels; ++pnl)
            tma_load_3d(v_dst + pnl * L::kKvPanelBytes, &tm_v, pnl * kPanelCols, key_row, kv_slice, &v_full[stage]);
        }
        if constexpr (PERSISTENT) item = static_cast<int>(gridDim.x) + atomicAdd(p.work_counter, 1);
      }
    }
  } else {
    // ---- consumer warpgroups ----
    setmaxnreg_inc<L::kConsumerRegs>();
    const int cw = static_cast<int>(threadIdx.x) / 128 - 1;
    const int t = static_cast<int>(threadIdx.x) % 128;
    const int warp = t / 32;
    const int lane = t % 32;
    const int col_base = 2 * (lane % 4);
    int it = 0;
    for (int local = 0;; ++local) {
      const int qb = local % q_buffers;
      mbar_wait(&q_full[qb], (local / q_buffers) & 1);
      const int item = item_slot[qb];
      if (item < 0) break;
      const WorkItem w = decode_item(item, p);
      const int begin = p.row_offsets[w.csr_row];
      const int n = p.row_offsets[w.csr_row + 1] - begin;
      const std::int32_t* tiles = p.col_indices + begin;
      float* block_max_row = ANCHOR ? p.block_max + static_cast<std::size_t>(w.csr_row) * p.k_tiles : nullptr;
#if CASCADESIM_FA3_ANCHOR_PROBE != 3
      if constexpr (ANCHOR) {
        // Every entry of the row is written: -inf here, raised by the atomics after the consumers' barrier.
        for (int kt = t + 128 * cw; kt < p.k_tiles; kt += kConsumerThreads) block_max_row[kt] = kNegInf;
        named_bar_sync(kAnchorInitBar, kConsumerThreads);
      }
#endif
      const int wg_first = w.q_tile * BM + cw * 64;
      const int row0 = wg_first + warp * 16 + lane / 4;
      const int row1 = row0 + 8;
      // This warpgroup's 64 rows start 64 rows into each Q panel.
      const std::uint32_t q_wg = q_addr + qb * L::kQBytes + cw * 64 * kRowBytes;

      float o[D / 2];
#pragma unroll
      for (int i = 0; i < D / 2; ++i) o[i] = 0.0f;
      float s[BN / 2];
      std::uint32_t pf[BN / 16][4];
      float m0 = kNegInf, m1 = kNegInf, l0 = 0.0f, l1 = 0.0f;

      // Warpgroup 0 issues its GEMMs first.
      if (PINGPONG && cw == 1 && n > 0) named_bar_arrive(kPingPongBar, 256);

      // Tile 0: S only. Tiles 1..n-1: S of tile i and P V of tile i - 1 in flight together, so that every wait in
      // the loop is unconditional (ptxas serializes wgmma when a path may read registers of a pending wgmma).
      if (n > 0) {
        const int stage = it % stages;
        mbar_wait(&k_full[stage], (it / stages) & 1);
        if constexpr (PINGPONG) named_bar_sync(kPingPongBar + cw, 256);
        wgmma_fence();
        issue_qk<D, BM, BN>(s, q_wg, k_addr + stage * L::kKvTileBytes);
        wgmma_commit();
        if constexpr (PINGPONG) {
          if (!(cw == 1 && n == 1)) named_bar_arrive(kPingPongBar + (1 - cw), 256);
        }
        wgmma_wait<0>();
        fence_operands(s);
        if (lane == 0) mbar_arrive(&k_empty[stage]);
        float alpha0, alpha1;
        softmax_tile<D, BN, ANCHOR>(s, m0, m1, l0, l1, alpha0, alpha1, tiles[0] * BN, wg_first, row0, row1, col_base,
                                    p.seq_len, p.causal, ANCHOR ? block_max_row + tiles[0] : nullptr, lane);
        to_fragments<BN>(s, pf);
      }
      for (int i = 1; i < n; ++i) {
        const int cur = it + i;
        const int stage = cur % stages;
        const int prev_stage = (cur - 1) % stages;
        const int kt = tiles[i];
        // Both waits come before the first wgmma: a spin loop between the two GEMMs' issues is a divergent path
        // on which ptxas would insert a wgmma fence and serialize them.
        mbar_wait(&k_full[stage], (cur / stages) & 1);
        mbar_wait(&v_full[prev_stage], ((cur - 1) / stages) & 1);
        if constexpr (PINGPONG) named_bar_sync(kPingPongBar + cw, 256);
        wgmma_fence();
        issue_qk<D, BM, BN>(s, q_wg, k_addr + stage * L::kKvTileBytes);
        wgmma_commit();
        // O += P V of the previous tile while this tile's softmax runs.
        issue_pv<D, BN>(o, pf, v_addr + prev_stage * L::kKvTileBytes);
        wgmma_commit();
        // Hand the tensor cores to the other warpgroup; warpgroup 1's last hand-over would have no taker.
        if constexpr (PINGPONG) {
          if (!(cw == 1 && i == n - 1)) named_bar_arrive(kPingPongBar + (1 - cw), 256);
        }
        wgmma_wait<1>();
        fence_operands(s);
        if (lane == 0) mbar_arrive(&k_empty[stage]);
        float alpha0, alpha1;
        softmax_tile<D, BN, ANCHOR>(s, m0, m1, l0, l1, alpha0, alpha1, kt * BN, wg_first, row0, row1, col_base,
                                    p.seq_len, p.causal, ANCHOR ? block_max_row + kt : nullptr, lane);
        // P V of the previous tile is done: its V stage is free, and O and P may be written.
        wgmma_wait<0>();
        fence_operands(o);
        fence_operands(pf);
        if (lane == 0) mbar_arrive(&v_empty[prev_stage]);
#pragma unroll
        for (int j = 0; j < D / 8; ++j) {
          o[4 * j] *= alpha0;
          o[4 * j + 1] *= alpha0;
          o[4 * j + 2] *= alpha1;
          o[4 * j + 3] *= alpha1;
        }
        to_fragments<BN>(s, pf);
      }
      if (n > 0) {
        const int last = it + n - 1;
        mbar_wait(&v_full[last % stages], (last / stages) & 1);
        wgmma_fence();
        issue_pv<D, BN>(o, pf, v_addr + (last % stages) * L::kKvTileBytes);
        wgmma_commit();
        wgmma_wait<0>();
        fence_operands(o);
        if (lane == 0) mbar_arrive(&v_empty[last % stages]);
      }
      it += n;
      // Q of this item is no longer read: the producer may load the item after next into its buffer.
      if (lane == 0) mbar_arrive(&q_empty[qb]);

      // O / l (a row that attended no key is written as zeros), straight from the accumulators: each quad writes
      // 16 contiguous bytes of a row per 8-column chunk.
      l0 += __shfl_xor_sync(0xFFFFFFFFu, l0, 1);
      l0 += __shfl_xor_sync(0xFFFFFFFFu, l0, 2);
      l1 += __shfl_xor_sync(0xFFFFFFFFu, l1, 1);
      l1 += __shfl_xor_sync(0xFFFFFFFFu, l1, 2);
      const float inv0 = l0 > 0.0f ? 1.0f / l0 : 0.0f;
      const float inv1 = l1 > 0.0f ? 1.0f / l1 : 0.0f;
      if (p.lse && col_base == 0) {
        // sum_j exp(score_j) = 2^m * l (m in log2 units): ln of it is m ln 2 + ln l; -inf where no key was attended.
        constexpr float kLn2 = 0.6931471805599453f;
        float* lse_g = p.lse + (static_cast<std::size_t>(w.batch) * p.heads + w.head) * p.seq_len;
        if (row0 < p.seq_len) lse_g[row0] = l0 > 0.0f ? m0 * kLn2 + logf(l0) : kNegInf;
        if (row1 < p.seq_len) lse_g[row1] = l1 > 0.0f ? m1 * kLn2 + logf(l1) : kNegInf;
      }
      std::uint16_t* o_g = p.o + (static_cast<std::size_t>(w.batch) * p.heads + w.head) * p.seq_len * D;
      if (row0 < p.seq_len) {
        std::uint16_t* out = o_g + static_cast<std::size_t>(row0) * D + col_base;
#pragma unroll
        for (int j = 0; j < D / 8; ++j)
          *reinterpret_cast<std::uint32_t*>(out + 8 * j) = pack_bf16(o[4 * j] * inv0, o[4 * j + 1] * inv0);
      }
      if (row1 < p.seq_len) {
        std::uint16_t* out = o_g + static_cast<std::size_t>(row1) * D + col_base;
#pragma unroll
        for (int j = 0; j < D / 8; ++j)
          *reinterpret_cast<std::uint32_t*>(out + 8 * j) = pack_bf16(o[4 * j + 2] * inv1, o[4 * j + 3] * inv1);
      }
    }
  }
}

PFN_cuTensorMapEncodeTiled_v12000 tensor_map_encoder() {
  static PFN_cuTensorMapEncodeTiled_v12000 encode = [] {
    void* fn = nullptr;
    cudaDriverEntryPointQueryResult result{};
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &fn, 12000, cudaEnableDefault, &result) !=
            cudaSuccess ||
        result != cudaDriverEntryPointSuccess)
      fn = nullptr;
    return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(fn);
  }();
  return encode;
}

// A [slices, seq_len, head_dim] bf16 tensor as 3-D (head_dim, seq_len, slices): boxes of 64 columns x box_rows rows of
// one slice, 128-byte swizzled. Rows past seq_len are out of bounds of their slice, so the copy engine zero-fills them
// rather than reading the next slice.
bool encode_tensor_map(CUtensorMap* map, const std::uint16_t* base, int head_dim, int seq_len, int slices,
                       int box_rows) {
  const PFN_cuTensorMapEncodeTiled_v12000 encode = tensor_map_encoder();
  if (!encode) return false;
  const cuuint64_t dims[3] = {static_cast<cuuint64_t>(head_dim), static_cast<cuuint64_t>(seq_len),
                              static_cast<cuuint64_t>(slices)};
  const cuuint64_t strides[2] = {static_cast<cuuint64_t>(head_dim) * 2,
                                 static_cast<cuuint64_t>(head_dim) * 2 * static_cast<cuuint64_t>(seq_len)};
  const cuuint32_t box[3] = {kPanelCols, static_cast<cuuint32_t>(box_rows), 1};
  const cuuint32_t element_strides[3] = {1, 1, 1};
  return encode(map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 3, const_cast<std::uint16_t*>(base), dims, strides, box,
                element_strides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

Fa3Options g_options;

// The Q buffers and K/V stages of the current options for one tile configuration (0: its default; clamped to its
// maxima).
template <int D, int BM, int BN>
void buffer_counts(int& q_buffers, int& stages) {
  using L = Fa3Layout<D, BM, BN>;
  q_buffers = g_options.q_buffers > 0 ? std::clamp(g_options.q_buffers, 2, L::kMaxQBuffers) : L::kDefaultQBuffers;
  stages = g_options.kv_stages > 0 ? std::clamp(g_options.kv_stages, 2, L::kMaxStages) : L::kDefaultStages;
}

int device_sm_count() {
  static const int sm_count = [] {
    int device = 0, count = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device) != cudaSuccess)
      count = 0;
    return count;
  }();
  return sm_count;
}

template <int D, int BM, int BN, bool ANCHOR, bool PINGPONG, bool PERSISTENT>
cudaError_t launch_fa3_kernel(const CUtensorMap& tm_q, const CUtensorMap& tm_k, const CUtensorMap& tm_v,
                              const Fa3Params& p, cudaStream_t stream) {
  using L = Fa3Layout<D, BM, BN>;
  const std::size_t smem = L::smem_bytes(p.q_buffers, p.stages);
  const auto kernel = attention_fa3_kernel<D, BM, BN, ANCHOR, PINGPONG, PERSISTENT>;
  // Raised once per variant and device to its largest layout (a function's attributes belong to one device's
  // context; the ring runner drives several GPUs from one process); the call is host-side only and would otherwise
  // sit inside every timed launch.
  int device = 0;
  const cudaError_t device_status = cudaGetDevice(&device);
  if (device_status != cudaSuccess) return device_status;
  if (device >= kMaxDevices) return cudaErrorInvalidDevice;
  static bool attribute_set[kMaxDevices] = {};
  static cudaError_t attribute_status[kMaxDevices] = {};
  if (!attribute_set[device]) {
    attribute_status[device] = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                    static_cast<int>(L::smem_bytes(L::kMaxQBuffers, L::kMaxStages)));
    attribute_set[device] = true;
  }
  if (attribute_status[device] != cudaSuccess) return attribute_status[device];
  const int items = p.q_tiles * p.batch * p.heads;
  // Persistent: the blocks that fit at once (kBlocksPerSm per SM, on the SMs not reserved); more would only queue
  // behind them.
  const int grid =
      PERSISTENT ? std::min(items, std::max(device_sm_count() - g_options.reserved_sms, 1) * L::kBlocksPerSm) : items;
  Fa3Params params = p;
  if constexpr (PERSISTENT) {
    // One counter per device, zeroed on the stream before each launch: launches on one stream are ordered, so the
    // launches on one device must share a stream (attention_fa3.cuh).
    static int* counter[kMaxDevices] = {};
    if (!counter[device]) {
      const cudaError_t status = cudaMalloc(&counter[device], sizeof(int));
      if (status != cudaSuccess) return status;
    }
    const cudaError_t status = cudaMemsetAsync(counter[device], 0, sizeof(int), stream);
    if (status != cudaSuccess) return status;
    params.work_counter = counter[device];
  }
  kernel<<<grid, L::kThreads, smem, stream>>>(tm_q, tm_k, tm_v, params);
  return cudaSuccess;
}

template <int D, int BM, int BN, bool ANCHOR>
cudaError_t launch_fa3_variant(const AttentionArgs& args, int kv_heads, cudaStream_t stream) {
  CUtensorMap tm_q, tm_k, tm_v;
  if (!encode_tensor_map(&tm_q, args.q, D, args.seq_len, args.batch * args.heads, BM) ||
      !encode_tensor_map(&tm_k, args.k, D, args.seq_len, args.batch * kv_heads, BN) ||
      !encode_tensor_map(&tm_v, args.v, D, args.seq_len, args.batch * kv_heads, BN))
    return cudaErrorNotSupported;
  Fa3Params p;
  p.o = args.o;
  p.row_offsets = args.row_offsets;
  p.col_indices = args.col_indices;
  p.block_max = args.block_max;
  p.lse = args.lse;
  p.batch = args.batch;
  p.heads = args.heads;
  p.kv_heads = kv_heads;
  p.seq_len = args.seq_len;
  p.q_tiles = tile_count(args.seq_len, BM);
  p.k_tiles = tile_count(args.seq_len, BN);
  buffer_counts<D, BM, BN>(p.q_buffers, p.stages);
  p.causal = args.causal;
  if constexpr (BM == 128) {
    if (g_options.pingpong)
      return g_options.persistent ? launch_fa3_kernel<D, BM, BN, ANCHOR, true, true>(tm_q, tm_k, tm_v, p, stream)
                                  : launch_fa3_kernel<D, BM, BN, ANCHOR, true, false>(tm_q, tm_k, tm_v, p, stream);
  }
  // One consumer warpgroup (64 x 64) has no partner to ping-pong with: that option is ignored there.
  return g_options.persistent ? launch_fa3_kernel<D, BM, BN, ANCHOR, false, true>(tm_q, tm_k, tm_v, p, stream)
                              : launch_fa3_kernel<D, BM, BN, ANCHOR, false, false>(tm_q, tm_k, tm_v, p, stream);
}

template <int BM, int BN>
cudaError_t launch_fa3_tiles(const AttentionArgs& args, int head_dim, int kv_heads, cudaStream_t stream) {
  if (head_dim == 64)
    return args.block_max ? launch_fa3_variant<64, BM, BN, true>(args, kv_heads, stream)
                          : launch_fa3_variant<64, BM, BN, false>(args, kv_heads, stream);
  return args.block_max ? launch_fa3_variant<128, BM, BN, true>(args, kv_heads, stream)
                        : launch_fa3_variant<128, BM, BN, false>(args, kv_heads, stream);
}

}  // namespace

bool attention_fa3_variant_exists(int head_dim, int tile_q, int tile_k) {
  return (head_dim == 64 || head_dim == 128) && tile_q == tile_k && (tile_q == 128 || tile_q == 64);
}

void set_attention_fa3_options(const Fa3Options& options) { g_options = options; }
Fa3Options attention_fa3_options() { return g_options; }
int attention_fa3_anchor_probe() { return CASCADESIM_FA3_ANCHOR_PROBE; }

std::size_t attention_fa3_shared_bytes(int head_dim, int tile_q, int tile_k) {
  int q_buffers = 0, stages = 0;
  if (tile_q == 64 && tile_k == 64) {
    if (head_dim == 64) {
      buffer_counts<64, 64, 64>(q_buffers, stages);
      return Fa3Layout<64, 64, 64>::smem_bytes(q_buffers, stages);
    }
    buffer_counts<128, 64, 64>(q_buffers, stages);
    return Fa3Layout<128, 64, 64>::smem_bytes(q_buffers, stages);
  }
  if (head_dim == 64) {
    buffer_counts<64, 128, 128>(q_buffers, stages);
    return Fa3Layout<64, 128, 128>::smem_bytes(q_buffers, stages);
  }
  buffer_counts<128, 128, 128>(q_buffers, stages);
  return Fa3Layout<128, 128, 128>::smem_bytes(q_buffers, stages);
}

int attention_fa3_threads(int tile_q) { return tile_q == 64 ? Fa3Layout<64, 64, 64>::kThreads : 384; }

cudaError_t launch_attention_fa3(const AttentionArgs& args, int head_dim, int tile_q, int tile_k, cudaStream_t stream) {
  const int kv_heads = args.kv_heads == 0 ? args.heads : args.kv_heads;
  if (!attention_fa3_variant_exists(head_dim, tile_q, tile_k) || args.seq_len < 1 || args.heads < 1 || args.batch < 1 ||
      kv_heads < 1 || args.heads % kv_heads != 0)
    return cudaErrorInvalidValue;
  return tile_q == 64 ? launch_fa3_tiles<64, 64>(args, head_dim, kv_heads, stream)
                      : launch_fa3_tiles<128, 128>(args, head_dim, kv_heads, stream);
}

cudaError_t launch_attention_fa3(const AttentionArgs& args, int head_dim, cudaStream_t stream) {
  return launch_attention_fa3(args, head_dim, kFa3TileQ, kFa3TileK, stream);
}

}  // namespace cascadesim::validation
