// Progress of a running sweep on a stream (stderr): on a terminal one line with a bar, rate and ETA redrawn with
// '\r' at most ten times a second; otherwise one plain line per whole percent, for logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>

namespace cascadesim::sim::sweep {

class Progress {
 public:
  Progress(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}

  // Contract: start once, then update with non-decreasing counts, then finish. Counts are rows written,
  // resumed rows included; the rate counts this run's rows only.
  void start(std::uint64_t total, std::uint64_t done);
  void update(std::uint64_t done);
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  void draw(std::uint64_t done);

  std::ostream& out_;
  bool terminal_;
  std::uint64_t total_ = 0, first_ = 0, percent_ = 0;
  Clock::time_point started_{}, drawn_{};
  bool drawn_once_ = false;
};

}  // namespace cascadesim::sim::sweep
