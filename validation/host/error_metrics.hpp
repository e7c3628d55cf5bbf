// Accuracy of a kernel output against a double reference: relative Frobenius error and NaN count.
#pragma once

#include <cstddef>
#include <vector>

#include "validation/host/bf16.hpp"

namespace cascadesim::validation {

struct ErrorStats {
  double relative_error = 0;  // ||out - ref|| / ||ref||, over the non-NaN elements; +inf if ref is all zero
  std::size_t nan_count = 0;  // NaN elements of out (a poisoned, unwritten output shows up here)
  std::size_t count = 0;
  bool passes(double tolerance) const { return nan_count == 0 && relative_error < tolerance; }
};

// Contract: out and ref have the same size (throws std::invalid_argument otherwise). An all-zero reference
// never passes: a match of two zero tensors proves nothing (CUTLASS's rule).
ErrorStats compare(const std::vector<Bf16>& out, const std::vector<double>& ref);
ErrorStats compare(const std::vector<float>& out, const std::vector<double>& ref);

// Block maxima: the largest |out - ref| over entries finite in both, and the number of entries where exactly one
// side is -inf or either is NaN (those must agree exactly).
struct BlockMaxDiff {
  double max_abs_diff = 0;
  std::size_t mismatched_infinities = 0;
};
BlockMaxDiff compare_block_max(const std::vector<float>& out, const std::vector<float>& ref);

}  // namespace cascadesim::validation
