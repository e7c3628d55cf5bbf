// Windowed bandwidth booking on a ring of windows.
#include "hw/memory/bandwidth_calendar.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace cascadesim::hw {

namespace {
// The smallest power of two of windows covering horizon_ns, within [2048, 2^20].
std::size_t ring_size(double window_ns) {
  std::size_t n = 2048;
  while (n < (std::size_t{1} << 20) && static_cast<double>(n) * window_ns < BandwidthCalendar::horizon_ns) n *= 2;
  return n;
}
}  // namespace

BandwidthCalendar::BandwidthCalendar(double bytes_per_ns, double window_ns)
    : bytes_per_ns_(bytes_per_ns),
      window_ns_(window_ns),
      window_bytes_(bytes_per_ns * window_ns),
      full_bytes_(window_bytes_ * (1.0 - 1e-12)),
      ring_(ring_size(window_ns)),
      ring_bits_(std::countr_zero(ring_.size())) {}

BandwidthCalendar::Slot& BandwidthCalendar::slot(std::int64_t window) {
  Slot& s = ring_[static_cast<std::size_t>(window & (horizon_windows() - 1))];
  const auto lap = static_cast<std::uint32_t>(window >> ring_bits_);  // the floor, negative windows too (C++20)
  if (s.lap != lap) s = Slot{0.0, lap, 1};
  return s;
}

bool BandwidthCalendar::full(std::int64_t window) { return slot(window).used >= full_bytes_; }

std::int64_t BandwidthCalendar::first_open(std::int64_t w) {
  std::int64_t root = w;
  while (full(root)) root += slot(root).skip_ahead;
  while (w < root && full(w)) {
    Slot& s = slot(w);
    const std::int64_t next = w + s.skip_ahead;
    s.skip_ahead = static_cast<std::uint32_t>(root - w);  // < horizon_windows(): both are in the ring
    w = next;
  }
  return root;
}

double BandwidthCalendar::reserve(double start_ns, double bytes) {
  booked_bytes_ += bytes;
  if (bytes <= 0) return start_ns;
  std::int64_t w = window_index(start_ns, window_ns_);
  double t = start_ns;
  // A window that old has been overwritten in the ring: book from the oldest one kept.
  const std::int64_t oldest = newest_ - horizon_windows() + 1;
  if (w < oldest) {
    w = oldest;
    t = static_cast<double>(w) * window_ns_;
  }
  double left = bytes;
  while (true) {
    Slot* s = &slot(w);
    if (s->used >= full_bytes_) {
      w = first_open(w);
      t = std::max(t, static_cast<double>(w) * window_ns_);
      s = &slot(w);
    }
    newest_ = std::max(newest_, w);
    const double window_end = static_cast<double>(w + 1) * window_ns_;
    // Within a window a transfer starts after the bytes already booked there and runs at full bandwidth. What fits
    // is the smaller of the free bytes and what the rest of the window carries after t, taken from the free bytes
    // themselves: recomputed from a start time (about 1e7 ns, rounded at 1e-9 ns) a filled window kept a few
    // microbytes free, stayed open, and every later request walked through such windows one at a time.
    const double free_bytes = window_bytes_ - s->used;
    const double start = std::max(t, window_end - free_bytes / bytes_per_ns_);
    const double can_take = std::min({left, free_bytes, (window_end - t) * bytes_per_ns_});
    if (can_take > 0) {
      s->used += can_take;
      left -= can_take;
      t = start + can_take / bytes_per_ns_;
      if (left <= 1e-9) break;
    }
    ++w;
    t = std::max(t, static_cast<double>(w) * window_ns_);
  }
  return t;
}

void BandwidthCalendar::reset() {
  std::fill(ring_.begin(), ring_.end(), Slot{});
  newest_ = -1;
  booked_bytes_ = 0;
}

}  // namespace cascadesim::hw
