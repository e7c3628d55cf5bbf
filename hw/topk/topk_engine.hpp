// A top-k selection engine (SpAtten-style); presets without one select on the vector unit.
#pragma once

#include <cstdint>

#include "hw/component_registry.hpp"

namespace cascadesim::hw {

class TopkEngine : public hw::Component {
 public:
  // Contract: candidates >= 1, 1 <= k <= candidates; returns the cycles to select the k largest of
  // `candidates` scores, including the k-dependent pipeline latency.
  virtual double select_cycles(std::int64_t candidates, std::int64_t k) const = 0;
  virtual void count(double cycles, double candidates) = 0;
  bool per_core() const override { return true; }
};

}  // namespace cascadesim::hw
