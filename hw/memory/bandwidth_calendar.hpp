// Bandwidth accounting that tolerates out-of-order requests: time is cut into windows, each able to carry
// bandwidth x window bytes; a transfer fills windows from its start onward. Contention emerges when transfers
// overlap in time, whatever order they are booked in.
#pragma once

#include <cstdint>
#include <deque>

namespace cascadesim::hw {

class BandwidthCalendar {
 public:
  // Contract: bytes_per_ns > 0, window_ns > 0.
  BandwidthCalendar(double bytes_per_ns, double window_ns);

  // Books `bytes` starting no earlier than start_ns; returns the time the last byte passes.
  double reserve(double start_ns, double bytes);

  // Bytes booked so far, and the span they occupy (for achieved bandwidth).
  double booked_bytes() const { return booked_bytes_; }
  void reset();

 private:
  double bytes_per_ns_;
  double window_ns_;
  double window_bytes_;
  std::int64_t first_window_ = 0;  // index of used_.front()
  std::deque<double> used_;        // bytes booked in each window from first_window_ on
  double booked_bytes_ = 0;
};

}  // namespace cascadesim::hw
