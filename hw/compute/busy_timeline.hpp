// When one core's compute is busy, shared by the work units it keeps resident: a unit books its tiles' compute
// no earlier than their operands land, filling the gaps other units left while they waited for memory (as an
// SM's warp schedulers issue from whichever resident block is ready). Bookings may arrive out of time order
// (cores and units run ahead in local time); each takes the earliest free time at or after its start.
#pragma once

#include <vector>

namespace cascadesim::hw {

class BusyTimeline {
 public:
  // Books `duration_ns` of compute starting no earlier than start_ns, split over free gaps if need be; returns
  // when it finishes.
  double reserve(double start_ns, double duration_ns);
  // Drops what ended before time_ns: no later booking starts before it (bounds the timeline's length).
  void forget_before(double time_ns);
  double busy_ns() const { return busy_ns_; }
  void reset();

 private:
  struct Interval {
    double start, end;
  };
  std::vector<Interval> busy_;  // ascending, disjoint, not touching
  double busy_ns_ = 0;
};

}  // namespace cascadesim::hw
