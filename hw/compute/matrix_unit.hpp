// The per-core matrix unit: tensor-core style (MACs per cycle) or a systolic R x C array.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "hw/component_registry.hpp"
#include "models/precision.hpp"

namespace cascadesim::hw {

// The rates a matrix unit's section may declare beside its own (which is the machine's matrix_dtype's), one per
// rate class of models::matrix_rate_names: "fp8_macs_per_cycle" and so on. Each implementation's config derives
// from it and appends matrix_rate_fields to its table.
struct MatrixRates {
  double fp32 = 0, bf16 = 0, fp16 = 0, fp8 = 0, int8 = 0, int4 = 0, fp4 = 0;  // 0: the unit lacks that class
};
inline constexpr std::array<double MatrixRates::*, models::matrix_rate_count> matrix_rate_members{
    &MatrixRates::fp32, &MatrixRates::bf16, &MatrixRates::fp16, &MatrixRates::fp8,
    &MatrixRates::int8, &MatrixRates::int4, &MatrixRates::fp4};
inline constexpr std::array<std::string_view, models::matrix_rate_count> matrix_rate_keys{
    "fp32_macs_per_cycle", "bf16_macs_per_cycle", "fp16_macs_per_cycle", "fp8_macs_per_cycle",
    "int8_macs_per_cycle", "int4_macs_per_cycle", "fp4_macs_per_cycle"};
static_assert(matrix_rate_keys[3].substr(0, 3) == models::matrix_rate_names[3]);

class MatrixUnit : public hw::Component {
 public:
  // Contract: m, n, k >= 1; returns the core cycles to compute C[m x n] += A[m x k] B[k x n] on this unit, from
  // operands in core-local memory, including pipeline fill and drain. Pure: the same shape gives the same cycles.
  virtual double gemm_cycles(std::int64_t m, std::int64_t n, std::int64_t k) const = 0;
  // Contract: the unit's peak multiply-accumulates per cycle at the machine's matrix_dtype (for utilization); its
  // gemm_cycles are at that precision too.
  virtual double peak_macs_per_cycle() const = 0;
  // Contract: dense MACs per cycle the section declares for a rate class (models::matrix_rate), 0 where it declares
  // none. The machine's precision figures (models::HardwareSpec::matrix_macs_per_cycle_at) are built from these.
  virtual double declared_macs_per_cycle(std::size_t rate) const = 0;
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

namespace matrix_rate_detail {
template <class S, std::size_t R>
struct RateField {
  static constexpr core::Field<S> make() {
    return core::Field<S>{.key = matrix_rate_keys[R],
                          .unit = "MACs/cycle",
                          .doc =
                              "dense multiply-accumulates per cycle per core at this precision class (datasheet "
                              "peak / (cores x clock x 2)); absent: the unit lacks it and a study needing it is "
                              "refused; the matrix_dtype's own rate is the unit's",
                          .min = 0,
                          .max = 1e9,
                          .min_exclusive = true,
                          .target = static_cast<double S::*>(matrix_rate_members[R])};
  }
};
template <class S, std::size_t N, std::size_t... I, std::size_t... R>
constexpr std::array<core::Field<S>, N + sizeof...(R)> join(const std::array<core::Field<S>, N>& own,
                                                            std::index_sequence<I...>, std::index_sequence<R...>) {
  return {own[I]..., RateField<S, R>::make()...};
}
}  // namespace matrix_rate_detail

// An implementation's own fields followed by the per-precision rate fields.
template <class S, std::size_t N>
constexpr std::array<core::Field<S>, N + models::matrix_rate_count> with_matrix_rates(
    const std::array<core::Field<S>, N>& own) {
  return matrix_rate_detail::join(own, std::make_index_sequence<N>{},
                                  std::make_index_sequence<models::matrix_rate_count>{});
}

// Counting shared by the implementations; they supply gemm_cycles and peak_macs_per_cycle.
class CountingMatrixUnit : public MatrixUnit {
 public:
  explicit CountingMatrixUnit(const MatrixRates& rates) : rates_(rates) {}
  double declared_macs_per_cycle(std::size_t rate) const override { return rates_.*matrix_rate_members.at(rate); }
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
  MatrixRates rates_;
};

}  // namespace cascadesim::hw
