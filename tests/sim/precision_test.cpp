// Per-tensor precision: bytes per element, the precision each product runs at, the per-precision peaks of the
// shipped presets (hand-worked from their datasheets), and the refusals.
#include <doctest/doctest.h>

#include "models/dataflow/layer.hpp"
#include "models/memory_footprint.hpp"
#include "models/roofline.hpp"
#include "study_json.hpp"

namespace cascadesim::sim {
namespace {

using doctest::Approx;
using doctest::Contains;
using models::Precision;
using testing::load;
using testing::valid_study;
using testing::with;

models::HardwareSpec precision_preset(const std::string& name) {
  return load(with(valid_study(), "/hardware", name)).study.hardware;
}

TEST_CASE("each precision stores its bits: fp32 4 bytes, bf16 and fp16 2, the 8-bit formats 1, the 4-bit ones 0.5") {
  CHECK(models::bytes_per_element(Precision::fp32) == 4);
  CHECK(models::bytes_per_element(Precision::bf16) == 2);
  CHECK(models::bytes_per_element(Precision::fp16) == 2);
  CHECK(models::bytes_per_element(Precision::fp8_e4m3) == 1);
  CHECK(models::bytes_per_element(Precision::fp8_e5m2) == 1);
  CHECK(models::bytes_per_element(Precision::int8) == 1);
  CHECK(models::bytes_per_element(Precision::int4) == 0.5);
  CHECK(models::bytes_per_element(Precision::fp4) == 0.5);
}

TEST_CASE("a product runs at its wider operand's precision, its first operand's on a tie") {
  CHECK(models::matrix_precision(Precision::bf16, Precision::int4) == Precision::bf16);  // W4A16
  CHECK(models::matrix_precision(Precision::fp8_e4m3, Precision::fp8_e4m3) == Precision::fp8_e4m3);
  CHECK(models::matrix_precision(Precision::fp4, Precision::fp8_e5m2) == Precision::fp8_e5m2);
  CHECK(models::matrix_precision(Precision::int8, Precision::fp8_e4m3) == Precision::int8);
  // An fp8 cache under bf16 activations: Q K^T and P V run at bf16, the cache converted as it loads.
  const models::TensorPrecisions kv8{Precision::bf16, Precision::bf16, Precision::fp8_e4m3, Precision::bf16};
  CHECK(kv8.query_key() == Precision::bf16);
  CHECK(kv8.probability_value() == Precision::bf16);
  CHECK(kv8.projections() == Precision::bf16);
}

TEST_CASE("the h100 preset's peak per precision: bf16 and fp16 989.4, fp8 and int8 1978.7 TFLOP/s, no fp4") {
  const models::HardwareSpec h100 = precision_preset("h100-sxm");
  // 2 FLOP x MACs per cycle per SM x 132 SMs x 1.83 GHz (NVIDIA H100 datasheet, dense rows).
  CHECK(h100.peak_matrix_TFLOPs(Precision::bf16) == Approx(2.0 * 2048 * 132 * 1.83e-3));
  CHECK(h100.peak_matrix_TFLOPs(Precision::fp16) == Approx(2.0 * 2048 * 132 * 1.83e-3));
  CHECK(h100.peak_matrix_TFLOPs(Precision::fp8_e4m3) == Approx(2.0 * 4096 * 132 * 1.83e-3));
  CHECK(h100.peak_matrix_TFLOPs(Precision::fp8_e5m2) == Approx(1978.7).epsilon(1e-4));
  CHECK(h100.peak_matrix_TFLOPs(Precision::int8) == Approx(1978.7).epsilon(1e-4));
  CHECK(h100.peak_matrix_TFLOPs(Precision::fp4) == 0);
  CHECK(h100.matrix_time_ratio(Precision::fp8_e4m3) == 0.5);
  CHECK(h100.matrix_time_ratio(Precision::bf16) == 1);
}

TEST_CASE("the new presets' datasheet figures: peaks per precision, HBM bandwidth and capacity") {
  // NVIDIA HGX B200 datasheet per GPU, dense: BF16 2.25, FP8 4.5, FP4 9 PFLOP/s; 8 TB/s; 180 GB.
  const models::HardwareSpec b200 = precision_preset("b200");
  CHECK(b200.peak_matrix_TFLOPs(Precision::bf16) == Approx(2250).epsilon(1e-3));
  CHECK(b200.peak_matrix_TFLOPs(Precision::fp8_e4m3) == Approx(4500).epsilon(1e-3));
  CHECK(b200.peak_matrix_TFLOPs(Precision::int8) == Approx(4500).epsilon(1e-3));
  CHECK(b200.peak_matrix_TFLOPs(Precision::fp4) == Approx(9000).epsilon(1e-3));
  CHECK(b200.peak_matrix_TFLOPs(Precision::int4) == 0);
  CHECK(b200.hbm_bandwidth_GBps == 8000);
  CHECK(b200.hbm_bytes == 180e9);
  CHECK(b200.power_limit_W == 1000);
  // GB200 NVL72 datasheet per GPU, dense: BF16 2.5, FP8 5, FP4 10 PFLOP/s; 576 TB/s / 72 = 8 TB/s.
  const models::HardwareSpec gb200 = precision_preset("gb200");
  CHECK(gb200.peak_matrix_TFLOPs(Precision::bf16) == Approx(2500).epsilon(1e-3));
  CHECK(gb200.peak_matrix_TFLOPs(Precision::fp8_e5m2) == Approx(5000).epsilon(1e-3));
  CHECK(gb200.peak_matrix_TFLOPs(Precision::fp4) == Approx(10000).epsilon(1e-3));
  CHECK(gb200.hbm_bandwidth_GBps == 8000);
  // AMD MI300X data sheet, dense: BF16 1307.4, FP8 and INT8 2614.9, FP32 matrix 163.4 TFLOP/s; 5.3 TB/s; 192 GB.
  const models::HardwareSpec mi300x = precision_preset("mi300x");
  CHECK(mi300x.peak_matrix_TFLOPs(Precision::bf16) == Approx(1307.4).epsilon(1e-4));
  CHECK(mi300x.peak_matrix_TFLOPs(Precision::fp8_e4m3) == Approx(2614.9).epsilon(1e-4));
  CHECK(mi300x.peak_matrix_TFLOPs(Precision::int8) == Approx(2614.9).epsilon(1e-4));
  CHECK(mi300x.peak_matrix_TFLOPs(Precision::fp32) == Approx(163.4).epsilon(1e-3));
  CHECK(mi300x.peak_matrix_TFLOPs(Precision::fp4) == 0);
  CHECK(mi300x.peak_vector_TFLOPs() == Approx(163.4).epsilon(1e-3));
  CHECK(mi300x.hbm_bandwidth_GBps == 5300);
  CHECK(mi300x.hbm_bytes == 192e9);
  // Cloud TPU v5p documentation per chip: bf16 459 TFLOP/s, int8 918 TOP/s, 2,765 GB/s, 95 GB.
  const models::HardwareSpec v5p = precision_preset("tpu-v5p-like");
  CHECK(v5p.peak_matrix_TFLOPs(Precision::bf16) == Approx(459).epsilon(1e-3));
  CHECK(v5p.peak_matrix_TFLOPs(Precision::int8) == Approx(918).epsilon(1e-3));
  CHECK(v5p.peak_matrix_TFLOPs(Precision::fp8_e4m3) == 0);
  CHECK(v5p.hbm_bandwidth_GBps == Approx(2765));
  CHECK(v5p.hbm_bytes == 95e9);
}

// One 8192^3 GEMM as the dataflow describes a projection: activations x weight.
models::dataflow::Kernel square_precision_gemm(Precision p) {
  const models::TensorPrecisions all{p, p, p, p};
  return {"gemm", models::Op::mlp, 0, models::LayerKind::dense,
          models::dataflow::projection_gemm(8192, 8192, 8192, all, 1, 2)};
}

TEST_CASE("the roofline times one 8192^3 GEMM at each precision's peak, by hand, in whole waves of tiles") {
  const double flops = 2.0 * 8192.0 * 8192.0 * 8192.0;  // 1.0995e12
  const models::HardwareSpec b200 = precision_preset("b200");
  // B200 at fp8: 2 x 8192 MACs x 148 SMs x 1.856 GHz = 4.50e15 FLOP/s, 244.3 us; at bf16 twice that; at fp4 half.
  // Its 1024 output tiles of 256 x 256 run in ceil(1024 / 148) = 7 waves: 1036 tiles' time.
  const auto time_on = [&](const models::HardwareSpec& hw, Precision p) {
    return models::roofline_time(models::analytical_cost(square_precision_gemm(p), hw), hw).matrix_s;
  };
  const double b200_waves = 7.0 * 148 / 1024;
  CHECK(time_on(b200, Precision::fp8_e4m3) == Approx(b200_waves * flops / (2.0 * 8192 * 148 * 1.856e9)));
  CHECK(time_on(b200, Precision::fp8_e4m3) * 1e6 == Approx(244.3 * b200_waves).epsilon(1e-3));
  CHECK(time_on(b200, Precision::bf16) * 1e6 == Approx(488.6 * b200_waves).epsilon(1e-3));
  CHECK(time_on(b200, Precision::fp4) * 1e6 == Approx(122.2 * b200_waves).epsilon(1e-3));
  // MI300X at fp8: 2 x 2048 x 304 CUs x 2.1 GHz = 2.615e15 FLOP/s, 420.5 us; the tile heuristic takes 256 x 128
  // (2048 tiles in 7 waves of 304, 2128 tiles' time) over 256 x 256 (1024 in 4 waves, 1216).
  CHECK(time_on(precision_preset("mi300x"), Precision::fp8_e4m3) * 1e6 == Approx(420.5 * 2128 / 2048).epsilon(1e-3));
  // TPU v5p-like at int8: 918e12 OP/s, 1197.7 us (FLOP counted as the products' 2 per MAC); its tiles split evenly
  // over its 2 TensorCores.
  CHECK(time_on(precision_preset("tpu-v5p-like"), Precision::int8) * 1e6 ==
        Approx(flops / 917.5e12 * 1e6).epsilon(1e-3));
  // H100 at fp8: 1978.7 TFLOP/s, 555.7 us, 1024 tiles in 8 waves of 132 (1056 tiles' time); the bytes at 1 byte per
  // element (A, B and C once each).
  const models::HardwareSpec h100 = precision_preset("h100-sxm");
  CHECK(time_on(h100, Precision::fp8_e4m3) * 1e6 == Approx(555.7 * 1056 / 1024).epsilon(1e-3));
  CHECK(models::dataflow::kernel_cost(square_precision_gemm(Precision::fp8_e4m3)).hbm_bytes == 3.0 * 8192 * 8192);
  CHECK(models::dataflow::kernel_cost(square_precision_gemm(Precision::bf16)).hbm_bytes == 6.0 * 8192 * 8192);
}

TEST_CASE("weight-only int4 reads half a byte per weight and runs at the activations' bf16 rate") {
  models::TensorPrecisions w4a16;
  w4a16.weights = Precision::int4;
  // One decode token against a 4096 x 4096 weight: 2 x 4096 input bytes, 0.5 x 4096^2 weight bytes, 2 x 4096 out.
  const models::dataflow::Kernel k{"gemm", models::Op::mlp, 0, models::LayerKind::dense,
                                   models::dataflow::projection_gemm(1, 4096, 4096, w4a16, 1, 2)};
  CHECK(models::dataflow::kernel_cost(k).hbm_bytes == 2.0 * 4096 + 0.5 * 4096 * 4096 + 2.0 * 4096);
  const models::HardwareSpec h100 = precision_preset("h100-sxm");
  CHECK(models::analytical_cost(k, h100).precision_matrix_flops == 0);
}

TEST_CASE("an fp8 K/V cache halves decode attention's K/V bytes and leaves its products at the bf16 rate") {
  // LLaMA-3.2-1B decode, 8192 cached tokens in 128-token tiles: 8 K/V heads x 64 tiles x K and V of 128 x 64
  // elements = 8 MiB of elements per layer and sequence: 16 MiB in bf16, 8 MiB in fp8.
  core::Json study = with(valid_study(), "/workload", {{"phase", "decode"}, {"seq_len", 8192}, {"tile_tokens", 128}});
  const models::Study bf16 = load(study).study;
  const models::Study fp8 = load(with(study, "/workload/precision", {{"kv_cache", "fp8_e4m3"}})).study;
  CHECK(fp8.workload.precision.kv_cache == Precision::fp8_e4m3);
  CHECK(fp8.workload.precision.activations == Precision::bf16);
  const auto attention = [](const models::Study& st) {
    return models::dataflow::Kernel{"attention", models::Op::attention, 0, models::LayerKind::dense,
                                    models::dataflow::dense_attention(st.model, models::layer_shape(st.workload), 1)};
  };
  const double bytes_bf16 = models::dataflow::kernel_cost(attention(bf16)).hbm_bytes;
  const double bytes_fp8 = models::dataflow::kernel_cost(attention(fp8)).hbm_bytes;
  CHECK(bytes_bf16 - bytes_fp8 == 8.0 * 1024 * 1024);
  CHECK(models::analytical_cost(attention(fp8), fp8.hardware).precision_matrix_flops == 0);
  // Q, K and V all in fp8 (FlashAttention-3's fp8 forward) and P in fp8: both products at the fp8 rate.
  const models::Study all8 =
      load(
          with(
              study, "/workload/precision",
              {{"activations", "fp8_e4m3"}, {"kv_cache", "fp8_e4m3"}, {"scores", "fp8_e4m3"}, {"weights", "fp8_e4m3"}}))
          .study;
  const models::OpCost c = models::analytical_cost(attention(all8), all8.hardware);
  CHECK(c.precision_matrix_flops == -0.5 * c.matrix_flops);
  // The HBM check counts the cache at its precision too: 16 layers x 8192 tokens x 2 x 512 x 1 byte.
  CHECK(models::memory_footprint(fp8.model, fp8.workload).kv_cache_bytes == 16.0 * 8192 * 2 * 512);
}

TEST_CASE("tensors without a precision take the machine's matrix_dtype, fp16 on a T4") {
  const models::Study t4 = load(with(valid_study(), "/hardware", "t4")).study;
  CHECK(t4.workload.precision ==
        models::TensorPrecisions{Precision::fp16, Precision::fp16, Precision::fp16, Precision::fp16});
  const models::Study h100 = load(valid_study()).study;
  CHECK(h100.workload.precision == models::TensorPrecisions{});
}

TEST_CASE("a precision the matrix unit has no rate for is refused naming the operand that carries it") {
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/precision", {{"weights", "fp4"}, {"activations", "fp4"}})),
                       Contains("study.json: /workload/precision/activations: fp4 makes the projections and MLP "
                                "(activations x weights) run at fp4, but h100-sxm's matrix unit has no fp4 rate "
                                "(/hardware/matrix_unit/fp4_macs_per_cycle); it has bf16, fp16, fp8, int8"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(with(valid_study(), "/hardware", "a100-sxm-80gb"), "/workload/precision",
                                 {{"kv_cache", "fp8_e5m2"}, {"scores", "fp8_e5m2"}})),
                       Contains("study.json: /workload/precision/scores: fp8_e5m2 makes P V (scores x kv_cache) run at "
                                "fp8, but a100-sxm-80gb's matrix unit has no fp8 rate"),
                       core::ConfigError);
  // fp8 storage alone needs no fp8 rate: the cache is converted to the activations' bf16 as it loads.
  CHECK_NOTHROW(load(with(with(valid_study(), "/hardware", "a100-sxm-80gb"), "/workload/precision",
                          {{"kv_cache", "fp8_e4m3"}, {"weights", "int4"}})));
  // A section may not declare the matrix_dtype's own rate a second time.
  CHECK_THROWS_WITH_AS(
      load(
          with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"matrix_unit", {{"bf16_macs_per_cycle", 4096}}}})),
      Contains("study.json: /hardware/matrix_unit/bf16_macs_per_cycle: the matrix_dtype's (bf16) rate is the unit's "
               "own peak"),
      core::ConfigError);
}

}  // namespace
}  // namespace cascadesim::sim
