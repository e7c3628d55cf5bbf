// The work a study's simulation would take, estimated before it runs, so that values inside their declared ranges
// that the engine could not replay in bounded time and memory (a memory latency of a second, a clock of 1e-300 GHz,
// the most cores a preset may declare) are refused up front, with the estimate and the limit, instead of hanging.
#pragma once

#include <string>

#include "core/config_error.hpp"
#include "models/hardware_spec.hpp"
#include "sim/config/study_loader.hpp"

namespace cascadesim::sim {

// Memory-calendar steps: the engine's dominant work once latencies are long. Measured on one core of the 2-core CI
// machine (Release): the default study estimates 1.9e8 steps and simulates in 0.8 s; with latency_ns 1e5, 1.9e10
// steps and 4.2 s; with 1e6, 1.9e11 steps and 34 s: about 0.8 s + 1.7e-10 s per step. The limit allows about
// three minutes.
inline constexpr double max_simulation_events = 1e12;
// A request holds a queue slot in every window its latency spans, and the channel's calendar keeps them all until
// it completes: 12 bytes per window.
inline constexpr double max_windows_per_request = 1e8;
// The engine's clock is SystemC's, in picoseconds in 64 bits: at most about 1.8e16 ns. A run predicted to last
// longer would wrap it.
inline constexpr double max_simulated_ns = 1e15;
// Each core is a SystemC thread with its own 256 KiB stack.
inline constexpr double core_stack_bytes = 256.0 * 1024;
inline constexpr double max_core_stack_bytes = 4.0 * (1 << 30);

struct WorkEstimate {
  double events = 0;               // memory-calendar steps of both runs (the dense baseline and the schedule)
  double simulated_ns = 0;         // the longer run's roofline time, a lower bound on its simulated time
  double stack_bytes = 0;          // the cores' SystemC stacks
  double windows_per_request = 0;  // the memory calendar windows one request holds
};

// Runs on hardware that move hbm_bytes in requests of about request_bytes and last at least simulated_ns.
WorkEstimate estimate_work(const models::HardwareSpec& hardware, double hbm_bytes, double request_bytes,
                           double simulated_ns);
// A study's two runs (the dense baseline and the schedule), from its analytical prediction.
WorkEstimate estimate_simulation_work(const LoadedStudy& loaded);

// Adds a problem for each limit e exceeds, naming the file and pointer of the figure that drives it in the layers
// of loaded's hardware (the study's own section, or the preset it names, or --hw's).
void add_work_problems(const WorkEstimate& e, const LoadedStudy& loaded, core::ConfigErrors& errors);
// The same for the estimate of a study's two runs.
void add_work_problems(const LoadedStudy& loaded, core::ConfigErrors& errors);

}  // namespace cascadesim::sim
