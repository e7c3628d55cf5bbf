// The parameter declarations of every config section: hardware, model, workload, cascade, early exit.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "core/field.hpp"
#include "models/study.hpp"

namespace cascadesim::sim {

std::span<const core::Field<models::HardwareSpec>> hardware_fields();
std::span<const core::Field<models::TransformerModel>> model_fields();
std::span<const core::Field<models::Workload>> workload_fields();
std::span<const core::Field<models::CascadeSpec>> cascade_fields();
std::span<const core::Field<models::ParallelSpec>> parallel_fields();
std::span<const core::Field<models::TensorPrecisions>> precision_fields();
std::span<const core::Field<models::CascadeStage>> cascade_stage_fields();
std::span<const core::Field<models::EarlyExitSpec>> early_exit_fields();
std::span<const core::Field<models::ProgressiveQuantization>> progressive_quantization_fields();
std::span<const core::Field<models::EarlyExitPoint>> early_exit_point_fields();
std::span<const core::Field<models::DecodeSpec>> decode_fields();
// The names of models::KvEviction's values, as /workload/decode/eviction takes them.
std::span<const std::string_view> kv_eviction_names();
// One kernel family's figures: /hardware/kernel_families/<family> (models/kernel_families.hpp).
std::span<const core::Field<models::KernelFamilyFigures>> kernel_family_fields();

// The study's names of a cascade's batch policy and exit rule (the choices of their fields).
std::string_view batch_policy_name(models::BatchPolicy policy);
std::string_view exit_rule_name(models::ExitRule rule);

// Where a top-level hardware figure of older presets went: the component section that states it now (the
// roofline derives it from there), or nothing for keys that never existed.
std::optional<std::string_view> moved_hardware_key(std::string_view key);

// Upper bounds that keep every tile and FLOP count inside 64-bit integers and doubles with margin.
inline constexpr double max_seq_len = 1LL << 31;
inline constexpr double max_count = 1LL << 20;

}  // namespace cascadesim::sim
