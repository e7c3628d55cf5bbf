// cascadesim-validate: checks the CUDA attention kernels against the double-precision CPU references (--check) and
// times them on the cases of a JSON file, writing one record per case with the device it ran on.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "validation/host/bf16.hpp"
#include "validation/host/block_sparse.hpp"
#include "validation/host/board_meter.hpp"
#include "validation/host/case_spec.hpp"
#include "validation/host/decode_reference.hpp"
#include "validation/host/error_metrics.hpp"
#include "validation/host/mean_pool.hpp"
#include "validation/host/measured_record.hpp"
#include "validation/host/micro_result.hpp"
#include "validation/host/random_inputs.hpp"
#include "validation/host/reference_attention.hpp"
#include "validation/host/tile_geometry.hpp"
#include "validation/kernels/attention.cuh"
#include "validation/kernels/attention_fa3.cuh"
#include "validation/kernels/cuda_support.cuh"
#include "validation/kernels/decode.cuh"
#include "validation/kernels/microbench.cuh"
#include "validation/kernels/pooling.cuh"
#include "validation/kernels/random_fill.cuh"

namespace cascadesim::validation {
namespace {

static_assert(kDecodeCaseTileKeys == kDecodeTileKeys, "decode cases and the decode kernels must agree on the tile");

// Bad input or an unusable device: main() exits with 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A CUDA error while measuring: main() exits with 1 (a fault, not bad input), after the finished records were kept.
class DeviceFault : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr double kBf16Tolerance = 1e-2;      // METHOD.md: bf16 operands land between 1e-3 and 1e-2
constexpr double kBlockMaxTolerance = 2e-3;  // fp32 dot products of length <= 128 against double
constexpr float kQkAmplitude = 2.0f;         // scaled scores with a standard deviation near 4/3
constexpr float kVAmplitude = 1.0f;

struct DeviceContext {
  DeviceInfo info;
  std::size_t max_shared_per_block = 0;
};

// Throws UsageError when no device is usable.
DeviceContext open_device() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0)
    throw UsageError(std::string("no CUDA device available (") +
                     (status != cudaSuccess ? cudaGetErrorString(status) : "device count is 0") + ")");
  DeviceContext ctx;
  int device = 0;
  CASCADESIM_CUDA(cudaSetDevice(device));
  cudaDeviceProp prop{};
  CASCADESIM_CUDA(cudaGetDeviceProperties(&prop, device));
  ctx.info.name = prop.name;
  ctx.info.sm_count = prop.multiProcessorCount;
  ctx.info.l2_bytes = prop.l2CacheSize;
  ctx.info.compute_capability_major = prop.major;
  ctx.info.compute_capability_minor = prop.minor;
  CASCADESIM_CUDA(cudaDeviceGetAttribute(&ctx.info.sm_clock_kHz, cudaDevAttrClockRate, device));
  CASCADESIM_CUDA(cudaDeviceGetAttribute(&ctx.info.memory_clock_kHz, cudaDevAttrMemoryClockRate, device));
  CASCADESIM_CUDA(cudaDriverGetVersion(&ctx.info.driver_version));
  CASCADESIM_CUDA(cudaRuntimeGetVersion(&ctx.info.runtime_version));
  ctx.max_shared_per_block = prop.sharedMemPerBlockOptin;
  if (prop.major < 8)
    throw UsageError("device " + ctx.info.name + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) +
                     ") lacks bf16 mma.sync; the kernels are built for sm_90");
  return ctx;
}

// Throws UsageError for a variant that was not compiled or whose tiles do not fit the device's shared memory.
void require_supported(const DeviceContext& ctx, int head_dim, int tile_q, int tile_k, const std::string& name) {
  if (!attention_variant_exists(head_dim, tile_q, tile_k))
    throw UsageError(name + ": unsupported variant head_dim=" + std::to_string(head_dim) +
                     " tile_q=" + std::to_string(tile_q) + " tile_k=" + std::to_string(tile_k) +
                     " (compiled: head_dim 64/128, tiles 64/128)");
  const std::size_t need = attention_shared_bytes(head_dim, tile_q, tile_k);
  if (need > ctx.max_shared_per_block)
    throw UsageError(name + ": tiles need " + std::to_string(need) + " bytes of shared memory, the device allows " +
                     std::to_string(ctx.max_shared_per_block));
}

// The fa3-style kernel needs sm_90a (compute capability 9.0 exactly) and one of its tile configurations (128 x 128,
// 64 x 64).
void require_supported(const DeviceContext& ctx, Implementation implementation, int head_dim, int tile_q, int tile_k,
                       const std::string& name) {
  if (implementation == Implementation::kFa2Style) return require_supported(ctx, head_dim, tile_q, tile_k, name);
  if (!attention_fa3_variant_exists(head_dim, tile_q, tile_k))
    throw UsageError(name + ": fa3-style has no variant head_dim=" + std::to_string(head_dim) +
                     " tile_q=" + std::to_string(tile_q) + " tile_k=" + std::to_string(tile_k) +
                     " (head_dim 64/128, tiles 128 x 128 or 64 x 64)");
  if (ctx.info.compute_capability_major != 9 || ctx.info.compute_capability_minor != 0)
    throw UsageError(name + ": fa3-style is built for sm_90a only; the device is " + ctx.info.name);
  if (attention_fa3_shared_bytes(head_dim, tile_q, tile_k) > ctx.max_shared_per_block)
    throw UsageError(name + ": fa3-style needs " +
                     std::to_string(attention_fa3_shared_bytes(head_dim, tile_q, tile_k)) +
                     " bytes of shared memory, the device allows " + std::to_string(ctx.max_shared_per_block));
}

// One attention pass through the implementation a case names.
cudaError_t launch_attention_impl(Implementation implementation, const AttentionArgs& args, int head_dim, int tile_q,
                                  int tile_k, cudaStream_t stream) {
  return implementation == Implementation::kFa3Style ? launch_attention_fa3(args, head_dim, tile_q, tile_k, stream)
                                                     : launch_attention(args, head_dim, tile_q, tile_k, stream);
}

std::size_t tensor_elements(const AttentionShape& s) {
  return static_cast<std::size_t>(s.batch) * s.heads * s.seq_len * s.head_dim;
}

// Elements of K (or V) with kv_heads heads (0: one per query head).
std::size_t kv_tensor_elements(const AttentionShape& s, int kv_heads) {
  return static_cast<std::size_t>(s.batch) * (kv_heads > 0 ? kv_heads : s.heads) * s.seq_len * s.head_dim;
}

struct DeviceCsr {
  DeviceBuffer<std::int32_t> row_offsets;
  DeviceBuffer<std::int32_t> col_indices;
};

DeviceCsr upload_csr(const std::vector<std::int32_t>& row_offsets, const std::vector<std::int32_t>& col_indices) {
  DeviceCsr csr{DeviceBuffer<std::int32_t>(row_offsets.size()), DeviceBuffer<std::int32_t>(col_indices.size())};
  csr.row_offsets.upload(row_offsets);
  csr.col_indices.upload(col_indices);
  return csr;
}

struct Inputs {
  DeviceBuffer<std::uint16_t> q, k, v, o;
};

Inputs make_inputs(const AttentionShape& shape, int kv_heads, std::uint64_t seed, std::vector<Bf16>* q_host = nullptr,
                   std::vector<Bf16>* k_host = nullptr, std::vector<Bf16>* v_host = nullptr) {
  const std::size_t n = tensor_elements(shape), nkv = kv_tensor_elements(shape, kv_heads);
  Inputs in{DeviceBuffer<std::uint16_t>(n), DeviceBuffer<std::uint16_t>(nkv), DeviceBuffer<std::uint16_t>(nkv),
            DeviceBuffer<std::uint16_t>(n)};
  const std::vector<Bf16> q = random_bf16(n, seed * 3 + 0, kQkAmplitude);
  const std::vector<Bf16> k = random_bf16(nkv, seed * 3 + 1, kQkAmplitude);
  const std::vector<Bf16> v = random_bf16(nkv, seed * 3 + 2, kVAmplitude);
  in.q.upload(q);
  in.k.upload(k);
  in.v.upload(v);
  in.o.poison();
  if (q_host) *q_host = q;
  if (k_host) *k_host = k;
  if (v_host) *v_host = v;
  return in;
}

AttentionArgs attention_args(const Inputs& in, const DeviceCsr& csr, float* block_max, const AttentionShape& shape,
                             int kv_heads = 0) {
  AttentionArgs args;
  args.q = in.q.get();
  args.k = in.k.get();
  args.v = in.v.get();
  args.o = in.o.get();
  args.row_offsets = csr.row_offsets.get();
  args.col_indices = csr.col_indices.get();
  args.block_max = block_max;
  args.batch = shape.batch;
  args.heads = shape.heads;
  args.kv_heads = kv_heads;
  args.seq_len = shape.seq_len;
  args.causal = shape.causal;
  return args;
}

TopKArgs top_k_args(const float* block_max, const DeviceCsr& csr, const AttentionShape& shape, int tile_q, int tile_k) {
  TopKArgs args;
  args.block_max = block_max;
  args.row_offsets = csr.row_offsets.get();
  args.col_indices = csr.col_indices.get();
  args.rows = static_cast<int>(csr.row_offsets.size()) - 1;
  args.seq_len = shape.seq_len;
  args.tile_q = tile_q;
  args.tile_k = tile_k;
  args.causal = shape.causal;
  return args;
}

// ---- --check ----

struct CheckCase {
  AttentionShape shape;
  int tile_q;
  int tile_k;
  int top_k;  // 0: dense only; otherwise anchor, selection and the sparse pass
  Implementation implementation = Implementation::kFa2Style;
  int kv_heads = 0;  // grouped-query attention (fa3-style); 0: one K/V head per query head
};

std::vector<CheckCase> check_cases() {
  std::vector<CheckCase> cases;
  const int tiles[][2] = {{64, 64}, {128, 128}, {128, 64}, {64, 128}};
  for (int head_dim : {64, 128}) {
    for (bool causal : {false, true}) {
      for (const auto& t : tiles) {
        // 1000 is not a multiple of any tile: partial last tiles in both dimensions.
        cases.push_back({{1, 2, 256, head_dim, causal}, t[0], t[1], 0});
        cases.push_back({{2, 3, 1000, head_dim, causal}, t[0], t[1], 0});
      }
      cases.push_back({{1, 4, 1024, head_dim, causal}, 64, 64, 1});
      cases.push_back({{1, 2, 1000, head_dim, causal}, 128, 128, 2});
      cases.push_back({{2, 2, 768, head_dim, causal}, 64, 64, 4});
      cases.push_back({{1, 2, 520, head_dim, causal}, 128, 64, 2});
      cases.push_back({{1, 2, 520, head_dim, causal}, 64, 128, 4});
      // The fa3-style kernel: its one tile shape, partial tiles, dense, anchor, selection and sparse.
      constexpr Implementation kFa3 = Implementation::kFa3Style;
      cases.push_back({{1, 2, 256, head_dim, causal}, 128, 128, 0, kFa3});
      cases.push_back({{2, 3, 1000, head_dim, causal}, 128, 128, 0, kFa3});
      cases.push_back({{1, 4, 1024, head_dim, causal}, 128, 128, 1, kFa3});
      cases.push_back({{1, 2, 1000, head_dim, causal}, 128, 128, 2, kFa3});
      // Grouped-query attention: 4 and 2 query heads per K/V head, the anchor's maxima and selection included.
      cases.push_back({{2, 8, 1000, head_dim, causal}, 128, 128, 0, kFa3, 2});
      cases.push_back({{1, 8, 1024, head_dim, causal}, 128, 128, 2, kFa3, 4});
    }
  }
  return cases;
}

std::string describe(const CheckCase& c) {
  char text[160];
  std::snprintf(text, sizeof text, "%s b=%d h=%d hkv=%d s=%-4d d=%-3d %-6s tiles=%3dx%-3d",
                implementation_name(c.implementation), c.shape.batch, c.shape.heads,
                c.kv_heads > 0 ? c.kv_heads : c.shape.heads, c.shape.seq_len, c.shape.head_dim,
                c.shape.causal ? "causal" : "full", c.tile_q, c.tile_k);
  return text;
}

bool report(const std::string& label, const ErrorStats& stats) {
  const bool ok = stats.passes(kBf16Tolerance);
  std::printf("%-4s %s rel_error=%.3e nan=%zu\n", ok ? "ok" : "FAIL", label.c_str(), stats.relative_error,
              stats.nan_count);
  return ok;
}

// Runs one case's kernels on fresh inputs against the CPU references; returns false on any mismatch.
bool run_check(const DeviceContext& ctx, const CheckCase& c, std::uint64_t seed) {
  require_supported(ctx, c.implementation, c.shape.head_dim, c.tile_q, c.tile_k, describe(c));
  std::vector<Bf16> q, k_kv, v_kv;
  Inputs in = make_inputs(c.shape, c.kv_heads, seed, &q, &k_kv, &v_kv);
  // The references compute multi-head attention: each K/V head repeated for the query heads that read it.
  const int kv_heads = c.kv_heads > 0 ? c.kv_heads : c.shape.heads;
  const std::vector<Bf16> k = repeat_kv_heads(c.shape, kv_heads, k_kv), v = repeat_kv_heads(c.shape, kv_heads, v_kv);
  const BlockCsr dense = dense_block_csr(c.shape, c.tile_q, c.tile_k);
  DeviceCsr dense_dev = upload_csr(dense.row_offsets, dense.col_indices);
  const std::vector<double> dense_ref = reference_attention(c.shape, q, k, v);
  const std::string label = describe(c);
  bool ok = true;

  if (c.top_k == 0) {
    CASCADESIM_LAUNCH(launch_attention_impl(c.implementation,
                                            attention_args(in, dense_dev, nullptr, c.shape, c.kv_heads),
                                            c.shape.head_dim, c.tile_q, c.tile_k, nullptr));
    CASCADESIM_CUDA(cudaDeviceSynchronize());
    return report(label + " dense      ", compare(in.o.download<Bf16>(), dense_ref));
  }

  // Anchor: dense output plus block maxima.
  DeviceBuffer<float> block_max(static_cast<std::size_t>(dense.rows()) * dense.k_tiles);
  block_max.poison();
  CASCADESIM_LAUNCH(launch_attention_impl(c.implementation,
                                          attention_args(in, dense_dev, block_max.get(), c.shape, c.kv_heads),
                                          c.shape.head_dim, c.tile_q, c.tile_k, nullptr));
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  ok &= report(label + " anchor     ", compare(in.o.download<Bf16>(), dense_ref));
  const std::vector<float> gpu_max = block_max.download<float>();
  const BlockMaxDiff max_diff = compare_block_max(gpu_max, reference_block_max(c.shape, q, k, c.tile_q, c.tile_k));
  const bool max_ok = max_diff.mismatched_infinities == 0 && max_diff.max_abs_diff < kBlockMaxTolerance;
  std::printf("%-4s %s block_max  max_abs_diff=%.3e inf_mismatch=%zu\n", max_ok ? "ok" : "FAIL", label.c_str(),
              max_diff.max_abs_diff, max_diff.mismatched_infinities);
  ok &= max_ok;

  // Selection on the device's own maxima must equal the CPU's selection on the same maxima, exactly.
  const BlockCsr expected = select_top_k(c.shape, c.tile_q, c.tile_k, gpu_max, c.top_k);
  DeviceCsr selected{DeviceBuffer<std::int32_t>(expected.row_offsets.size()),
                     DeviceBuffer<std::int32_t>(expected.col_indices.size())};
  selected.row_offsets.upload(expected.row_offsets);
  selected.col_indices.poison();
  CASCADESIM_LAUNCH(launch_top_k_select(top_k_args(block_max.get(), selected, c.shape, c.tile_q, c.tile_k), nullptr));
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  const std::vector<std::int32_t> gpu_cols = selected.col_indices.download<std::int32_t>();
  std::size_t col_mismatches = 0;
  for (std::size_t i = 0; i < gpu_cols.size(); ++i) col_mismatches += gpu_cols[i] != expected.col_indices[i];
  std::printf("%-4s %s top_k=%d    selected=%zu mismatches=%zu\n", col_mismatches == 0 ? "ok" : "FAIL", label.c_str(),
              c.top_k, gpu_cols.size(), col_mismatches);
  ok &= col_mismatches == 0;

  // Sparse pass over the device's selection.
  in.o.poison();
  CASCADESIM_LAUNCH(launch_attention_impl(c.implementation, attention_args(in, selected, nullptr, c.shape, c.kv_heads),
                                          c.shape.head_dim, c.tile_q, c.tile_k, nullptr));
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  BlockCsr mask = expected;
  mask.col_indices = gpu_cols;
  const std::vector<double> sparse_ref = reference_attention(c.shape, q, k, v, &mask);
  ok &= report(label + " sparse k=" + std::to_string(c.top_k) + " ", compare(in.o.download<Bf16>(), sparse_ref));
  return ok;
}

// ---- cases as launched for timing (and for the checks of the composite kernels) ----

// Device inputs for timing, random on the device and kept across cases of the same sizes: Q and O of q_elements,
// K and V of kv_elements.
class InputPool {
 public:
  explicit InputPool(std::uint64_t seed = 0) : seed_(seed) {}
  const std::vector<Inputs>& sets(std::size_t q_elements, std::size_t kv_elements, std::size_t count) {
    if (q_elements != q_elements_ || kv_elements != kv_elements_) {
      sets_.clear();
      q_elements_ = q_elements;
      kv_elements_ = kv_elements;
    }
    while (sets_.size() < count) {
      const std::uint64_t seed = seed_ + 7919ull * (sets_.size() + 1);
      Inputs in{DeviceBuffer<std::uint16_t>(q_elements), DeviceBuffer<std::uint16_t>(kv_elements),
                DeviceBuffer<std::uint16_t>(kv_elements), DeviceBuffer<std::uint16_t>(q_elements)};
      CASCADESIM_LAUNCH(launch_random_fill_bf16(in.q.get(), q_elements, seed * 3 + 0, kQkAmplitude, nullptr));
      CASCADESIM_LAUNCH(launch_random_fill_bf16(in.k.get(), kv_elements, seed * 3 + 1, kQkAmplitude, nullptr));
      CASCADESIM_LAUNCH(launch_random_fill_bf16(in.v.get(), kv_elements, seed * 3 + 2, kVAmplitude, nullptr));
      in.o.poison();
      sets_.push_back(std::move(in));
    }
    CASCADESIM_CUDA(cudaDeviceSynchronize());
    return sets_;
  }
  void clear() {
    sets_.clear();
    q_elements_ = kv_elements_ = 0;
  }

 private:
  std::uint64_t seed_;
  std::size_t q_elements_ = 0;
  std::size_t kv_elements_ = 0;
  std::vector<Inputs> sets_;
};

// A case's Q (and O) and K (and V) elements: decode has one query token per sequence against a cache of seq_len.
std::size_t case_q_elements(const CaseSpec& spec) {
  const AttentionShape& s = spec.shape;
  return spec.kernel == KernelKind::kDecode ? static_cast<std::size_t>(s.batch) * s.heads * s.head_dim
                                            : tensor_elements(s);
}
std::size_t case_kv_elements(const CaseSpec& spec) { return kv_tensor_elements(spec.shape, spec.kv_head_count()); }

DecodeShape decode_shape(const CaseSpec& spec) {
  return {spec.shape.batch, spec.shape.heads, spec.kv_head_count(), spec.shape.seq_len, spec.shape.head_dim};
}

std::size_t layer_count(const CaseSpec& spec) {
  return spec.kernel == KernelKind::kStack ? spec.schedule.layers.size() : 1;
}

double list_bytes(const DeviceCsr& csr) {
  return 4.0 * static_cast<double>(csr.row_offsets.size() + csr.col_indices.size());
}

// One case's buffers and launches. Repetition r of a single-layer case reads input set r mod sets; layer i of a
// stack reads set i (a stack gets at least one set per layer). enqueue() records marks[i] between part i and i+1.
// sm_count picks a decode case's default split count.
class LaunchedCase {
 public:
  LaunchedCase(const CaseSpec& spec, const std::vector<Inputs>& inputs, int sm_count)
      : spec_(spec), shape_(spec.shape), inputs_(inputs) {
    if (spec.kernel == KernelKind::kDecode) {
      const DecodeShape ds = decode_shape(spec);
      decode_lists_ = decode_lists(ds, spec.top_k, kDecodeTileKeys, kDecodeListSeed);
      decode_lists_dev_ = upload_csr(decode_lists_.row_offsets, decode_lists_.col_indices);
      const int tiles = tile_count(ds.context, kDecodeTileKeys);
      const int listed = spec.top_k > 0 ? std::min(spec.top_k, tiles) : tiles;
      decode_splits_ = spec.splits > 0 ? spec.splits
                                       : decode_default_splits(ds.batch, ds.kv_heads, listed, ds.head_dim,
                                                               ds.heads / ds.kv_heads, sm_count);
      partial_o_ = DeviceBuffer<float>(decode_partial_floats(ds.batch, ds.heads, ds.head_dim, decode_splits_));
      partial_ml_ = DeviceBuffer<float>(decode_partial_stats(ds.batch, ds.heads, decode_splits_));
      return;
    }
    const bool uses_dense =
        spec.kernel != KernelKind::kCascade &&
        (spec.kernel != KernelKind::kStack || spec.schedule.counts().dense + spec.schedule.counts().anchor > 0);
    dense_ = dense_block_csr(shape_, spec.tile_q, spec.tile_k);
    if (uses_dense) dense_dev_ = upload_csr(dense_.row_offsets, dense_.col_indices);
    if (spec.kernel == KernelKind::kCascade) {
      coarse_shape_ = pooled_shape(shape_, spec.pool_factor);
      coarse_tile_q_ = spec.tile_q / spec.pool_factor;
      coarse_tile_k_ = spec.tile_k / spec.pool_factor;
      const std::size_t pooled = tensor_elements(coarse_shape_);
      pooled_ = Inputs{DeviceBuffer<std::uint16_t>(pooled), DeviceBuffer<std::uint16_t>(pooled),
                       DeviceBuffer<std::uint16_t>(pooled), DeviceBuffer<std::uint16_t>(pooled)};
      pooled_.o.poison();
      coarse_dense_ = dense_block_csr(coarse_shape_, coarse_tile_q_, coarse_tile_k_);
      coarse_dense_dev_ = upload_csr(coarse_dense_.row_offsets, coarse_dense_.col_indices);
      block_max_ = DeviceBuffer<float>(static_cast<std::size_t>(coarse_dense_.rows()) * coarse_dense_.k_tiles);
      const std::vector<std::int32_t> offsets =
          top_k_row_offsets(coarse_shape_, coarse_tile_q_, coarse_tile_k_, spec.top_k);
      selected_ = upload_csr(offsets, std::vector<std::int32_t>(static_cast<std::size_t>(offsets.back())));
    } else if (spec.top_k > 0) {
      block_max_ = DeviceBuffer<float>(static_cast<std::size_t>(dense_.rows()) * dense_.k_tiles);
      const std::vector<std::int32_t> offsets = top_k_row_offsets(shape_, spec.tile_q, spec.tile_k, spec.top_k);
      selected_ = upload_csr(offsets, std::vector<std::int32_t>(static_cast<std::size_t>(offsets.back())));
    }
    if (block_max_.size()) block_max_.poison();
    selected_.col_indices.poison();
    if (spec.kernel == KernelKind::kSparse) {
      // The sparse case attends the tiles that the anchor selects on the first input set.
      launch_anchor(inputs_[0]);
      CASCADESIM_CUDA(cudaDeviceSynchronize());
    }
    switch (spec.kernel) {
      case KernelKind::kDense:
      case KernelKind::kSparse:
      case KernelKind::kDecode:
        break;
      case KernelKind::kAnchor:
        stage_names_ = {"attention", "select"};
        break;
      case KernelKind::kCascade:
        stage_names_ = {"pool", "coarse", "select", "refine"};
        break;
      case KernelKind::kStack:
        for (std::size_t i = 0; i < spec.schedule.layers.size(); ++i) {
          char name[48];
          std::snprintf(name, sizeof name, "layer_%02zu_%s", i,
                        std::string(models::to_string(spec.schedule.layers[i])).c_str());
          stage_names_.emplace_back(name);
        }
        break;
    }
  }

  const std::vector<std::string>& stage_names() const { return stage_names_; }

  // marks: null, or stage_names().size() - 1 events.
  void enqueue(std::size_t repetition, const std::vector<cudaEvent_t>* marks) {
    std::size_t next_mark = 0;
    auto mark = [&] {
      if (marks) CASCADESIM_CUDA(cudaEventRecord((*marks)[next_mark++]));
    };
    const Inputs& in = inputs_[repetition % inputs_.size()];
    switch (spec_.kernel) {
      case KernelKind::kDense:
        launch_pass(in, dense_dev_, nullptr);
        break;
      case KernelKind::kAnchor:
        launch_pass(in, dense_dev_, block_max_.get());
        mark();
        launch_select();
        break;
      case KernelKind::kSparse:
        launch_pass(in, selected_, nullptr);
        break;
      case KernelKind::kDecode:
        CASCADESIM_LAUNCH(launch_decode(decode_args(in), shape_.head_dim, nullptr));
        break;
      case KernelKind::kCascade: {
        const int slices = shape_.batch * shape_.heads;
        CASCADESIM_LAUNCH(launch_mean_pool(in.q.get(), pooled_.q.get(), slices, shape_.seq_len, shape_.head_dim,
                                           spec_.pool_factor, nullptr));
        CASCADESIM_LAUNCH(launch_mean_pool(in.k.get(), pooled_.k.get(), slices, shape_.seq_len, shape_.head_dim,
                                           spec_.pool_factor, nullptr));
        CASCADESIM_LAUNCH(launch_mean_pool(in.v.get(), pooled_.v.get(), slices, shape_.seq_len, shape_.head_dim,
                                           spec_.pool_factor, nullptr));
        mark();
        // Both the coarse stage (tiles / pool_factor, e.g. 64 x 64 over pooled tokens) and the refine run the case's
        // implementation.
        CASCADESIM_LAUNCH(launch_attention_impl(
            spec_.implementation, attention_args(pooled_, coarse_dense_dev_, block_max_.get(), coarse_shape_),
            shape_.head_dim, coarse_tile_q_, coarse_tile_k_, nullptr));
        mark();
        CASCADESIM_LAUNCH(launch_top_k_select(
            top_k_args(block_max_.get(), selected_, coarse_shape_, coarse_tile_q_, coarse_tile_k_), nullptr));
        mark();
        launch_pass(in, selected_, nullptr);
        break;
      }
      case KernelKind::kStack:
        for (std::size_t i = 0; i < spec_.schedule.layers.size(); ++i) {
          if (i > 0) mark();
          const Inputs& layer_in = inputs_[i % inputs_.size()];
          switch (spec_.schedule.layers[i]) {
            case models::LayerKind::dense:
              launch_pass(layer_in, dense_dev_, nullptr);
              break;
            case models::LayerKind::anchor:
              launch_anchor(layer_in);
              break;
            case models::LayerKind::reuse:
              launch_pass(layer_in, selected_, nullptr);
              break;
          }
        }
        break;
    }
  }

  // Work and compulsory traffic of one repetition; call after one enqueue() has completed (the selected lists are
  // read back to count the key tiles a sparse pass touches).
  struct Work {
    std::int64_t blocks = 0;
    double flops = 0;
    double bytes = 0;
  };
  Work work() const {
    Work w;
    const double fine_block_flops = 4.0 * spec_.tile_q * spec_.tile_k * shape_.head_dim;
    if (spec_.kernel == KernelKind::kDecode) {
      // Each listed key serves the heads / kv_heads query heads of its K/V head: 4 * head_dim FLOPs per (query
      // head, key), as for prefill blocks.
      const DecodeShape ds = decode_shape(spec_);
      w.blocks = static_cast<std::int64_t>(decode_lists_.col_indices.size());
      w.flops = 4.0 * decode_listed_keys(ds, decode_lists_, kDecodeTileKeys) * ds.head_dim * (ds.heads / ds.kv_heads);
      w.bytes = decode_compulsory_bytes(ds, decode_lists_, kDecodeTileKeys);
      return w;
    }
    const double dense_bytes = compulsory_attention_bytes(shape_, dense_.row_offsets, dense_.col_indices, spec_.tile_q,
                                                          spec_.tile_k, spec_.kv_heads);
    const auto dense_blocks = static_cast<std::int64_t>(dense_.col_indices.size());
    const double select_bytes = 4.0 * static_cast<double>(block_max_.size()) + list_bytes(selected_);
    auto sparse = [&](Work& into) {
      const std::vector<std::int32_t> offsets = selected_.row_offsets.download<std::int32_t>();
      const std::vector<std::int32_t> cols = selected_.col_indices.download<std::int32_t>();
      into.blocks += static_cast<std::int64_t>(cols.size());
      into.flops += fine_block_flops * static_cast<double>(cols.size());
      into.bytes += compulsory_attention_bytes(shape_, offsets, cols, spec_.tile_q, spec_.tile_k, spec_.kv_heads);
    };
    auto dense = [&](Work& into, bool anchor) {
      into.blocks += dense_blocks;
      into.flops += fine_block_flops * static_cast<double>(dense_blocks);
      into.bytes += dense_bytes + (anchor ? select_bytes + 4.0 * static_cast<double>(block_max_.size()) : 0.0);
    };
    switch (spec_.kernel) {
      case KernelKind::kDense:
        dense(w, false);
        break;
      case KernelKind::kAnchor:
        dense(w, true);
        break;
      case KernelKind::kSparse:
        sparse(w);
        break;
      case KernelKind::kCascade: {
        const double pooled_bytes = 2.0 * static_cast<double>(tensor_elements(coarse_shape_));
        const double fine_bytes = 2.0 * static_cast<double>(tensor_elements(shape_));
        const auto coarse_blocks = static_cast<std::int64_t>(coarse_dense_.col_indices.size());
        w.blocks += coarse_blocks;
        w.flops += 4.0 * coarse_tile_q_ * coarse_tile_k_ * shape_.head_dim * static_cast<double>(coarse_blocks);
        w.bytes += 3 * (fine_bytes + pooled_bytes);  // pooling reads Q, K, V and writes their pooled forms
        w.bytes += compulsory_attention_bytes(coarse_shape_, coarse_dense_.row_offsets, coarse_dense_.col_indices,
                                              coarse_tile_q_, coarse_tile_k_) +
                   4.0 * static_cast<double>(block_max_.size()) + select_bytes;
        sparse(w);
        break;
      }
      case KernelKind::kStack:
        for (models::LayerKind kind : spec_.schedule.layers) {
          if (kind == models::LayerKind::reuse) {
            sparse(w);
          } else {
            dense(w, kind == models::LayerKind::anchor);
          }
        }
        break;
      case KernelKind::kDecode:
        break;  // returned above
    }
    return w;
  }

  // For the checks.
  const Inputs& pooled() const { return pooled_; }
  const AttentionShape& coarse_shape() const { return coarse_shape_; }
  const DeviceBuffer<float>& block_max() const { return block_max_; }
  const DeviceCsr& selected() const { return selected_; }
  const BlockCsr& decode_lists_used() const { return decode_lists_; }
  int decode_splits() const { return decode_splits_; }

 private:
  // Fixed, so that a case's top-k lists are the same in every run and on every device.
  static constexpr std::uint64_t kDecodeListSeed = 4242;

  void launch_pass(const Inputs& in, const DeviceCsr& csr, float* block_max) {
    CASCADESIM_LAUNCH(launch_attention_impl(spec_.implementation,
                                            attention_args(in, csr, block_max, shape_, spec_.kv_heads), shape_.head_dim,
                                            spec_.tile_q, spec_.tile_k, nullptr));
  }
  DecodeArgs decode_args(const Inputs& in) const {
    DecodeArgs a;
    a.q = in.q.get();
    a.k = in.k.get();
    a.v = in.v.get();
    a.o = in.o.get();
    a.row_offsets = decode_lists_dev_.row_offsets.get();
    a.col_indices = decode_lists_dev_.col_indices.get();
    a.partial_o = partial_o_.get();
    a.partial_ml = partial_ml_.get();
    a.batch = shape_.batch;
    a.heads = shape_.heads;
    a.kv_heads = spec_.kv_head_count();
    a.context = shape_.seq_len;
    a.splits = decode_splits_;
    return a;
  }
  void launch_select() {
    CASCADESIM_LAUNCH(
        launch_top_k_select(top_k_args(block_max_.get(), selected_, shape_, spec_.tile_q, spec_.tile_k), nullptr));
  }
  void launch_anchor(const Inputs& in) {
    launch_pass(in, dense_dev_, block_max_.get());
    launch_select();
  }

  const CaseSpec& spec_;
  AttentionShape shape_;
  const std::vector<Inputs>& inputs_;
  BlockCsr dense_;
  DeviceCsr dense_dev_;
  DeviceBuffer<float> block_max_;
  DeviceCsr selected_;
  // kCascade
  AttentionShape coarse_shape_;
  int coarse_tile_q_ = 0;
  int coarse_tile_k_ = 0;
  Inputs pooled_;
  BlockCsr coarse_dense_;
  DeviceCsr coarse_dense_dev_;
  // kDecode
  BlockCsr decode_lists_;
  DeviceCsr decode_lists_dev_;
  int decode_splits_ = 0;
  DeviceBuffer<float> partial_o_;
  DeviceBuffer<float> partial_ml_;
  std::vector<std::string> stage_names_;
};

// Throws UsageError for kernels the case needs that were not compiled or do not fit.
void require_case_supported(const DeviceContext& ctx, const CaseSpec& spec) {
  if (spec.kernel == KernelKind::kDecode) {
    const int group = spec.shape.heads / spec.kv_head_count();
    if (!decode_variant_exists(spec.shape.head_dim, group))
      throw UsageError(spec.name + ": the decode kernels have no variant head_dim=" +
                       std::to_string(spec.shape.head_dim) + " heads/kv_heads=" + std::to_string(group) +
                       " (head_dim 64/128; 1, 2, 4, 8, 16 or 32 query heads per K/V head)");
    return;
  }
  require_supported(ctx, spec.implementation, spec.shape.head_dim, spec.tile_q, spec.tile_k, spec.name);
  if (spec.kernel == KernelKind::kCascade)
    require_supported(ctx, spec.implementation, spec.shape.head_dim, spec.tile_q / spec.pool_factor,
                      spec.tile_k / spec.pool_factor, spec.name + " (coarse stage)");
}

// ---- checks of the composite kernels (cascade stage, layer stacks), through the same launches as the timing ----

bool check_cascade(const DeviceContext& ctx, InputPool& pool, const CaseSpec& spec) {
  require_case_supported(ctx, spec);
  const AttentionShape& shape = spec.shape;
  pool.clear();
  const std::vector<Inputs>& inputs = pool.sets(case_q_elements(spec), case_kv_elements(spec), 1);
  LaunchedCase launched(spec, inputs, ctx.info.sm_count);
  launched.enqueue(0, nullptr);
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  const std::vector<Bf16> q = inputs[0].q.download<Bf16>(), k = inputs[0].k.download<Bf16>(),
                          v = inputs[0].v.download<Bf16>();
  const std::string label = spec.name;
  bool ok = true;
  const Inputs& pooled = launched.pooled();
  const std::vector<Bf16> pq = pooled.q.download<Bf16>(), pk = pooled.k.download<Bf16>(),
                          pv = pooled.v.download<Bf16>();
  ok &= report(label + " pool Q", compare(pq, reference_mean_pool(shape, q, spec.pool_factor)));
  ok &= report(label + " pool K", compare(pk, reference_mean_pool(shape, k, spec.pool_factor)));
  ok &= report(label + " pool V", compare(pv, reference_mean_pool(shape, v, spec.pool_factor)));
  // The coarse stage against references on the device's own pooled tensors, so each stage is checked alone.
  const AttentionShape& coarse = launched.coarse_shape();
  const int ctq = spec.tile_q / spec.pool_factor, ctk = spec.tile_k / spec.pool_factor;
  ok &= report(label + " coarse", compare(pooled.o.download<Bf16>(), reference_attention(coarse, pq, pk, pv)));
  const std::vector<float> gpu_max = launched.block_max().download<float>();
  const BlockMaxDiff max_diff = compare_block_max(gpu_max, reference_block_max(coarse, pq, pk, ctq, ctk));
  const bool max_ok = max_diff.mismatched_infinities == 0 && max_diff.max_abs_diff < kBlockMaxTolerance;
  std::printf("%-4s %s coarse block_max max_abs_diff=%.3e inf_mismatch=%zu\n", max_ok ? "ok" : "FAIL", label.c_str(),
              max_diff.max_abs_diff, max_diff.mismatched_infinities);
  ok &= max_ok;
  const BlockCsr expected = select_top_k(coarse, ctq, ctk, gpu_max, spec.top_k);
  const std::vector<std::int32_t> gpu_cols = launched.selected().col_indices.download<std::int32_t>();
  std::size_t mismatches = gpu_cols.size() == expected.col_indices.size() ? 0 : gpu_cols.size() + 1;
  for (std::size_t i = 0; i < std::min(gpu_cols.size(), expected.col_indices.size()); ++i)
    mismatches += gpu_cols[i] != expected.col_indices[i];
  std::printf("%-4s %s select top_k=%d selected=%zu mismatches=%zu\n", mismatches == 0 ? "ok" : "FAIL", label.c_str(),
              spec.top_k, gpu_cols.size(), mismatches);
  ok &= mismatches == 0;
  const BlockCsr mask = refine_mask(expected, shape, spec.pool_factor);
  ok &= report(label + " refine", compare(inputs[0].o.download<Bf16>(), reference_attention(shape, q, k, v, &mask)));
  return ok;
}

bool check_stack(const DeviceContext& ctx, InputPool& pool, const CaseSpec& spec) {
  require_case_supported(ctx, spec);
  const AttentionShape& shape = spec.shape;
  pool.clear();
  const std::vector<Inputs>& inputs = pool.sets(case_q_elements(spec), case_kv_elements(spec), layer_count(spec));
  LaunchedCase launched(spec, inputs, ctx.info.sm_count);
  launched.enqueue(0, nullptr);
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  // Every reuse layer must attend exactly what the last anchor before it selected; in these schedules the anchors
  // come first, so that is the selection left in the buffer, checked against the CPU on the last anchor's maxima.
  const std::vector<float> gpu_max = launched.block_max().download<float>();
  const BlockCsr expected = select_top_k(shape, spec.tile_q, spec.tile_k, gpu_max, spec.top_k);
  const std::vector<std::int32_t> gpu_cols = launched.selected().col_indices.download<std::int32_t>();
  bool ok = gpu_cols == expected.col_indices;
  std::printf("%-4s %s selection of the last anchor matches the CPU (%zu tiles)\n", ok ? "ok" : "FAIL",
              spec.name.c_str(), gpu_cols.size());
  for (std::size_t i = 0; i < spec.schedule.layers.size(); ++i) {
    const Inputs& in = inputs[i];
    const std::vector<Bf16> q = in.q.download<Bf16>();
    const std::vector<Bf16> k = repeat_kv_heads(shape, spec.kv_head_count(), in.k.download<Bf16>());
    const std::vector<Bf16> v = repeat_kv_heads(shape, spec.kv_head_count(), in.v.download<Bf16>());
    const models::LayerKind kind = spec.schedule.layers[i];
    const std::vector<double> ref =
        reference_attention(shape, q, k, v, kind == models::LayerKind::reuse ? &expected : nullptr);
    ok &= report(spec.name + " layer " + std::to_string(i) + " " + std::string(models::to_string(kind)),
                 compare(in.o.download<Bf16>(), ref));
  }
  return ok;
}

// A decode case through the runner's launches against the float64 decode reference on the device's own inputs.
bool check_decode(const DeviceContext& ctx, InputPool& pool, const CaseSpec& spec) {
  require_case_supported(ctx, spec);
  pool.clear();
  const std::vector<Inputs>& inputs = pool.sets(case_q_elements(spec), case_kv_elements(spec), 1);
  LaunchedCase launched(spec, inputs, ctx.info.sm_count);
  launched.enqueue(0, nullptr);
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  const std::vector<double> ref =
      reference_decode(decode_shape(spec), inputs[0].q.download<Bf16>(), inputs[0].k.download<Bf16>(),
                       inputs[0].v.download<Bf16>(), launched.decode_lists_used(), kDecodeTileKeys);
  return report(spec.name + " splits=" + std::to_string(launched.decode_splits()),
                compare(inputs[0].o.download<Bf16>(), ref));
}

std::vector<CaseSpec> composite_check_cases() {
  std::vector<CaseSpec> cases;
  for (int head_dim : {64, 128}) {
    for (bool causal : {false, true}) {
      const std::string suffix = "_d" + std::to_string(head_dim) + (causal ? "_causal" : "_full");
      CaseSpec cascade;
      cascade.kernel = KernelKind::kCascade;
      cascade.pool_factor = 2;
      cascade.tile_q = cascade.tile_k = 128;
      cascade.top_k = 3;
      cascade.shape = {1, 2, 1024, head_dim, causal};
      cascade.name = "cascade_s1024" + suffix;
      cases.push_back(cascade);
      cascade.shape = {2, 2, 1000, head_dim, causal};  // partial last tiles, odd pooled length
      cascade.top_k = 2;
      cascade.name = "cascade_s1000" + suffix;
      cases.push_back(cascade);
      // fa3-style: the coarse stage (64 x 64 pooled tiles) and the refine (128 x 128) through the fa3-style kernel.
      cascade.implementation = Implementation::kFa3Style;
      cascade.name = "cascade_fa3_s1000" + suffix;
      cases.push_back(cascade);
      CaseSpec stack;
      stack.kernel = KernelKind::kStack;
      stack.schedule = models::parse_layer_schedule("1D+1A+2R");
      stack.tile_q = stack.tile_k = 64;
      stack.top_k = 3;
      stack.shape = {1, 2, 600, head_dim, causal};
      stack.name = "stack_1D+1A+2R_s600" + suffix;
      cases.push_back(stack);
      stack.implementation = Implementation::kFa3Style;
      stack.tile_q = stack.tile_k = 128;
      stack.name = "stack_fa3_1D+1A+2R_s600" + suffix;
      cases.push_back(stack);
    }
  }
  // Decode: dense and top-k, MHA and groups of 4 and 8, partial last tiles, default and given split counts.
  struct DecodeCheck {
    const char* name;
    AttentionShape shape;
    int kv_heads, top_k, splits;
  };
  const DecodeCheck decodes[] = {{"decode_dense_b2_h8_kv2_ctx1000_d64", {2, 8, 1000, 64, true}, 2, 0, 0},
                                 {"decode_topk3_b3_h32_kv8_ctx777_d128", {3, 32, 777, 128, true}, 8, 3, 5},
                                 {"decode_topk7_b1_h4_kv4_ctx4096_d64", {1, 4, 4096, 64, true}, 4, 7, 0},
                                 {"decode_dense_b2_h8_kv1_ctx3000_d128", {2, 8, 3000, 128, true}, 1, 0, 1}};
  for (const DecodeCheck& d : decodes) {
    CaseSpec decode;
    decode.name = d.name;
    decode.kernel = KernelKind::kDecode;
    decode.implementation = Implementation::kSplitKvDecode;
    decode.shape = d.shape;
    decode.kv_heads = d.kv_heads;
    decode.top_k = d.top_k;
    decode.splits = d.splits;
    decode.tile_q = 1;
    decode.tile_k = kDecodeTileKeys;
    cases.push_back(decode);
  }
  return cases;
}

int run_checks(std::uint64_t seed) {
  const DeviceContext ctx = open_device();
  std::printf("device %s, %d SMs; seed %llu\n", ctx.info.name.c_str(), ctx.info.sm_count,
              static_cast<unsigned long long>(seed));
  int failures = 0;
  int index = 0;
  for (const CheckCase& c : check_cases()) failures += run_check(ctx, c, seed + 1000003ull * index++) ? 0 : 1;
  for (const CaseSpec& spec : composite_check_cases()) {
    InputPool pool(seed + 1000003ull * index++);
    const bool ok = spec.kernel == KernelKind::kCascade  ? check_cascade(ctx, pool, spec)
                    : spec.kernel == KernelKind::kDecode ? check_decode(ctx, pool, spec)
                                                         : check_stack(ctx, pool, spec);
    failures += ok ? 0 : 1;
  }
  std::printf("%s: %d of %d cases failed (tolerance %.0e)\n", failures ? "FAILED" : "PASSED", failures, index,
              kBf16Tolerance);
  return failures ? 1 : 0;
}

// ---- timing ----

// The board's energy while the case runs back to back for `seconds`, after `idle_s` of the board idle. Launches go
// in batches of about 25 ms with at most two batches queued, so the device never waits on the host and the window
// ends when the last run does.
EnergyMeasurement measure_energy(const BoardMeter& meter, LaunchedCase& launched, std::size_t first_run, double run_ms,
                                 double seconds) {
  constexpr double kIdleSeconds = 1.0;
  constexpr int kBoardPeriodMs = 20;
  constexpr double kBatchMs = 25;
  EnergyMeasurement e;
  e.power_limit_W = meter.power_limit_W();
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  {
    BoardSampler sampler(meter, kBoardPeriodMs);
    const BoardReading start = meter.read();
    std::this_thread::sleep_for(std::chrono::duration<double>(kIdleSeconds));
    const BoardReading end = meter.read();
    e.idle = summarize_board_window(start, end, sampler.stop());
  }
  const std::size_t batch = static_cast<std::size_t>(std::max(1.0, std::ceil(kBatchMs / std::max(run_ms, 1e-3))));
  cudaEvent_t begin = nullptr, finish = nullptr, batch_done[2] = {nullptr, nullptr};
  for (cudaEvent_t* ev : {&begin, &finish, &batch_done[0], &batch_done[1]}) CASCADESIM_CUDA(cudaEventCreate(ev));
  BoardSampler sampler(meter, kBoardPeriodMs);
  const BoardReading start = meter.read();
  CASCADESIM_CUDA(cudaEventRecord(begin));
  std::size_t run = first_run;
  for (std::size_t b = 0; meter.read().host_s - start.host_s < seconds; ++b) {
    for (std::size_t i = 0; i < batch; ++i) launched.enqueue(run++, nullptr);
    CASCADESIM_CUDA(cudaEventRecord(batch_done[b % 2]));
    if (b > 0) CASCADESIM_CUDA(cudaEventSynchronize(batch_done[(b + 1) % 2]));
  }
  CASCADESIM_CUDA(cudaEventRecord(finish));
  CASCADESIM_CUDA(cudaEventSynchronize(finish));
  const BoardReading end = meter.read();
  e.loaded = summarize_board_window(start, end, sampler.stop());
  float ms = 0;
  CASCADESIM_CUDA(cudaEventElapsedTime(&ms, begin, finish));
  for (cudaEvent_t ev : {begin, finish, batch_done[0], batch_done[1]}) CASCADESIM_CUDA(cudaEventDestroy(ev));
  e.runs = static_cast<std::int64_t>(run - first_run);
  e.ms_per_run = ms / static_cast<double>(e.runs);
  return e;
}

// meter non-null: the record also carries the board's energy over energy_s of back-to-back runs.
MeasuredRecord time_case(const DeviceContext& ctx, InputPool& pool, const CaseSpec& spec, const BoardMeter* meter,
                         double energy_s) {
  const std::size_t n = case_q_elements(spec), nkv = case_kv_elements(spec);
  const std::size_t set_bytes = 2 * (n + nkv) * sizeof(std::uint16_t);
  // Enough sets that one pass over them moves more than twice the L2, so each run reads from device memory; a
  // stack gets one set per layer, like a model's layers.
  std::size_t sets = std::max<std::size_t>(2, 2 * static_cast<std::size_t>(ctx.info.l2_bytes) / set_bytes + 1);
  sets = std::max(sets, layer_count(spec));
  const std::vector<Inputs>& inputs = pool.sets(n, nkv, sets);
  LaunchedCase launched(spec, inputs, ctx.info.sm_count);

  for (int i = 0; i < spec.warmup; ++i) launched.enqueue(static_cast<std::size_t>(i), nullptr);
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  const std::size_t stages = launched.stage_names().size();
  std::vector<cudaEvent_t> events(stages > 1 ? stages + 1 : 2);
  for (cudaEvent_t& e : events) CASCADESIM_CUDA(cudaEventCreate(&e));
  const std::vector<cudaEvent_t> marks(events.begin() + 1, events.end() - 1);
  MeasuredRecord record;
  record.stages.resize(stages > 1 ? stages : 0);
  for (std::size_t s = 0; s < record.stages.size(); ++s) record.stages[s].name = launched.stage_names()[s];
  for (int i = 0; i < spec.repetitions; ++i) {
    CASCADESIM_CUDA(cudaEventRecord(events.front()));
    launched.enqueue(static_cast<std::size_t>(spec.warmup + i), &marks);
    CASCADESIM_CUDA(cudaEventRecord(events.back()));
    CASCADESIM_CUDA(cudaEventSynchronize(events.back()));
    float ms = 0;
    CASCADESIM_CUDA(cudaEventElapsedTime(&ms, events.front(), events.back()));
    record.samples_ms.push_back(ms);
    for (std::size_t s = 0; s < record.stages.size(); ++s) {
      CASCADESIM_CUDA(cudaEventElapsedTime(&ms, events[s], events[s + 1]));
      record.stages[s].samples_ms.push_back(ms);
    }
  }
  for (cudaEvent_t e : events) CASCADESIM_CUDA(cudaEventDestroy(e));

  const LaunchedCase::Work work = launched.work();
  record.spec = spec;
  record.device = ctx.info;
  record.buffer_sets = static_cast<int>(inputs.size());
  record.decode_splits = launched.decode_splits();
  record.executed_blocks = work.blocks;
  record.flop_count = work.flops;
  record.compulsory_bytes = work.bytes;
  record.median_ms = percentile(record.samples_ms, 0.5);
  record.p10_ms = percentile(record.samples_ms, 0.1);
  record.p90_ms = percentile(record.samples_ms, 0.9);
  record.achieved_TFLOP_per_s = record.flop_count / (record.median_ms * 1e-3) / 1e12;
  record.achieved_GB_per_s = record.compulsory_bytes / (record.median_ms * 1e-3) / 1e9;
  if (meter)
    record.energy = measure_energy(*meter, launched, static_cast<std::size_t>(spec.warmup + spec.repetitions),
                                   record.median_ms, energy_s);
  return record;
}

// Measures the cases in order into out_path, rewriting it after each one (MeasuredResultsFile), so that whatever
// stops the run (a kill, a full disk, a device fault) leaves the finished records there; --resume measures only the
// cases it lacks.
int run_timing(const std::string& cases_path, const std::string& out_path, bool resume, double energy_s) {
  const std::vector<CaseSpec> cases = load_cases(cases_path);
  const DeviceContext ctx = open_device();
  for (const CaseSpec& spec : cases) require_case_supported(ctx, spec);
  std::unique_ptr<BoardMeter> meter;
  if (energy_s > 0) {
    char bus_id[32] = {};
    CASCADESIM_CUDA(cudaDeviceGetPCIBusId(bus_id, sizeof bus_id, 0));
    try {
      meter = std::make_unique<BoardMeter>(bus_id);
    } catch (const std::runtime_error& e) {
      throw UsageError(std::string("--energy-s: ") + e.what());
    }
  }
  MeasuredResultsFile results(out_path, cases, ctx.info, resume);
  if (resume)
    std::printf("resuming %s: %zu of %zu cases already measured\n", out_path.c_str(), results.record_count(),
                cases.size());
  const auto kept = [&] {
    return "; the " + std::to_string(results.record_count()) + " records measured before it are in " + out_path +
           " (--resume continues)";
  };
  InputPool pool;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const CaseSpec& spec = cases[i];
    if (results.measured(i)) continue;
    MeasuredRecord r;
    try {
      r = time_case(ctx, pool, spec, meter.get(), energy_s);
    } catch (const DeviceOutOfMemory& e) {
      throw UsageError(spec.name + ": " + e.what() + kept());
    } catch (const std::exception& e) {
      // A device fault (an illegal address, an ECC error, a lost device) leaves the context unusable: stop here.
      throw DeviceFault(spec.name + ": " + e.what() + kept());
    }
    try {
      results.add(i, r);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what() + kept());  // starts with the file it could not write
    }
    std::printf("%-34s %-7s median %9.4f ms (p10 %.4f, p90 %.4f) %6.1f TFLOP/s %7.1f GB/s blocks %lld sets %d\n",
                spec.name.c_str(), kernel_kind_name(spec.kernel), r.median_ms, r.p10_ms, r.p90_ms,
                r.achieved_TFLOP_per_s, r.achieved_GB_per_s, static_cast<long long>(r.executed_blocks), r.buffer_sets);
    if (!r.stages.empty() && spec.kernel != KernelKind::kStack) {
      std::printf("%-34s %-7s  ", "", "");
      for (const StageSamples& stage : r.stages)
        std::printf(" %s %.4f ms", stage.name.c_str(), percentile(stage.samples_ms, 0.5));
      std::printf(" (medians)\n");
    }
    if (r.energy)
      std::printf(
          "%-34s %-7s  energy %.4f J/run (%.4f above idle) at %.0f W, SM %.0f MHz, power-capped %.0f%%, "
          "%.4f ms/run sustained, idle %.0f W\n",
          "", "", r.energy->loaded.energy_J / static_cast<double>(r.energy->runs),
          (r.energy->loaded.energy_J - r.energy->idle.mean_power_W * r.energy->loaded.seconds) /
              static_cast<double>(r.energy->runs),
          r.energy->loaded.mean_power_W, r.energy->loaded.sm_clock_MHz_median,
          100 * r.energy->loaded.power_capped_fraction, r.energy->ms_per_run, r.energy->idle.mean_power_W);
    std::fflush(stdout);
  }
  return 0;
}

int run_micro(const std::string& out_path, int repetitions) {
  const DeviceContext ctx = open_device();
  const std::vector<MicroBenchResult> results =
      run_micro_benchmarks(repetitions, static_cast<std::size_t>(ctx.info.l2_bytes), ctx.info.sm_count);
  write_micro_results_atomically(out_path, ctx.info, results);
  for (const MicroBenchResult& r : results) {
    if (r.samples_ms.empty()) {
      std::printf("%-24s %s\n", r.name.c_str(), r.note.c_str());
      continue;
    }
    std::string params;
    for (const auto& [key, value] : r.parameters)
      if (key == "m" || key == "n" || key == "k")
        params += " " + key + "=" + std::to_string(static_cast<long long>(value));
    std::printf("%-24s median %10.3f %-14s (p10 %.3f, p90 %.3f)%s\n", r.name.c_str(), r.median, r.metric.c_str(), r.p10,
                r.p90, params.c_str());
  }
  return 0;
}

void print_usage(std::FILE* to) {
  std::fprintf(to,
               "usage: cascadesim-validate --check [--seed N]\n"
               "       cascadesim-validate CASES.json --out MEASURED.json [--resume] [--energy-s SECONDS]\n"
               "       cascadesim-validate --micro --out MICRO.json [--repetitions N]\n");
}

}  // namespace
}  // namespace cascadesim::validation

int main(int argc, char** argv) {
  using namespace cascadesim::validation;
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
      print_usage(stdout);
      return 0;
    }
    if (!args.empty() && args[0] == "--check") {
      std::uint64_t seed = std::random_device{}();
      if (args.size() == 3 && args[1] == "--seed") {
        seed = std::stoull(args[2]);
      } else if (args.size() != 1) {
        throw UsageError("--check takes only --seed N");
      }
      return run_checks(seed);
    }
    if (!args.empty() && args[0] == "--micro") {
      if (!((args.size() == 3 || args.size() == 5) && args[1] == "--out" &&
            (args.size() == 3 || args[3] == "--repetitions")))
        throw UsageError("--micro takes --out MICRO.json [--repetitions N]");
      const int repetitions = args.size() == 5 ? std::stoi(args[4]) : 30;
      if (repetitions < 20) throw UsageError("--repetitions must be >= 20");
      return run_micro(args[2], repetitions);
    }
    if (args.size() >= 3 && args[1] == "--out") {
      bool resume = false;
      double energy_s = 0;
      for (std::size_t i = 3; i < args.size(); ++i) {
        if (args[i] == "--resume") {
          resume = true;
        } else if (args[i] == "--energy-s" && i + 1 < args.size()) {
          energy_s = std::stod(args[++i]);
          if (!(energy_s >= 1 && energy_s <= 600)) throw UsageError("--energy-s must be between 1 and 600 seconds");
        } else {
          throw UsageError("unknown or incomplete option '" + args[i] + "'");
        }
      }
      return run_timing(args[0], args[2], resume, energy_s);
    }
    print_usage(stderr);
    return 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "cascadesim-validate: %s\n", e.what());
    return 2;
  } catch (const DeviceOutOfMemory& e) {
    std::fprintf(stderr, "cascadesim-validate: %s\n", e.what());
    return 2;
  } catch (const CaseError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "cascadesim-validate: %s\n", e.what());
    return 2;
  } catch (const DeviceFault& e) {
    std::fprintf(stderr, "cascadesim-validate: device fault: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cascadesim-validate: error: %s\n", e.what());
    return 1;
  }
}
