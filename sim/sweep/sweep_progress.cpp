// Progress lines: a redrawn bar on terminals, whole-percent lines elsewhere.
#include "sim/sweep/sweep_progress.hpp"

#include <cstdio>
#include <string>

namespace cascadesim::sim::sweep {

namespace {
std::uint64_t percent_of(std::uint64_t done, std::uint64_t total) { return total == 0 ? 100 : done * 100 / total; }

std::string duration_text(double seconds) {
  char text[32];
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, s / 60 % 60);
  else if (s >= 60)
    std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%llds", s);
  return text;
}
}  // namespace

void Progress::start(std::uint64_t total, std::uint64_t done) {
  total_ = total;
  first_ = done;
  percent_ = percent_of(done, total);
  started_ = Clock::now();
}

void Progress::update(std::uint64_t done) {
  if (terminal_) {
    const auto now = Clock::now();
    if (drawn_once_ && now - drawn_ < std::chrono::milliseconds(100) && done < total_) return;
    drawn_ = now;
    drawn_once_ = true;
    draw(done);
    return;
  }
  const std::uint64_t percent = percent_of(done, total_);
  if (percent == percent_) return;
  percent_ = percent;
  draw(done);
}

void Progress::draw(std::uint64_t done) {
  const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  const double rate = seconds > 0 ? static_cast<double>(done - first_) / seconds : 0.0;
  char line[160];
  if (terminal_) {
    constexpr int width = 30;
    const int filled = static_cast<int>(total_ == 0 ? width : done * width / total_);
    const std::string bar =
        std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(width - filled), '-');
    const std::string eta = rate > 0 ? duration_text(static_cast<double>(total_ - done) / rate) : std::string("?");
    std::snprintf(line, sizeof line, "\r[%s] %5.1f%% %llu/%llu points, %.0f points/s, ETA %s   ", bar.c_str(),
                  total_ == 0 ? 100.0 : 100.0 * static_cast<double>(done) / static_cast<double>(total_),
                  static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), rate, eta.c_str());
  } else {
    std::snprintf(line, sizeof line, "sweep: %llu%% (%llu of %llu points, %.0f points/s)\n",
                  static_cast<unsigned long long>(percent_), static_cast<unsigned long long>(done),
                  static_cast<unsigned long long>(total_), rate);
  }
  out_ << line << std::flush;
}

void Progress::finish() {
  if (terminal_ && drawn_once_) out_ << "\n" << std::flush;
}

}  // namespace cascadesim::sim::sweep
