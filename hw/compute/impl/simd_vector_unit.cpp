// Vector unit "simd": elementwise lanes and a special-function unit for exponentials, separate pipelines that
// overlap, so the busier of the two sets the time.
#include <algorithm>
#include <array>
#include <memory>

#include "hw/compute/vector_unit.hpp"

namespace cascadesim::hw {
namespace {

struct SimdVectorUnitConfig {
  double flops_per_cycle = 0;
  double exps_per_cycle = 0;
  double area_mm2_per_lane = hw::no_area_figure;
  double op_pJ = hw::no_energy_figure;
  double exp_pJ = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto simd_vector_unit_fields = std::to_array<core::Field<SimdVectorUnitConfig>>({
    {.key = "flops_per_cycle",
     .unit = "FLOP/cycle",
     .doc = "elementwise operations per cycle per core (H100 FP32: 128 lanes x 2 FLOP per FMA = 256 per SM)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e9,
     .min_exclusive = true,
     .target = &SimdVectorUnitConfig::flops_per_cycle},
    {.key = "exps_per_cycle",
     .unit = "exp/cycle",
     .doc =
         "special-function unit exponentials per cycle per core (H100: 16 per SM; FlashAttention-3, Shah et al. 2024: "
         "3.9 TFLOPS of MUFU vs 989 of matmul)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e9,
     .min_exclusive = true,
     .target = &SimdVectorUnitConfig::exps_per_cycle},
    {.key = "area_mm2_per_lane",
     .unit = "mm2",
     .doc = "silicon area per elementwise operation per cycle (the exponential pipeline included); area = "
            "flops_per_cycle x "
            "it",
     .min = 0,
     .max = 1e6,
     .target = &SimdVectorUnitConfig::area_mm2_per_lane},
    hw::energy_field<SimdVectorUnitConfig>(
        "op_pJ", "energy of one elementwise operation (add, multiply, compare, max) with its register reads",
        &SimdVectorUnitConfig::op_pJ),
    hw::energy_field<SimdVectorUnitConfig>("exp_pJ", "energy of one exponential on the special-function unit",
                                           &SimdVectorUnitConfig::exp_pJ),
    hw::energy_field<SimdVectorUnitConfig>("static_W", hw::per_core_static_power, &SimdVectorUnitConfig::static_W),
});

const core::StatInfo simd_vector_unit_stats[] = {
    {"flops", "", "elementwise operations counted"},
    {"exps", "", "exponentials counted"},
    {"busy_cycles", "cycles", "sum of vector cycles"},
};

constexpr ActionInfo simd_vector_unit_actions[] = {
    {.name = "op",
     .unit = "operation",
     .energy_key = "op_pJ",
     .stats = {"flops"},
     .work = models::Work::vector_ops,
     .doc = "one elementwise operation other than an exponential (softmax arithmetic, epilogues, selection compares)"},
    {.name = "exp",
     .unit = "exponential",
     .energy_key = "exp_pJ",
     .stats = {"exps"},
     .work = models::Work::exps,
     .doc = "one exponential"},
};

class SimdVectorUnit final : public VectorUnit {
 public:
  explicit SimdVectorUnit(const SimdVectorUnitConfig& config) : config_(config), stats_(simd_vector_unit_stats) {}

  double cycles(double flops, double exps) const override {
    return std::max(flops / config_.flops_per_cycle, exps / config_.exps_per_cycle);
  }
  double peak_flops_per_cycle() const override { return config_.flops_per_cycle; }
  double peak_exps_per_cycle() const override { return config_.exps_per_cycle; }
  void count(double cycles, double flops, double exps) override {
    stats_[0] += flops;
    stats_[1] += exps;
    stats_[2] += cycles;
  }
  void reset() override { stats_.reset(); }
  const core::StatSet& stats() const override { return stats_; }
  std::optional<hw::ComponentArea> area() const override {
    return hw::scaled_area(config_.area_mm2_per_lane, config_.flops_per_cycle, per_core());
  }

 private:
  SimdVectorUnitConfig config_;
  core::StatSet stats_;
};

std::unique_ptr<SimdVectorUnit> make_simd_vector_unit(const SimdVectorUnitConfig& config, const core::ConfigNode&) {
  return std::make_unique<SimdVectorUnit>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(simd_vector_unit, "vector_unit", "simd",
                              "SIMD lanes and a special-function unit: max(flops / flops_per_cycle, exps / "
                              "exps_per_cycle)",
                              cascadesim::hw::SimdVectorUnitConfig, cascadesim::hw::simd_vector_unit_fields,
                              cascadesim::hw::simd_vector_unit_stats, cascadesim::hw::simd_vector_unit_actions,
                              cascadesim::hw::make_simd_vector_unit)
