// The figures of a machine that the analytical models need: peaks, capacities and fixed costs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/config_node.hpp"
#include "models/collectives.hpp"
#include "models/dataflow/attention_implementation.hpp"
#include "models/energy.hpp"
#include "models/kernel_families.hpp"
#include "models/power_limit.hpp"
#include "models/precision.hpp"

namespace cascadesim::models {

struct HardwareSpec {
  std::string name;
  // The machine's structure, from the hardware config's top level (both backends read these).
  std::int64_t cores = 0;  // SMs, TensorCores or PEs that take work units
  double clock_GHz = 0;
  double kernel_launch_us = 0;  // fixed cost per kernel launch and synchronisation
  // Power management (models/power_limit.hpp): the board's limit, the clocks the manager moves between, and how
  // the supply voltage follows the clock. power_limit_W 0: no limit, every run at clock_GHz.
  double power_limit_W = 0, max_clock_GHz = 0, min_clock_GHz = 0, voltage_clock_slope = 1;
  double sram_per_core_bytes = 0;  // per-core scratchpad / shared memory
  // A GPU core's other limits on resident thread blocks (CUDA occupancy); 0: not a limit. max_units_per_core: the
  // units a core's scheduler keeps resident at most (1 for an accelerator's cores).
  std::int64_t registers_per_core = 0, threads_per_core = 0, max_units_per_core = 1;
  Precision matrix_dtype = Precision::bf16;  // the precision the matrix unit's own rate is quoted for
  // Taken from the component sections (hw::System::take_roofline_figures), never written beside them, so one
  // description of the machine moves both backends.
  double matrix_macs_per_cycle = 0;  // one core's matrix unit(s), dense, at matrix_dtype: /matrix_unit
  // The section's rates at the other precision classes (models::matrix_rate; /matrix_unit/<class>_macs_per_cycle),
  // 0 where it declares none: the unit lacks that class.
  std::array<double, matrix_rate_count> declared_matrix_macs_per_cycle{};
  double vector_flops_per_cycle = 0;  // one core's elementwise FP32 operations: /vector_unit
  // Its exponentials on their own pipe, beside the lanes (/vector_unit); 0: counted as lane operations.
  double vector_exps_per_cycle = 0;
  double hbm_bandwidth_GBps = 0;        // off-chip memory peak, GB = 1e9 bytes: /memory
  double core_port_bandwidth_GBps = 0;  // one core's port into the on-chip network: /noc; 0: not a limit
  double load_latency_ns = 0;           // a load that misses the L2, unloaded: the /noc, /l2 and /memory latencies
  double l2_hit_latency_ns = 0;         // a load the L2 holds, unloaded: the /noc and /l2 latencies
  double hbm_bytes = 0;                 // off-chip memory capacity: /memory/bytes
  double l2_bytes = 0;                  // shared on-chip cache or global buffer: /l2/bytes
  double l2_bandwidth_GBps = 0;         // its bandwidth to all the cores: /l2
  // The host-memory tier and its link (/host_memory; 0 without one): K/V that does not fit the HBM is read over it.
  double host_bandwidth_GBps = 0, host_bytes = 0;
  InterconnectFigures interconnect;  // devices and links: /interconnect (one device without it)
  // The component sections as resolved ({"memory": {...}, "l2": {...}, ...}): the one description of the machine,
  // which hw builds and study_to_json writes back; shared, so that a study copied per sweep point stays cheap.
  std::shared_ptr<const core::Json> sections;
  // The components' action energies and static powers, from the same sections (hw::energy_figures); null when no
  // section was read (a spec built in code).
  std::shared_ptr<const EnergyFigures> energy;
  // The analytical model's own fitted figure (calibrate): the achievable fraction of the matrix peak that its
  // closed forms, which ignore tile quantization and pipeline gaps, reach.
  double matrix_efficiency = 1.0;
  // Each kernel family's fitted figures (/kernel_families), read by both backends; defaults where not calibrated.
  std::array<KernelFamilyFigures, kernel_family_count> kernel_families{};

  PowerLimit power_limit() const { return {power_limit_W, max_clock_GHz, min_clock_GHz, voltage_clock_slope}; }

  dataflow::CoreLimits core_limits() const {
    return {sram_per_core_bytes, registers_per_core, threads_per_core, max_units_per_core};
  }

  // Dense MACs per cycle per core for a product at precision p; 0: the machine lacks it.
  double matrix_macs_per_cycle_at(Precision p) const {
    return matrix_rate(p) == matrix_rate(matrix_dtype) ? matrix_macs_per_cycle
                                                       : declared_matrix_macs_per_cycle[matrix_rate(p)];
  }
  // The time a product at p takes over the same product at matrix_dtype (0.5 for fp8 on an H100).
  double matrix_time_ratio(Precision p) const {
    return matrix_rate(p) == matrix_rate(matrix_dtype) ? 1.0 : matrix_macs_per_cycle / matrix_macs_per_cycle_at(p);
  }

  // 2 FLOP per multiply-accumulate, on every core at the clock.
  double peak_matrix_TFLOPs() const { return peak_matrix_TFLOPs(matrix_dtype); }
  double peak_matrix_TFLOPs(Precision p) const {
    return 2.0 * matrix_macs_per_cycle_at(p) * static_cast<double>(cores) * clock_GHz * 1e-3;
  }
  double peak_vector_TFLOPs() const { return vector_flops_per_cycle * static_cast<double>(cores) * clock_GHz * 1e-3; }
};

}  // namespace cascadesim::models
