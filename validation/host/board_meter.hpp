// The GPU board's energy counter, power, SM clock and clock-event reasons, read from NVML. libnvidia-ml is opened at
// run time (dlopen) so that the host library builds, and its tests run, on machines without a driver; a runner asked
// to measure energy where NVML is missing says why and stops.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace cascadesim::validation {

struct BoardReading {
  double host_s = 0;                      // steady-clock seconds
  std::uint64_t energy_mJ = 0;            // nvmlDeviceGetTotalEnergyConsumption: millijoules since the driver loaded
  double power_W = 0;                     // nvmlDeviceGetPowerUsage
  int sm_clock_MHz = 0;                   // nvmlDeviceGetClockInfo(NVML_CLOCK_SM)
  std::uint64_t clock_event_reasons = 0;  // nvmlDeviceGetCurrentClocksEventReasons bits
};

// NVML's clock-event reason bit for the software power cap (nvml.h, nvmlClocksEventReasonSwPowerCap).
inline constexpr std::uint64_t kClockEventSwPowerCap = 0x4;

class BoardMeter {
 public:
  // Opens NVML and the board with this PCI bus id (cudaDeviceGetPCIBusId's "0000:xx:00.0"); throws
  // std::runtime_error saying why not (library missing, no energy counter on this board, ...).
  explicit BoardMeter(const std::string& pci_bus_id);
  BoardMeter(const BoardMeter&) = delete;
  BoardMeter& operator=(const BoardMeter&) = delete;
  ~BoardMeter();

  BoardReading read() const;
  double power_limit_W() const;  // nvmlDeviceGetEnforcedPowerLimit

 private:
  struct Api;
  Api* api_ = nullptr;
  void* device_ = nullptr;
};

// Readings every period_ms on a background thread between construction and stop().
class BoardSampler {
 public:
  BoardSampler(const BoardMeter& meter, int period_ms);
  BoardSampler(const BoardSampler&) = delete;
  BoardSampler& operator=(const BoardSampler&) = delete;
  ~BoardSampler();
  std::vector<BoardReading> stop();

 private:
  const BoardMeter& meter_;
  int period_ms_;
  std::atomic<bool> running_{true};
  std::vector<BoardReading> readings_;
  std::thread thread_;
};

// What one window of board readings says, as a measured record carries it.
struct BoardWindow {
  double seconds = 0;
  double energy_J = 0;      // difference of the energy counter over the window
  double mean_power_W = 0;  // energy_J / seconds
  double sm_clock_MHz_median = 0;
  double sm_clock_MHz_min = 0;
  double power_capped_fraction = 0;  // of the samples, those with the software power cap among their reasons
  int samples = 0;
};

// first and last bound the window (their energy counters); samples are those taken in between. Contract: last is
// read after first.
BoardWindow summarize_board_window(const BoardReading& first, const BoardReading& last,
                                   const std::vector<BoardReading>& samples);

}  // namespace cascadesim::validation
