// The per-core matrix unit: tensor-core style (MACs per cycle) or a systolic R x C array.
#pragma once

#include <cstdint>

#include "hw/component_registry.hpp"

namespace cascadesim::hw {

class MatrixUnit : public hw::Component {
 public:
  // Contract: m, n, k >= 1; returns the core cycles to compute C[m x n] += A[m x k] B[k x n] on this unit, from
  // operands in core-local memory, including pipeline fill and drain. Pure: the same shape gives the same cycles.
  virtual double gemm_cycles(std::int64_t m, std::int64_t n, std::int64_t k) const = 0;
  // Contract: the unit's peak multiply-accumulates per cycle (for utilization).
  virtual double peak_macs_per_cycle() const = 0;
  // Contract: adds one GEMM's cycles and MACs to the statistics (the engine calls it per tile it computes).
  virtual void count(double cycles, double macs) = 0;
  // Contract: the MACs counted since the last reset (the "macs" statistic every matrix unit keeps).
  virtual double counted_macs() const = 0;
  bool per_core() const override { return true; }
};

// The statistics every matrix unit keeps, declared once so that reports compare implementations by name;
// utilization is derived at the end: macs / (peak_macs_per_cycle x busy_cycles).
inline constexpr core::StatInfo matrix_unit_stats[] = {
    {"gemms", "", "GEMM tiles computed"},
    {"macs", "", "multiply-accumulates counted (useful work, so padding and partial blocks show as lower utilization)"},
    {"busy_cycles", "cycles", "sum of GEMM cycles"},
};

// The actions every matrix unit prices, declared once beside its statistics: each implementation's section gives
// mac_pJ (models/energy.hpp).
inline constexpr ActionInfo matrix_unit_actions[] = {
    {.name = "mac",
     .unit = "MAC",
     .energy_key = "mac_pJ",
     .stats = {"macs"},
     .work = models::Work::macs,
     .doc = "one useful multiply-accumulate at the machine's matrix_dtype, operands read from the unit's registers"},
};

// Counting shared by the implementations; they supply gemm_cycles and peak_macs_per_cycle.
class CountingMatrixUnit : public MatrixUnit {
 public:
  void count(double cycles, double macs) override {
    stats_[0] += 1;
    stats_[1] += macs;
    stats_[2] += cycles;
  }
  double counted_macs() const override { return stats_[1]; }
  void reset() override { stats_.reset(); }
  const core::StatSet& stats() const override { return stats_; }

 private:
  core::StatSet stats_{matrix_unit_stats};
};

}  // namespace cascadesim::hw
