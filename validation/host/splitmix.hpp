// splitmix64 (Steele, Lea and Flood 2014): the hash behind every device-generated input and the host's drawn tile
// lists (decode lists, sampled top-k selections). Plain C++17 so that nvcc compiles it for host and device.
#pragma once

#include <cstdint>

#include "validation/host/tile_geometry.hpp"

namespace cascadesim::validation {

CASCADESIM_HOST_DEVICE inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace cascadesim::validation
