// Relative error and NaN detection of kernel outputs against a double reference.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "validation/host/error_metrics.hpp"

using namespace cascadesim::validation;

TEST_CASE("validation: relative error is the Frobenius norm of the difference over that of the reference") {
  const std::vector<double> ref = {3.0, 4.0};
  CHECK(compare(std::vector<float>{3.0f, 4.0f}, ref).relative_error == 0.0);
  // diff (0, 0.5): 0.5 / 5 = 0.1.
  const ErrorStats stats = compare(std::vector<float>{3.0f, 4.5f}, ref);
  CHECK(stats.relative_error == doctest::Approx(0.1));
  CHECK_FALSE(stats.passes(0.05));
  CHECK(stats.passes(0.2));
  CHECK(compare(std::vector<Bf16>{to_bf16(3.0f), to_bf16(4.0f)}, ref).relative_error == 0.0);
}

TEST_CASE("validation: a NaN in the output (an unwritten, poisoned element) always fails") {
  const ErrorStats stats = compare(std::vector<Bf16>{to_bf16(3.0f), Bf16{kBf16PoisonBits}}, {3.0, 4.0});
  CHECK(stats.nan_count == 1);
  CHECK_FALSE(stats.passes(1.0));
}

TEST_CASE("validation: two all-zero tensors never match") {
  const ErrorStats stats = compare(std::vector<float>{0.0f, 0.0f}, {0.0, 0.0});
  CHECK(std::isinf(stats.relative_error));
  CHECK_FALSE(stats.passes(1.0));
  CHECK_THROWS_AS(compare(std::vector<float>{1.0f}, {1.0, 2.0}), std::invalid_argument);
}

TEST_CASE("validation: block maxima must agree exactly on -inf and closely elsewhere") {
  const float inf = std::numeric_limits<float>::infinity();
  const BlockMaxDiff same = compare_block_max({1.0f, -inf}, {1.0005f, -inf});
  CHECK(same.max_abs_diff == doctest::Approx(0.0005).epsilon(1e-3));
  CHECK(same.mismatched_infinities == 0);
  CHECK(compare_block_max({1.0f, 2.0f}, {1.0f, -inf}).mismatched_infinities == 1);
  CHECK(compare_block_max({std::nanf(""), 2.0f}, {1.0f, 2.0f}).mismatched_infinities == 1);
}
