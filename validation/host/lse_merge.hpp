// Merging attention outputs computed over disjoint key sets (ring attention's steps) from each part's row
// log-sum-exp, as FlashAttention's split-KV combine and ring-flash-attention do: with lse_i = ln sum_{j in part i}
// exp(s_j), the whole row's output is sum_i exp(lse_i - lse) O_i with lse = ln sum_i exp(lse_i). Plain C++17 so that
// the CUDA merge kernel and the CPU tests use this one form.
#pragma once

#include <cmath>

#include "validation/host/tile_geometry.hpp"

namespace cascadesim::validation {

template <typename T>
struct LseMergeWeights {
  T accumulated = 0;  // weight of the output merged so far
  T part = 0;         // weight of the new part's output
  T lse = 0;          // log-sum-exp of the union
};

// A part (or the accumulation) that attended no key has lse -inf and weight 0; both -inf gives lse -inf and zero
// weights, so that the row's output stays 0 as the kernel writes it.
template <typename T>
CASCADESIM_HOST_DEVICE inline LseMergeWeights<T> lse_merge_weights(T lse_accumulated, T lse_part) {
  const T neg_inf = -static_cast<T>(INFINITY);
  if (lse_part == neg_inf) return {lse_accumulated == neg_inf ? T(0) : T(1), T(0), lse_accumulated};
  if (lse_accumulated == neg_inf) return {T(0), T(1), lse_part};
  using std::exp;
  using std::log;
  const T top = lse_accumulated > lse_part ? lse_accumulated : lse_part;
  const T a = exp(lse_accumulated - top);
  const T b = exp(lse_part - top);
  const T sum = a + b;
  return {a / sum, b / sum, top + log(sum)};
}

}  // namespace cascadesim::validation
