// Deterministic random bf16 tensors for kernel checks and timing.
#include "validation/host/random_inputs.hpp"

#include <stdexcept>

namespace cascadesim::validation {

namespace {
// splitmix64 (Steele, Lea, Flood 2014): a fixed, portable generator.
std::uint64_t next_u64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

std::vector<Bf16> random_bf16(std::size_t n, std::uint64_t seed, float amplitude) {
  if (!(amplitude > 0.0f)) throw std::invalid_argument("random_bf16: amplitude must be > 0");
  std::vector<Bf16> out(n);
  std::uint64_t state = seed;
  for (auto& value : out) {
    do {
      // 53 random bits -> [0, 1) -> [-1, 1).
      const double unit = static_cast<double>(next_u64(state) >> 11) * 0x1.0p-53;
      value = to_bf16(static_cast<float>((2.0 * unit - 1.0) * amplitude));
    } while ((value.bits & 0x7FFFu) == 0);
  }
  return out;
}

}  // namespace cascadesim::validation
