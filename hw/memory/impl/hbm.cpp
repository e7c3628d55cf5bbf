// Off-chip HBM/DRAM: bursts interleaved round-robin over independent channels, each with its own bandwidth
// calendar and a bounded request queue, plus a fixed access latency. Achieved bandwidth is not configured: it
// emerges from how requests spread over channels and overlap in time.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "hw/memory/bandwidth_calendar.hpp"
#include "hw/memory/memory_level.hpp"

namespace cascadesim::hw {
namespace {

// Members of required keys hold placeholders: the key must be given.
struct HbmConfig {
  double bytes = 16e9;
  std::int64_t channels = 16;
  double channel_bandwidth_GBps = 100.0;
  double latency_ns = 100.0;
  std::int64_t burst_bytes = 64;
  std::int64_t queue_depth = 32;
  double window_ns = 20.0;
  double area_mm2_per_channel = hw::no_area_figure;
  double read_pJ_per_bit = hw::no_energy_figure;
  double write_pJ_per_bit = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto hbm_fields = std::to_array<core::Field<HbmConfig>>({
    {.key = "bytes",
     .unit = "bytes",
     .doc = "capacity: weights and KV cache must fit (checked before any model runs)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e15,
     .min_exclusive = true,
     .target = &HbmConfig::bytes},
    {.key = "channels",
     .doc = "independent channels (pseudo-channels) that bursts interleave over",
     .presence = core::Presence::required,
     .min = 1,
     .max = 4096,
     .target = &HbmConfig::channels},
    {.key = "channel_bandwidth_GBps",
     .unit = "GB/s",
     .doc = "peak bandwidth of one channel (1 GB = 1e9 bytes)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e6,
     .min_exclusive = true,
     .target = &HbmConfig::channel_bandwidth_GBps},
    {.key = "latency_ns",
     .unit = "ns",
     .doc = "access latency added once to every request's completion",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e9,
     .target = &HbmConfig::latency_ns},
    {.key = "burst_bytes",
     .unit = "bytes",
     .doc = "interleaving granularity; requests move whole bursts",
     .min = 1,
     .max = 1 << 20,
     .target = &HbmConfig::burst_bytes},
    // A slot is held from start to completion, latency included, so by Little's law a channel reaches its bandwidth
    // only if queue_depth x (bytes per request on the channel) >= channel bandwidth x latency.
    {.key = "queue_depth",
     .doc = "requests in flight per channel, each holding a slot until its data is back",
     .min = 1,
     .max = 1024,
     .target = &HbmConfig::queue_depth},
    {.key = "window_ns",
     .unit = "ns",
     .doc = "accounting window of each channel's bandwidth and queue-slot calendars",
     .min = 0,
     .max = 1e6,
     .min_exclusive = true,
     .target = &HbmConfig::window_ns},
    {.key = "area_mm2_per_channel",
     .unit = "mm2",
     .doc = "on-die area of one channel's controller and PHY (the DRAM itself is off-chip); area = channels x it",
     .min = 0,
     .max = 1e6,
     .target = &HbmConfig::area_mm2_per_channel},
    hw::energy_field<HbmConfig>("read_pJ_per_bit",
                                "energy per bit read: activation, array and I/O (PHYs and interposer) together",
                                &HbmConfig::read_pJ_per_bit),
    hw::energy_field<HbmConfig>("write_pJ_per_bit", "energy per bit written, as read_pJ_per_bit",
                                &HbmConfig::write_pJ_per_bit),
    hw::energy_field<HbmConfig>("static_W",
                                "static power of the whole memory: every stack and its PHYs (leakage, refresh, "
                                "clocking) while the machine runs; static energy = it x time",
                                &HbmConfig::static_W),
});

const core::StatInfo hbm_stats[] = {
    {"requests", "", "requests served (zero-byte requests are not counted)"},
    {"read_bytes", "bytes", "bytes asked for by read requests, before rounding to bursts"},
    {"write_bytes", "bytes", "bytes asked for by write requests, before rounding to bursts"},
    {"transferred_bytes", "bytes", "bytes moved on the channels: every burst a request touches, in full"},
    {"channel_busy_ns", "ns",
     "sum over channels of the time spent transferring; utilization = channel_busy_ns / (channels x elapsed)"},
    {"queue_stall_ns", "ns", "sum over requests of the longest wait for a queue slot on any of its channels"},
    {"access_ns", "ns", "sum over requests of completion - issue; mean access time = access_ns / requests"},
};

// Priced per bit asked for: partial bursts at misaligned ends are not priced (tiles are burst-aligned).
constexpr ActionInfo hbm_actions[] = {
    {.name = "read",
     .unit = "bit",
     .energy_key = "read_pJ_per_bit",
     .stats = {"read_bytes"},
     .per_stat = 8,
     .work = models::Work::offchip_read_bytes,
     .doc = "one bit read"},
    {.name = "write",
     .unit = "bit",
     .energy_key = "write_pJ_per_bit",
     .stats = {"write_bytes"},
     .per_stat = 8,
     .work = models::Work::offchip_write_bytes,
     .doc = "one bit written"},
};

// Indices into hbm_stats.
namespace hbm_stat {
constexpr std::size_t requests = 0, read_bytes = 1, write_bytes = 2, transferred_bytes = 3, channel_busy_ns = 4,
                      queue_stall_ns = 5, access_ns = 6;
}  // namespace hbm_stat

// Queue slots of one channel, counted per time window: a request holds a slot in every window that its
// [start, completion) overlaps, and starts in the first window from its issue where fewer than depth are held.
// Like BandwidthCalendar it does not care in which order requests arrive, at the price of window granularity: a
// slot freed within a window is reused from the next window on. For requests in time order this is the rule
// "a request starts once the one depth places earlier on the channel has completed", rounded up to a window.
class SlotCalendar {
 public:
  SlotCalendar(std::uint32_t depth, double window_ns)
      : depth_(depth), window_ns_(window_ns), ring_(static_cast<std::size_t>(max_windows)) {}

  // The earliest time >= t in a window with a free slot.
  double first_free(double t) {
    const std::int64_t w = window_of(t);
    // Windows before the first kept one were never booked (or are too old to matter): free.
    if (w < first_ || w >= end_) return t;
    const std::int64_t free = find(w);
    return free == w ? t : static_cast<double>(free) * window_ns_;
  }

  // Contract: start_ns comes from first_free; end_ns >= start_ns.
  void hold(double start_ns, double end_ns) {
    const std::int64_t from = window_of(start_ns);
    const std::int64_t to = std::max(from, window_after(end_ns) - 1);  // last window overlapped
    if (first_ == end_ || from >= end_ + gap_windows) first_ = end_ = from;
    // A request earlier than the first window (it arrived out of time order) gets windows of its own, back to
    // max_windows behind the newest; one older than that holds the oldest kept.
    const std::int64_t oldest = std::max(from, end_ - max_windows);
    for (; first_ > oldest; --first_) window(first_ - 1) = Window{};
    // Keep the newest max_windows windows: those that `to` pushes out of the ring go first.
    const std::int64_t new_end = std::max(end_, to + 1);
    first_ = std::max(first_, new_end - max_windows);
    for (std::int64_t w = std::max(end_, first_); w < new_end; ++w) window(w) = Window{};
    end_ = new_end;
    for (std::int64_t w = std::max(from, first_); w <= to; ++w) {
      Window& held = window(w);
      if (++held.slots == depth_) held.skip_ahead = 1;
    }
  }

  void reset() { first_ = end_ = 0; }

 private:
  static constexpr std::int64_t max_windows = 1 << 14;  // a power of two: the ring is indexed by window mod it
  // A request this far past every held window starts the record afresh instead of filling the gap: requests
  // behind it are then rarer than the cost of walking thousands of empty windows at every kernel boundary.
  static constexpr std::int64_t gap_windows = 256;

  // 8 bytes, so that the windows near the cores' times stay in the CPU's cache.
  struct Window {
    std::uint32_t slots = 0;       // slots held
    std::uint32_t skip_ahead = 0;  // for a full window: a later window, at or before the first free one, this far on
  };

  std::int64_t window_of(double t) const { return window_index(t, window_ns_); }
  // The first window starting at or after t.
  std::int64_t window_after(double t) const {
    const double windows = t / window_ns_;
    if (windows < 0) return static_cast<std::int64_t>(std::ceil(windows));
    const auto w = static_cast<std::int64_t>(windows);
    return static_cast<double>(w) < windows ? w + 1 : w;
  }
  // Contract: first_ <= w < end_ (or w about to join them).
  Window& window(std::int64_t w) { return ring_[static_cast<std::size_t>(w & (max_windows - 1))]; }
  bool full(std::int64_t w) { return w < end_ && window(w).slots >= depth_; }

  // The first window >= w with a free slot. Windows only ever fill, so full windows keep a pointer to a later
  // window, shortened on every lookup (union-find path compression): a long backlog is skipped, not walked.
  std::int64_t find(std::int64_t w) {
    std::int64_t root = w;
    while (full(root)) root += window(root).skip_ahead;
    while (full(w)) {
      std::uint32_t& ahead = window(w).skip_ahead;
      const std::int64_t next = w + ahead;
      ahead = static_cast<std::uint32_t>(root - w);  // < max_windows: both lie in [first_, end_]
      w = next;
    }
    return root;
  }

  std::uint32_t depth_;
  double window_ns_;
  std::int64_t first_ = 0;  // the windows kept are [first_, end_), at most max_windows of them
  std::int64_t end_ = 0;
  std::vector<Window> ring_;
};

class Hbm final : public MemoryLevel {
 public:
  explicit Hbm(const HbmConfig& config) : config_(config), stats_(hbm_stats) {
    channels_.reserve(static_cast<std::size_t>(config_.channels));
    for (std::int64_t c = 0; c < config_.channels; ++c)
      channels_.push_back(Channel{BandwidthCalendar(config_.channel_bandwidth_GBps, config_.window_ns),
                                  SlotCalendar(static_cast<std::uint32_t>(config_.queue_depth), config_.window_ns)});
    starts_.resize(static_cast<std::size_t>(config_.channels));
  }

  double access(const MemoryRequest& request, double issue_ns) override {
    if (request.bytes == 0) return issue_ns;
    const auto burst = static_cast<std::uint64_t>(config_.burst_bytes);
    const auto channels = static_cast<std::uint64_t>(config_.channels);
    // Every burst the byte range [address, address + bytes) touches moves in full, so a misaligned request pays
    // for the partial bursts at both ends.
    const std::uint64_t first_burst = request.address / burst;
    const std::uint64_t bursts = (request.address + request.bytes - 1) / burst - first_burst + 1;
    // Bursts go round-robin from channel first_burst % channels: every channel gets bursts / channels of them and
    // the first bursts % channels channels from there one more.
    const std::uint64_t per_channel = bursts / channels;
    const std::uint64_t extra = bursts % channels;
    const std::uint64_t touched = std::min(bursts, channels);
    const std::uint64_t first_channel = first_burst % channels;

    double done = issue_ns;
    double stall = 0;
    // The k-th touched channel, counted round from first_channel without a division per channel.
    auto channel_after = [&](std::uint64_t k) -> Channel& {
      const std::uint64_t c = first_channel + k;
      return channels_[c < channels ? c : c - channels];
    };
    for (std::uint64_t k = 0; k < touched; ++k) {
      Channel& ch = channel_after(k);
      const double start = ch.slots.first_free(issue_ns);
      starts_[k] = start;
      stall = std::max(stall, start - issue_ns);
      const double share = static_cast<double>((per_channel + (k < extra ? 1 : 0)) * burst);
      done = std::max(done, ch.calendar.reserve(start, share));
    }
    const double completion = done + config_.latency_ns;
    // A queue slot is held until the data is back, latency included.
    for (std::uint64_t k = 0; k < touched; ++k) channel_after(k).slots.hold(starts_[k], completion);

    const double moved = static_cast<double>(bursts * burst);
    stats_[hbm_stat::requests] += 1;
    stats_[request.write ? hbm_stat::write_bytes : hbm_stat::read_bytes] += static_cast<double>(request.bytes);
    stats_[hbm_stat::transferred_bytes] += moved;
    stats_[hbm_stat::channel_busy_ns] += moved / config_.channel_bandwidth_GBps;
    stats_[hbm_stat::queue_stall_ns] += stall;
    stats_[hbm_stat::access_ns] += completion - issue_ns;
    return completion;
  }

  double peak_bandwidth_GBps(std::int64_t) const override {
    return static_cast<double>(config_.channels) * config_.channel_bandwidth_GBps;
  }
  double capacity_bytes() const override { return config_.bytes; }
  double latency_ns() const override { return config_.latency_ns; }
  MemoryTraffic traffic() const override {
    return MemoryTraffic{.read_bytes = stats_[hbm_stat::read_bytes], .write_bytes = stats_[hbm_stat::write_bytes]};
  }

  void reset() override {
    for (Channel& ch : channels_) {
      ch.calendar.reset();
      ch.slots.reset();
    }
    stats_.reset();
  }

  const core::StatSet& stats() const override { return stats_; }
  std::optional<hw::ComponentArea> area() const override {
    return hw::scaled_area(config_.area_mm2_per_channel, static_cast<double>(config_.channels), false);
  }

  std::vector<double> channel_bytes() const override {
    std::vector<double> bytes;
    for (const Channel& ch : channels_) bytes.push_back(ch.calendar.booked_bytes());
    return bytes;
  }

 private:
  struct Channel {
    BandwidthCalendar calendar;
    SlotCalendar slots;
  };

  HbmConfig config_;
  core::StatSet stats_;
  std::vector<Channel> channels_;
  std::vector<double> starts_;  // scratch: the request's start on its k-th touched channel
};

std::unique_ptr<Hbm> make_hbm(const HbmConfig& config, const core::ConfigNode&) {
  return std::make_unique<Hbm>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(hbm, "memory", "hbm",
                              "off-chip HBM/DRAM: bursts interleaved over channels, each with a bandwidth calendar and "
                              "a bounded queue, plus a fixed latency",
                              cascadesim::hw::HbmConfig, cascadesim::hw::hbm_fields, cascadesim::hw::hbm_stats,
                              cascadesim::hw::hbm_actions, cascadesim::hw::make_hbm)
