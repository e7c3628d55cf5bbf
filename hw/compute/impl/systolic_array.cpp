// Matrix unit "systolic": an R x C output-stationary systolic array (TPU MXU / FuseMax style) that computes
// C[m x n] in R x C output blocks, streaming k partial sums through each block.
#include <array>
#include <cstdint>
#include <memory>

#include "hw/compute/matrix_unit.hpp"

namespace cascadesim::hw {
namespace {

struct SystolicArrayConfig : MatrixRates {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t arrays = 1;
  double efficiency = 1.0;
  double area_mm2_per_pe = hw::no_area_figure;
  double mac_pJ = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto systolic_array_fields = with_matrix_rates(std::to_array<core::Field<SystolicArrayConfig>>({
    {.key = "rows",
     .doc = "processing elements per column (R): output rows computed at once",
     .presence = core::Presence::required,
     .min = 1,
     .max = 65536,
     .target = &SystolicArrayConfig::rows},
    {.key = "cols",
     .doc = "processing elements per row (C): output columns computed at once",
     .presence = core::Presence::required,
     .min = 1,
     .max = 65536,
     .target = &SystolicArrayConfig::cols},
    {.key = "arrays",
     .doc = "independent R x C arrays per core that share out a GEMM's output blocks, each with its own fill and "
            "drain (TPU v5e: four 128 x 128 MXUs per TensorCore)",
     .min = 1,
     .max = 1024,
     .target = &SystolicArrayConfig::arrays},
    {.key = "efficiency",
     .doc = "fraction of the streaming cycles the array is fed (fitted by calibration)",
     .min = 0,
     .max = 1,
     .min_exclusive = true,
     .target = &SystolicArrayConfig::efficiency},
    {.key = "area_mm2_per_pe",
     .unit = "mm2",
     .doc = "silicon area of one processing element (MAC and its registers); area = arrays x rows x cols x it",
     .min = 0,
     .max = 1e6,
     .target = &SystolicArrayConfig::area_mm2_per_pe},
    hw::energy_field<SystolicArrayConfig>(
        "mac_pJ",
        "energy of one multiply-accumulate in a PE, its register reads and the operand hops between PEs included",
        &SystolicArrayConfig::mac_pJ),
    hw::energy_field<SystolicArrayConfig>("static_W", hw::per_core_static_power, &SystolicArrayConfig::static_W),
}));

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

class SystolicArray final : public CountingMatrixUnit {
 public:
  explicit SystolicArray(const SystolicArrayConfig& config) : CountingMatrixUnit(config), config_(config) {}

  // Kung, "Why systolic architectures?", IEEE Computer 1982: operands enter skewed, so PE(i, j) starts i + j
  // cycles after PE(0, 0). One block takes k cycles at PE(0, 0), then the wavefront needs (R - 1) cycles to
  // fill down the rows and (C - 1) to drain across the columns: k + R + C - 2 cycles. Blocks enter back to back
  // (results shift out while the next block accumulates), so the skew is paid once per call:
  //   cycles = ceil(m / R) * ceil(n / C) * k / efficiency + (R - 1) + (C - 1).
  // With several arrays the blocks are shared out, ceil(blocks / arrays) each, and the arrays fill and drain
  // side by side.
  // SCALE-Sim (Samajdar et al., ISPASS 2020) charges 2R + C + k - 2 per fold instead, i.e. no overlap of folds
  // and an R-cycle shift-out; that is the pessimistic bound for arrays without double-buffered accumulators.
  double gemm_cycles(std::int64_t m, std::int64_t n, std::int64_t k) const override {
    const std::int64_t blocks = ceil_div(m, config_.rows) * ceil_div(n, config_.cols);
    const double fill_and_drain = static_cast<double>(config_.rows - 1 + config_.cols - 1);
    return static_cast<double>(ceil_div(blocks, config_.arrays)) * static_cast<double>(k) / config_.efficiency +
           fill_and_drain;
  }
  double peak_macs_per_cycle() const override {
    return static_cast<double>(config_.arrays * config_.rows * config_.cols);
  }
  std::optional<hw::ComponentArea> area() const override {
    return hw::scaled_area(config_.area_mm2_per_pe, peak_macs_per_cycle(), per_core());
  }

 private:
  SystolicArrayConfig config_;
};

std::unique_ptr<SystolicArray> make_systolic_array(const SystolicArrayConfig& config, const core::ConfigNode&) {
  return std::make_unique<SystolicArray>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(
    systolic_array, "matrix_unit", "systolic",
    "arrays of R x C output-stationary systolic arrays: ceil(ceil(m/R)*ceil(n/C) / arrays)*k / efficiency + R + C - 2",
    cascadesim::hw::SystolicArrayConfig, cascadesim::hw::systolic_array_fields, cascadesim::hw::matrix_unit_stats,
    cascadesim::hw::matrix_unit_actions, cascadesim::hw::make_systolic_array)
