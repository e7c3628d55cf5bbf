// Shared on-chip L2 / global buffer that caches whole tiles with exact LRU replacement, so K/V tiles read by
// several query tiles (or cores) are fetched from the next level once while they stay resident.
#include <algorithm>
#include <cstdint>
#include <list>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "hw/memory/bandwidth_calendar.hpp"
#include "hw/memory/memory_level.hpp"

namespace cascadesim::hw {
namespace {

// Members of required keys hold placeholders: the key must be given.
struct TileCacheConfig {
  std::int64_t bytes = 50 << 20;
  double bandwidth_GBps = 5000.0;
  double latency_ns = 200.0;
  double window_ns = 20.0;
  double area_mm2_per_MiB = hw::no_area_figure;
  double read_pJ_per_byte = hw::no_energy_figure;
  double write_pJ_per_byte = hw::no_energy_figure;
  double fill_pJ_per_byte = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto tile_cache_fields = std::to_array<core::Field<TileCacheConfig>>({
    {.key = "bytes",
     .unit = "bytes",
     .doc = "capacity; whole tiles are kept while they fit",
     .presence = core::Presence::required,
     .min = 1,
     .max = 1e12,
     .target = &TileCacheConfig::bytes},
    {.key = "bandwidth_GBps",
     .unit = "GB/s",
     .doc = "bandwidth of the L2 for every byte passing it: hits, fills, streams and writes",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e7,
     .min_exclusive = true,
     .target = &TileCacheConfig::bandwidth_GBps},
    {.key = "latency_ns",
     .unit = "ns",
     .doc = "access latency added once to every request's completion",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e9,
     .target = &TileCacheConfig::latency_ns},
    {.key = "window_ns",
     .unit = "ns",
     .doc = "bandwidth accounting window of the calendar",
     .min = 0,
     .max = 1e6,
     .min_exclusive = true,
     .target = &TileCacheConfig::window_ns},
    {.key = "area_mm2_per_MiB",
     .unit = "mm2",
     .doc = "silicon area per MiB (2^20 bytes) of capacity; area = bytes / 2^20 x it",
     .min = 0,
     .max = 1e6,
     .target = &TileCacheConfig::area_mm2_per_MiB},
    hw::energy_field<TileCacheConfig>(
        "read_pJ_per_byte", "energy per byte delivered to a read (a hit, or a miss or stream passing through)",
        &TileCacheConfig::read_pJ_per_byte),
    hw::energy_field<TileCacheConfig>("write_pJ_per_byte", "energy per byte of a write passing to the next level",
                                      &TileCacheConfig::write_pJ_per_byte),
    hw::energy_field<TileCacheConfig>("fill_pJ_per_byte",
                                      "energy per byte written into the array when a missed tile is filled",
                                      &TileCacheConfig::fill_pJ_per_byte),
    hw::energy_field<TileCacheConfig>(
        "static_W",
        "static power of the whole L2 (leakage, refresh, clocking) while the machine runs; static energy = it x time",
        &TileCacheConfig::static_W),
});

const core::StatInfo tile_cache_stats[] = {
    {"hits", "", "tile reads served from the L2 (including those that waited for a fill already in progress)"},
    {"misses", "", "tile reads forwarded to the next level (the tile was absent, or cached smaller than asked)"},
    {"hit_bytes", "bytes", "bytes of tile reads that hit"},
    {"miss_bytes", "bytes", "bytes of tile reads that missed; hit rate in bytes = hit_bytes / (hit + miss bytes)"},
    {"evictions", "", "tiles evicted to make room for a missed tile"},
    {"evicted_bytes", "bytes", "bytes of the evicted tiles"},
    {"bypass_bytes", "bytes", "bytes of reads without a tile id (tile_id 0), streamed to the next level uncached"},
    {"write_bytes", "bytes", "bytes written through to the next level (writes never allocate)"},
};

constexpr ActionInfo tile_cache_actions[] = {
    {.name = "read",
     .unit = "byte",
     .energy_key = "read_pJ_per_byte",
     .stats = {"hit_bytes", "miss_bytes", "bypass_bytes"},
     .work = models::Work::read_bytes,
     .doc = "one byte delivered to a read"},
    {.name = "write",
     .unit = "byte",
     .energy_key = "write_pJ_per_byte",
     .stats = {"write_bytes"},
     .work = models::Work::write_bytes,
     .doc = "one byte of a write"},
    {.name = "fill",
     .unit = "byte",
     .energy_key = "fill_pJ_per_byte",
     .stats = {"miss_bytes"},
     .work = models::Work::offchip_read_bytes,
     .doc = "one byte of a missed tile written into the array"},
};

// Indices into tile_cache_stats.
namespace cache_stat {
constexpr std::size_t hits = 0, misses = 1, hit_bytes = 2, miss_bytes = 3, evictions = 4, evicted_bytes = 5,
                      bypass_bytes = 6, write_bytes = 7;
}  // namespace cache_stat

class TileCache final : public MemoryLevel {
 public:
  explicit TileCache(const TileCacheConfig& config)
      : config_(config), stats_(tile_cache_stats), calendar_(config.bandwidth_GBps, config.window_ns) {}

  double access(const MemoryRequest& request, double issue_ns) override {
    if (request.bytes == 0) return issue_ns;
    const auto bytes = static_cast<double>(request.bytes);
    // Write-through without allocation: a cached copy of the tile is updated in place and keeps its LRU place.
    if (request.write) {
      stats_[cache_stat::write_bytes] += bytes;
      return forward(request, issue_ns);
    }
    if (request.tile_id == 0) {
      stats_[cache_stat::bypass_bytes] += bytes;
      return forward(request, issue_ns);
    }
    // A run of tiles is looked up tile by tile; the misses travel to the next level as one request.
    const std::uint64_t count = std::max<std::uint32_t>(1, request.tile_count);
    const std::uint64_t tile_bytes = request.bytes / count;
    double hit_ready = 0;
    missed_ids_.clear();
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t id = request.tile_id + i;
      if (auto it = index_.find(id); it != index_.end()) {
        Tile& tile = *it->second;
        if (tile.bytes >= tile_bytes) {
          lru_.splice(lru_.begin(), lru_, it->second);
          // A hit on a tile whose fill is still on its way waits for it (the request merges with the fill)
          // rather than going to memory again. Cores run ahead of one another (temporal decoupling), so the fill
          // may have been issued at a later simulated time than this request: then this request stands for the
          // fill, and waits as long as that fill took from its own issue time, not until a later core's.
          hit_ready = std::max(hit_ready, std::min(tile.ready_ns, issue_ns + (tile.ready_ns - tile.fill_issue_ns)));
          continue;
        }
        erase(it);
      }
      missed_ids_.push_back(id);
    }
    const std::uint64_t missed = missed_ids_.size();
    const auto hits = static_cast<double>(count - missed);
    stats_[cache_stat::hits] += hits;
    stats_[cache_stat::hit_bytes] += hits * static_cast<double>(tile_bytes);
    double done = std::max(calendar_.reserve(issue_ns, bytes), hit_ready);
    if (missed > 0) {
      stats_[cache_stat::misses] += static_cast<double>(missed);
      stats_[cache_stat::miss_bytes] += static_cast<double>(missed * tile_bytes);
      MemoryRequest fill = request;
      fill.bytes = missed * tile_bytes;
      fill.tile_count = static_cast<std::uint32_t>(missed);
      const double next_done = next().access(fill, issue_ns);
      done = std::max(done, next_done);
      for (std::uint64_t id : missed_ids_) insert(id, tile_bytes, issue_ns, next_done);
    }
    return done + config_.latency_ns;
  }

  double peak_bandwidth_GBps(std::int64_t) const override { return config_.bandwidth_GBps; }
  double capacity_bytes() const override { return static_cast<double>(config_.bytes); }
  double latency_ns() const override { return config_.latency_ns; }
  MemoryTraffic traffic() const override {
    return MemoryTraffic{
        .read_bytes = stats_[cache_stat::hit_bytes] + stats_[cache_stat::miss_bytes] + stats_[cache_stat::bypass_bytes],
        .write_bytes = stats_[cache_stat::write_bytes],
        .hits = stats_[cache_stat::hits],
        .misses = stats_[cache_stat::misses],
        .hit_bytes = stats_[cache_stat::hit_bytes]};
  }

  void reset() override {
    calendar_.reset();
    lru_.clear();
    index_.clear();
    used_bytes_ = 0;
    stats_.reset();
  }

  const core::StatSet& stats() const override { return stats_; }
  std::optional<hw::ComponentArea> area() const override {
    return hw::scaled_area(config_.area_mm2_per_MiB, static_cast<double>(config_.bytes) / (1 << 20), false);
  }

 private:
  struct Tile {
    std::uint64_t tile_id;
    std::uint64_t bytes;
    double fill_issue_ns;  // when its fill from the next level was issued
    double ready_ns;       // and when it completes
  };
  using TileList = std::list<Tile>;  // most recently used first

  MemoryLevel& next() const {
    if (!next_) throw std::logic_error("l2 tile_cache: no next level bound (bind_next) for misses and streams");
    return *next_;
  }

  // Cut-through: the bytes cross the L2 while the next level delivers them, so the slower of the two sets the
  // pace; the L2 latency is paid once on top.
  double forward(const MemoryRequest& request, double issue_ns) {
    const double next_done = next().access(request, issue_ns);
    return std::max(calendar_.reserve(issue_ns, static_cast<double>(request.bytes)), next_done) + config_.latency_ns;
  }

  // Evicts least recently used tiles until the new one fits; a tile larger than the capacity is not kept.
  void insert(std::uint64_t tile_id, std::uint64_t bytes, double fill_issue_ns, double ready_ns) {
    const auto capacity = static_cast<std::uint64_t>(config_.bytes);
    if (bytes > capacity) return;
    while (used_bytes_ + bytes > capacity) {
      stats_[cache_stat::evictions] += 1;
      stats_[cache_stat::evicted_bytes] += static_cast<double>(lru_.back().bytes);
      erase(index_.find(lru_.back().tile_id));
    }
    lru_.push_front(Tile{tile_id, bytes, fill_issue_ns, ready_ns});
    index_.emplace(tile_id, lru_.begin());
    used_bytes_ += bytes;
  }

  void erase(std::unordered_map<std::uint64_t, TileList::iterator>::iterator it) {
    used_bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }

  TileCacheConfig config_;
  core::StatSet stats_;
  BandwidthCalendar calendar_;
  TileList lru_;
  std::unordered_map<std::uint64_t, TileList::iterator> index_;
  std::uint64_t used_bytes_ = 0;
  std::vector<std::uint64_t> missed_ids_;  // scratch for one run's missed tile ids (kept to avoid allocation)
};

std::unique_ptr<TileCache> make_tile_cache(const TileCacheConfig& config, const core::ConfigNode&) {
  return std::make_unique<TileCache>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(tile_cache, "l2", "tile_cache",
                              "shared L2 / global buffer caching whole tiles by tile id with LRU replacement; "
                              "streams (tile id 0) and writes pass through to the next level",
                              cascadesim::hw::TileCacheConfig, cascadesim::hw::tile_cache_fields,
                              cascadesim::hw::tile_cache_stats, cascadesim::hw::tile_cache_actions,
                              cascadesim::hw::make_tile_cache)
