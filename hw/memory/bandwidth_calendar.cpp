// Windowed bandwidth booking.
#include "hw/memory/bandwidth_calendar.hpp"

#include <algorithm>
#include <cmath>

namespace cascadesim::hw {

namespace {
// Windows further than this behind the newest booking are dropped: cores run at most a few microseconds
// apart, so nothing is booked that far back; a booking that is gets the oldest window kept.
constexpr std::size_t max_windows = 1 << 16;
}  // namespace

BandwidthCalendar::BandwidthCalendar(double bytes_per_ns, double window_ns)
    : bytes_per_ns_(bytes_per_ns), window_ns_(window_ns), window_bytes_(bytes_per_ns * window_ns) {}

double BandwidthCalendar::reserve(double start_ns, double bytes) {
  booked_bytes_ += bytes;
  if (bytes <= 0) return start_ns;
  std::int64_t w = static_cast<std::int64_t>(std::floor(start_ns / window_ns_));
  double t = start_ns;
  const auto kept = static_cast<std::int64_t>(max_windows);
  // A booking past every kept window would drop them all: start afresh rather than allocate the gap.
  if (used_.empty() || w >= first_window_ + static_cast<std::int64_t>(used_.size()) + kept) {
    used_.clear();
    first_window_ = w;
  }
  // A booking earlier than the first window (it arrived out of time order) gets windows of its own, back to
  // max_windows behind the newest.
  if (w < first_window_) {
    const std::int64_t oldest = std::max(w, first_window_ + static_cast<std::int64_t>(used_.size()) - kept);
    for (; first_window_ > oldest; --first_window_) used_.push_front(0.0);
  }
  if (w < first_window_) {
    w = first_window_;
    t = static_cast<double>(w) * window_ns_;
  }
  double left = bytes;
  while (true) {
    const auto slot = static_cast<std::size_t>(w - first_window_);
    if (slot >= used_.size()) used_.resize(slot + 1, 0.0);
    const double window_end = static_cast<double>(w + 1) * window_ns_;
    // Within a window a transfer starts after the bytes already booked there and runs at full bandwidth.
    const double free_bytes = window_bytes_ - used_[slot];
    if (free_bytes > 0) {
      const double start = std::max(t, window_end - free_bytes / bytes_per_ns_);
      const double can_take = std::min(left, (window_end - start) * bytes_per_ns_);
      if (can_take > 0) {
        used_[slot] += can_take;
        left -= can_take;
        t = start + can_take / bytes_per_ns_;
        if (left <= 1e-9) break;
      }
    }
    ++w;
    t = std::max(t, static_cast<double>(w) * window_ns_);
  }
  while (used_.size() > max_windows) {
    used_.pop_front();
    ++first_window_;
  }
  return t;
}

void BandwidthCalendar::reset() {
  used_.clear();
  first_window_ = 0;
  booked_bytes_ = 0;
}

}  // namespace cascadesim::hw
