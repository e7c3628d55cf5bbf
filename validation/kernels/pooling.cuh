// Mean pooling along the sequence for the multi-resolution cascade stage: the coarse stage attends over pooled
// tokens, each the average of `factor` consecutive tokens (the last one of a sequence averages what is left).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace cascadesim::validation {

// in: bf16 bits [slices, seq_len, head_dim]; out: [slices, ceil(seq_len / factor), head_dim], the fp32 mean of each
// group rounded to bf16. head_dim a multiple of 8 (16-byte rows), pointers 16-byte aligned. Returns
// cudaErrorInvalidValue for arguments out of contract.
cudaError_t launch_mean_pool(const std::uint16_t* in, std::uint16_t* out, int slices, int seq_len, int head_dim,
                             int factor, cudaStream_t stream);

}  // namespace cascadesim::validation
