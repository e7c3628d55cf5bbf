// NVML through dlopen: the few entry points the runner reads, declared here with NVML's C ABI (nvml.h: every call
// returns an nvmlReturn_t, 0 for success; devices are opaque handles) so that no NVML header is needed to build.
#include "validation/host/board_meter.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>

namespace cascadesim::validation {

struct BoardMeter::Api {
  using Device = void*;
  int (*init)() = nullptr;
  int (*shutdown)() = nullptr;
  const char* (*error_string)(int) = nullptr;
  int (*by_pci_bus_id)(const char*, Device*) = nullptr;
  int (*total_energy)(Device, unsigned long long*) = nullptr;
  int (*power_usage)(Device, unsigned int*) = nullptr;
  int (*clock_info)(Device, int, unsigned int*) = nullptr;
  int (*event_reasons)(Device, unsigned long long*) = nullptr;
  int (*power_limit)(Device, unsigned int*) = nullptr;

  void check(int status, const char* call) const {
    if (status == 0) return;
    throw std::runtime_error(std::string("NVML ") + call +
                             " failed: " + (error_string ? error_string(status) : std::to_string(status)));
  }
};

namespace {

constexpr int kNvmlClockSm = 1;  // nvmlClockType_t NVML_CLOCK_SM

template <typename Function>
void resolve(void* library, const char* symbol, Function& function, std::string& missing) {
  dlerror();
  if (void* address = dlsym(library, symbol)) {
    function = reinterpret_cast<Function>(address);
  } else {
    missing += (missing.empty() ? "" : ", ") + std::string(symbol);
  }
}

double steady_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

}  // namespace

BoardMeter::BoardMeter(const std::string& pci_bus_id) {
  // The library is never closed: the driver's library stays mapped until the process exits.
  void* library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char* error = dlerror();
    throw std::runtime_error(std::string("cannot open NVML (libnvidia-ml.so.1): ") + (error ? error : "dlopen failed"));
  }
  auto api = std::make_unique<Api>();
  std::string missing;
  resolve(library, "nvmlInit_v2", api->init, missing);
  resolve(library, "nvmlShutdown", api->shutdown, missing);
  resolve(library, "nvmlErrorString", api->error_string, missing);
  resolve(library, "nvmlDeviceGetHandleByPciBusId_v2", api->by_pci_bus_id, missing);
  resolve(library, "nvmlDeviceGetTotalEnergyConsumption", api->total_energy, missing);
  resolve(library, "nvmlDeviceGetPowerUsage", api->power_usage, missing);
  resolve(library, "nvmlDeviceGetClockInfo", api->clock_info, missing);
  resolve(library, "nvmlDeviceGetEnforcedPowerLimit", api->power_limit, missing);
  // Renamed in newer drivers; the old name stays exported beside it.
  std::string reasons_missing;
  resolve(library, "nvmlDeviceGetCurrentClocksEventReasons", api->event_reasons, reasons_missing);
  if (!api->event_reasons) resolve(library, "nvmlDeviceGetCurrentClocksThrottleReasons", api->event_reasons, missing);
  if (!missing.empty()) throw std::runtime_error("NVML lacks " + missing);
  api->check(api->init(), "nvmlInit_v2");
  Api::Device device = nullptr;
  api->check(api->by_pci_bus_id(pci_bus_id.c_str(), &device), "nvmlDeviceGetHandleByPciBusId_v2");
  unsigned long long energy = 0;
  api->check(api->total_energy(device, &energy), "nvmlDeviceGetTotalEnergyConsumption (no energy counter?)");
  api_ = api.release();
  device_ = device;
}

BoardMeter::~BoardMeter() {
  if (api_) api_->shutdown();
  delete api_;
}

BoardReading BoardMeter::read() const {
  BoardReading r;
  unsigned long long energy = 0, reasons = 0;
  unsigned int power_mW = 0, clock = 0;
  api_->check(api_->total_energy(device_, &energy), "nvmlDeviceGetTotalEnergyConsumption");
  api_->check(api_->power_usage(device_, &power_mW), "nvmlDeviceGetPowerUsage");
  api_->check(api_->clock_info(device_, kNvmlClockSm, &clock), "nvmlDeviceGetClockInfo");
  api_->check(api_->event_reasons(device_, &reasons), "nvmlDeviceGetCurrentClocksEventReasons");
  r.host_s = steady_s();
  r.energy_mJ = energy;
  r.power_W = power_mW / 1000.0;
  r.sm_clock_MHz = static_cast<int>(clock);
  r.clock_event_reasons = reasons;
  return r;
}

double BoardMeter::power_limit_W() const {
  unsigned int limit_mW = 0;
  api_->check(api_->power_limit(device_, &limit_mW), "nvmlDeviceGetEnforcedPowerLimit");
  return limit_mW / 1000.0;
}

BoardSampler::BoardSampler(const BoardMeter& meter, int period_ms)
    : meter_(meter), period_ms_(period_ms), thread_([this] {
        while (running_.load()) {
          readings_.push_back(meter_.read());
          std::this_thread::sleep_for(std::chrono::milliseconds(period_ms_));
        }
      }) {}

BoardSampler::~BoardSampler() {
  if (thread_.joinable()) stop();
}

std::vector<BoardReading> BoardSampler::stop() {
  running_.store(false);
  thread_.join();
  return std::move(readings_);
}

BoardWindow summarize_board_window(const BoardReading& first, const BoardReading& last,
                                   const std::vector<BoardReading>& samples) {
  BoardWindow w;
  w.seconds = last.host_s - first.host_s;
  w.energy_J = static_cast<double>(last.energy_mJ - first.energy_mJ) / 1000.0;
  w.mean_power_W = w.seconds > 0 ? w.energy_J / w.seconds : 0;
  std::vector<int> clocks;
  int capped = 0;
  for (const BoardReading& s : samples) {
    if (s.host_s < first.host_s || s.host_s > last.host_s) continue;
    clocks.push_back(s.sm_clock_MHz);
    capped += (s.clock_event_reasons & kClockEventSwPowerCap) != 0;
  }
  w.samples = static_cast<int>(clocks.size());
  if (!clocks.empty()) {
    std::sort(clocks.begin(), clocks.end());
    w.sm_clock_MHz_median = clocks[clocks.size() / 2];
    w.sm_clock_MHz_min = clocks.front();
    w.power_capped_fraction = static_cast<double>(capped) / static_cast<double>(clocks.size());
  }
  return w;
}

}  // namespace cascadesim::validation
