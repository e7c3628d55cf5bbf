// The work estimate: from the analytical prediction of the same kernel lists (the HBM bytes both runs move, their
// roofline time) and the memory sections' calendars (hw/memory/impl/hbm.cpp), which book every window a request's
// [start, completion) overlaps on every channel it touches.
#include "sim/engine/work_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "models/prediction.hpp"

namespace cascadesim::sim {

namespace {

double section_figure(const core::Json& section, const char* key, double fallback) {
  const auto it = section.find(key);
  return it != section.end() && it->is_number() ? it->get<double>() : fallback;
}

struct CalendarCost {
  double steps_per_byte = 0;       // over the whole run
  double windows_per_request = 0;  // held by one request on one channel
};

// The memory section's calendar work for requests of request_bytes: each request holds a slot on each channel it
// touches for its latency and transfer, one step per window.
CalendarCost calendar_cost(const core::Json& memory, double request_bytes) {
  const double channels = std::max(1.0, section_figure(memory, "channels", 1));
  const double channel_GBps = section_figure(memory, "channel_bandwidth_GBps", 0);
  const double latency_ns = section_figure(memory, "latency_ns", 0);
  const double window_ns = section_figure(memory, "window_ns", 0);
  const double burst_bytes = std::max(1.0, section_figure(memory, "burst_bytes", 64));
  if (!(window_ns > 0) || !(channel_GBps > 0)) return {};
  const double touched = std::min(channels, std::ceil(request_bytes / burst_bytes));
  const double transfer_ns = request_bytes / touched / channel_GBps;
  const double windows = 1 + std::ceil((latency_ns + transfer_ns) / window_ns);
  return {touched * windows / request_bytes, windows};
}

std::string estimate_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

}  // namespace

WorkEstimate estimate_work(const models::HardwareSpec& hardware, double hbm_bytes, double request_bytes,
                           double simulated_ns) {
  WorkEstimate e;
  if (hardware.sections)
    if (const auto memory = hardware.sections->find("memory"); memory != hardware.sections->end()) {
      const CalendarCost cost = calendar_cost(*memory, std::max(1.0, request_bytes));
      e.events = hbm_bytes * cost.steps_per_byte;
      e.windows_per_request = cost.windows_per_request;
    }
  e.simulated_ns = simulated_ns;
  e.stack_bytes = static_cast<double>(hardware.cores) * core_stack_bytes;
  return e;
}

WorkEstimate estimate_simulation_work(const LoadedStudy& loaded) {
  const models::Study& st = loaded.study;
  const models::Prediction p = models::predict_both(st).exact;
  // A request moves about a K/V tile, the engine's typical transfer.
  const double request_bytes = static_cast<double>(st.workload.tile_tokens) * static_cast<double>(st.model.head_dim) *
                               models::bytes_per_element(st.workload.precision.kv_cache);
  return estimate_work(st.hardware, p.dense_model.cost.hbm_bytes + p.schedule_model.cost.hbm_bytes, request_bytes,
                       std::max(p.dense_model.time.time_s, p.schedule_model.time.time_s) * 1e9);
}

void add_work_problems(const WorkEstimate& e, const LoadedStudy& loaded, core::ConfigErrors& errors) {
  // Where the figures driving each limit were given: the topmost hardware layer that has them (a study's own section,
  // the preset it names, or --hw's).
  core::ConfigErrors unused;
  const core::ConfigNode hardware(loaded.hardware_layers, unused);
  const core::ConfigNode memory = hardware.child("memory");
  const auto add = [&](const core::SourceLocation& where, std::string message) {
    errors.add(where.file, where.pointer, std::move(message));
  };
  if (!(e.events <= max_simulation_events))
    add(memory.empty() ? hardware.location_of("memory") : memory.location(),
        "the simulation would take about " + estimate_text(e.events) + " memory-calendar steps, more than the " +
            estimate_text(max_simulation_events) +
            " a run may take (latency_ns and window_ns set the steps per request; HBM bytes the requests)");
  if (!(e.windows_per_request <= max_windows_per_request))
    add(memory.location(), "one request would hold its queue slot for about " + estimate_text(e.windows_per_request) +
                               " calendar windows (latency_ns / window_ns), more than the " +
                               estimate_text(max_windows_per_request) + " the memory model can keep");
  if (!(e.simulated_ns <= max_simulated_ns))
    add(hardware.location(), "the run would last about " + estimate_text(e.simulated_ns) +
                                 " ns of simulated time, more than the " + estimate_text(max_simulated_ns) +
                                 " ns the engine's picosecond clock can count (rates or clock too low)");
  if (!(e.stack_bytes <= max_core_stack_bytes))
    add(hardware.location_of("cores"), std::to_string(loaded.study.hardware.cores) + " cores need " +
                                           estimate_text(e.stack_bytes) +
                                           " bytes of SystemC thread stacks, more than the " +
                                           estimate_text(max_core_stack_bytes) + " a run may take");
}

void add_work_problems(const LoadedStudy& loaded, core::ConfigErrors& errors) {
  add_work_problems(estimate_simulation_work(loaded), loaded, errors);
}

}  // namespace cascadesim::sim
