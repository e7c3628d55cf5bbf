// Calibration micro-benchmarks (HBM copy, L2 read, mma.sync bf16 peak, launch overhead, cuBLAS bf16 GEMM): kernels
// and host driver. cuBLAS is opened at run time with dlopen, so that nothing here links it at build time.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "validation/kernels/cuda_support.cuh"
#include "validation/kernels/dynamic_library.hpp"
#include "validation/kernels/microbench.cuh"

namespace cascadesim::validation {
namespace {

// After every kernel launch (<<<>>> returns nothing): the error the launch left, if any.
#define CASCADESIM_LAUNCHED(kernel) check_cuda(cudaGetLastError(), "launch of " kernel, __FILE__, __LINE__)

constexpr int kWarmupRepetitions = 5;
constexpr std::size_t kGiB = std::size_t{1} << 30;
constexpr int kStreamThreads = 256;  // fill, copy and L2-read kernels
constexpr int kUnroll = 4;           // independent 16-byte loads in flight per thread (copy, L2 read)

// ---- Values: pure functions of (seed, index), computed identically on host and device, never zero ----

// 32-bit word i of a copy or L2-read buffer; never zero, so a zeroed destination never passes the copy check.
__host__ __device__ inline std::uint32_t fill_word(std::uint64_t seed, std::uint64_t i) {
  const auto word = static_cast<std::uint32_t>(splitmix64(seed ^ splitmix64(i)));
  return word != 0 ? word : 0x9E3779B9u;
}

// bf16 bits of a finite float, rounded to nearest even.
__host__ __device__ inline std::uint16_t to_bf16_bits(float value) {
  std::uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}

float from_bf16_bits(std::uint16_t bits) {
  const std::uint32_t wide = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof value);
  return value;
}

// GEMM input element i: uniform in [-1, 1) on a 2^-23 grid (exact in fp32 on host and device), rounded to bf16; a
// value that rounds to zero becomes +-2^-8 (bf16 0x3B80).
__host__ __device__ inline std::uint16_t gemm_input_bits(std::uint64_t seed, std::uint64_t i) {
  const std::uint64_t hash = splitmix64(seed ^ splitmix64(i));
  const float unit = static_cast<float>(hash >> 40) * (1.0f / 16777216.0f);
  std::uint16_t bits = to_bf16_bits(2.0f * unit - 1.0f);
  if ((bits & 0x7FFFu) == 0) bits = (hash & 1) ? 0x3B80u : 0xBB80u;
  return bits;
}

// Operands of the mma benchmark, A (16x16) and B (16x8): +-{1, 2, 3, 4}/16, exact in bf16. Every product is then a
// multiple of 2^-8 and each element of D = A B lies in [-1, 1]; an accumulator started at i < 8 and given
// `iterations` <= 2^15 - 8 mma stays below 2^15 on a 2^-8 grid, i.e. within fp32's 24-bit significand: exact.
__host__ __device__ inline float mma_a_value(int row, int col) {
  const int h = row * 5 + col * 3;
  return static_cast<float>(1 + h % 4) * ((h / 4) % 2 ? -0.0625f : 0.0625f);
}
__host__ __device__ inline float mma_b_value(int k, int n) {
  const int h = k * 7 + n * 3 + 1;
  return static_cast<float>(1 + h % 4) * ((h / 4) % 2 ? -0.0625f : 0.0625f);
}

// ---- Kernels ----

__global__ void __launch_bounds__(kStreamThreads)
    fill_words_kernel(std::uint32_t* out, std::size_t count, std::uint64_t seed) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * kStreamThreads;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * kStreamThreads + threadIdx.x; i < count; i += stride)
    out[i] = fill_word(seed, i);
}

__global__ void __launch_bounds__(kStreamThreads)
    fill_bf16_kernel(std::uint16_t* out, std::size_t count, std::uint64_t seed) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * kStreamThreads;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * kStreamThreads + threadIdx.x; i < count; i += stride)
    out[i] = gemm_input_bits(seed, i);
}

// dst[i] = src[i] for count 16-byte elements: grid-stride, kUnroll loads issued before their stores.
__global__ void __launch_bounds__(kStreamThreads)
    copy_kernel(const uint4* __restrict__ src, uint4* __restrict__ dst, std::size_t count) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * kStreamThreads;
  std::size_t i = static_cast<std::size_t>(blockIdx.x) * kStreamThreads + threadIdx.x;
  for (; i + (kUnroll - 1) * stride < count; i += kUnroll * stride) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = src[i + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) dst[i + u * stride] = v[u];
  }
  for (; i < count; i += stride) dst[i] = src[i];
}

// 16-byte global load cached in L2 only, not L1 (PTX ISA, "ld", .cg); volatile so that loads repeated over the same
// addresses are neither merged nor hoisted.
__device__ __forceinline__ uint4 load_cg_16(const uint4* p) {
  uint4 v;
  asm volatile("ld.global.cg.v4.u32 {%0, %1, %2, %3}, [%4];\n" : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
  return v;
}

// Thread tid (of T) loads virtual elements v = tid + T j, j in [0, kUnroll * iterations), i.e. every v in
// [0, T kUnroll iterations) once, each at buffer[v mod count]. Each warp writes the wrapping sum of the 32-bit
// words it loaded to out[global warp].
// Contract: count < 2^31 (idx + step stays below 2^32).
__global__ void __launch_bounds__(kStreamThreads)
    l2_read_kernel(const uint4* buffer, unsigned count, int iterations, std::uint32_t* out) {
  const unsigned threads = gridDim.x * kStreamThreads;
  const unsigned tid = blockIdx.x * kStreamThreads + threadIdx.x;
  const unsigned step = threads % count;
  unsigned idx = tid % count;
  std::uint32_t sum = 0;
  for (int it = 0; it < iterations; ++it) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      v[u] = load_cg_16(buffer + idx);
      idx += step;
      if (idx >= count) idx -= count;
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) sum += v[u].x + v[u].y + v[u].z + v[u].w;
  }
  for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xFFFFFFFFu, sum, offset);
  if ((threadIdx.x & 31) == 0) out[tid / 32] = sum;
}

constexpr int kMmaThreads = 128;
constexpr int kMmaAccumulators = 8;              // independent accumulator chains per warp
constexpr int kMmaIterations = 4096;             // rounds of kMmaAccumulators mma per warp; <= 2^15 - 8 (mma_a_value)
constexpr double kMmaFlops = 2.0 * 16 * 8 * 16;  // PTX ISA "mma.m16n8k16": M*N*K multiply-adds per warp-wide mma

// D(16x8, f32) += A(16x16, bf16, row) * B(16x8, bf16, col), the instruction of the attention kernels.
__device__ __forceinline__ void mma_bf16_16816(float (&c)[4], const std::uint32_t (&a)[4],
                                               const std::uint32_t (&b)[2]) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// Two bf16 as one mma operand register: the lower column (or k row) in the low half.
__device__ __forceinline__ std::uint32_t pack_bf16(float lo, float hi) {
  return static_cast<std::uint32_t>(to_bf16_bits(lo)) | (static_cast<std::uint32_t>(to_bf16_bits(hi)) << 16);
}

// Every warp runs kMmaAccumulators independent chains of `iterations` mma on register operands (no memory in the
// loop); accumulator i starts at i. Each thread writes the sum of its 4 * kMmaAccumulators accumulator values.
// Fragment layout, g = lane/4, t = lane%4 (PTX ISA, "mma.m16n8k16"): A regs {a0..a3} = rows (g, g+8, g, g+8),
// columns (2t, 2t, 2t+8, 2t+8) and +1; B regs {b0, b1} = k rows (2t, 2t+8) and +1, column g; C {c0, c1} = row g,
// columns 2t, 2t+1; {c2, c3} = row g+8, same columns.
__global__ void __launch_bounds__(kMmaThreads) mma_peak_kernel(int iterations, double* out) {
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2;
  const int t = lane & 3;
  const std::uint32_t a[4] = {pack_bf16(mma_a_value(g, 2 * t), mma_a_value(g, 2 * t + 1)),
                              pack_bf16(mma_a_value(g + 8, 2 * t), mma_a_value(g + 8, 2 * t + 1)),
                              pack_bf16(mma_a_value(g, 2 * t + 8), mma_a_value(g, 2 * t + 9)),
                              pack_bf16(mma_a_value(g + 8, 2 * t + 8), mma_a_value(g + 8, 2 * t + 9))};
  const std::uint32_t b[2] = {pack_bf16(mma_b_value(2 * t, g), mma_b_value(2 * t + 1, g)),
                              pack_bf16(mma_b_value(2 * t + 8, g), mma_b_value(2 * t + 9, g))};
  float c[kMmaAccumulators][4];
#pragma unroll
  for (int i = 0; i < kMmaAccumulators; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) c[i][j] = static_cast<float>(i);
  for (int it = 0; it < iterations; ++it) {
#pragma unroll
    for (int i = 0; i < kMmaAccumulators; ++i) mma_bf16_16816(c[i], a, b);
  }
  double sum = 0;
#pragma unroll
  for (int i = 0; i < kMmaAccumulators; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) sum += c[i][j];
  out[static_cast<std::size_t>(blockIdx.x) * kMmaThreads + threadIdx.x] = sum;
}

__global__ void empty_kernel() {}

// ---- Host helpers ----

class Stream {
 public:
  Stream() { CASCADESIM_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() {
    if (stream_) cudaStreamDestroy(stream_);
  }
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

class Event {
 public:
  Event() { CASCADESIM_CUDA(cudaEventCreate(&event_)); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() {
    if (event_) cudaEventDestroy(event_);
  }
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

class GraphExec {
 public:
  GraphExec() = default;
  GraphExec(const GraphExec&) = delete;
  GraphExec& operator=(const GraphExec&) = delete;
  ~GraphExec() {
    if (exec_) cudaGraphExecDestroy(exec_);
    if (graph_) cudaGraphDestroy(graph_);
  }
  cudaGraph_t* graph() { return &graph_; }
  cudaGraphExec_t* exec() { return &exec_; }

 private:
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
};

// Copies count elements at device address src to the host, in stream order.
template <typename T>
std::vector<T> download(cudaStream_t stream, const T* src, std::size_t count) {
  std::vector<T> host(count);
  CASCADESIM_CUDA(cudaMemcpyAsync(host.data(), src, count * sizeof(T), cudaMemcpyDeviceToHost, stream));
  CASCADESIM_CUDA(cudaStreamSynchronize(stream));
  return host;
}

// Resident blocks per SM at this block size: the grid of a bandwidth or throughput kernel is sm_count times this, one
// full wave.
template <typename Kernel>
int blocks_per_sm(Kernel kernel, int threads) {
  int blocks = 0;
  CASCADESIM_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel, threads, 0));
  if (blocks < 1)
    throw std::runtime_error("microbench: a kernel cannot be resident at " + std::to_string(threads) +
                             " threads per block");
  return blocks;
}

// Runs enqueue() kWarmupRepetitions times untimed, then `repetitions` times, each between its own two events and
// waited for before the next. Returns milliseconds per timed repetition.
template <typename Enqueue>
std::vector<double> time_repetitions(cudaStream_t stream, int repetitions, Enqueue&& enqueue) {
  for (int r = 0; r < kWarmupRepetitions; ++r) enqueue();
  CASCADESIM_CUDA(cudaStreamSynchronize(stream));
  Event start, stop;
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(repetitions));
  for (int r = 0; r < repetitions; ++r) {
    CASCADESIM_CUDA(cudaEventRecord(start.get(), stream));
    enqueue();
    CASCADESIM_CUDA(cudaEventRecord(stop.get(), stream));
    CASCADESIM_CUDA(cudaEventSynchronize(stop.get()));
    float ms = 0;
    CASCADESIM_CUDA(cudaEventElapsedTime(&ms, start.get(), stop.get()));
    samples.push_back(ms);
  }
  return samples;
}

// Nearest-rank percentile: the ceil(percent n / 100)-th smallest (at least the first). Contract: values non-empty.
double nearest_rank(std::vector<double> values, int percent) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const std::size_t rank = std::max<std::size_t>(1, (static_cast<std::size_t>(percent) * n + 99) / 100);
  return values[rank - 1];
}

template <typename MetricOf>
MicroBenchResult make_result(std::string name, std::string metric, std::vector<double> samples_ms, MetricOf metric_of,
                             std::vector<std::pair<std::string, double>> parameters, std::string note) {
  MicroBenchResult result;
  result.name = std::move(name);
  result.metric = std::move(metric);
  std::vector<double> metric_values;
  metric_values.reserve(samples_ms.size());
  for (const double ms : samples_ms) metric_values.push_back(metric_of(ms));
  result.median = nearest_rank(metric_values, 50);
  result.p10 = nearest_rank(metric_values, 10);
  result.p90 = nearest_rank(metric_values, 90);
  result.median_ms = nearest_rank(samples_ms, 50);
  result.samples_ms = std::move(samples_ms);
  result.parameters = std::move(parameters);
  result.parameters.emplace_back("repetitions", static_cast<double>(result.samples_ms.size()));
  result.parameters.emplace_back("warmup_repetitions", kWarmupRepetitions);
  result.note = std::move(note);
  return result;
}

double gb_per_s(double bytes, double ms) { return bytes / (ms * 1e-3) / 1e9; }
double tflop_per_s(double flops, double ms) { return flops / (ms * 1e-3) / 1e12; }

// ---- 1. HBM copy ----

// 64 chunks of 4096 words spread evenly over dst, first and last words included, against fill_word(seed, .).
void check_copy(cudaStream_t stream, const std::uint32_t* dst, std::size_t words, std::uint64_t seed,
                const char* what) {
  constexpr std::size_t kChunks = 64;
  const std::size_t chunk = std::min<std::size_t>(4096, words);
  for (std::size_t c = 0; c < kChunks; ++c) {
    const std::size_t first = (words - chunk) * c / (kChunks - 1);
    const std::vector<std::uint32_t> got = download(stream, dst + first, chunk);
    for (std::size_t w = 0; w < chunk; ++w)
      if (got[w] != fill_word(seed, first + w))
        throw std::runtime_error(std::string("microbench: ") + what + ": destination word " +
                                 std::to_string(first + w) + " differs from the source");
  }
}

void bench_hbm_copy(cudaStream_t stream, int repetitions, std::size_t l2_bytes, int sm_count,
                    std::vector<MicroBenchResult>& results) {
  // At least 1 GiB and 64 L2s per buffer, at most 2 GiB (4 GiB for source and destination together).
  const std::size_t bytes = std::min(std::max(kGiB, 64 * l2_bytes), 2 * kGiB) / 16 * 16;
  const std::size_t words = bytes / 4;
  const std::size_t vectors = bytes / 16;
  constexpr std::uint64_t kSeed = 0xC0B1;
  DeviceBuffer<std::uint32_t> src(words), dst(words);
  const int fill_blocks = sm_count * 8;
  fill_words_kernel<<<fill_blocks, kStreamThreads, 0, stream>>>(src.get(), words, kSeed);
  CASCADESIM_LAUNCHED("fill_words_kernel");
  CASCADESIM_CUDA(cudaMemsetAsync(dst.get(), 0, bytes, stream));

  const int per_sm = blocks_per_sm(copy_kernel, kStreamThreads);
  const int blocks = sm_count * per_sm;
  const auto* src_vec = reinterpret_cast<const uint4*>(src.get());
  auto* dst_vec = reinterpret_cast<uint4*>(dst.get());
  std::vector<double> kernel_ms = time_repetitions(stream, repetitions, [&] {
    copy_kernel<<<blocks, kStreamThreads, 0, stream>>>(src_vec, dst_vec, vectors);
    CASCADESIM_LAUNCHED("copy_kernel");
  });
  check_copy(stream, dst.get(), words, kSeed, "hbm_copy");
  const double moved = 2.0 * static_cast<double>(bytes);  // bytes read + bytes written
  results.push_back(make_result(
      "hbm_copy", "GB_per_s", std::move(kernel_ms), [&](double ms) { return gb_per_s(moved, ms); },
      {{"bytes_read", static_cast<double>(bytes)},
       {"bytes_written", static_cast<double>(bytes)},
       {"blocks", blocks},
       {"threads_per_block", kStreamThreads},
       {"blocks_per_sm", per_sm},
       {"loads_in_flight_per_thread", kUnroll}},
      "copy kernel, 16-byte loads (ld.global.nc) and stores, grid-stride, one wave; GB/s = (bytes read + bytes "
      "written) / time, 1 GB = 1e9 B"));

  CASCADESIM_CUDA(cudaMemsetAsync(dst.get(), 0, bytes, stream));
  std::vector<double> memcpy_ms = time_repetitions(stream, repetitions, [&] {
    CASCADESIM_CUDA(cudaMemcpyAsync(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice, stream));
  });
  check_copy(stream, dst.get(), words, kSeed, "hbm_copy_memcpy");
  results.push_back(make_result(
      "hbm_copy_memcpy", "GB_per_s", std::move(memcpy_ms), [&](double ms) { return gb_per_s(moved, ms); },
      {{"bytes_read", static_cast<double>(bytes)}, {"bytes_written", static_cast<double>(bytes)}},
      "cudaMemcpyAsync device to device; GB/s = (bytes read + bytes written) / time, 1 GB = 1e9 B"));
}

// ---- 2. L2 read ----

MicroBenchResult bench_l2_read(cudaStream_t stream, int repetitions, std::size_t l2_bytes, int sm_count) {
  const std::size_t count = std::max<std::size_t>(1, l2_bytes / 2 / 16);  // 16-byte elements in half the L2
  if (count >= (std::size_t{1} << 31)) throw std::invalid_argument("run_micro_benchmarks: l2_bytes too large");
  constexpr std::uint64_t kSeed = 0x12BEAD;
  DeviceBuffer<std::uint32_t> buffer(count * 4);
  fill_words_kernel<<<sm_count * 8, kStreamThreads, 0, stream>>>(buffer.get(), buffer.size(), kSeed);
  CASCADESIM_LAUNCHED("fill_words_kernel");

  const int per_sm = blocks_per_sm(l2_read_kernel, kStreamThreads);
  const int blocks = sm_count * per_sm;
  const std::uint64_t threads = static_cast<std::uint64_t>(blocks) * kStreamThreads;
  // About 4 GiB loaded per repetition (on an H100, some 160 passes over a 25 MiB buffer).
  const std::uint64_t per_iteration = threads * kUnroll * 16;
  const int iterations =
      static_cast<int>(std::max<std::uint64_t>(1, ((std::uint64_t{4} << 30) + per_iteration - 1) / per_iteration));
  const std::uint64_t virtual_count = threads * kUnroll * static_cast<std::uint64_t>(iterations);
  DeviceBuffer<std::uint32_t> out(threads / 32);
  CASCADESIM_CUDA(cudaMemsetAsync(out.get(), 0, out.bytes(), stream));
  const auto* buffer_vec = reinterpret_cast<const uint4*>(buffer.get());
  std::vector<double> samples = time_repetitions(stream, repetitions, [&] {
    l2_read_kernel<<<blocks, kStreamThreads, 0, stream>>>(buffer_vec, static_cast<unsigned>(count), iterations,
                                                          out.get());
    CASCADESIM_LAUNCHED("l2_read_kernel");
  });

  // Every virtual element v in [0, virtual_count) was loaded once from element v mod count: the wrapping word sum
  // is (virtual_count / count) full passes plus the first (virtual_count % count) elements.
  std::uint32_t pass_sum = 0, partial_sum = 0;
  const std::uint64_t remainder = virtual_count % count;
  for (std::uint64_t e = 0; e < count; ++e) {
    std::uint32_t element = 0;
    for (std::uint64_t w = 0; w < 4; ++w) element += fill_word(kSeed, 4 * e + w);
    pass_sum += element;
    if (e < remainder) partial_sum += element;
  }
  const std::uint32_t expected = static_cast<std::uint32_t>(virtual_count / count) * pass_sum + partial_sum;
  std::uint32_t got = 0;
  for (const std::uint32_t warp_sum : download(stream, out.get(), out.size())) got += warp_sum;
  if (got != expected)
    throw std::runtime_error("microbench: l2_read: sum of loaded words " + std::to_string(got) + ", expected " +
                             std::to_string(expected));

  const double loaded = 16.0 * static_cast<double>(virtual_count);
  return make_result(
      "l2_read", "GB_per_s", std::move(samples), [&](double ms) { return gb_per_s(loaded, ms); },
      {{"buffer_bytes", static_cast<double>(count * 16)},
       {"bytes_loaded", loaded},
       {"passes_over_buffer", static_cast<double>(virtual_count) / static_cast<double>(count)},
       {"blocks", blocks},
       {"threads_per_block", kStreamThreads},
       {"blocks_per_sm", per_sm},
       {"loads_in_flight_per_thread", kUnroll}},
      "16-byte ld.global.cg.v4.u32 loads (L2, not L1) over a buffer of half the L2, grid-stride over a virtual range "
      "indexed modulo the buffer, word sums checked; GB/s = bytes loaded / time, 1 GB = 1e9 B");
}

// ---- 3. mma.sync bf16 peak ----

MicroBenchResult bench_mma(cudaStream_t stream, int repetitions, int sm_count) {
  const int per_sm = blocks_per_sm(mma_peak_kernel, kMmaThreads);
  const int blocks = sm_count * per_sm;
  const std::size_t threads = static_cast<std::size_t>(blocks) * kMmaThreads;
  DeviceBuffer<double> out(threads);
  CASCADESIM_CUDA(cudaMemsetAsync(out.get(), 0xFF, out.bytes(), stream));  // NaN until written
  std::vector<double> samples = time_repetitions(stream, repetitions, [&] {
    mma_peak_kernel<<<blocks, kMmaThreads, 0, stream>>>(kMmaIterations, out.get());
    CASCADESIM_LAUNCHED("mma_peak_kernel");
  });

  // Accumulator i of every warp ends at i + kMmaIterations * D(r, n) exactly (mma_a_value), so thread (g, t) sums
  // 4 * (0 + ... + 7) + kMmaAccumulators * kMmaIterations * (D(g, 2t) + D(g, 2t+1) + D(g+8, 2t) + D(g+8, 2t+1)).
  double d[16][8];
  for (int r = 0; r < 16; ++r)
    for (int n = 0; n < 8; ++n) {
      d[r][n] = 0;
      for (int k = 0; k < 16; ++k) d[r][n] += static_cast<double>(mma_a_value(r, k)) * mma_b_value(k, n);
    }
  double lane_expected[32];
  for (int lane = 0; lane < 32; ++lane) {
    const int g = lane / 4, t = lane % 4;
    const double d_sum = d[g][2 * t] + d[g][2 * t + 1] + d[g + 8][2 * t] + d[g + 8][2 * t + 1];
    lane_expected[lane] = 4.0 * (kMmaAccumulators * (kMmaAccumulators - 1) / 2) +
                          static_cast<double>(kMmaAccumulators) * kMmaIterations * d_sum;
  }
  const std::vector<double> got = download(stream, out.get(), out.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    // Exact in principle; 0.25 leaves room for hundreds of fp32 ulps at 4096, while a wrong fragment layout moves
    // the sum by a multiple of kMmaAccumulators * kMmaIterations / 256 = 128.
    if (!std::isfinite(got[i]) || !(std::fabs(got[i] - lane_expected[i % 32]) <= 0.25))
      throw std::runtime_error("microbench: mma_bf16_peak: thread " + std::to_string(i) + " accumulators sum to " +
                               std::to_string(got[i]) + ", expected " + std::to_string(lane_expected[i % 32]));
  }

  const double flops = static_cast<double>(blocks) * (kMmaThreads / 32) * kMmaIterations * kMmaAccumulators * kMmaFlops;
  return make_result(
      "mma_bf16_peak", "TFLOP_per_s", std::move(samples), [&](double ms) { return tflop_per_s(flops, ms); },
      {{"flop_count", flops},
       {"blocks", blocks},
       {"threads_per_block", kMmaThreads},
       {"blocks_per_sm", per_sm},
       {"accumulators_per_warp", kMmaAccumulators},
       {"mma_per_warp", static_cast<double>(kMmaIterations) * kMmaAccumulators}},
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 on register operands, independent accumulator chains; "
      "FLOPs = 2*16*8*16 per warp-wide mma");
}

// ---- 4. Launch overhead ----

constexpr int kLaunches = 1000;

void launch_empty_kernels(cudaStream_t stream) {
  for (int i = 0; i < kLaunches; ++i) {
    empty_kernel<<<1, 32, 0, stream>>>();
    CASCADESIM_LAUNCHED("empty_kernel");
  }
}

void bench_launch_overhead(cudaStream_t stream, int repetitions, std::vector<MicroBenchResult>& results) {
  const auto per_launch = [](double ms) { return ms * 1e3 / kLaunches; };
  std::vector<double> direct = time_repetitions(stream, repetitions, [&] { launch_empty_kernels(stream); });
  results.push_back(make_result(
      "launch_overhead", "us_per_launch", std::move(direct), per_launch,
      {{"launches_per_repetition", kLaunches}, {"blocks", 1}, {"threads_per_block", 32}},
      "1000 back-to-back <<<1,32>>> launches of an empty kernel (cudaGetLastError after each) between two events, "
      "started from an idle stream; us = elapsed / 1000"));

  GraphExec graph;
  CASCADESIM_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  try {
    launch_empty_kernels(stream);
  } catch (...) {
    cudaGraph_t partial = nullptr;
    cudaStreamEndCapture(stream, &partial);
    if (partial) cudaGraphDestroy(partial);
    throw;
  }
  CASCADESIM_CUDA(cudaStreamEndCapture(stream, graph.graph()));
  CASCADESIM_CUDA(cudaGraphInstantiate(graph.exec(), *graph.graph(), 0));
  CASCADESIM_CUDA(cudaGraphUpload(*graph.exec(), stream));
  std::vector<double> replayed =
      time_repetitions(stream, repetitions, [&] { CASCADESIM_CUDA(cudaGraphLaunch(*graph.exec(), stream)); });
  results.push_back(make_result(
      "launch_overhead_graph", "us_per_launch", std::move(replayed), per_launch,
      {{"launches_per_repetition", kLaunches}, {"blocks", 1}, {"threads_per_block", 32}},
      "the same 1000 launches captured in one CUDA graph, one cudaGraphLaunch between two events; us = elapsed / "
      "1000"));
}

// ---- 5. cuBLAS bf16 GEMM (cuBLAS opened at run time) ----

// The overload of cublasGemmEx that takes cublasComputeType_t (cublas_api.h also declares a C++ inline one taking
// cudaDataType); the static_assert fails to compile if the header's declaration differs.
using GemmExFn = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void*,
                                    const void*, cudaDataType, int, const void*, cudaDataType, int, const void*, void*,
                                    cudaDataType, int, cublasComputeType_t, cublasGemmAlgo_t);
static_assert(std::is_same_v<decltype(static_cast<GemmExFn>(&cublasGemmEx)), GemmExFn>, "cublasGemmEx signature");

struct CublasApi {
  std::string library;
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  decltype(&cublasGetVersion_v2) get_version = nullptr;
  GemmExFn gemm_ex = nullptr;
  decltype(&cublasGetStatusName) status_name = nullptr;  // optional, for messages

  void check(cublasStatus_t status, const char* what, const char* file, int line) const {
    if (status == CUBLAS_STATUS_SUCCESS) return;
    std::string message = std::string(file) + ":" + std::to_string(line) + ": " + what + ": cuBLAS status " +
                          std::to_string(static_cast<int>(status));
    if (status_name) message += std::string(" (") + status_name(status) + ")";
    throw std::runtime_error(message);
  }
};
#define CASCADESIM_MB_CUBLAS(api, call) (api).check((call), #call, __FILE__, __LINE__)

// Fills api from the first of libcublas.so.13, .so.12, .so that opens; returns "" on success, else why not (the
// dlerror texts). The library is never closed: it stays mapped until the process exits, as cuBLAS expects.
std::string load_cublas(CublasApi& api) {
  std::string errors;
  void* library = open_first_library({"libcublas.so.13", "libcublas.so.12", "libcublas.so"}, api.library, errors);
  if (!library) return errors;
  std::string missing;
  resolve_symbol(library, "cublasCreate_v2", api.create, true, missing);
  resolve_symbol(library, "cublasDestroy_v2", api.destroy, true, missing);
  resolve_symbol(library, "cublasSetStream_v2", api.set_stream, true, missing);
  resolve_symbol(library, "cublasGetVersion_v2", api.get_version, true, missing);
  resolve_symbol(library, "cublasGemmEx", api.gemm_ex, true, missing);
  resolve_symbol(library, "cublasGetStatusName", api.status_name, false, missing);
  return missing.empty() ? "" : api.library + ": " + missing;
}

class CublasHandle {
 public:
  explicit CublasHandle(const CublasApi& api) : api_(api) { CASCADESIM_MB_CUBLAS(api_, api_.create(&handle_)); }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  ~CublasHandle() {
    if (handle_) api_.destroy(handle_);
  }
  cublasHandle_t get() const { return handle_; }

 private:
  const CublasApi& api_;
  cublasHandle_t handle_ = nullptr;
};

struct GemmShape {
  int m, n, k;
};
constexpr GemmShape kGemmShapes[] = {{4096, 4096, 4096}, {8192, 8192, 8192}, {32768, 2048, 2048}};

// 16 entries of C (the four corners and 12 hashed positions) against double dot products of the same bf16 inputs.
// Tolerance: half a bf16 ulp of the result (2^-8 relative) plus 1e-4 of sum |a b| for fp32 accumulation.
void check_gemm(cudaStream_t stream, const std::uint16_t* c, const GemmShape& s, std::uint64_t seed_a,
                std::uint64_t seed_b) {
  std::vector<std::pair<int, int>> positions = {{0, 0}, {s.m - 1, 0}, {0, s.n - 1}, {s.m - 1, s.n - 1}};
  for (std::uint64_t i = 0; i < 12; ++i) {
    const std::uint64_t hash = splitmix64(0x6E44 + i);
    positions.emplace_back(static_cast<int>(hash % static_cast<std::uint64_t>(s.m)),
                           static_cast<int>((hash >> 32) % static_cast<std::uint64_t>(s.n)));
  }
  const std::size_t m = static_cast<std::size_t>(s.m), k = static_cast<std::size_t>(s.k);
  for (const auto& [row, col] : positions) {
    double reference = 0, magnitude = 0;
    for (std::size_t l = 0; l < k; ++l) {
      const double product = static_cast<double>(from_bf16_bits(gemm_input_bits(seed_a, row + l * m))) *
                             from_bf16_bits(gemm_input_bits(seed_b, l + static_cast<std::size_t>(col) * k));
      reference += product;
      magnitude += std::fabs(product);
    }
    const double got =
        from_bf16_bits(download(stream, c + static_cast<std::size_t>(row) + static_cast<std::size_t>(col) * m, 1)[0]);
    const double tolerance = std::ldexp(std::fabs(reference), -8) + 1e-4 * magnitude;
    if (!(std::fabs(got - reference) <= tolerance))
      throw std::runtime_error("microbench: cublas_gemm_bf16 m=" + std::to_string(s.m) + " n=" + std::to_string(s.n) +
                               " k=" + std::to_string(s.k) + ": C(" + std::to_string(row) + ", " + std::to_string(col) +
                               ") = " + std::to_string(got) + ", expected " + std::to_string(reference) + " +- " +
                               std::to_string(tolerance));
  }
}

void bench_cublas(cudaStream_t stream, int repetitions, int sm_count, std::vector<MicroBenchResult>& results) {
  CublasApi api;
  const std::string load_error = load_cublas(api);
  if (!load_error.empty()) {
    MicroBenchResult skipped;
    skipped.name = "cublas_gemm_bf16";
    skipped.metric = "TFLOP_per_s";
    skipped.note = "skipped: " + load_error;
    results.push_back(std::move(skipped));
    return;
  }
  CublasHandle handle(api);
  CASCADESIM_MB_CUBLAS(api, api.set_stream(handle.get(), stream));
  int version = 0;
  CASCADESIM_MB_CUBLAS(api, api.get_version(handle.get(), &version));

  for (const GemmShape& s : kGemmShapes) {
    const std::size_t m = static_cast<std::size_t>(s.m), n = static_cast<std::size_t>(s.n),
                      k = static_cast<std::size_t>(s.k);
    constexpr std::uint64_t kSeedA = 0xA11CE, kSeedB = 0xB0B;
    DeviceBuffer<std::uint16_t> a(m * k), b(k * n), c(m * n);
    fill_bf16_kernel<<<sm_count * 8, kStreamThreads, 0, stream>>>(a.get(), a.size(), kSeedA);
    CASCADESIM_LAUNCHED("fill_bf16_kernel");
    fill_bf16_kernel<<<sm_count * 8, kStreamThreads, 0, stream>>>(b.get(), b.size(), kSeedB);
    CASCADESIM_LAUNCHED("fill_bf16_kernel");
    CASCADESIM_CUDA(cudaMemsetAsync(c.get(), 0xFF, c.bytes(), stream));  // bf16 NaN until written

    const float alpha = 1.0f, beta = 0.0f;
    std::vector<double> samples = time_repetitions(stream, repetitions, [&] {
      CASCADESIM_MB_CUBLAS(api, api.gemm_ex(handle.get(), CUBLAS_OP_N, CUBLAS_OP_N, s.m, s.n, s.k, &alpha, a.get(),
                                            CUDA_R_16BF, s.m, b.get(), CUDA_R_16BF, s.k, &beta, c.get(), CUDA_R_16BF,
                                            s.m, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
      CASCADESIM_CUDA(cudaGetLastError());
    });
    check_gemm(stream, c.get(), s, kSeedA, kSeedB);

    const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
    results.push_back(make_result(
        "cublas_gemm_bf16", "TFLOP_per_s", std::move(samples), [&](double ms) { return tflop_per_s(flops, ms); },
        {{"m", s.m}, {"n", s.n}, {"k", s.k}, {"flop_count", flops}, {"cublas_version", version}},
        "cublasGemmEx C = A B (" + api.library +
            "), column-major, no transposes, A/B/C bf16, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT; FLOPs = 2mnk"));
  }
}

}  // namespace

std::vector<MicroBenchResult> run_micro_benchmarks(int repetitions, std::size_t l2_bytes, int sm_count) {
  if (repetitions < 20)
    throw std::invalid_argument("run_micro_benchmarks: repetitions must be >= 20 (got " + std::to_string(repetitions) +
                                ")");
  if (l2_bytes == 0) throw std::invalid_argument("run_micro_benchmarks: l2_bytes must be > 0");
  if (sm_count < 1)
    throw std::invalid_argument("run_micro_benchmarks: sm_count must be >= 1 (got " + std::to_string(sm_count) + ")");
  Stream stream;
  std::vector<MicroBenchResult> results;
  bench_hbm_copy(stream.get(), repetitions, l2_bytes, sm_count, results);
  results.push_back(bench_l2_read(stream.get(), repetitions, l2_bytes, sm_count));
  results.push_back(bench_mma(stream.get(), repetitions, sm_count));
  bench_launch_overhead(stream.get(), repetitions, results);
  bench_cublas(stream.get(), repetitions, sm_count, results);
  return results;
}

#undef CASCADESIM_MB_CUBLAS
#undef CASCADESIM_LAUNCHED
#undef CASCADESIM_CUDA

}  // namespace cascadesim::validation
