// Matrix unit "tensor_core": the tensor cores of one GPU SM, a throughput of MACs per cycle on operands padded up
// to the instruction shape (Hopper wgmma is m64nNk16), plus one pipeline latency per GEMM.
#include <array>
#include <cstdint>
#include <memory>

#include "hw/compute/matrix_unit.hpp"

namespace cascadesim::hw {
namespace {

struct TensorCoreConfig : MatrixRates {
  double macs_per_cycle = 0;
  std::int64_t tile_m = 64;
  std::int64_t tile_n = 8;
  std::int64_t tile_k = 16;
  double efficiency = 1.0;
  // 0: the unit is a pure throughput model, as the analytical roofline is. Successive tiles' MMAs overlap on a
  // GPU (wgmma is asynchronous), so a latency paid per call would overcount until calibration measures it.
  double pipeline_latency_cycles = 0.0;
  double area_mm2_per_mac = hw::no_area_figure;
  double mac_pJ = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto tensor_core_fields = with_matrix_rates(std::to_array<core::Field<TensorCoreConfig>>({
    {.key = "macs_per_cycle",
     .unit = "MACs/cycle",
     .doc =
         "dense multiply-accumulates per cycle per core (H100 BF16: 989.4e12 FLOP/s / (132 SMs x 1.83 GHz x 2) = 2048)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e9,
     .min_exclusive = true,
     .target = &TensorCoreConfig::macs_per_cycle},
    {.key = "tile_m",
     .doc = "rows of the instruction shape; m is padded up to a multiple of it",
     .min = 1,
     .max = 65536,
     .target = &TensorCoreConfig::tile_m},
    {.key = "tile_n",
     .doc = "columns of the instruction shape; n is padded up to a multiple of it",
     .min = 1,
     .max = 65536,
     .target = &TensorCoreConfig::tile_n},
    {.key = "tile_k",
     .doc = "reduction depth of the instruction shape; k is padded up to a multiple of it",
     .min = 1,
     .max = 65536,
     .target = &TensorCoreConfig::tile_k},
    {.key = "efficiency",
     .doc = "fraction of peak issue rate sustained (fitted by calibration)",
     .min = 0,
     .max = 1,
     .min_exclusive = true,
     .target = &TensorCoreConfig::efficiency},
    {.key = "pipeline_latency_cycles",
     .unit = "cycles",
     .doc = "latency of the first result, paid once per GEMM call",
     .min = 0,
     .max = 1e9,
     .target = &TensorCoreConfig::pipeline_latency_cycles},
    {.key = "area_mm2_per_mac",
     .unit = "mm2",
     .doc = "silicon area of one MAC unit per cycle of throughput; area = macs_per_cycle x it",
     .min = 0,
     .max = 1e6,
     .target = &TensorCoreConfig::area_mm2_per_mac},
    hw::energy_field<TensorCoreConfig>("mac_pJ",
                                       "energy of one multiply-accumulate at the matrix_dtype (any precision is priced "
                                       "at it), operand delivery included",
                                       &TensorCoreConfig::mac_pJ),
    hw::energy_field<TensorCoreConfig>("static_W", hw::per_core_static_power, &TensorCoreConfig::static_W),
}));

std::int64_t padded(std::int64_t extent, std::int64_t tile) { return (extent + tile - 1) / tile * tile; }

class TensorCore final : public CountingMatrixUnit {
 public:
  explicit TensorCore(const TensorCoreConfig& config) : CountingMatrixUnit(config), config_(config) {}

  double gemm_cycles(std::int64_t m, std::int64_t n, std::int64_t k) const override {
    // The unit issues whole instruction tiles, so a partial tile costs as much as a full one.
    const double macs = static_cast<double>(padded(m, config_.tile_m)) *
                        static_cast<double>(padded(n, config_.tile_n)) * static_cast<double>(padded(k, config_.tile_k));
    return macs / (config_.macs_per_cycle * config_.efficiency) + config_.pipeline_latency_cycles;
  }
  double peak_macs_per_cycle() const override { return config_.macs_per_cycle; }
  std::optional<hw::ComponentArea> area() const override {
    return hw::scaled_area(config_.area_mm2_per_mac, config_.macs_per_cycle, per_core());
  }

 private:
  TensorCoreConfig config_;
};

std::unique_ptr<TensorCore> make_tensor_core(const TensorCoreConfig& config, const core::ConfigNode&) {
  return std::make_unique<TensorCore>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(tensor_core, "matrix_unit", "tensor_core",
                              "GPU tensor cores of one SM: padded m*n*k / (macs_per_cycle * efficiency) + latency",
                              cascadesim::hw::TensorCoreConfig, cascadesim::hw::tensor_core_fields,
                              cascadesim::hw::matrix_unit_stats, cascadesim::hw::matrix_unit_actions,
                              cascadesim::hw::make_tensor_core)
