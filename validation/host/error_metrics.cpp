// Accuracy of a kernel output against a double reference.
#include "validation/host/error_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace cascadesim::validation {

namespace {
template <typename Get>
ErrorStats compare_impl(std::size_t n, std::size_t ref_n, const std::vector<double>& ref, Get get) {
  if (n != ref_n) throw std::invalid_argument("compare: output and reference sizes differ");
  ErrorStats stats;
  stats.count = n;
  double diff2 = 0;
  double ref2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = get(i);
    ref2 += ref[i] * ref[i];
    if (std::isnan(x)) {
      ++stats.nan_count;
      continue;
    }
    diff2 += (x - ref[i]) * (x - ref[i]);
  }
  stats.relative_error = ref2 > 0 ? std::sqrt(diff2 / ref2) : std::numeric_limits<double>::infinity();
  return stats;
}
}  // namespace

ErrorStats compare(const std::vector<Bf16>& out, const std::vector<double>& ref) {
  return compare_impl(out.size(), ref.size(), ref,
                      [&](std::size_t i) { return static_cast<double>(to_float(out[i])); });
}

ErrorStats compare(const std::vector<float>& out, const std::vector<double>& ref) {
  return compare_impl(out.size(), ref.size(), ref, [&](std::size_t i) { return static_cast<double>(out[i]); });
}

BlockMaxDiff compare_block_max(const std::vector<float>& out, const std::vector<float>& ref) {
  if (out.size() != ref.size()) throw std::invalid_argument("compare_block_max: sizes differ");
  BlockMaxDiff diff;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const bool out_finite = std::isfinite(out[i]);
    const bool ref_finite = std::isfinite(ref[i]);
    if (out_finite && ref_finite) {
      diff.max_abs_diff = std::max(diff.max_abs_diff, std::fabs(static_cast<double>(out[i]) - ref[i]));
    } else if (std::isnan(out[i]) || std::isnan(ref[i]) || out[i] != ref[i]) {
      ++diff.mismatched_infinities;
    }
  }
  return diff;
}

}  // namespace cascadesim::validation
