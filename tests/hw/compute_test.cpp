// The compute components: tensor-core and systolic matrix units, the SIMD vector unit. Cycles are derived by hand
// from each formula; configs are built from inline sections as a hardware preset holds them.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "component_builder.hpp"
#include "core/config_error.hpp"
#include "hw/compute/busy_timeline.hpp"
#include "hw/compute/matrix_unit.hpp"
#include "hw/compute/vector_unit.hpp"

using namespace cascadesim;
using core::Json;

namespace {
std::unique_ptr<hw::MatrixUnit> matrix_unit(const Json& section) {
  return test::build_component<hw::MatrixUnit>("matrix_unit", section);
}

std::unique_ptr<hw::VectorUnit> vector_unit(const Json& section) {
  return test::build_component<hw::VectorUnit>("vector_unit", section);
}

// Every error line a section produces, in order; the build must fail.
template <class Interface>
std::vector<std::string> errors_of(std::string_view role, const Json& section) {
  return test::component_errors<Interface>(std::string(role), section);
}

std::vector<std::string> registered(std::string_view role) {
  std::vector<std::string> names;
  for (const hw::ComponentEntry* e : hw::ComponentCatalog::instance().role(role)) names.push_back(e->name);
  std::sort(names.begin(), names.end());
  return names;
}

const Json h100_sm = {{"impl", "tensor_core"}, {"macs_per_cycle", 2048}};
}  // namespace

TEST_CASE("every compute implementation is registered under its role") {
  CHECK(registered("matrix_unit") == std::vector<std::string>{"systolic", "tensor_core"});
  CHECK(registered("vector_unit") == std::vector<std::string>{"simd"});
}

TEST_CASE("compute components declare their parameters and statistics with units") {
  const hw::ComponentEntry* tc = hw::ComponentCatalog::instance().find("matrix_unit", "tensor_core");
  REQUIRE(tc != nullptr);
  // Its own 9 (the last two: its MAC energy and static power), then one rate per other precision class.
  REQUIRE(tc->params.size() == 9 + models::matrix_rate_count);
  CHECK(tc->params[0].key == "macs_per_cycle");
  CHECK(tc->params[0].required);
  CHECK(tc->params[1].key == "tile_m");
  CHECK(tc->params[1].kind == "integer");
  CHECK(tc->params[1].default_value == "64");
  CHECK(tc->params[2].default_value == "8");
  CHECK(tc->params[3].default_value == "16");
  CHECK(tc->params[7].key == "mac_pJ");
  CHECK(tc->params[7].unit == "pJ");
  CHECK(tc->params[8].key == "static_W");
  CHECK(tc->params[9].key == "fp32_macs_per_cycle");
  CHECK(tc->params[12].key == "fp8_macs_per_cycle");
  CHECK(tc->params[12].unit == "MACs/cycle");
  CHECK(!tc->params[12].required);
  CHECK(tc->params[15].key == "fp4_macs_per_cycle");
  REQUIRE(tc->stats.size() == 3);
  CHECK(tc->stats[2].name == "busy_cycles");
  CHECK(tc->stats[2].unit == "cycles");

  const hw::ComponentEntry* sa = hw::ComponentCatalog::instance().find("matrix_unit", "systolic");
  REQUIRE(sa != nullptr);
  REQUIRE(sa->params.size() == 7 + models::matrix_rate_count);
  CHECK(sa->params[0].required);
  CHECK(sa->params[1].required);
  CHECK(sa->params[2].key == "arrays");
  CHECK(sa->params[2].default_value == "1");
  CHECK(sa->params[3].default_value == "1.0");

  const hw::ComponentEntry* simd = hw::ComponentCatalog::instance().find("vector_unit", "simd");
  REQUIRE(simd != nullptr);
  REQUIRE(simd->stats.size() == 3);
  CHECK(simd->stats[0].name == "flops");
  CHECK(simd->stats[1].name == "exps");
}

TEST_CASE("a tensor core computes aligned shapes at macs_per_cycle") {
  auto tc = matrix_unit(h100_sm);
  // 128 x 64 x 64 is a whole number of m64 n8 k16 tiles: 524288 MACs / 2048 per cycle.
  CHECK(tc->gemm_cycles(128, 64, 64) == doctest::Approx(524288.0 / 2048.0));
  CHECK(tc->gemm_cycles(64, 8, 16) == doctest::Approx(8192.0 / 2048.0));
  CHECK(tc->peak_macs_per_cycle() == 2048.0);
}

TEST_CASE("a matrix unit reports the per-precision rates its section declares, 0 for the others") {
  Json section = h100_sm;
  section["fp8_macs_per_cycle"] = 4096;
  section["int8_macs_per_cycle"] = 4096;
  const auto mu = matrix_unit(section);
  CHECK(mu->declared_macs_per_cycle(models::matrix_rate(models::Precision::fp8_e4m3)) == 4096);
  CHECK(mu->declared_macs_per_cycle(models::matrix_rate(models::Precision::fp8_e5m2)) == 4096);
  CHECK(mu->declared_macs_per_cycle(models::matrix_rate(models::Precision::int8)) == 4096);
  CHECK(mu->declared_macs_per_cycle(models::matrix_rate(models::Precision::fp4)) == 0);
  CHECK(mu->peak_macs_per_cycle() == 2048);  // its own rate, at the machine's matrix_dtype
  const auto array = matrix_unit({{"impl", "systolic"}, {"rows", 4}, {"cols", 4}, {"int8_macs_per_cycle", 32}});
  CHECK(array->declared_macs_per_cycle(models::matrix_rate(models::Precision::int8)) == 32);
}

TEST_CASE("a tensor core pads unaligned shapes up to its instruction shape") {
  auto tc = matrix_unit(h100_sm);
  // 65 x 9 x 17 pads to 128 x 16 x 32 = 65536 MACs.
  CHECK(tc->gemm_cycles(65, 9, 17) == doctest::Approx(65536.0 / 2048.0));
  // A 1 x 1 x 1 product still occupies one m64 n8 k16 instruction: 8192 MACs.
  CHECK(tc->gemm_cycles(1, 1, 1) == doctest::Approx(8192.0 / 2048.0));
  // Ampere's mma.m16n8k16: 17 x 9 x 17 pads to 32 x 16 x 32 = 16384 MACs at 1024 per cycle.
  auto ampere = matrix_unit({{"impl", "tensor_core"}, {"macs_per_cycle", 1024}, {"tile_m", 16}});
  CHECK(ampere->gemm_cycles(17, 9, 17) == doctest::Approx(16384.0 / 1024.0));
}

TEST_CASE("tensor-core efficiency stretches the streaming time but not the pipeline latency") {
  auto tc = matrix_unit(
      {{"impl", "tensor_core"}, {"macs_per_cycle", 2048}, {"efficiency", 0.5}, {"pipeline_latency_cycles", 30}});
  // 524288 MACs at 2048 x 0.5 per cycle, then the first-result latency once.
  CHECK(tc->gemm_cycles(128, 64, 64) == doctest::Approx(524288.0 / 1024.0 + 30.0));
  CHECK(tc->peak_macs_per_cycle() == 2048.0);
}

TEST_CASE("a systolic gemm that fits one block pays k plus fill and drain") {
  auto sa = matrix_unit({{"impl", "systolic"}, {"rows", 4}, {"cols", 4}});
  // One block: 1 cycle of streaming, R - 1 = 3 to fill, C - 1 = 3 to drain.
  CHECK(sa->gemm_cycles(1, 1, 1) == doctest::Approx(1.0 + 3.0 + 3.0));
  // A full 4 x 4 output block over k = 32: 32 + 3 + 3.
  CHECK(sa->gemm_cycles(4, 4, 32) == doctest::Approx(32.0 + 3.0 + 3.0));
  // A rectangular 8 x 2 array fills over 7 rows and drains over 1 column.
  auto tall = matrix_unit({{"impl", "systolic"}, {"rows", 8}, {"cols", 2}});
  CHECK(tall->gemm_cycles(8, 2, 10) == doctest::Approx(10.0 + 7.0 + 1.0));
  CHECK(tall->peak_macs_per_cycle() == 16.0);
}

TEST_CASE("systolic folds stream back to back and pay fill and drain once") {
  auto sa = matrix_unit({{"impl", "systolic"}, {"rows", 4}, {"cols", 4}});
  // 10 x 9 output: ceil(10/4) = 3 by ceil(9/4) = 3 blocks, each streaming k = 5.
  CHECK(sa->gemm_cycles(10, 9, 5) == doctest::Approx(3.0 * 3.0 * 5.0 + 3.0 + 3.0));
  // A 128 x 128 MXU on a 256 x 512 x 128 product: 2 x 4 blocks of 128 cycles, fill 127, drain 127.
  auto mxu = matrix_unit({{"impl", "systolic"}, {"rows", 128}, {"cols", 128}, {"efficiency", 0.8}});
  CHECK(mxu->gemm_cycles(256, 512, 128) == doctest::Approx(2.0 * 4.0 * 128.0 / 0.8 + 127.0 + 127.0));
  CHECK(mxu->peak_macs_per_cycle() == 16384.0);
}

TEST_CASE("several systolic arrays share out the output blocks and fill and drain side by side") {
  // TPU v5e: four 128 x 128 MXUs. A 128 x 128 tile uses one of them; a 256 x 256 tile's 4 blocks run on all four
  // at once, each paying a 128 x 128 array's fill and drain, where one 256 x 256 array would pay 255 + 255.
  auto mxus = matrix_unit({{"impl", "systolic"}, {"rows", 128}, {"cols", 128}, {"arrays", 4}});
  auto one_big = matrix_unit({{"impl", "systolic"}, {"rows", 256}, {"cols", 256}});
  CHECK(mxus->peak_macs_per_cycle() == one_big->peak_macs_per_cycle());
  CHECK(mxus->gemm_cycles(128, 128, 512) == doctest::Approx(512.0 + 127.0 + 127.0));
  CHECK(one_big->gemm_cycles(128, 128, 512) == doctest::Approx(512.0 + 255.0 + 255.0));
  CHECK(mxus->gemm_cycles(256, 256, 512) == doctest::Approx(512.0 + 127.0 + 127.0));
  // 5 blocks over 4 arrays: two rounds.
  CHECK(mxus->gemm_cycles(640, 128, 64) == doctest::Approx(2.0 * 64.0 + 127.0 + 127.0));
}

TEST_CASE("matrix units accumulate statistics until reset") {
  for (const Json& section : {h100_sm, Json{{"impl", "systolic"}, {"rows", 4}, {"cols", 4}}}) {
    auto unit = matrix_unit(section);
    unit->count(100.0, 4096.0);
    unit->count(50.5, 1024.0);
    CHECK(unit->stats().value("gemms") == 2.0);
    CHECK(unit->stats().value("macs") == 5120.0);
    CHECK(unit->stats().value("busy_cycles") == 150.5);
    unit->reset();
    CHECK(unit->stats().value("gemms") == 0.0);
    CHECK(unit->stats().value("macs") == 0.0);
    CHECK(unit->stats().value("busy_cycles") == 0.0);
  }
}

TEST_CASE("gemm_cycles does not count: only count() changes the statistics") {
  auto tc = matrix_unit(h100_sm);
  (void)tc->gemm_cycles(128, 128, 128);
  CHECK(tc->stats().value("gemms") == 0.0);
}

TEST_CASE("the vector unit is set by the busier of its flop and exp pipelines") {
  auto vu = vector_unit({{"impl", "simd"}, {"flops_per_cycle", 256}, {"exps_per_cycle", 16}});
  // Flop-bound: 2560 / 256 = 10 cycles against 16 / 16 = 1.
  CHECK(vu->cycles(2560, 16) == doctest::Approx(10.0));
  // Exp-bound: 256 / 256 = 1 cycle against 320 / 16 = 20.
  CHECK(vu->cycles(256, 320) == doctest::Approx(20.0));
  // A softmax row of 128 scores at 4 flops and 1 exp each: max(512 / 256, 128 / 16) = 8.
  CHECK(vu->cycles(512, 128) == doctest::Approx(8.0));
  CHECK(vu->cycles(0, 0) == 0.0);
}

TEST_CASE("the vector unit accumulates statistics until reset") {
  auto vu = vector_unit({{"impl", "simd"}, {"flops_per_cycle", 256}, {"exps_per_cycle", 16}});
  vu->count(10.0, 2560.0, 16.0);
  vu->count(20.0, 256.0, 320.0);
  CHECK(vu->stats().value("flops") == 2816.0);
  CHECK(vu->stats().value("exps") == 336.0);
  CHECK(vu->stats().value("busy_cycles") == 30.0);
  vu->reset();
  CHECK(vu->stats().value("flops") == 0.0);
  CHECK(vu->stats().value("exps") == 0.0);
  CHECK(vu->stats().value("busy_cycles") == 0.0);
}

TEST_CASE("bad compute sections are reported together with file and pointer") {
  CHECK(errors_of<hw::MatrixUnit>("matrix_unit", {{"impl", "systolic"}, {"rows", 0}, {"cols", 4}}) ==
        std::vector<std::string>{"hw.json: /matrix_unit/rows: must be >= 1 (got 0)"});
  CHECK(errors_of<hw::MatrixUnit>("matrix_unit", {{"impl", "systolic"}, {"rows", 0}, {"cols", 2.5}}) ==
        std::vector<std::string>{"hw.json: /matrix_unit/rows: must be >= 1 (got 0)",
                                 "hw.json: /matrix_unit/cols: must be a whole number (got 2.5)"});
  CHECK(errors_of<hw::MatrixUnit>("matrix_unit", {{"impl", "systolic"}, {"rows", 4}, {"cols", 4}, {"row", 8}}) ==
        std::vector<std::string>{"hw.json: /matrix_unit/row: unknown key 'row' (did you mean 'rows'?)"});
  CHECK(errors_of<hw::MatrixUnit>("matrix_unit", {{"impl", "systolic"}, {"cols", 4}}) ==
        std::vector<std::string>{
            "hw.json: /matrix_unit/rows: missing required key (processing elements per column (R): output rows "
            "computed at once)"});
  CHECK(errors_of<hw::MatrixUnit>("matrix_unit", {{"impl", "tensor_core"}, {"macs_per_cycle", 2048}, {"efficiency", 0}})
            .at(0) == "hw.json: /matrix_unit/efficiency: must be > 0 (got 0)");
  CHECK(
      errors_of<hw::MatrixUnit>("matrix_unit", {{"impl", "tensor_core"}, {"macs_per_cycle", 2048}, {"efficiency", 1.5}})
          .at(0) == "hw.json: /matrix_unit/efficiency: must be <= 1 (got 1.5)");
  CHECK(errors_of<hw::MatrixUnit>("matrix_unit", {{"impl", "tensor_core"}, {"macs_per_cycle", 2048}, {"tile_k", 0}})
            .at(0) == "hw.json: /matrix_unit/tile_k: must be >= 1 (got 0)");
  CHECK(errors_of<hw::MatrixUnit>("matrix_unit", {{"impl", "tensor_core"}})
            .at(0)
            .find("hw.json: /matrix_unit/macs_per_cycle: missing required key") == 0);
  CHECK(errors_of<hw::MatrixUnit>("matrix_unit", {{"impl", "tensor-core"}, {"macs_per_cycle", 2048}}).at(0) ==
        "hw.json: /matrix_unit/impl: unknown matrix_unit model 'tensor-core' (did you mean 'tensor_core'?); "
        "registered: "
        "systolic, tensor_core");
  CHECK(errors_of<hw::VectorUnit>("vector_unit", {{"impl", "simd"}, {"flops_per_cycle", 256}, {"exp_per_cycle", 16}}) ==
        std::vector<std::string>{
            "hw.json: /vector_unit/exps_per_cycle: missing required key (special-function unit exponentials per "
            "cycle per core (H100: 16 per SM; FlashAttention-3, Shah et al. 2024: 3.9 TFLOPS of MUFU vs 989 of "
            "matmul), in exp/cycle)",
            "hw.json: /vector_unit/exp_per_cycle: unknown key 'exp_per_cycle' (did you mean 'exps_per_cycle'?)"});
  CHECK(errors_of<hw::VectorUnit>("vector_unit", {{"impl", "simd"}, {"flops_per_cycle", 0}, {"exps_per_cycle", 16}})
            .at(0) == "hw.json: /vector_unit/flops_per_cycle: must be > 0 (got 0)");
}

TEST_CASE("a matrix unit cannot be built from a section for another role's implementation") {
  // "simd" is a vector_unit: the matrix_unit role does not know it.
  CHECK(errors_of<hw::MatrixUnit>("matrix_unit", {{"impl", "simd"}})
            .at(0)
            .find("hw.json: /matrix_unit/impl: unknown matrix_unit model 'simd'") == 0);
}

TEST_CASE("a busy timeline books each piece of compute at the earliest free time, filling gaps") {
  hw::BusyTimeline t;
  CHECK(t.reserve(0, 10) == 10);
  CHECK(t.reserve(30, 10) == 40);
  // Booked later but starting earlier: it takes the gap 10..30, then continues after 40.
  CHECK(t.reserve(5, 25) == 45);
  CHECK(t.reserve(0, 5) == 50);
  CHECK(t.busy_ns() == 50);
  // A booking inside a gap that it does not fill.
  CHECK(t.reserve(100, 10) == 110);
  CHECK(t.reserve(60, 10) == 70);
  CHECK(t.reserve(50, 5) == 55);
  // Forgetting the past changes nothing ahead: 55..60 free, 60..70 busy, then 70..85.
  t.forget_before(58);
  CHECK(t.reserve(55, 20) == 85);
  t.reset();
  CHECK(t.busy_ns() == 0);
  CHECK(t.reserve(3, 1) == 4);
}
