// A core's compute timeline: disjoint busy intervals, gaps filled first come first served.
#include "hw/compute/busy_timeline.hpp"

#include <algorithm>

namespace cascadesim::hw {

double BusyTimeline::reserve(double start_ns, double duration_ns) {
  if (duration_ns <= 0) return start_ns;
  busy_ns_ += duration_ns;
  // The usual case: the core is free from start_ns on.
  if (busy_.empty() || start_ns > busy_.back().end) {
    busy_.push_back({start_ns, start_ns + duration_ns});
    return start_ns + duration_ns;
  }
  if (start_ns == busy_.back().end) return busy_.back().end += duration_ns;
  // The first interval still busy at start_ns, then the gaps after it.
  auto it =
      std::upper_bound(busy_.begin(), busy_.end(), start_ns, [](double t, const Interval& i) { return t < i.end; });
  double t = start_ns, left = duration_ns;
  while (left > 0) {
    if (it == busy_.end()) {
      busy_.back().end = t + left;  // t is the last interval's end here
      return busy_.back().end;
    }
    if (t < it->start) {
      const double gap = it->start - t;
      if (left < gap) {
        // Ends inside the gap: a new interval, or the previous one extended.
        if (it != busy_.begin() && std::prev(it)->end == t)
          std::prev(it)->end = t + left;
        else
          busy_.insert(it, {t, t + left});
        return t + left;
      }
      // Fills the gap: the interval grows back to t (merging with the previous one when it ends at t).
      const double gap_end = it->start;
      left -= gap;
      if (it != busy_.begin() && std::prev(it)->end == t) {
        std::prev(it)->end = it->end;
        it = busy_.erase(it) - 1;
      } else {
        it->start = t;
      }
      if (left <= 0) return gap_end;
    }
    t = it->end;
    ++it;
  }
  return t;
}

void BusyTimeline::forget_before(double time_ns) {
  const auto it = std::find_if(busy_.begin(), busy_.end(), [time_ns](const Interval& i) { return i.end >= time_ns; });
  busy_.erase(busy_.begin(), it);
}

void BusyTimeline::reset() {
  busy_.clear();
  busy_ns_ = 0;
}

}  // namespace cascadesim::hw
