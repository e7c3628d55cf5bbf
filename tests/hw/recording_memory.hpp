// A fake next memory level for component tests: a fixed latency, unlimited bandwidth, and a record of what
// reached it and when.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "hw/memory/memory_level.hpp"

namespace cascadesim::test {

class RecordingMemory final : public hw::MemoryLevel {
 public:
  explicit RecordingMemory(double latency_ns) : latency_ns_(latency_ns) {}
  double access(const hw::MemoryRequest& request, double issue_ns) override {
    seen.push_back(request);
    issued_ns.push_back(issue_ns);
    bytes += request.bytes;
    return issue_ns + latency_ns_;
  }
  double peak_bandwidth_GBps(std::int64_t) const override {  // latency only: no bandwidth limit
    return std::numeric_limits<double>::infinity();
  }
  double capacity_bytes() const override { return 0; }
  double latency_ns() const override { return latency_ns_; }
  hw::MemoryTraffic traffic() const override {
    hw::MemoryTraffic t;
    for (const hw::MemoryRequest& r : seen) (r.write ? t.write_bytes : t.read_bytes) += static_cast<double>(r.bytes);
    return t;
  }
  void reset() override {}
  const core::StatSet& stats() const override { return stats_; }

  std::vector<hw::MemoryRequest> seen;
  std::vector<double> issued_ns;
  std::uint64_t bytes = 0;

 private:
  double latency_ns_;
  core::StatSet stats_{std::span<const core::StatInfo>{}};
};

}  // namespace cascadesim::test
