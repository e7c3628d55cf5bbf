// Decode attention (one query token per sequence) on CUDA cores: flash-decoding (Dao et al. 2023, "Flash-Decoding
// for long-context inference"): the key tiles of each (batch, K/V head) are split across blocks, each block keeps a
// partial softmax state (max, sum, unnormalized output) per query head, and a second kernel reduces the splits.
// GQA-packed: a block reads each K/V row once for all query heads of its group. The work is memory-bound (each
// K/V element is used by `group` query heads: 2 * group FLOPs per 2 bytes), so the kernel is built around wide,
// coalesced loads with many in flight; the dot products of one step are reduced across the warp with one
// reduce-scatter butterfly (31 shuffles for 32 sums) instead of one 5-shuffle reduction per sum.
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "validation/kernels/decode.cuh"

namespace cascadesim::validation {

namespace {

constexpr int kWarps = 4;
constexpr float kLog2e = 1.4426950408889634f;

__device__ __forceinline__ float bf16_lo(std::uint32_t x) { return __uint_as_float(x << 16); }
__device__ __forceinline__ float bf16_hi(std::uint32_t x) { return __uint_as_float(x & 0xFFFF0000u); }

// A lane's slice of one K or V row: N bf16 (4: 8 bytes; 2: 4 bytes), at element N * pos of the row.
template <int N>
struct RowSlice {
  std::uint32_t w[N / 2];
};

template <int N>
__device__ __forceinline__ RowSlice<N> load_slice(const std::uint16_t* row, int pos, bool valid) {
  RowSlice<N> r;
  if constexpr (N == 4) {
    const uint2 v = valid ? __ldg(reinterpret_cast<const uint2*>(row) + pos) : make_uint2(0, 0);
    r.w[0] = v.x;
    r.w[1] = v.y;
  } else {
    r.w[0] = valid ? __ldg(reinterpret_cast<const unsigned int*>(row) + pos) : 0u;
  }
  return r;
}

template <int N>
__device__ __forceinline__ float slice_element(const RowSlice<N>& r, int i) {
  return (i & 1) ? bf16_hi(r.w[i / 2]) : bf16_lo(r.w[i / 2]);
}

// One butterfly step of a reduce-scatter: C sums per lane become C / 2, a lane keeping the half selected by its lane
// bit OFF, added to its partner's (compile-time indices keep part[] in registers).
template <int C, int OFF>
__device__ __forceinline__ void reduce_scatter_step(float (&part)[32], int lane) {
  const bool upper = (lane & OFF) != 0;
#pragma unroll
  for (int j = 0; j < C / 2; ++j) {
    const float send = upper ? part[j] : part[j + C / 2];
    const float keep = upper ? part[j + C / 2] : part[j];
    part[j] = keep + __shfl_xor_sync(0xFFFFFFFFu, send, OFF);
  }
}

// Folds the splits' states (max, sum, output) of query head bh (batch * heads + head) at column d into o. Reads
// through L2 (ld.global.cg): in the one-launch form the partials come from other blocks of the same launch.
template <int D>
__device__ __forceinline__ void reduce_splits(const DecodeArgs& a, int bh, int d) {
  const float* ml = a.partial_ml + static_cast<std::size_t>(bh) * a.splits * 2;
  const float* po = a.partial_o + static_cast<std::size_t>(bh) * a.splits * D;
  float mx = -INFINITY;
  for (int s = 0; s < a.splits; ++s) mx = fmaxf(mx, __ldcg(ml + 2 * s));
  const float base = mx == -INFINITY ? 0.0f : mx;
  float sum = 0.0f, acc = 0.0f;
  for (int s = 0; s < a.splits; ++s) {
    const float f = exp2f(__ldcg(ml + 2 * s) - base);
    sum += __ldcg(ml + 2 * s + 1) * f;
    acc += __ldcg(po + static_cast<std::size_t>(s) * D + d) * f;
  }
  const float out = sum > 0.0f ? acc / sum : 0.0f;
  const __nv_bfloat16 b = __float2bfloat16_rn(out);
  a.o[static_cast<std::size_t>(bh) * D + d] = *reinterpret_cast<const std::uint16_t*>(&b);
}

// Split pass. Grid (splits, kv_heads, batch). A row of K or V is read by kLanesPerRow lanes, 8 bytes each where the
// row allows (head_dim 128: the whole warp; head_dim 64 with group >= 2: each half-warp its own row, so that a lane
// moves 8 bytes, not 4, per instruction of the dot products' reduction). Each warp takes steps round-robin from the
// split's key sequence (its listed tiles in order); a step holds kRows = 32 / G row slots of kHalves keys each, and
// its 32 dot products per half (slot i, head h at index i * G + h) end after a reduce-scatter over the row's lanes,
// kV = kHalves per lane: lane pos of a half holds indices pos * kV + e, e < kV.
template <int D, int G>
__global__ void __launch_bounds__(kWarps * 32) decode_split_kernel(DecodeArgs a) {
  constexpr int kLanesPerRow = (D == 64 && G >= 2) ? 16 : 32;
  constexpr int kHalves = 32 / kLanesPerRow;
  constexpr int kDims = D / kLanesPerRow;  // head_dim elements per lane: 4, or 2 (head_dim 64, group 1)
  constexpr int kRows = 32 / G;            // row slots per step
  constexpr int kStepKeys = kRows * kHalves;
  constexpr int kV = kHalves;  // scores per lane after the reduce-scatter
  constexpr int kStepsPerTile = kDecodeTileKeys / kStepKeys;
  static_assert(kDecodeTileKeys % kStepKeys == 0, "a step lies within one tile");
  // Lane offsets whose flip keeps a score's head (pos * kV + e) mod G: pos bits of value >= G / kV, and the half bit.
  constexpr int kHeadStride = G / kV > 1 ? G / kV : 1;
  constexpr float kNegInf = -INFINITY;
  const int split = blockIdx.x;
  const int kv_head = blockIdx.y;
  const int batch = blockIdx.z;
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int half = lane / kLanesPerRow;
  const int pos = lane % kLanesPerRow;
  const int row = batch * a.kv_heads + kv_head;
  const int begin = a.row_offsets[row];
  const int n_tiles = a.row_offsets[row + 1] - begin;
  const int per_split = (n_tiles + a.splits - 1) / a.splits;
  const int t0 = min(n_tiles, split * per_split);
  const int t1 = min(n_tiles, t0 + per_split);
  const int steps = (t1 - t0) * kStepsPerTile;
  const std::int32_t* tiles = a.col_indices + begin + t0;
  const std::size_t kv_base = static_cast<std::size_t>(row) * a.context * D;

  // Q of the group's heads, this lane's dims, in log2 units of the scaled score.
  float q[G][kDims];
  const float scale = (D == 64 ? 0.125f : 0.08838834764831845f) * kLog2e;
#pragma unroll
  for (int h = 0; h < G; ++h) {
    const std::uint16_t* q_row = a.q + (static_cast<std::size_t>(batch) * a.heads + kv_head * G + h) * D;
    const RowSlice<kDims> s = load_slice<kDims>(q_row, pos, true);
#pragma unroll
    for (int i = 0; i < kDims; ++i) q[h][i] = slice_element<kDims>(s, i) * scale;
  }

  float m[G], l[G], o[G][kDims];
#pragma unroll
  for (int h = 0; h < G; ++h) {
    m[h] = kNegInf;
    l[h] = 0.0f;
#pragma unroll
    for (int i = 0; i < kDims; ++i) o[h][i] = 0.0f;
  }

  // Key of row slot i of this lane's half in a step.
  auto key_of = [&](int step, int i) {
    return tiles[step / kStepsPerTile] * kDecodeTileKeys + (step % kStepsPerTile) * kStepKeys + i * kHalves + half;
  };
  RowSlice<kDims> k_cur[kRows], v_cur[kRows], k_next[kRows], v_next[kRows];
  auto load_step = [&](int step, RowSlice<kDims>(&k)[kRows], RowSlice<kDims>(&v)[kRows]) {
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
      const int key = step < steps ? key_of(step, i) : 0;
      const bool valid = step < steps && key < a.context;
      const std::size_t offset = kv_base + static_cast<std::size_t>(valid ? key : 0) * D;
      k[i] = load_slice<kDims>(a.k + offset, pos, valid);
      v[i] = load_slice<kDims>(a.v + offset, pos, valid);
    }
  };
  load_step(warp, k_cur, v_cur);
  for (int step = warp; step < steps; step += kWarps) {
    // The next step's rows are in flight while this one is computed.
    load_step(step + kWarps, k_next, v_next);
    float part[32];
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
#pragma unroll
      for (int h = 0; h < G; ++h) {
        float acc = 0.0f;
#pragma unroll
        for (int d = 0; d < kDims; ++d) acc = fmaf(q[h][d], slice_element<kDims>(k_cur[i], d), acc);
        part[i * G + h] = acc;
      }
    }
    // Reduce-scatter over the row's lanes: lane pos ends with the whole sums of indices pos * kV + e.
    if constexpr (kLanesPerRow == 32) reduce_scatter_step<32, 16>(part, lane);
    reduce_scatter_step<32 / (kLanesPerRow / 16), 8>(part, lane);
    reduce_scatter_step<16 / (kLanesPerRow / 16), 4>(part, lane);
    reduce_scatter_step<8 / (kLanesPerRow / 16), 2>(part, lane);
    reduce_scatter_step<4 / (kLanesPerRow / 16), 1>(part, lane);
    float score[kV], step_max[kV];
    int my_head[kV];
#pragma unroll
    for (int e = 0; e < kV; ++e) {
      const int index = pos * kV + e;
      my_head[e] = index % G;
      score[e] = key_of(step, index / G) < a.context ? part[e] : kNegInf;
      step_max[e] = score[e];
    }
    // Per-head maximum over the lanes (and, for group 1 with two scores a lane, the lane's two) of one head.
    if constexpr (G == 1 && kV == 2) step_max[0] = step_max[1] = fmaxf(step_max[0], step_max[1]);
#pragma unroll
    for (int e = 0; e < kV; ++e)
#pragma unroll
      for (int off = kHeadStride; off < 32; off <<= 1)
        step_max[e] = fmaxf(step_max[e], __shfl_xor_sync(0xFFFFFFFFu, step_max[e], off));
    // Head h's values sit at lane (h / kV) of half 0, score h % kV (every lane holds its head's reduction).
    float new_m[G], alpha[G];
#pragma unroll
    for (int h = 0; h < G; ++h) {
      new_m[h] = fmaxf(m[h], __shfl_sync(0xFFFFFFFFu, step_max[G >= kV ? h % kV : 0], G >= kV ? h / kV : 0));
      const float base = new_m[h] == kNegInf ? 0.0f : new_m[h];
      alpha[h] = exp2f(m[h] - base);
      m[h] = new_m[h];
    }
    float p[kV], step_sum[kV];
#pragma unroll
    for (int e = 0; e < kV; ++e) {
      float my_m = new_m[0];
#pragma unroll
      for (int h = 1; h < G; ++h)
        if (my_head[e] == h) my_m = new_m[h];
      p[e] = exp2f(score[e] - (my_m == kNegInf ? 0.0f : my_m));
      step_sum[e] = p[e];
    }
    if constexpr (G == 1 && kV == 2) step_sum[0] = step_sum[1] = step_sum[0] + step_sum[1];
#pragma unroll
    for (int e = 0; e < kV; ++e)
#pragma unroll
      for (int off = kHeadStride; off < 32; off <<= 1) step_sum[e] += __shfl_xor_sync(0xFFFFFFFFu, step_sum[e], off);
#pragma unroll
    for (int h = 0; h < G; ++h) {
      l[h] = l[h] * alpha[h] + __shfl_sync(0xFFFFFFFFu, step_sum[G >= kV ? h % kV : 0], G >= kV ? h / kV : 0);
#pragma unroll
      for (int d = 0; d < kDims; ++d) o[h][d] *= alpha[h];
    }
    // O += P V over this half's keys: the weight of slot i, head h is score index i * G + h of this half.
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
#pragma unroll
      for (int h = 0; h < G; ++h) {
        const int index = i * G + h;
        const float pih = __shfl_sync(0xFFFFFFFFu, p[index % kV], half * kLanesPerRow + index / kV);
#pragma unroll
        for (int d = 0; d < kDims; ++d) o[h][d] = fmaf(pih, slice_element<kDims>(v_cur[i], d), o[h][d]);
      }
    }
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
      k_cur[i] = k_next[i];
      v_cur[i] = v_next[i];
    }
  }
  // The two halves attended different keys under the same running maxima: their outputs add.
  if constexpr (kHalves == 2) {
#pragma unroll
    for (int h = 0; h < G; ++h)
#pragma unroll
      for (int d = 0; d < kDims; ++d) o[h][d] += __shfl_xor_sync(0xFFFFFFFFu, o[h][d], 16);
  }

  // Combine the warps: each warp's state to shared memory, then one thread per (head, dim) folds them.
  __shared__ float s_m[kWarps][G], s_l[kWarps][G];
  __shared__ float s_o[kWarps][G][D];
  if (lane == 0) {
#pragma unroll
    for (int h = 0; h < G; ++h) {
      s_m[warp][h] = m[h];
      s_l[warp][h] = l[h];
    }
  }
  if (half == 0) {
#pragma unroll
    for (int h = 0; h < G; ++h)
#pragma unroll
      for (int d = 0; d < kDims; ++d) s_o[warp][h][pos * kDims + d] = o[h][d];
  }
  __syncthreads();
  for (int e = threadIdx.x; e < G * D; e += kWarps * 32) {
    const int h = e / D;
    const int d = e % D;
    float mx = kNegInf;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) mx = fmaxf(mx, s_m[w][h]);
    const float base = mx == kNegInf ? 0.0f : mx;
    float sum = 0.0f, acc = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      const float f = exp2f(s_m[w][h] - base);
      sum += s_l[w][h] * f;
      acc += s_o[w][h][d] * f;
    }
    const std::size_t slot = (static_cast<std::size_t>(batch) * a.heads + kv_head * G + h) * a.splits + split;
    a.partial_o[slot * D + d] = acc;
    if (d == 0) {
      a.partial_ml[slot * 2] = mx;
      a.partial_ml[slot * 2 + 1] = sum;
    }
  }
  if (a.split_counters) {
    // One launch: the row's last split block to finish folds the row's splits (the threadfence-reduction pattern of
    // the CUDA programming guide: each block's partials are visible device-wide before its count), then re-zeroes
    // the row's counter for the next launch.
    __shared__ bool s_last;
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) s_last = atomicAdd(&a.split_counters[row], 1) == a.splits - 1;
    __syncthreads();
    if (s_last) {
      __threadfence();
      for (int e = threadIdx.x; e < G * D; e += kWarps * 32)
        reduce_splits<D>(a, batch * a.heads + kv_head * G + e / D, e % D);
      if (threadIdx.x == 0) a.split_counters[row] = 0;
    }
  }
}

// Second pass: one block of D threads per (batch, query head) folds the splits' states (max, sum, output).
template <int D>
__global__ void __launch_bounds__(D) decode_reduce_kernel(DecodeArgs a) {
  reduce_splits<D>(a, blockIdx.x, threadIdx.x);
}

template <int D, int G>
cudaError_t launch_group(const DecodeArgs& a, cudaStream_t stream) {
  const dim3 grid(a.splits, a.kv_heads, a.batch);
  decode_split_kernel<D, G><<<grid, kWarps * 32, 0, stream>>>(a);
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) return status;
  if (!a.split_counters) decode_reduce_kernel<D><<<a.batch * a.heads, D, 0, stream>>>(a);
  return cudaSuccess;
}

template <int D>
cudaError_t launch_dim(const DecodeArgs& a, int group, cudaStream_t stream) {
  switch (group) {
    case 1:
      return launch_group<D, 1>(a, stream);
    case 2:
      return launch_group<D, 2>(a, stream);
    case 4:
      return launch_group<D, 4>(a, stream);
    case 8:
      return launch_group<D, 8>(a, stream);
    default:
      return cudaErrorInvalidValue;
  }
}

}  // namespace

bool decode_variant_exists(int head_dim, int group) {
  return (head_dim == 64 || head_dim == 128) && (group == 1 || group == 2 || group == 4 || group == 8);
}

std::size_t decode_partial_floats(int batch, int heads, int head_dim, int splits) {
  return static_cast<std::size_t>(batch) * heads * splits * head_dim;
}

std::size_t decode_partial_stats(int batch, int heads, int splits) {
  return static_cast<std::size_t>(batch) * heads * splits * 2;
}

namespace {

// Resident split blocks per SM of one variant (registers and shared memory decide it); 0 if the query fails.
template <int D>
int resident_blocks(int group) {
  int blocks = 0;
  cudaError_t status = cudaErrorInvalidValue;
  switch (group) {
    case 1:
      status = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, decode_split_kernel<D, 1>, kWarps * 32, 0);
      break;
    case 2:
      status = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, decode_split_kernel<D, 2>, kWarps * 32, 0);
      break;
    case 4:
      status = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, decode_split_kernel<D, 4>, kWarps * 32, 0);
      break;
    case 8:
      status = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, decode_split_kernel<D, 8>, kWarps * 32, 0);
      break;
    default:
      break;
  }
  return status == cudaSuccess ? blocks : 0;
}

}  // namespace

int decode_default_splits(int batch, int kv_heads, int tiles_per_row, int head_dim, int group, int sm_count) {
  // Whole waves: the split count whose blocks (rows x splits) fill the device's resident slots (SMs x resident
  // blocks) in the fewest partly empty waves, the fewer splits on a tie (run 4 measured batch 8 x 32K with 576
  // blocks for 528 slots, a second wave of 48, at 68-82% of the copy bandwidth).
  const int resident = head_dim == 64 ? resident_blocks<64>(group) : resident_blocks<128>(group);
  const double capacity = static_cast<double>(std::max(1, sm_count) * std::max(1, resident));
  const int rows = std::max(1, batch * kv_heads);
  // The smallest split count whose waves are at least 95% full, else the fullest; a split count is taken at its
  // effective value (splits of ceil(tiles / splits) tiles each; the rest would be empty).
  int best = 1;
  double best_fill = 0;
  for (int splits = 1; splits <= std::min(tiles_per_row, 256); ++splits) {
    const int per_split = (tiles_per_row + splits - 1) / splits;
    const int effective = (tiles_per_row + per_split - 1) / per_split;
    if (effective != splits) continue;
    const double waves = rows * splits / capacity;
    const double fill = waves / std::ceil(waves);
    if (fill >= 0.95) return splits;
    if (fill > best_fill + 1e-9) best = splits, best_fill = fill;
  }
  return best;
}

cudaError_t launch_decode(const DecodeArgs& args, int head_dim, cudaStream_t stream) {
  if (args.batch < 1 || args.kv_heads < 1 || args.heads % args.kv_heads != 0 || args.context < 1 || args.splits < 1 ||
      !decode_variant_exists(head_dim, args.heads / args.kv_heads))
    return cudaErrorInvalidValue;
  const int group = args.heads / args.kv_heads;
  return head_dim == 64 ? launch_dim<64>(args, group, stream) : launch_dim<128>(args, group, stream);
}

}  // namespace cascadesim::validation
