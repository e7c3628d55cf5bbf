// Deterministic random bf16 tensors for kernel checks and timing: never zero, so unwritten outputs and wrong
// indexing cannot hide behind zeros (METHOD.md, "Correct first").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "validation/host/bf16.hpp"

namespace cascadesim::validation {

// n values uniform in [-amplitude, amplitude] rounded to bf16, resampled while the rounded value is zero.
// The same (n, seed, amplitude) gives the same values on every platform (splitmix64, no std distributions).
std::vector<Bf16> random_bf16(std::size_t n, std::uint64_t seed, float amplitude = 1.0f);

}  // namespace cascadesim::validation
