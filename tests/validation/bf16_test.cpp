// bf16 conversion (round to nearest even) and the deterministic, never-zero random inputs.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "validation/host/bf16.hpp"
#include "validation/host/random_inputs.hpp"

using namespace cascadesim::validation;

namespace {
float from_bits(std::uint32_t u) {
  float f = 0;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
}  // namespace

TEST_CASE("validation: bf16 keeps the upper 16 bits of exactly representable floats") {
  CHECK(to_bf16(1.0f).bits == 0x3F80);
  CHECK(to_bf16(-2.0f).bits == 0xC000);
  CHECK(to_bf16(0.15625f).bits == 0x3E20);
  for (std::uint32_t bits : {0x3F80u, 0x4049u, 0xBF01u, 0x0001u, 0x7F7Fu})
    CHECK(to_bf16(to_float(Bf16{static_cast<std::uint16_t>(bits)})).bits == bits);
}

TEST_CASE("validation: bf16 rounds to nearest, ties to even") {
  // 1 + 2^-8 is halfway between 1 (even mantissa) and 1 + 2^-7: it rounds down to 1.
  CHECK(to_bf16(from_bits(0x3F808000u)).bits == 0x3F80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): it rounds up.
  CHECK(to_bf16(from_bits(0x3F818000u)).bits == 0x3F82);
  // Just above and below the halfway point round to the nearer neighbour.
  CHECK(to_bf16(from_bits(0x3F808001u)).bits == 0x3F81);
  CHECK(to_bf16(from_bits(0x3F807FFFu)).bits == 0x3F80);
  // The largest finite float rounds to infinity; NaN stays NaN.
  CHECK(to_bf16(from_bits(0x7F7FFFFFu)).bits == 0x7F80);
  CHECK(std::isnan(to_float(to_bf16(std::nanf("")))));
  CHECK(std::isnan(to_float(Bf16{kBf16PoisonBits})));
}

TEST_CASE("validation: random bf16 inputs are deterministic, bounded and never zero") {
  const auto a = random_bf16(10000, 42, 2.0f);
  const auto b = random_bf16(10000, 42, 2.0f);
  const auto c = random_bf16(10000, 43, 2.0f);
  int differing = 0;
  bool negative = false, positive = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].bits == b[i].bits);
    differing += a[i].bits != c[i].bits;
    const float x = to_float(a[i]);
    CHECK(x != 0.0f);
    CHECK(std::fabs(x) <= 2.0f);
    negative |= x < 0;
    positive |= x > 0;
  }
  CHECK(differing > 9000);
  CHECK(negative);
  CHECK(positive);
}
