// Device-side random bf16 fill for timing inputs: generating gigabytes on the host would dominate a timing run.
// Values are never zero (METHOD.md: zeros can run faster than real data and hide unwritten outputs).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace cascadesim::validation {

// out[i] = bf16 bits of a value uniform in [-amplitude, amplitude], a pure function of (seed, i) (splitmix64);
// a value that rounds to zero becomes +-amplitude / 256.
cudaError_t launch_random_fill_bf16(std::uint16_t* out, std::size_t count, std::uint64_t seed, float amplitude,
                                    cudaStream_t stream);

}  // namespace cascadesim::validation
