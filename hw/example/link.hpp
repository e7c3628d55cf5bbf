// The living template for adding a hardware component: an interface (this file), implementations in impl/,
// each registering itself with one line. Role "example": a link that moves bytes.
#pragma once

#include <cstdint>

#include "hw/component_registry.hpp"

namespace cascadesim::hw {

class Link : public hw::Component {
 public:
  // Contract: bytes >= 0; returns the time in ns from the first byte sent to the last byte received, and
  // counts the transfer in the statistics. Calls are independent (the link has no queue).
  virtual double transfer_ns(std::uint64_t bytes) = 0;
};

}  // namespace cascadesim::hw
