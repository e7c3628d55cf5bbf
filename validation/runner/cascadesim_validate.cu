// cascadesim-validate: checks the CUDA attention kernels against the double-precision CPU references (--check) and
// times them on the cases of a JSON file, writing one record per case with the device it ran on.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "validation/host/bf16.hpp"
#include "validation/host/block_sparse.hpp"
#include "validation/host/case_spec.hpp"
#include "validation/host/error_metrics.hpp"
#include "validation/host/measured_record.hpp"
#include "validation/host/random_inputs.hpp"
#include "validation/host/reference_attention.hpp"
#include "validation/host/tile_geometry.hpp"
#include "validation/kernels/attention.cuh"

namespace cascadesim::validation {
namespace {

// Bad input or an unusable device: main() exits with 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void check_cuda(cudaError_t status, const char* what, const char* file, int line) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + what + ": " +
                             cudaGetErrorName(status) + ": " + cudaGetErrorString(status));
}
#define CASCADESIM_CUDA(call) check_cuda((call), #call, __FILE__, __LINE__)
// After every launch: the launch status, then any error the launch left behind.
#define CASCADESIM_LAUNCH(call)                                                          \
  do {                                                                                   \
    check_cuda((call), #call, __FILE__, __LINE__);                                       \
    check_cuda(cudaGetLastError(), "cudaGetLastError after " #call, __FILE__, __LINE__); \
  } while (0)

constexpr double kBf16Tolerance = 1e-2;      // METHOD.md: bf16 operands land between 1e-3 and 1e-2
constexpr double kBlockMaxTolerance = 2e-3;  // fp32 dot products of length <= 128 against double
constexpr float kQkAmplitude = 2.0f;         // scaled scores with a standard deviation near 4/3
constexpr float kVAmplitude = 1.0f;

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count_ > 0) CASCADESIM_CUDA(cudaMalloc(&data_, count_ * sizeof(T)));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& other) noexcept { swap(other); }
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    swap(other);
    return *this;
  }
  ~DeviceBuffer() {
    if (data_) cudaFree(data_);
  }
  T* get() const { return data_; }
  std::size_t size() const { return count_; }
  template <typename U>
  void upload(const std::vector<U>& host) {
    static_assert(sizeof(U) == sizeof(T), "same element size");
    if (host.size() != count_) throw std::logic_error("upload: size mismatch");
    CASCADESIM_CUDA(cudaMemcpy(data_, host.data(), count_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  template <typename U>
  std::vector<U> download() const {
    static_assert(sizeof(U) == sizeof(T), "same element size");
    std::vector<U> host(count_);
    CASCADESIM_CUDA(cudaMemcpy(host.data(), data_, count_ * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }
  // Fills every byte with `byte` (0xFF: NaN for bf16 and fp32, -1 for int32).
  void poison(int byte = 0xFF) { CASCADESIM_CUDA(cudaMemset(data_, byte, count_ * sizeof(T))); }

 private:
  void swap(DeviceBuffer& other) {
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
  }
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

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

std::size_t tensor_elements(const AttentionShape& s) {
  return static_cast<std::size_t>(s.batch) * s.heads * s.seq_len * s.head_dim;
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

Inputs make_inputs(const AttentionShape& shape, std::uint64_t seed, std::vector<Bf16>* q_host = nullptr,
                   std::vector<Bf16>* k_host = nullptr, std::vector<Bf16>* v_host = nullptr) {
  const std::size_t n = tensor_elements(shape);
  Inputs in{DeviceBuffer<std::uint16_t>(n), DeviceBuffer<std::uint16_t>(n), DeviceBuffer<std::uint16_t>(n),
            DeviceBuffer<std::uint16_t>(n)};
  const std::vector<Bf16> q = random_bf16(n, seed * 3 + 0, kQkAmplitude);
  const std::vector<Bf16> k = random_bf16(n, seed * 3 + 1, kQkAmplitude);
  const std::vector<Bf16> v = random_bf16(n, seed * 3 + 2, kVAmplitude);
  in.q.upload(q);
  in.k.upload(k);
  in.v.upload(v);
  in.o.poison();
  if (q_host) *q_host = q;
  if (k_host) *k_host = k;
  if (v_host) *v_host = v;
  return in;
}

AttentionArgs attention_args(const Inputs& in, const DeviceCsr& csr, float* block_max, const AttentionShape& shape) {
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
    }
  }
  return cases;
}

std::string describe(const CheckCase& c) {
  char text[160];
  std::snprintf(text, sizeof text, "b=%d h=%d s=%-4d d=%-3d %-6s tiles=%3dx%-3d", c.shape.batch, c.shape.heads,
                c.shape.seq_len, c.shape.head_dim, c.shape.causal ? "causal" : "full", c.tile_q, c.tile_k);
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
  require_supported(ctx, c.shape.head_dim, c.tile_q, c.tile_k, describe(c));
  std::vector<Bf16> q, k, v;
  Inputs in = make_inputs(c.shape, seed, &q, &k, &v);
  const BlockCsr dense = dense_block_csr(c.shape, c.tile_q, c.tile_k);
  DeviceCsr dense_dev = upload_csr(dense.row_offsets, dense.col_indices);
  const std::vector<double> dense_ref = reference_attention(c.shape, q, k, v);
  const std::string label = describe(c);
  bool ok = true;

  if (c.top_k == 0) {
    CASCADESIM_LAUNCH(launch_attention(attention_args(in, dense_dev, nullptr, c.shape), c.shape.head_dim, c.tile_q,
                                       c.tile_k, nullptr));
    CASCADESIM_CUDA(cudaDeviceSynchronize());
    return report(label + " dense      ", compare(in.o.download<Bf16>(), dense_ref));
  }

  // Anchor: dense output plus block maxima.
  DeviceBuffer<float> block_max(static_cast<std::size_t>(dense.rows()) * dense.k_tiles);
  block_max.poison();
  CASCADESIM_LAUNCH(launch_attention(attention_args(in, dense_dev, block_max.get(), c.shape), c.shape.head_dim,
                                     c.tile_q, c.tile_k, nullptr));
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
  CASCADESIM_LAUNCH(
      launch_attention(attention_args(in, selected, nullptr, c.shape), c.shape.head_dim, c.tile_q, c.tile_k, nullptr));
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  BlockCsr mask = expected;
  mask.col_indices = gpu_cols;
  const std::vector<double> sparse_ref = reference_attention(c.shape, q, k, v, &mask);
  ok &= report(label + " sparse k=" + std::to_string(c.top_k) + " ", compare(in.o.download<Bf16>(), sparse_ref));
  return ok;
}

int run_checks(std::uint64_t seed) {
  const DeviceContext ctx = open_device();
  std::printf("device %s, %d SMs; seed %llu\n", ctx.info.name.c_str(), ctx.info.sm_count,
              static_cast<unsigned long long>(seed));
  int failures = 0;
  int index = 0;
  for (const CheckCase& c : check_cases()) failures += run_check(ctx, c, seed + 1000003ull * index++) ? 0 : 1;
  std::printf("%s: %d of %d cases failed (tolerance %.0e)\n", failures ? "FAILED" : "PASSED", failures, index,
              kBf16Tolerance);
  return failures ? 1 : 0;
}

// ---- timing ----

MeasuredRecord time_case(const DeviceContext& ctx, const CaseSpec& spec) {
  const AttentionShape& shape = spec.shape;
  const std::size_t n = tensor_elements(shape);
  const std::size_t set_bytes = 4 * n * sizeof(std::uint16_t);
  std::size_t free_bytes = 0, total_bytes = 0;
  CASCADESIM_CUDA(cudaMemGetInfo(&free_bytes, &total_bytes));
  // Enough sets that one pass over them moves more than twice the L2, so each run reads from device memory.
  std::size_t sets = std::max<std::size_t>(2, 2 * static_cast<std::size_t>(ctx.info.l2_bytes) / set_bytes + 1);
  sets = std::min(sets, std::max<std::size_t>(1, free_bytes / 2 / set_bytes));
  if (sets < 2) throw UsageError(spec.name + ": two input sets do not fit in device memory");
  std::vector<Inputs> inputs;
  for (std::size_t i = 0; i < sets; ++i) inputs.push_back(make_inputs(shape, 7919ull * (i + 1)));

  const BlockCsr dense = dense_block_csr(shape, spec.tile_q, spec.tile_k);
  DeviceCsr dense_dev = upload_csr(dense.row_offsets, dense.col_indices);
  DeviceBuffer<float> block_max(static_cast<std::size_t>(dense.rows()) * dense.k_tiles);
  DeviceCsr selected;
  if (spec.kernel != KernelKind::kDense) {
    const std::vector<std::int32_t> offsets = top_k_row_offsets(shape, spec.tile_q, spec.tile_k, spec.top_k);
    selected = upload_csr(offsets, std::vector<std::int32_t>(static_cast<std::size_t>(offsets.back())));
    // The sparse case attends the tiles that the anchor selects on the first input set.
    CASCADESIM_LAUNCH(launch_attention(attention_args(inputs[0], dense_dev, block_max.get(), shape), shape.head_dim,
                                       spec.tile_q, spec.tile_k, nullptr));
    CASCADESIM_LAUNCH(
        launch_top_k_select(top_k_args(block_max.get(), selected, shape, spec.tile_q, spec.tile_k), nullptr));
    CASCADESIM_CUDA(cudaDeviceSynchronize());
  }

  // split: an event recorded between the anchor's two launches (null: not recorded).
  auto enqueue = [&](std::size_t set, cudaEvent_t split) {
    const Inputs& in = inputs[set % sets];
    switch (spec.kernel) {
      case KernelKind::kDense:
        CASCADESIM_LAUNCH(launch_attention(attention_args(in, dense_dev, nullptr, shape), shape.head_dim, spec.tile_q,
                                           spec.tile_k, nullptr));
        break;
      case KernelKind::kAnchor:
        CASCADESIM_LAUNCH(launch_attention(attention_args(in, dense_dev, block_max.get(), shape), shape.head_dim,
                                           spec.tile_q, spec.tile_k, nullptr));
        if (split) CASCADESIM_CUDA(cudaEventRecord(split));
        CASCADESIM_LAUNCH(
            launch_top_k_select(top_k_args(block_max.get(), selected, shape, spec.tile_q, spec.tile_k), nullptr));
        break;
      case KernelKind::kSparse:
        CASCADESIM_LAUNCH(launch_attention(attention_args(in, selected, nullptr, shape), shape.head_dim, spec.tile_q,
                                           spec.tile_k, nullptr));
        break;
    }
  };

  for (int i = 0; i < spec.warmup; ++i) enqueue(static_cast<std::size_t>(i), nullptr);
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  const bool split = spec.kernel == KernelKind::kAnchor;
  cudaEvent_t start = nullptr, middle = nullptr, stop = nullptr;
  CASCADESIM_CUDA(cudaEventCreate(&start));
  CASCADESIM_CUDA(cudaEventCreate(&stop));
  if (split) CASCADESIM_CUDA(cudaEventCreate(&middle));
  MeasuredRecord record;
  for (int i = 0; i < spec.repetitions; ++i) {
    CASCADESIM_CUDA(cudaEventRecord(start));
    enqueue(static_cast<std::size_t>(spec.warmup + i), middle);
    CASCADESIM_CUDA(cudaEventRecord(stop));
    CASCADESIM_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    CASCADESIM_CUDA(cudaEventElapsedTime(&ms, start, stop));
    record.samples_ms.push_back(ms);
    if (split) {
      float attention_ms = 0, select_ms = 0;
      CASCADESIM_CUDA(cudaEventElapsedTime(&attention_ms, start, middle));
      CASCADESIM_CUDA(cudaEventElapsedTime(&select_ms, middle, stop));
      record.attention_samples_ms.push_back(attention_ms);
      record.select_samples_ms.push_back(select_ms);
    }
  }
  CASCADESIM_CUDA(cudaEventDestroy(start));
  CASCADESIM_CUDA(cudaEventDestroy(stop));
  if (split) CASCADESIM_CUDA(cudaEventDestroy(middle));

  record.spec = spec;
  record.device = ctx.info;
  record.buffer_sets = static_cast<int>(sets);
  record.executed_blocks = spec.kernel == KernelKind::kSparse ? static_cast<std::int64_t>(selected.col_indices.size())
                                                              : static_cast<std::int64_t>(dense.col_indices.size());
  record.flop_count = 4.0 * spec.tile_q * spec.tile_k * shape.head_dim * static_cast<double>(record.executed_blocks);
  record.median_ms = percentile(record.samples_ms, 0.5);
  record.p10_ms = percentile(record.samples_ms, 0.1);
  record.p90_ms = percentile(record.samples_ms, 0.9);
  record.achieved_TFLOP_per_s = record.flop_count / (record.median_ms * 1e-3) / 1e12;
  return record;
}

int run_timing(const std::string& cases_path, const std::string& out_path) {
  const std::vector<CaseSpec> cases = load_cases(cases_path);
  const DeviceContext ctx = open_device();
  for (const CaseSpec& spec : cases) require_supported(ctx, spec.shape.head_dim, spec.tile_q, spec.tile_k, spec.name);
  std::vector<MeasuredRecord> records;
  for (const CaseSpec& spec : cases) {
    records.push_back(time_case(ctx, spec));
    write_records_atomically(out_path, records);
    const MeasuredRecord& r = records.back();
    std::printf("%-32s %-6s median %.4f ms (p10 %.4f, p90 %.4f)  %.1f TFLOP/s  blocks %lld  sets %d\n",
                spec.name.c_str(), kernel_kind_name(spec.kernel), r.median_ms, r.p10_ms, r.p90_ms,
                r.achieved_TFLOP_per_s, static_cast<long long>(r.executed_blocks), r.buffer_sets);
    if (!r.attention_samples_ms.empty())
      std::printf("%-32s %-6s   attention %.4f ms, select %.4f ms (medians)\n", spec.name.c_str(), "",
                  percentile(r.attention_samples_ms, 0.5), percentile(r.select_samples_ms, 0.5));
  }
  return 0;
}

void print_usage(std::FILE* to) {
  std::fprintf(to,
               "usage: cascadesim-validate --check [--seed N]\n"
               "       cascadesim-validate CASES.json --out MEASURED.json\n");
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
    if (args.size() == 3 && args[1] == "--out") return run_timing(args[0], args[2]);
    print_usage(stderr);
    return 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "cascadesim-validate: %s\n", e.what());
    return 2;
  } catch (const CaseError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "cascadesim-validate: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cascadesim-validate: error: %s\n", e.what());
    return 1;
  }
}
