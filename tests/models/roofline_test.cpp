// Roofline timing: max of compute and memory, plus launches, on a machine with round numbers.
#include <doctest/doctest.h>

#include <initializer_list>

#include "models/roofline.hpp"
#include "study_builders.hpp"

using namespace cascadesim;
using namespace cascadesim::models;

TEST_CASE("a compute-heavy op takes FLOPs / peak plus its launches") {
  const HardwareSpec hw = test::round_machine();  // 100 TFLOP/s, 1000 GB/s, 5 us per launch
  const RooflineTime t = roofline_time(OpCost{1e12, 0, 1e9, 2}, hw);
  CHECK(t.matrix_s == doctest::Approx(0.01));
  CHECK(t.memory_s == doctest::Approx(0.001));
  CHECK(t.launch_s == doctest::Approx(10e-6));
  CHECK(t.time_s == doctest::Approx(0.01 + 10e-6));
  CHECK(t.bound == Bound::matrix);
}

TEST_CASE("a byte-heavy op takes bytes / bandwidth and doubling bandwidth halves it") {
  HardwareSpec hw = test::round_machine();
  hw.kernel_launch_us = 0;
  const OpCost c{1e9, 0, 1e10, 1};
  const RooflineTime t = roofline_time(c, hw);
  CHECK(t.time_s == doctest::Approx(0.01));
  CHECK(t.bound == Bound::memory);
  hw.hbm_bandwidth_GBps *= 2;
  CHECK(roofline_time(c, hw).time_s == doctest::Approx(0.005));
}

TEST_CASE("vector work is timed on the vector unit and can bound an op") {
  const HardwareSpec hw = test::round_machine();  // 10 TFLOP/s vector
  const RooflineTime t = roofline_time(OpCost{1e9, 1e11, 0, 0}, hw);
  CHECK(t.vector_s == doctest::Approx(0.01));
  CHECK(t.bound == Bound::vector);
}

TEST_CASE("tiny ops are launch-bound") {
  const RooflineTime t = roofline_time(OpCost{1e3, 0, 1e3, 1}, test::round_machine());
  CHECK(t.bound == Bound::launch);
  CHECK(t.time_s == doctest::Approx(5e-6).epsilon(1e-3));
}

TEST_CASE("the matrix efficiency scales the achievable matrix peak only") {
  HardwareSpec hw = test::round_machine();
  hw.matrix_efficiency = 0.5;
  const RooflineTime t = roofline_time(OpCost{1e12, 1e11, 8e9, 0}, hw);
  CHECK(t.matrix_s == doctest::Approx(0.02));
  CHECK(t.vector_s == doctest::Approx(0.01));
  CHECK(t.memory_s == doctest::Approx(0.008));
  CHECK(ridge_flops_per_byte(hw) == doctest::Approx(50e12 / 1000e9));
}

TEST_CASE("the peaks are the per-core rates on every core at the clock") {
  HardwareSpec hw = test::round_machine();
  CHECK(hw.peak_matrix_TFLOPs() == doctest::Approx(100));
  CHECK(hw.peak_vector_TFLOPs() == doctest::Approx(10));
  hw.cores *= 2;
  hw.clock_GHz *= 1.5;
  CHECK(hw.peak_matrix_TFLOPs() == doctest::Approx(300));
  CHECK(hw.peak_vector_TFLOPs() == doctest::Approx(30));
}

TEST_CASE("FlashAttention's I/O bound is N^2 d^2 / M") {
  // N = 4096, d = 64, M = 100 KB of 2-byte elements = 51200 elements.
  CHECK(flash_attention_io_bound_bytes(4096, 64, 102400, 2) == doctest::Approx(4096.0 * 4096 * 64 * 64 / 51200 * 2));
}
