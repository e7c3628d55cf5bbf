// Number formats of a workload's tensors and of the matrix unit's rates: bytes per element are computed here and
// nowhere else, and so is the format a matrix product runs at.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cascadesim::models {

enum class Precision : std::uint8_t { fp32, bf16, fp16, fp8_e4m3, fp8_e5m2, int8, int4, fp4 };
inline constexpr std::array<std::string_view, 8> precision_names{"fp32",     "bf16", "fp16", "fp8_e4m3",
                                                                 "fp8_e5m2", "int8", "int4", "fp4"};
inline constexpr std::size_t precision_count = precision_names.size();

constexpr std::string_view to_string(Precision p) { return precision_names[static_cast<std::size_t>(p)]; }
std::optional<Precision> precision_from_name(std::string_view name);

// Bits of one element as stored (OCP 8-bit floating point spec 2023: E4M3 and E5M2; OCP Microscaling spec 2023:
// FP4 E2M1). Block formats' shared scales (MXFP4: one 8-bit scale per 32 elements) are not counted.
constexpr double precision_bits(Precision p) {
  switch (p) {
    case Precision::fp32:
      return 32;
    case Precision::bf16:
    case Precision::fp16:
      return 16;
    case Precision::fp8_e4m3:
    case Precision::fp8_e5m2:
    case Precision::int8:
      return 8;
    case Precision::int4:
    case Precision::fp4:
      return 4;
  }
  return 16;
}

// The one place bytes per element are computed: every kernel's and footprint's bytes go through it.
constexpr double bytes_per_element(Precision p) { return precision_bits(p) / 8.0; }

// The matrix unit's rates are declared per class: the two 8-bit float formats share one rate (Hopper's and
// Blackwell's tensor cores run E4M3 and E5M2 alike; NVIDIA H100 datasheet: one FP8 row).
inline constexpr std::array<std::string_view, 7> matrix_rate_names{"fp32", "bf16", "fp16", "fp8",
                                                                   "int8", "int4", "fp4"};
inline constexpr std::size_t matrix_rate_count = matrix_rate_names.size();
constexpr std::size_t matrix_rate(Precision p) {
  switch (p) {
    case Precision::fp32:
      return 0;
    case Precision::bf16:
      return 1;
    case Precision::fp16:
      return 2;
    case Precision::fp8_e4m3:
    case Precision::fp8_e5m2:
      return 3;
    case Precision::int8:
      return 4;
    case Precision::int4:
      return 5;
    case Precision::fp4:
      return 6;
  }
  return 1;
}

// The format a product of operands a and b runs at: the wider of the two, the narrower operand converted as it is
// loaded (weight-only quantization, W4A16: int4 weights times bf16 activations run at the bf16 rate); on a tie of
// width between different formats, a's.
constexpr Precision matrix_precision(Precision a, Precision b) { return precision_bits(b) > precision_bits(a) ? b : a; }

// The precision of each of a workload's tensors (/workload/precision); a study's defaults are its machine's
// matrix_dtype (sim/config/study_loader.cpp), so a study that sets none keeps 2-byte elements at the 16-bit peak.
struct TensorPrecisions {
  Precision weights = Precision::bf16;      // projection and MLP weights
  Precision activations = Precision::bf16;  // the residual stream, Q, attention outputs, MLP hiddens
  Precision kv_cache = Precision::bf16;     // K and V as stored and fetched
  Precision scores = Precision::bf16;       // attention probabilities P (materialized S and P; P of fused P V)

  // The formats of the layer's matrix products.
  Precision projections() const { return matrix_precision(activations, weights); }    // X W
  Precision query_key() const { return matrix_precision(activations, kv_cache); }     // Q K^T (and its estimates)
  Precision probability_value() const { return matrix_precision(scores, kv_cache); }  // P V
  bool operator==(const TensorPrecisions&) const = default;
};

}  // namespace cascadesim::models
