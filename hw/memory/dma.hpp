// A core's DMA engine: splits transfers into requests of at most max_transfer_bytes and keeps at most
// `outstanding` requests in flight, so a core cannot demand unbounded bandwidth.
#pragma once

#include "hw/memory/memory_level.hpp"

namespace cascadesim::hw {

class Dma : public hw::Component {
 public:
  // Contract: moves request.bytes through `level` starting at issue_ns; returns when the last byte arrived.
  // A request that would exceed the outstanding limit waits for the oldest in-flight one to complete. One Dma
  // instance serves one core.
  virtual double transfer(const MemoryRequest& request, double issue_ns, MemoryLevel& level) = 0;
  bool per_core() const override { return true; }
};

}  // namespace cascadesim::hw
