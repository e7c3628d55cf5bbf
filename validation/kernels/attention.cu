// FlashAttention-2-style forward attention on tensor cores (mma.sync m16n8k16 bf16, fp32 accumulation), dense or
// block-sparse through one CSR code path, with an anchor variant that records per-block maximum scores, and the
// top-k key-tile selection. Algorithm: FlashAttention-2 (Dao 2023), Alg. 1, one thread block per query tile.
#include <cuda_bf16.h>

#include <cmath>

#include "validation/host/tile_geometry.hpp"
#include "validation/kernels/attention.cuh"

namespace cascadesim::validation {

namespace {

constexpr float kLog2e = 1.4426950408889634f;

// Shared-memory rows are padded by 8 bf16 (16 bytes): a row stride of 144 or 272 bytes puts the 8 rows that one
// ldmatrix phase reads on 8 distinct 4-bank groups, so ldmatrix is conflict-free.
template <int D>
constexpr int kSmemStride = D + 8;

__device__ __forceinline__ std::uint32_t shared_address(const void* p) {
  return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

// Four 8x8 b16 matrices; lanes 8m..8m+7 give the row addresses of matrix m, and register m of lane L receives
// row L/4, columns 2(L%4) and 2(L%4)+1 of matrix m (PTX ISA, "ldmatrix").
__device__ __forceinline__ void ldmatrix_x4(std::uint32_t (&r)[4], const std::uint16_t* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address(p))
               : "memory");
}

// As ldmatrix_x4, transposed: register m of lane L receives rows 2(L%4) and 2(L%4)+1, column L/4 of matrix m.
__device__ __forceinline__ void ldmatrix_x4_trans(std::uint32_t (&r)[4], const std::uint16_t* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address(p))
               : "memory");
}

// D(16x8, f32) += A(16x16, bf16, row) * B(16x8, bf16, col). With g = lane/4 and t = lane%4 (PTX ISA, "mma.m16n8k16"):
// A regs {a0..a3} = rows (g, g+8, g, g+8), columns (2t, 2t, 2t+8, 2t+8) and +1; B regs {b0, b1} = k rows
// (2t, 2t+8) and +1, column g; C/D {c0, c1} = row g, columns 2t, 2t+1; {c2, c3} = row g+8, same columns.
__device__ __forceinline__ void mma_bf16_16816(float (&c)[4], const std::uint32_t (&a)[4], std::uint32_t b0,
                                               std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two floats as bf16 (round to nearest even), the lower column in the low half as mma operands expect.
__device__ __forceinline__ std::uint32_t pack_bf16(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const std::uint32_t*>(&v);
}

// 16 bytes global -> shared without passing through registers (cp.async.cg: cached in L2 only). src_size 0 reads
// nothing and zero-fills the 16 bytes (PTX ISA, "cp.async").
__device__ __forceinline__ void cp_async_16(std::uint16_t* dst, const std::uint16_t* src, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(dst)), "l"(src),
               "r"(valid ? 16 : 0)
               : "memory");
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

// Waits until at most N of this thread's committed groups are still in flight; the landed data is visible to this
// thread only, so a __syncthreads() must follow before other threads read it.
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

// Issues (does not wait for) the copy of rows [row0, row0 + ROWS) of a [seq_len, D] slice into shared memory in
// 16-byte pieces; rows at or past seq_len are zero-filled (their scores are masked, and zero V rows keep 0 * V
// finite). A thread copies the same column of rows r0, r0 + kRowStep, ..., so its addresses are one base plus
// constants; a zero-filled piece reads nothing, and its source is the slice's first row so the address stays valid.
template <int ROWS, int D, int THREADS>
__device__ __forceinline__ void load_tile_async(std::uint16_t* dst, const std::uint16_t* src, int row0, int seq_len) {
  constexpr int kChunksPerRow = D / 8;
  constexpr int kRowStep = THREADS / kChunksPerRow;
  static_assert(THREADS % kChunksPerRow == 0 && ROWS % kRowStep == 0, "whole rounds of 16-byte pieces");
  const int r0 = static_cast<int>(threadIdx.x) / kChunksPerRow;
  const int c = static_cast<int>(threadIdx.x) % kChunksPerRow * 8;
  std::uint16_t* d = dst + r0 * kSmemStride<D> + c;
  const std::uint16_t* g = src + static_cast<std::size_t>(row0 + r0) * D + c;
#pragma unroll
  for (int i = 0; i < ROWS / kRowStep; ++i) {
    const bool valid = row0 + r0 + i * kRowStep < seq_len;
    cp_async_16(d + i * kRowStep * kSmemStride<D>, valid ? g + i * kRowStep * D : src + c, valid);
  }
}

// Atomic maximum of a float that is never NaN: non-negative floats order as signed integers, negative ones in
// reverse as unsigned integers, and every non-negative pattern is below every negative one as unsigned.
__device__ __forceinline__ void atomic_max_float(float* address, float value) {
  if (!signbit(value)) {
    atomicMax(reinterpret_cast<int*>(address), __float_as_int(value));
  } else {
    atomicMin(reinterpret_cast<unsigned int*>(address), __float_as_uint(value));
  }
}

// Shared memory available to one block of an SM (228 KB) and reserved per block by the system (1 KB), on Hopper.
constexpr std::size_t kSmemPerSm = 228 * 1024;
constexpr std::size_t kSmemReservedPerBlock = 1024;

__host__ __device__ constexpr std::size_t tile_bytes(int head_dim, int rows) {
  return static_cast<std::size_t>(rows) * (head_dim + 8) * sizeof(std::uint16_t);
}

// head_dim 128: K and V get two buffers each (the next key tile is prefetched during the whole current one) unless
// that leaves fewer than 8 resident warps per SM by shared memory: every tile shape but 64 x 128 (156 KB double,
// one block of 4 warps). Single buffers, FlashAttention-2's scheme, load V during Q K^T and the next K during the
// softmax and P V: head_dim 128 with tiles 64 x 128, and head_dim 64, whose 128 x 128 tiles double-buffered spill
// at the 128 registers that 2 blocks per SM allow.
__host__ __device__ constexpr bool double_buffered(int head_dim, int tile_q, int tile_k) {
  const std::size_t bytes = tile_bytes(head_dim, tile_q) + 4 * tile_bytes(head_dim, tile_k);
  return head_dim == 128 && kSmemPerSm / (bytes + kSmemReservedPerBlock) * (tile_q / 16) >= 8;
}

__host__ __device__ constexpr std::size_t shared_bytes(int head_dim, int tile_q, int tile_k) {
  return tile_bytes(head_dim, tile_q) +
         (double_buffered(head_dim, tile_q, tile_k) ? 4 : 2) * tile_bytes(head_dim, tile_k);
}

// Resident blocks per SM that the register allocation must allow: head_dim 64 keeps the blocks that shared memory
// allows, up to 2 of 8 warps or 4 of 4 warps (at most 128 registers a thread); head_dim 128 (64 output
// accumulators, up to 64 scores and 32 registers of Q a thread) leaves the compiler free, up to 255.
__host__ __device__ constexpr int min_blocks(int head_dim, int tile_q, int tile_k) {
  if (head_dim != 64) return 1;
  const int by_smem = static_cast<int>(kSmemPerSm / (shared_bytes(head_dim, tile_q, tile_k) + kSmemReservedPerBlock));
  const int cap = tile_q == 128 ? 2 : 4;
  return by_smem < cap ? by_smem : cap;
}

// Grid (q_tiles, heads, batch); BR / 16 warps, each owning 16 query rows of the tile (FlashAttention-2 §3.3: split
// Q across warps, so the softmax statistics of a row stay within one warp's quad of 4 lanes).
template <int D, int BR, int BC, bool ANCHOR>
__global__ void __launch_bounds__(BR / 16 * 32, min_blocks(D, BR, BC)) attention_kernel(AttentionArgs args) {
  static_assert(D == 64 || D == 128, "head_dim 64 or 128");
  static_assert(BR % 16 == 0 && BC % 16 == 0, "tiles are multiples of 16");
  constexpr int kWarps = BR / 16;
  constexpr int kThreads = kWarps * 32;
  constexpr int kStride = kSmemStride<D>;
  constexpr float kScaleLog2 = (D == 64 ? 0.125f : 0.08838834764831845f) * kLog2e;  // log2(e) / sqrt(D)
  constexpr float kScale = D == 64 ? 0.125f : 0.08838834764831845f;
  constexpr float kNegInf = -INFINITY;

  // head_dim 128 keeps Q's fragments in registers for the whole key loop (32 registers; 202-241 in all, no spills);
  // head_dim 64 reloads them from shared memory, as 2 blocks of 8 warps (or 4 of 4) per SM leave 128 registers.
  constexpr bool kDouble = double_buffered(D, BR, BC);
  constexpr bool kQInRegs = D == 128;
  constexpr int kTileElems = BC * kStride;

  // Layout: Q, then K's buffers (one or two), then V's.
  extern __shared__ __align__(16) std::uint16_t smem[];
  std::uint16_t* q_s = smem;
  std::uint16_t* k_s = q_s + BR * kStride;
  std::uint16_t* v_s = k_s + (kDouble ? 2 : 1) * kTileElems;

  // Query tiles in reverse launch order: under causality the last tiles do the most work, so they start first.
  const int q_tiles = gridDim.x;
  const int q_tile = q_tiles - 1 - static_cast<int>(blockIdx.x);
  const int head = blockIdx.y;
  const int batch = blockIdx.z;
  const int seq_len = args.seq_len;
  const int k_tiles = tile_count(seq_len, BC);
  const std::size_t slice = (static_cast<std::size_t>(batch) * args.heads + head) * seq_len * D;
  const std::uint16_t* q_g = args.q + slice;
  const std::uint16_t* k_g = args.k + slice;
  const std::uint16_t* v_g = args.v + slice;
  std::uint16_t* o_g = args.o + slice;
  const int csr_row = (batch * args.heads + head) * q_tiles + q_tile;

  const int tid = threadIdx.x;
  const int warp = tid / 32;
  const int lane = tid % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  const int q_first = q_tile * BR;
  const int rows[2] = {q_first + warp * 16 + g, q_first + warp * 16 + g + 8};

  float* block_max_row = nullptr;
  if constexpr (ANCHOR) {
    // Every block of the row is written: -inf first; the warps of listed blocks raise it with atomic maxima after
    // the key loop's first barrier, which orders them after these stores.
    block_max_row = args.block_max + static_cast<std::size_t>(csr_row) * k_tiles;
    for (int kt = tid; kt < k_tiles; kt += kThreads) block_max_row[kt] = kNegInf;
  }

  const int begin = args.row_offsets[csr_row];
  const int end = args.row_offsets[csr_row + 1];

  // Prologue: group 1 = Q, group 2 = the first key tile's K (and V when double-buffered).
  load_tile_async<BR, D, kThreads>(q_s, q_g, q_first, seq_len);
  cp_async_commit();
  if (begin < end) {
    const int k_first = args.col_indices[begin] * BC;
    load_tile_async<BC, D, kThreads>(k_s, k_g, k_first, seq_len);
    if constexpr (kDouble) load_tile_async<BC, D, kThreads>(v_s, v_g, k_first, seq_len);
  }
  cp_async_commit();

  // Q as the A fragments of the D / 16 k-steps of S = Q K^T (only when kept in registers).
  std::uint32_t q_frag[kQInRegs ? D / 16 : 1][4];
  if constexpr (kQInRegs) {
    cp_async_wait<1>();
    __syncthreads();  // the Q tile is visible
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      ldmatrix_x4(q_frag[kk], q_s + (warp * 16 + (lane & 15)) * kStride + kk * 16 + (lane >> 4) * 8);
    }
  }

  float o[D / 8][4] = {};
  float m[2] = {kNegInf, kNegInf};  // running row max, in log2 units (score * log2(e) / sqrt(D))
  float l[2] = {0.0f, 0.0f};        // running row sum of this thread's columns; the quad is summed at the end

  for (int e = begin; e < end; ++e) {
    const int kt = args.col_indices[e];
    const int k_first = kt * BC;
    const int stage = kDouble ? (e - begin) & 1 : 0;
    const std::uint16_t* k_cur = k_s + stage * kTileElems;
    const std::uint16_t* v_cur = v_s + stage * kTileElems;

    // Every copy issued so far is this tile's (and, first time, Q's): wait for all, then one barrier makes them
    // visible to every warp and tells each thread that every warp is done with the previous tile.
    cp_async_wait<0>();
    __syncthreads();
    if constexpr (kDouble) {
      // The previous tile's buffers take the next tile, which loads during this whole iteration.
      if (e + 1 < end) {
        const int next_first = args.col_indices[e + 1] * BC;
        load_tile_async<BC, D, kThreads>(k_s + (stage ^ 1) * kTileElems, k_g, next_first, seq_len);
        load_tile_async<BC, D, kThreads>(v_s + (stage ^ 1) * kTileElems, v_g, next_first, seq_len);
      }
    } else {
      // Single buffers: P V of the previous tile is done in every warp, so V loads during Q K^T.
      load_tile_async<BC, D, kThreads>(v_s, v_g, k_first, seq_len);
    }
    cp_async_commit();

    // S = Q K^T for this warp's 16 rows: A from Q (row-major), B = K^T, whose "col" layout is K's rows.
    float s[BC / 8][4] = {};
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      std::uint32_t a[4];
      if constexpr (kQInRegs) {
#pragma unroll
        for (int i = 0; i < 4; ++i) a[i] = q_frag[kk][i];
      } else {
        ldmatrix_x4(a, q_s + (warp * 16 + (lane & 15)) * kStride + kk * 16 + (lane >> 4) * 8);
      }
#pragma unroll
      for (int nb = 0; nb < BC / 16; ++nb) {
        // Matrices: keys nb*16+[0,8) x dims [0,8) and [8,16), then keys nb*16+[8,16) x the same dims.
        std::uint32_t b[4];
        ldmatrix_x4(b, k_cur + (nb * 16 + (lane & 7) + ((lane >> 4) << 3)) * kStride + kk * 16 + ((lane >> 3) & 1) * 8);
        mma_bf16_16816(s[2 * nb], a, b[0], b[1]);
        mma_bf16_16816(s[2 * nb + 1], a, b[2], b[3]);
      }
    }

    // Keys past seq_len, and under causality keys after the query, get -inf (the diagonal tiles of Alg. 1).
    const bool partial = k_first + BC > seq_len || (args.causal && k_first + BC - 1 > q_first);
    if (partial) {
#pragma unroll
      for (int j = 0; j < BC / 8; ++j) {
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          const int key = k_first + j * 8 + 2 * t + (c & 1);
          if (key >= seq_len || (args.causal && key > rows[c >> 1])) s[j][c] = kNegInf;
        }
      }
    }

    if constexpr (!kDouble) {
      // V has landed and every warp is done with K: the next tile's K loads during the softmax and P V.
      cp_async_wait<0>();
      __syncthreads();
      if (e + 1 < end) load_tile_async<BC, D, kThreads>(k_s, k_g, args.col_indices[e + 1] * BC, seq_len);
      cp_async_commit();
    }

    // Online softmax (Alg. 1, lines 9-10): new row max, rescale the running sum and output by exp2(m_old - m_new).
    // The tile's row maximum is taken on the raw scores and scaled once (scaling by a positive constant is monotone,
    // so it commutes with max); the anchor reuses it for the block maximum.
    float block_raw = kNegInf;  // anchor: the maximum raw score of this warp's in-range rows
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float raw = kNegInf;
#pragma unroll
      for (int j = 0; j < BC / 8; ++j) raw = fmaxf(raw, fmaxf(s[j][2 * r], s[j][2 * r + 1]));
      raw = fmaxf(raw, __shfl_xor_sync(0xFFFFFFFFu, raw, 1));
      raw = fmaxf(raw, __shfl_xor_sync(0xFFFFFFFFu, raw, 2));
      if constexpr (ANCHOR) {
        // Each warp folds its rows' maximum into the block's entry as soon as it has it (one live register): no
        // barrier and no shared memory, and the order of the warps' updates cannot change a maximum.
        if (rows[r] < seq_len) block_raw = fmaxf(block_raw, raw);
        if (r == 1) {
#pragma unroll
          for (int offset = 4; offset < 32; offset <<= 1)
            block_raw = fmaxf(block_raw, __shfl_xor_sync(0xFFFFFFFFu, block_raw, offset));
          if (lane == 0 && block_raw != kNegInf) atomic_max_float(block_max_row + kt, block_raw * kScale);
        }
      }
      const float mx = fmaxf(m[r], raw * kScaleLog2);
      // A row with every key masked so far keeps max -inf; subtracting 0 instead keeps exp2 at 0, never NaN.
      const float base = mx == kNegInf ? 0.0f : mx;
      const float alpha = exp2f(m[r] - base);
      m[r] = mx;
      l[r] *= alpha;
#pragma unroll
      for (int dj = 0; dj < D / 8; ++dj) {
        o[dj][2 * r] *= alpha;
        o[dj][2 * r + 1] *= alpha;
      }
#pragma unroll
      for (int j = 0; j < BC / 8; ++j) {
        s[j][2 * r] = exp2f(s[j][2 * r] * kScaleLog2 - base);
        s[j][2 * r + 1] = exp2f(s[j][2 * r + 1] * kScaleLog2 - base);
        l[r] += s[j][2 * r] + s[j][2 * r + 1];
      }
    }

    // O += P V: P's accumulator layout for key columns [16kk, 16kk+16) is exactly the A layout of one k-step
    // (FlashAttention-2 keeps P in registers); B = V through ldmatrix.trans.
#pragma unroll
    for (int kk = 0; kk < BC / 16; ++kk) {
      const std::uint32_t a[4] = {pack_bf16(s[2 * kk][0], s[2 * kk][1]), pack_bf16(s[2 * kk][2], s[2 * kk][3]),
                                  pack_bf16(s[2 * kk + 1][0], s[2 * kk + 1][1]),
                                  pack_bf16(s[2 * kk + 1][2], s[2 * kk + 1][3])};
#pragma unroll
      for (int nb = 0; nb < D / 16; ++nb) {
        // Matrices: keys kk*16+[0,8) and +[8,16) x dims nb*16+[0,8), then the same keys x dims nb*16+[8,16).
        std::uint32_t b[4];
        ldmatrix_x4_trans(b,
                          v_cur + (kk * 16 + (lane & 7) + ((lane >> 3) & 1) * 8) * kStride + nb * 16 + (lane >> 4) * 8);
        mma_bf16_16816(o[2 * nb], a, b[0], b[1]);
        mma_bf16_16816(o[2 * nb + 1], a, b[2], b[3]);
      }
    }
  }
  cp_async_wait<0>();  // nothing may be in flight at exit (an empty CSR row issued Q only)

  // Alg. 1, line 12: O / l. A row that attended no key (l = 0) is written as zeros.
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float sum = l[r];
    sum += __shfl_xor_sync(0xFFFFFFFFu, sum, 1);
    sum += __shfl_xor_sync(0xFFFFFFFFu, sum, 2);
    const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
    if (rows[r] >= seq_len) continue;
    std::uint16_t* o_row = o_g + static_cast<std::size_t>(rows[r]) * D;
#pragma unroll
    for (int dj = 0; dj < D / 8; ++dj) {
      *reinterpret_cast<std::uint32_t*>(o_row + dj * 8 + 2 * t) = pack_bf16(o[dj][2 * r] * inv, o[dj][2 * r + 1] * inv);
    }
  }
}

// One warp per CSR row, lane L scanning candidates L, L + 32, ...: n = row length rounds of "best (value desc, index
// asc) after the previous pick", each a per-lane scan and a warp-wide reduction in the same order; the same order as
// select_top_k() on the host. The picks are the first n candidates of that total order (block maxima are never
// NaN), so a candidate is picked exactly when it is not after the last pick, and its place in the ascending output
// is the number of picked candidates below it: one ballot per 32 candidates.
constexpr int kSelectWarps = 8;

// Whether (value, index) comes after (ref_value, ref_index) in the selection order.
__device__ __forceinline__ bool after_in_order(float value, int index, float ref_value, int ref_index) {
  return value < ref_value || (value == ref_value && index > ref_index);
}

__global__ void __launch_bounds__(kSelectWarps * 32) top_k_select_kernel(TopKArgs args) {
  const int row = static_cast<int>(blockIdx.x) * kSelectWarps + static_cast<int>(threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x) % 32;
  if (row >= args.rows) return;  // whole warps leave together
  const int q_tiles = tile_count(args.seq_len, args.tile_q);
  const int k_tiles = tile_count(args.seq_len, args.tile_k);
  const int visible = visible_key_tiles(row % q_tiles, args.seq_len, args.tile_q, args.tile_k, args.causal);
  const float* scores = args.block_max + static_cast<std::size_t>(row) * k_tiles;
  const int first = args.row_offsets[row];
  const int n = args.row_offsets[row + 1] - first;
  if (n <= 0) return;
  float prev_value = INFINITY;
  int prev_index = -1;
  for (int pick = 0; pick < n; ++pick) {
    int best = -1;
    float best_value = 0.0f;
    for (int kt = lane; kt < visible; kt += 32) {
      const float value = scores[kt];
      if (after_in_order(value, kt, prev_value, prev_index) && (best < 0 || value > best_value)) {
        best = kt;
        best_value = value;
      }
    }
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
      const float other_value = __shfl_xor_sync(0xFFFFFFFFu, best_value, offset);
      const int other = __shfl_xor_sync(0xFFFFFFFFu, best, offset);
      if (other >= 0 && (best < 0 || after_in_order(best_value, best, other_value, other))) {
        best = other;
        best_value = other_value;
      }
    }
    prev_value = best_value;
    prev_index = best;
  }
  std::int32_t* out = args.col_indices + first;
  int written = 0;
  for (int base = 0; base < visible && written < n; base += 32) {
    const int kt = base + lane;
    const bool picked = kt < visible && !after_in_order(scores[kt], kt, prev_value, prev_index);
    const unsigned int mask = __ballot_sync(0xFFFFFFFFu, picked);
    const int place = written + __popc(mask & ((1u << lane) - 1u));
    if (picked && place < n) out[place] = kt;
    written += __popc(mask);
  }
}

template <int D, int BR, int BC, bool ANCHOR>
cudaError_t launch_variant(const AttentionArgs& args, cudaStream_t stream) {
  const std::size_t smem = attention_shared_bytes(D, BR, BC);
  // The dynamic limit is raised once per variant; the call is host-side only and would otherwise sit inside
  // every timed launch.
  static const cudaError_t attribute_status = cudaFuncSetAttribute(
      attention_kernel<D, BR, BC, ANCHOR>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
  if (attribute_status != cudaSuccess) return attribute_status;
  const dim3 grid(tile_count(args.seq_len, BR), args.heads, args.batch);
  attention_kernel<D, BR, BC, ANCHOR><<<grid, attention_threads(BR), smem, stream>>>(args);
  return cudaSuccess;
}

template <int D, int BR, int BC>
cudaError_t launch_tiles(const AttentionArgs& args, cudaStream_t stream) {
  return args.block_max ? launch_variant<D, BR, BC, true>(args, stream)
                        : launch_variant<D, BR, BC, false>(args, stream);
}

template <int D>
cudaError_t launch_head_dim(const AttentionArgs& args, int tile_q, int tile_k, cudaStream_t stream) {
  if (tile_q == 64 && tile_k == 64) return launch_tiles<D, 64, 64>(args, stream);
  if (tile_q == 64 && tile_k == 128) return launch_tiles<D, 64, 128>(args, stream);
  if (tile_q == 128 && tile_k == 64) return launch_tiles<D, 128, 64>(args, stream);
  if (tile_q == 128 && tile_k == 128) return launch_tiles<D, 128, 128>(args, stream);
  return cudaErrorInvalidValue;
}

}  // namespace

bool attention_variant_exists(int head_dim, int tile_q, int tile_k) {
  return (head_dim == 64 || head_dim == 128) && (tile_q == 64 || tile_q == 128) && (tile_k == 64 || tile_k == 128);
}

std::size_t attention_shared_bytes(int head_dim, int tile_q, int tile_k) {
  return shared_bytes(head_dim, tile_q, tile_k);
}

int attention_threads(int tile_q) { return tile_q / 16 * 32; }

cudaError_t launch_attention(const AttentionArgs& args, int head_dim, int tile_q, int tile_k, cudaStream_t stream) {
  if (!attention_variant_exists(head_dim, tile_q, tile_k) || args.seq_len < 1 || args.heads < 1 || args.batch < 1 ||
      (args.kv_heads != 0 && args.kv_heads != args.heads))
    return cudaErrorInvalidValue;
  if (head_dim == 64) return launch_head_dim<64>(args, tile_q, tile_k, stream);
  return launch_head_dim<128>(args, tile_q, tile_k, stream);
}

cudaError_t launch_top_k_select(const TopKArgs& args, cudaStream_t stream) {
  if (args.rows < 1 || args.seq_len < 1 || args.tile_q < 1 || args.tile_k < 1) return cudaErrorInvalidValue;
  top_k_select_kernel<<<(args.rows + kSelectWarps - 1) / kSelectWarps, kSelectWarps * 32, 0, stream>>>(args);
  return cudaSuccess;
}

}  // namespace cascadesim::validation
