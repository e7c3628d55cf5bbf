// Device-side random bf16 fill: splitmix64 of the seed and the element index.
#include <cuda_bf16.h>

#include "validation/kernels/cuda_support.cuh"
#include "validation/kernels/random_fill.cuh"

namespace cascadesim::validation {

namespace {

__global__ void random_fill_kernel(std::uint16_t* out, std::size_t count, std::uint64_t seed, float amplitude) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    const std::uint64_t bits = splitmix64(seed ^ splitmix64(i));
    const float unit = static_cast<float>(bits >> 40) * (1.0f / 16777216.0f);  // [0, 1), 24 bits
    float value = (2.0f * unit - 1.0f) * amplitude;
    __nv_bfloat16 rounded = __float2bfloat16_rn(value);
    if (__bfloat162float(rounded) == 0.0f) rounded = __float2bfloat16_rn(bits & 1 ? amplitude / 256 : -amplitude / 256);
    out[i] = *reinterpret_cast<const std::uint16_t*>(&rounded);
  }
}

}  // namespace

cudaError_t launch_random_fill_bf16(std::uint16_t* out, std::size_t count, std::uint64_t seed, float amplitude,
                                    cudaStream_t stream) {
  if (!out || count == 0 || !(amplitude > 0)) return cudaErrorInvalidValue;
  const std::size_t threads = 256;
  const std::size_t wanted = (count + threads - 1) / threads;
  const unsigned blocks = static_cast<unsigned>(wanted < 65536 ? wanted : 65536);
  random_fill_kernel<<<blocks, threads, 0, stream>>>(out, count, seed, amplitude);
  return cudaSuccess;
}

}  // namespace cascadesim::validation
