// CUDA status checks, an owning device buffer and the splitmix64 hash (validation/host/splitmix.hpp), shared by the
// validation runner, the micro-benchmarks and the device-side input fill.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "validation/host/splitmix.hpp"

namespace cascadesim::validation {

// cudaMalloc found too little device memory; the runner reports it as bad input (exit 2), not as a fault.
class DeviceOutOfMemory : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws std::runtime_error "file:line: what: cudaErrorName: text" unless status is cudaSuccess.
inline void check_cuda(cudaError_t status, const char* what, const char* file, int line) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + what + ": " +
                             cudaGetErrorName(status) + ": " + cudaGetErrorString(status));
}

}  // namespace cascadesim::validation

#define CASCADESIM_CUDA(call) ::cascadesim::validation::check_cuda((call), #call, __FILE__, __LINE__)
// After every launch through a launch_* function: its own status, then any error the launch left behind.
#define CASCADESIM_LAUNCH(call)                                                                                    \
  do {                                                                                                             \
    ::cascadesim::validation::check_cuda((call), #call, __FILE__, __LINE__);                                       \
    ::cascadesim::validation::check_cuda(cudaGetLastError(), "cudaGetLastError after " #call, __FILE__, __LINE__); \
  } while (0)

namespace cascadesim::validation {

// count elements of T in device memory, freed on destruction. Throws DeviceOutOfMemory when cudaMalloc runs out
// (the error is cleared first, so the process can go on to write what it has).
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count_ == 0) return;
    const cudaError_t status = cudaMalloc(&data_, bytes());
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      data_ = nullptr;
      std::size_t free_bytes = 0, total_bytes = 0;
      cudaMemGetInfo(&free_bytes, &total_bytes);
      throw DeviceOutOfMemory("out of device memory: cannot allocate " + std::to_string(bytes() >> 20) + " MiB (" +
                              std::to_string(free_bytes >> 20) + " MiB free of " + std::to_string(total_bytes >> 20) +
                              " MiB)");
    }
    check_cuda(status, "cudaMalloc", __FILE__, __LINE__);
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
  std::size_t bytes() const { return count_ * sizeof(T); }
  template <typename U>
  void upload(const std::vector<U>& host) {
    static_assert(sizeof(U) == sizeof(T), "same element size");
    if (host.size() != count_) throw std::logic_error("upload: size mismatch");
    CASCADESIM_CUDA(cudaMemcpy(data_, host.data(), bytes(), cudaMemcpyHostToDevice));
  }
  template <typename U>
  std::vector<U> download() const {
    static_assert(sizeof(U) == sizeof(T), "same element size");
    std::vector<U> host(count_);
    CASCADESIM_CUDA(cudaMemcpy(host.data(), data_, bytes(), cudaMemcpyDeviceToHost));
    return host;
  }
  // Fills every byte with `byte` (0xFF: NaN for bf16 and fp32, -1 for int32).
  void poison(int byte = 0xFF) { CASCADESIM_CUDA(cudaMemset(data_, byte, bytes())); }

 private:
  void swap(DeviceBuffer& other) {
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
  }
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

}  // namespace cascadesim::validation
