// A core's DMA engine with a bounded number of outstanding requests: transfers are cut into pieces of at most
// max_transfer_bytes, issued back to back while a slot is free, so one core's demand on memory is bounded by
// outstanding x piece size in flight (Little's law) rather than unbounded.
#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <vector>

#include "hw/memory/dma.hpp"

namespace cascadesim::hw {
namespace {

struct BoundedDmaConfig {
  std::int64_t outstanding = 16;
  std::int64_t max_transfer_bytes = 65536;
  double area_mm2 = hw::no_area_figure;
  double request_pJ = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto bounded_dma_fields = std::to_array<core::Field<BoundedDmaConfig>>({
    {.key = "outstanding",
     .doc = "requests in flight at once; the next one waits until one of them completes",
     .min = 1,
     .max = 65536,
     .target = &BoundedDmaConfig::outstanding},
    {.key = "max_transfer_bytes",
     .unit = "bytes",
     .doc = "largest request a plain transfer is cut into (tiles are never cut)",
     .min = 1,
     .max = 1 << 30,
     .target = &BoundedDmaConfig::max_transfer_bytes},
    {.key = "area_mm2",
     .unit = "mm2",
     .doc = "silicon area of one core's DMA engine",
     .min = 0,
     .max = 1e6,
     .target = &BoundedDmaConfig::area_mm2},
    hw::energy_field<BoundedDmaConfig>("request_pJ",
                                       "energy of issuing one request: its descriptor, address generation and "
                                       "completion (the bytes are priced where they pass)",
                                       &BoundedDmaConfig::request_pJ),
    hw::energy_field<BoundedDmaConfig>("static_W", hw::per_core_static_power, &BoundedDmaConfig::static_W),
});

const core::StatInfo bounded_dma_stats[] = {
    {"transfers", "", "transfer calls (zero-byte ones included)"},
    {"requests", "", "requests (pieces) issued to the memory level"},
    {"bytes", "bytes", "bytes moved"},
    {"stall_ns", "ns", "sum over requests of the time waited for an outstanding slot"},
    {"transfer_ns", "ns", "sum over transfers of completion - issue; mean transfer time = transfer_ns / transfers"},
};

constexpr ActionInfo bounded_dma_actions[] = {
    {.name = "request",
     .unit = "request",
     .energy_key = "request_pJ",
     .stats = {"requests"},
     .work = models::Work::requests,
     .doc = "one request (descriptor) issued to the memory hierarchy"},
};

// Indices into bounded_dma_stats.
namespace dma_stat {
constexpr std::size_t transfers = 0, requests = 1, bytes = 2, stall_ns = 3, transfer_ns = 4;
}  // namespace dma_stat

class BoundedDma final : public Dma {
 public:
  explicit BoundedDma(const BoundedDmaConfig& config) : config_(config), stats_(bounded_dma_stats) {}

  // Contract (beyond Dma's): one core calls it with nondecreasing issue_ns; in-flight requests of earlier
  // transfers keep their slots. A request with a tile_id is issued whole, since tile caches hold tiles whole and
  // pieces sharing one tile id would look like hits on a partial tile.
  double transfer(const MemoryRequest& request, double issue_ns, MemoryLevel& level) override {
    stats_[dma_stat::transfers] += 1;
    const auto limit = static_cast<std::uint64_t>(config_.max_transfer_bytes);
    const std::uint64_t piece_max = request.tile_id != 0 ? request.bytes : limit;
    double last = issue_ns;
    MemoryRequest piece = request;
    for (std::uint64_t offset = 0; offset < request.bytes; offset += piece.bytes) {
      piece.address = request.address + offset;
      piece.bytes = std::min(piece_max, request.bytes - offset);
      const double start = slot_free_ns(issue_ns);
      const double done = level.access(piece, start);
      in_flight_.push(done);
      last = std::max(last, done);
      stats_[dma_stat::requests] += 1;
      stats_[dma_stat::bytes] += static_cast<double>(piece.bytes);
      stats_[dma_stat::stall_ns] += start - issue_ns;
    }
    stats_[dma_stat::transfer_ns] += last - issue_ns;
    return last;
  }

  void reset() override {
    in_flight_ = {};
    stats_.reset();
  }

  const core::StatSet& stats() const override { return stats_; }
  std::optional<hw::ComponentArea> area() const override { return hw::scaled_area(config_.area_mm2, 1, per_core()); }

 private:
  // A slot frees when any in-flight request completes (not necessarily the oldest: a hit behind a miss returns
  // first). Completions at or before t have freed their slots; if all slots are still taken, the earliest
  // completion frees one.
  double slot_free_ns(double t) {
    while (!in_flight_.empty() && in_flight_.top() <= t) in_flight_.pop();
    if (in_flight_.size() < static_cast<std::size_t>(config_.outstanding)) return t;
    const double free_at = in_flight_.top();
    in_flight_.pop();
    return free_at;
  }

  BoundedDmaConfig config_;
  core::StatSet stats_;
  std::priority_queue<double, std::vector<double>, std::greater<>> in_flight_;  // completion times
};

std::unique_ptr<BoundedDma> make_bounded_dma(const BoundedDmaConfig& config, const core::ConfigNode&) {
  return std::make_unique<BoundedDma>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(bounded_dma, "dma", "bounded",
                              "a core's DMA engine: cuts transfers into pieces and keeps at most `outstanding` of them "
                              "in flight",
                              cascadesim::hw::BoundedDmaConfig, cascadesim::hw::bounded_dma_fields,
                              cascadesim::hw::bounded_dma_stats, cascadesim::hw::bounded_dma_actions,
                              cascadesim::hw::make_bounded_dma)
