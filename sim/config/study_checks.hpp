// The cross-field checks of a study that no single field can make, shared by the study loader and by the sweep,
// which writes values into an already loaded study and must reject the same inconsistent combinations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "models/study.hpp"

namespace cascadesim::sim {

// Contract (all): "" when consistent, else the message the loader reports at the pointer named.
// /model/n_kv_heads: n_kv_heads divides n_heads (grouped-query attention).
std::string kv_heads_problem(const models::TransformerModel& model);
// /model/<key>: the mixture-of-experts and latent-attention fields agree (experts_per_token in 1..experts, an
// expert_ffn_dim, dense_mlp_layers below n_layers; MLA's ranks and widths set, one K/V head per query head). The
// first problem found, as the key it names and the message.
struct ModelFieldProblem {
  std::string key;
  std::string why;
};
std::optional<ModelFieldProblem> model_fields_problem(const models::TransformerModel& model);
// /workload/schedule: n_layers entries, every reuse layer after an anchor where the pattern needs one
// (models::check_layer_schedule).
std::string schedule_problem(const models::LayerSchedule& schedule, std::int64_t n_layers, bool reuse_needs_anchor);
// /workload/top_k: for patterns sized by top_k, >= 1 when the schedule has anchor or reuse layers, and at most
// the key tiles of the grid.
std::string top_k_problem(const models::Workload& workload);
// /workload/pattern: the pattern can run every reuse layer (and, in a cascade, every stage's grid).
std::string pattern_problem(const models::Study& study);
// /workload/early_exit/exits/i/after_layer: the exit comes after one of the model's layers.
std::string exit_layer_problem(const models::EarlyExitPoint& exit, std::int64_t n_layers);
// /workload/decode: decode steps need the decode phase, no cascade or early exit, a budget exactly when they evict,
// and a host-memory tier when they offload.
std::string decode_problem(const models::Study& study);
// /workload/batch: weights, K/V cache and activations fit the hardware's HBM (models::memory_footprint); with decode
// steps, at the largest cache they keep, the K/V that overflows going to the host-memory tier where the machine has
// one (which must hold it).
std::string hbm_capacity_problem(const models::Study& study);
// Why /workload/parallel cannot run on the machine's /interconnect devices ("" when it can): devices must be
// context ranks x tensor_parallel, context parallelism needs prefill, Ulysses a whole number of heads per rank,
// decode steps (/workload/decode) one device.
std::string parallel_problem(const models::Study& study);

struct StudyProblem {
  std::string pointer;  // JSON pointer in the study document, e.g. "/workload/top_k"
  std::string message;
};

// /workload/precision/<tensor>: every matrix product runs at a precision the machine's matrix unit has a rate for
// (models::TensorPrecisions: projections, Q K^T, P V); the pointer names the operand that carries the precision.
std::optional<StudyProblem> precision_problem(const models::Study& study);

// The first cross-field problem of a study whose fields each passed their own checks, in the loader's order
// (model, schedule, top_k, pattern, early exits, parallel, precision, decode, HBM capacity), or nothing. Allocates
// nothing for a consistent study.
std::optional<StudyProblem> first_cross_field_problem(const models::Study& study);

}  // namespace cascadesim::sim
