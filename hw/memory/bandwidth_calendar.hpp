// Bandwidth accounting that tolerates out-of-order requests: time is cut into windows, each able to carry
// bandwidth x window bytes; a transfer fills windows from its start onward. Contention emerges when transfers
// overlap in time, whatever order they are booked in.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace cascadesim::hw {

// The window of length window_ns holding time t. Times are ns since the run began, so non-negative: truncation is
// the floor (std::floor is a library call without SSE4.1, and this runs once per channel per memory request).
inline std::int64_t window_index(double t, double window_ns) {
  return t >= 0 ? static_cast<std::int64_t>(t / window_ns) : static_cast<std::int64_t>(std::floor(t / window_ns));
}

class BandwidthCalendar {
 public:
  // Contract: bytes_per_ns > 0, window_ns > 0.
  BandwidthCalendar(double bytes_per_ns, double window_ns);

  // Books `bytes` starting no earlier than start_ns; returns the time the last byte passes. A start more than
  // horizon_windows() windows behind the newest booking is moved up to the oldest window still kept.
  double reserve(double start_ns, double bytes);

  double booked_bytes() const { return booked_bytes_; }
  void reset();

  // Windows kept behind the newest one booked: enough for horizon_ns, since cores run up to one work unit apart in
  // local time (a query tile of 32K tokens at head_dim 128 and a third of the H100's matrix peak lasts about 1 ms). A
  // shorter horizon pushed the requests of the cores furthest behind onto the oldest kept window, so they queued
  // behind bookings that were in their future: 32x too slow in that case. At least 2048 windows.
  static constexpr double horizon_ns = 4e6;
  std::int64_t horizon_windows() const { return static_cast<std::int64_t>(ring_.size()); }

 private:
  // A ring of windows indexed by window number modulo its size; each slot remembers which window it holds, so
  // a slot left from an older window reads as empty: no clearing, no allocation after construction.
  // 16 bytes, so that the windows near the cores' times stay in the CPU's cache.
  struct Slot {
    double used = 0;
    std::uint32_t lap = ~0u;  // window / ring size of the window held (~0: none yet)
    std::uint32_t skip_ahead =
        1;  // for a full window: a later window, at or before the first one not full, this far on
  };
  Slot& slot(std::int64_t window);
  bool full(std::int64_t window);
  // The first window >= w that is not full. Windows only ever fill, so full windows point past themselves
  // and every lookup shortens the path (union-find path compression): a backlog is skipped, not walked.
  std::int64_t first_open(std::int64_t w);

  double bytes_per_ns_;
  double window_ns_;
  double window_bytes_;
  double full_bytes_;  // a window within a rounding error of full counts as full: nothing useful fits in it
  std::vector<Slot> ring_;
  int ring_bits_;             // ring_.size() == 1 << ring_bits_
  std::int64_t newest_ = -1;  // highest window booked so far
  double booked_bytes_ = 0;
};

}  // namespace cascadesim::hw
