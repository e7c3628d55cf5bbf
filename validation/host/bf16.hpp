// A bfloat16 value held as its 16 storage bits, with round-to-nearest-even conversion from float.
// The layout matches CUDA's __nv_bfloat16, so host buffers copy to the device unchanged.
#pragma once

#include <cstdint>
#include <cstring>

namespace cascadesim::validation {

struct Bf16 {
  std::uint16_t bits = 0;
};

// Round-to-nearest-even on the upper 16 bits of the IEEE binary32 pattern; NaN stays a (quiet) NaN.
inline Bf16 to_bf16(float value) {
  std::uint32_t u = 0;
  std::memcpy(&u, &value, sizeof u);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return Bf16{static_cast<std::uint16_t>((u >> 16) | 0x0040u)};
  const std::uint32_t rounding_bias = 0x7FFFu + ((u >> 16) & 1u);
  return Bf16{static_cast<std::uint16_t>((u + rounding_bias) >> 16)};
}

inline float to_float(Bf16 value) {
  const std::uint32_t u = static_cast<std::uint32_t>(value.bits) << 16;
  float f = 0;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// A NaN bit pattern used to poison outputs before a kernel runs.
inline constexpr std::uint16_t kBf16PoisonBits = 0xFFFF;

}  // namespace cascadesim::validation
