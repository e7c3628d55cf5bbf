// Kernel families: kernels that share fitted figures on a machine. calibrate fits each family from its own
// measurements; a family without any keeps the components' own rates and says so, rather than borrowing another
// family's (an efficiency fitted on attention made cuBLAS-class GEMMs about twice too slow).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "models/dataflow/attention_implementation.hpp"

namespace cascadesim::models {

// Each attention implementation (models/dataflow/attention_implementation.hpp) is a family, at its own index; then
// split-key decode attention, GEMMs, top-k selection and elementwise streams.
inline constexpr std::array<std::string_view, 4> other_kernel_families{"decode", "gemm", "selection", "elementwise"};
inline constexpr auto kernel_family_names = [] {
  constexpr std::size_t attention = dataflow::attention_implementation_names.size();
  std::array<std::string_view, attention + other_kernel_families.size()> names{};
  for (std::size_t i = 0; i < attention; ++i) names[i] = dataflow::attention_implementation_names[i];
  for (std::size_t i = 0; i < other_kernel_families.size(); ++i) names[attention + i] = other_kernel_families[i];
  return names;
}();
inline constexpr std::size_t kernel_family_count = kernel_family_names.size();

constexpr std::optional<std::size_t> kernel_family_index(std::string_view name) {
  for (std::size_t i = 0; i < kernel_family_names.size(); ++i)
    if (kernel_family_names[i] == name) return i;
  return std::nullopt;
}

// A family's figures on one machine (the hardware preset's /kernel_families/<name>); the defaults leave the
// components' rates as they are.
struct KernelFamilyFigures {
  double matrix_time_scale = 1.0;  // its matrix work takes this multiple of the matrix unit's cycles
  double vector_time_scale = 1.0;  // its elementwise work (softmax) this multiple of the vector unit's cycles
  double unit_fixed_ns = 0;        // per work unit, beside the tile steps: block start, prologue, epilogue
  // Per kernel, beside the machine's launch gap: the grid's ramp-up and drain, as timed for this family (a kernel
  // timed alone between events pays a host launch that graph-launched kernels do not).
  double kernel_fixed_us = 0;
  // Serial-softmax kernels (fa2-style): the share of a block's softmax that runs beside its matrix work, as warps of
  // one block drift apart between their barriers (0: all after it, 1: all beside it).
  double softmax_overlap = 0;
  // The analytical model's own achievable fraction of the matrix peak for this family's kernels, where calibrate
  // fitted one (the closed forms miss different things in attention and in GEMMs); 0: the machine's
  // matrix_efficiency. The simulator does not read it.
  double analytical_matrix_efficiency = 0;
  bool operator==(const KernelFamilyFigures&) const = default;
};

}  // namespace cascadesim::models
