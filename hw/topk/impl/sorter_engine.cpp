// Top-k engine "sorter": a SpAtten-style quick-select engine (Wang et al., SpAtten, HPCA 2021, §IV) whose
// parallel comparators split the candidates around a pivot each round until the k-th largest is found.
#include <array>
#include <cstdint>
#include <memory>

#include "hw/topk/topk_engine.hpp"

namespace cascadesim::hw {
namespace {

struct SorterEngineConfig {
  double elements_per_cycle = 0;
  // 0: no published pipeline depth for the engine; a calibrated preset sets it.
  double latency_cycles = 0.0;
  double area_mm2_per_lane = hw::no_area_figure;
  double candidate_pJ = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto sorter_engine_fields = std::to_array<core::Field<SorterEngineConfig>>({
    {.key = "elements_per_cycle",
     .unit = "elements/cycle",
     .doc = "candidates compared with the pivot per cycle (parallel comparators)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e9,
     .min_exclusive = true,
     .target = &SorterEngineConfig::elements_per_cycle},
    {.key = "latency_cycles",
     .unit = "cycles",
     .doc = "pipeline latency paid once per selection",
     .min = 0,
     .max = 1e9,
     .target = &SorterEngineConfig::latency_cycles},
    {.key = "area_mm2_per_lane",
     .unit = "mm2",
     .doc = "silicon area of one comparator lane and its candidate buffer; area = elements_per_cycle x it",
     .min = 0,
     .max = 1e6,
     .target = &SorterEngineConfig::area_mm2_per_lane},
    hw::energy_field<SorterEngineConfig>("candidate_pJ",
                                         "energy per candidate score selected from: its expected 2 compares with "
                                         "pivots (select_cycles) and its trips through the candidate buffer",
                                         &SorterEngineConfig::candidate_pJ),
    hw::energy_field<SorterEngineConfig>("static_W", hw::per_core_static_power, &SorterEngineConfig::static_W),
});

const core::StatInfo sorter_engine_stats[] = {
    {"selections", "", "top-k selections made"},
    {"candidates", "", "candidate scores selected from"},
    {"busy_cycles", "cycles", "sum of selection cycles"},
};

constexpr ActionInfo sorter_engine_actions[] = {
    {.name = "candidate",
     .unit = "candidate",
     .energy_key = "candidate_pJ",
     .stats = {"candidates"},
     .work = models::Work::candidates,
     .doc = "one candidate score ranked"},
};

class SorterEngine final : public TopkEngine {
 public:
  explicit SorterEngine(const SorterEngineConfig& config) : config_(config), stats_(sorter_engine_stats) {}

  // Expected cycles, not rounded (an average over pivot choices):
  //   latency_cycles + (2 * candidates + k) / elements_per_cycle.
  // Compares: each round compares every remaining candidate with the pivot and a random pivot leaves about half
  // for the next round, so n + n/2 + n/4 + ... < 2n. Knuth's exact expectation for Hoare's FIND ("Mathematical
  // Analysis of Algorithms", IFIP 1971) is 2(n - H_n) for k = 1, about 2n while k << n (attention's top-k regime),
  // up to about 3.39n at the median.
  // Emitting: the k winners, set aside above the pivots along the way, leave through the same lanes, k /
  // elements_per_cycle cycles; this keeps the time non-decreasing in k (selection cost alone is not: it falls
  // again past the median).
  double select_cycles(std::int64_t candidates, std::int64_t k) const override {
    const double compares = 2.0 * static_cast<double>(candidates);
    return config_.latency_cycles + (compares + static_cast<double>(k)) / config_.elements_per_cycle;
  }
  void count(double cycles, double candidates) override {
    stats_[0] += 1;
    stats_[1] += candidates;
    stats_[2] += cycles;
  }
  void reset() override { stats_.reset(); }
  const core::StatSet& stats() const override { return stats_; }
  std::optional<hw::ComponentArea> area() const override {
    return hw::scaled_area(config_.area_mm2_per_lane, config_.elements_per_cycle, per_core());
  }

 private:
  SorterEngineConfig config_;
  core::StatSet stats_;
};

std::unique_ptr<SorterEngine> make_sorter_engine(const SorterEngineConfig& config, const core::ConfigNode&) {
  return std::make_unique<SorterEngine>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(
    sorter_engine, "topk", "sorter",
    "quick-select top-k engine (SpAtten): latency + (2 * candidates + k) / elements_per_cycle",
    cascadesim::hw::SorterEngineConfig, cascadesim::hw::sorter_engine_fields, cascadesim::hw::sorter_engine_stats,
    cascadesim::hw::sorter_engine_actions, cascadesim::hw::make_sorter_engine)
