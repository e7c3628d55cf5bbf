// The engine: replays a dataflow's kernels on the assembled hardware. SystemC is the timing shell: one thread
// per core takes work units in order as it frees up (so waves and stragglers emerge), runs each unit's tile
// steps against the components in plain C++ with its own local time (temporal decoupling), and waits once
// per unit. Kernels run one after another, each after a launch and synchronisation gap.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hw/system/system.hpp"
#include "models/dataflow/kernel.hpp"

namespace cascadesim::sim {

struct KernelRecord {
  std::string name;
  models::Op op = models::Op::qkv_projection;
  std::int64_t layer = 0;
  models::LayerKind kind = models::LayerKind::dense;
  std::size_t family = 0;           // its kernel family (models::kernel_family_names)
  double start_ns = 0, end_ns = 0;  // after the launch gap, until the last unit finished
  double units = 0;
  double tile_ops = 0;        // (query tile, key tile) blocks, selections, or GEMM k-steps computed
  double matrix_busy_ns = 0;  // summed over cores
  double vector_busy_ns = 0;
  double requested_bytes = 0;         // bytes the cores asked of the memory hierarchy
  double hbm_bytes = 0;               // bytes off-chip memory moved while the kernel ran (read + write)
  std::vector<double> channel_bytes;  // of those, per memory channel (empty when the memory has no channels)
  models::OpCost cost;                // the description's analytical sum, for comparison
};

struct ComponentStats {
  std::string name;
  std::vector<core::StatInfo> infos;
  std::vector<double> values;
};

struct RunResult {
  double time_ns = 0;
  double launch_ns = 0;  // summed gaps before kernels: launch and synchronisation, and families' per-kernel costs
  std::vector<KernelRecord> kernels;
  std::vector<ComponentStats> components;
  double tile_ops = 0;
  // What the memory levels served and the matrix units computed over the run, in the terms every implementation
  // shares (hw::MemoryTraffic), for the figures reports compare.
  hw::MemoryTraffic memory, l2;
  hw::MemoryTraffic host;  // the host-memory tier's (/host_memory), zero without one
  double matrix_macs = 0;
  // The machine's peaks as its component sections give them, for utilization figures.
  double peak_macs_per_ns = 0;  // cores x the matrix unit's MACs per cycle x clock
  double peak_hbm_GBps = 0;     // the memory section's channels together
  // Layers (runs of kernels of one layer index) in the run, and of those the ones simulated: a layer doing the same
  // work as one simulated before it takes that layer's times and statistics instead (RunOptions).
  std::int64_t layers = 0, layers_simulated = 0;
  // The components' actions as their statistics count them, priced by the machine's energy figures
  // (HardwareSpec::energy), in total and per layer kind.
  models::EnergyBreakdown energy;
};

// Receives one event per work unit and per kernel, for timelines (Perfetto).
struct TraceSink {
  virtual ~TraceSink() = default;
  virtual void unit(std::int64_t core, const KernelRecord& kernel, double start_ns, double end_ns) = 0;
  virtual void kernel(const KernelRecord& kernel) = 0;
};

struct RunOptions {
  TraceSink* trace = nullptr;
  // K/V tiles in flight per core when the scratchpad allows
  std::int64_t max_pipeline_stages = models::dataflow::default_pipeline_stages;
  // Reuse a simulated layer's times and statistics for later layers doing the same work (equal kernels but for the
  // layer's own tensors, equal pattern lists). Layers touch only their own tensors, so a repeat differs from its
  // twin only by the state the machine starts it in: the first two occurrences are simulated (the first starts
  // cold or after another kind of layer) and later ones take the second's results (docs/simulate.md gives the
  // difference on the shipped studies). Off when a trace is written: a timeline shows every unit.
  bool reuse_repeated_layers = true;
};

// Contract: system was built from the same study; every AttentionWork fits the scratchpad (pipeline_stages
// >= 1). Resets the system first; deterministic.
RunResult run_kernels(hw::System& system, const std::vector<models::dataflow::Kernel>& kernels,
                      const RunOptions& options);

}  // namespace cascadesim::sim
