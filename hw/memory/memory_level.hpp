// A level of the memory hierarchy (interconnect, shared L2 / global buffer, off-chip HBM), timed in the
// loosely-timed style: a request carries its issue time and returns when its last byte arrives.
#pragma once

#include <cstdint>
#include <vector>

#include "hw/component_registry.hpp"

namespace cascadesim::hw {

struct MemoryRequest {
  std::uint64_t address = 0;  // first byte; levels with channels interleave on it
  std::uint64_t bytes = 0;
  std::uint64_t tile_id = 0;     // nonzero: the tile this request moves, for tile-granular caches; 0: plain stream
  std::uint32_t tile_count = 1;  // a run of tiles tile_id, tile_id + 1, ... of bytes / tile_count each
  bool write = false;
  std::uint32_t core = 0;  // the requesting core (interconnect ports)
};

// What a level has served since its last reset, in the terms every implementation shares, so that reports and the
// engine read the same quantity from any implementation without looking its statistics up by name.
struct MemoryTraffic {
  double read_bytes = 0;   // bytes delivered to reads (hits and forwarded reads alike)
  double write_bytes = 0;  // bytes accepted from writes
  double hits = 0;         // caches: tile reads served from the level; 0 for levels that keep nothing
  double misses = 0;       // caches: tile reads forwarded to the next level
  double hit_bytes = 0;    // caches: bytes of the reads that hit
  double moved_bytes() const { return read_bytes + write_bytes; }
};

class MemoryLevel : public hw::Component {
 public:
  // Contract: the request is issued at issue_ns (simulated ns, >= 0); returns the time (>= issue_ns) at which
  // its last byte has been delivered (read) or accepted (write), including queueing behind other requests,
  // transfer at the level's bandwidth and its latency. Cores run ahead of one another (temporal decoupling), so
  // requests may arrive out of time order: implementations must account bandwidth per time window, not per
  // arrival. Deterministic: the same calls in the same order give the same results.
  virtual double access(const MemoryRequest& request, double issue_ns) = 0;

  // Contract: levels that forward misses or traffic (caches, interconnects) send it to next; next outlives this.
  virtual void bind_next(MemoryLevel* next) { next_ = next; }

  // Contract: the most GB/s the level moves while `ports` cores use it: the sum of its channels, its own
  // bandwidth, or an interconnect's port bandwidth times ports. Pure.
  virtual double peak_bandwidth_GBps(std::int64_t ports) const = 0;

  // Contract: the bytes the level holds: a memory's capacity, a cache's size; 0 for levels that hold nothing
  // (interconnects). Pure.
  virtual double capacity_bytes() const = 0;

  // Contract: the time the level adds to a request's completion beside its transfer when nothing else is queued,
  // its own only (not its next level's). Pure.
  virtual double latency_ns() const = 0;

  // Contract: the traffic since the last reset, consistent with the level's statistics.
  virtual MemoryTraffic traffic() const = 0;

  // Bytes each channel has moved since the last reset, for per-channel timelines; empty for levels without
  // channels.
  virtual std::vector<double> channel_bytes() const { return {}; }

 protected:
  MemoryLevel* next_ = nullptr;
};

}  // namespace cascadesim::hw
