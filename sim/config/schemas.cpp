// Parameter declarations: each config key once, with its unit, bounds and meaning.
#include "sim/config/schemas.hpp"

#include <array>
#include <string_view>

namespace cascadesim::sim {

using models::AnchorScoring;
using models::AttentionKernel;
using models::BatchPolicy;
using models::CascadeSpec;
using models::CascadeStage;
using models::EarlyExitPoint;
using models::EarlyExitSpec;
using models::HardwareSpec;
using models::MlpKind;
using models::Phase;
using models::TransformerModel;
using models::Workload;

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr auto required = core::Presence::required;
constexpr auto optional = core::Presence::optional;

constexpr std::array<std::string_view, 2> matrix_dtypes{"bf16", "fp16"};
constexpr std::array<std::string_view, 2> mlp_names{"swiglu", "gelu"};
constexpr std::array<std::string_view, 2> phase_names{"prefill", "decode"};
constexpr std::array<std::string_view, 2> kernel_names{"fused", "materialized"};
constexpr std::array<std::string_view, 2> scoring_names{"tile_max", "pooled"};
constexpr std::array<std::string_view, 2> batch_policy_names{"wait_for_slowest", "compact"};

const std::array<core::Field<HardwareSpec>, 13> hardware{{
    {"peak_matrix_TFLOPs", "TFLOP/s", "dense matrix-unit (tensor core / MXU) peak throughput", required, 0, inf, true,
     &HardwareSpec::peak_matrix_TFLOPs},
    {"matrix_dtype", "", "element type peak_matrix_TFLOPs is quoted for", optional, -inf, inf, false,
     &HardwareSpec::matrix_dtype, matrix_dtypes},
    {"peak_vector_TFLOPs", "TFLOP/s", "non-matrix FP32 peak throughput (softmax, scoring, top-k)", required, 0, inf,
     true, &HardwareSpec::peak_vector_TFLOPs},
    {"hbm_bandwidth_GBps", "GB/s", "off-chip memory bandwidth (1 GB = 1e9 bytes)", required, 0, inf, true,
     &HardwareSpec::hbm_bandwidth_GBps},
    {"hbm_bytes", "bytes", "off-chip memory capacity", required, 0, inf, true, &HardwareSpec::hbm_bytes},
    {"l2_bytes", "bytes", "shared on-chip cache or global buffer (0: none)", required, 0, inf, false,
     &HardwareSpec::l2_bytes},
    {"sram_per_core_bytes", "bytes", "per-core scratchpad / shared memory", required, 0, inf, true,
     &HardwareSpec::sram_per_core_bytes},
    {"cores", "", "cores that take work units (SMs, TensorCores, PEs)", required, 1, max_count, false,
     &HardwareSpec::cores},
    {"clock_GHz", "GHz", "core clock used for the quoted peaks", required, 0, inf, true, &HardwareSpec::clock_GHz},
    {"kernel_launch_us", "us", "fixed cost per kernel launch and synchronisation", required, 0, inf, false,
     &HardwareSpec::kernel_launch_us},
    {"matrix_efficiency", "", "achievable fraction of peak_matrix_TFLOPs", optional, 0, 1, true,
     &HardwareSpec::matrix_efficiency},
    {"memory_efficiency", "", "achievable fraction of hbm_bandwidth_GBps", optional, 0, 1, true,
     &HardwareSpec::memory_efficiency},
    {"name", "", "preset name shown in reports", optional, -inf, inf, false, &HardwareSpec::name},
}};

const std::array<core::Field<TransformerModel>, 9> model{{
    {"name", "", "model name shown in reports", optional, -inf, inf, false, &TransformerModel::name},
    {"d_model", "", "embedding width d", required, 1, max_count, false, &TransformerModel::d_model},
    {"n_heads", "", "query heads", required, 1, max_count, false, &TransformerModel::n_heads},
    {"n_kv_heads", "", "key/value heads (grouped-query attention; = n_heads for MHA)", required, 1, max_count, false,
     &TransformerModel::n_kv_heads},
    {"head_dim", "", "width of one head", required, 1, max_count, false, &TransformerModel::head_dim},
    {"d_mlp", "", "MLP hidden width", required, 1, max_count, false, &TransformerModel::d_mlp},
    {"n_layers", "", "transformer layers", required, 1, max_count, false, &TransformerModel::n_layers},
    {"mlp", "", "MLP form: swiglu (gate, up, down) or gelu (up, down)", required, -inf, inf, false,
     core::Choice<TransformerModel>{mlp_names,
                                    [](TransformerModel& m, std::size_t i) { m.mlp = static_cast<MlpKind>(i); },
                                    [](const TransformerModel& m) { return static_cast<std::size_t>(m.mlp); }}},
    {"causal", "", "true: decoder (attend to the past only); false: bidirectional encoder", required, -inf, inf, false,
     &TransformerModel::causal},
}};

const std::array<core::Field<Workload>, 8> workload{{
    {"phase", "", "prefill (all tokens at once) or decode (one new token against a KV cache)", required, -inf, inf,
     false,
     core::Choice<Workload>{phase_names, [](Workload& w, std::size_t i) { w.phase = static_cast<Phase>(i); },
                            [](const Workload& w) { return static_cast<std::size_t>(w.phase); }}},
    {"seq_len", "tokens", "sequence length (prefill) or KV-cache length (decode)", required, 1, max_seq_len, false,
     &Workload::seq_len},
    {"batch", "", "sequences processed together", optional, 1, max_count, false, &Workload::batch},
    {"tile_tokens", "tokens", "query and key tile edge", optional, 1, max_count, false, &Workload::tile_tokens},
    {"top_k", "", "key tiles each query tile keeps in reuse layers", optional, 0, max_seq_len, false, &Workload::top_k},
    {"anchor_scoring", "", "how anchors rate key tiles: tile_max (max score per block) or pooled (pooled Q . K)",
     optional, -inf, inf, false,
     core::Choice<Workload>{scoring_names,
                            [](Workload& w, std::size_t i) { w.anchor_scoring = static_cast<AnchorScoring>(i); },
                            [](const Workload& w) { return static_cast<std::size_t>(w.anchor_scoring); }}},
    {"attention_kernel", "", "dense attention as fused tiles (FlashAttention) or materialized S x S scores", optional,
     -inf, inf, false,
     core::Choice<Workload>{kernel_names,
                            [](Workload& w, std::size_t i) { w.attention_kernel = static_cast<AttentionKernel>(i); },
                            [](const Workload& w) { return static_cast<std::size_t>(w.attention_kernel); }}},
    {"bytes_per_element", "bytes", "bytes per activation, weight and KV-cache element", optional, 1, 8, false,
     &Workload::bytes_per_element},
}};

const std::array<core::Field<CascadeSpec>, 6> cascade{{
    {"spatial_dims", "", "tokens scale as resolution^spatial_dims (2 for images, 1 for sequences)", optional, 1, 3,
     false, &CascadeSpec::spatial_dims},
    {"batch_policy", "", "wait_for_slowest (a stage runs if any member reaches it) or compact", optional, -inf, inf,
     false,
     core::Choice<CascadeSpec>{batch_policy_names,
                               [](CascadeSpec& c, std::size_t i) { c.batch_policy = static_cast<BatchPolicy>(i); },
                               [](const CascadeSpec& c) { return static_cast<std::size_t>(c.batch_policy); }}},
    {"memory_overhead", "", "seed 000 memory-bandwidth overhead, fraction of theoretical speedup", optional, 0, 1,
     false, &CascadeSpec::memory_overhead},
    {"transition_overhead", "", "seed 000 stage-transition overhead, fraction of theoretical speedup", optional, 0, 1,
     false, &CascadeSpec::transition_overhead},
    {"decision_overhead", "", "seed 000 early-stopping decision overhead, fraction of theoretical speedup", optional, 0,
     1, false, &CascadeSpec::decision_overhead},
    {"confidence_threshold", "",
     "seed 000 early-stopping confidence threshold, 0.85 to 0.95: the stages' exit fractions are derived from it "
     "(the stages then omit exit_fraction)",
     optional, 0, 1, false, &CascadeSpec::confidence_threshold},
}};

const std::array<core::Field<CascadeStage>, 2> cascade_stage{{
    {"resolution", "", "linear resolution relative to full, per spatial dimension", required, 0, 1, true,
     &CascadeStage::resolution},
    {"exit_fraction", "", "fraction of all inputs that stop after this stage (omitted with a confidence_threshold)",
     optional, 0, 1, false, &CascadeStage::exit_fraction},
}};

const std::array<core::Field<EarlyExitSpec>, 1> early_exit{{
    {"exit_head_flops_per_token", "FLOP", "cost of one exit-confidence head evaluation per token", optional, 0, inf,
     false, &EarlyExitSpec::exit_head_flops_per_token},
}};

const std::array<core::Field<EarlyExitPoint>, 2> early_exit_point{{
    {"after_layer", "", "layers run before this exit (1-based)", required, 1, max_count, false,
     &EarlyExitPoint::after_layer},
    {"fraction", "", "fraction of inputs that exit here", required, 0, 1, false, &EarlyExitPoint::fraction},
}};
}  // namespace

std::span<const core::Field<HardwareSpec>> hardware_fields() { return hardware; }
std::span<const core::Field<TransformerModel>> model_fields() { return model; }
std::span<const core::Field<Workload>> workload_fields() { return workload; }
std::span<const core::Field<CascadeSpec>> cascade_fields() { return cascade; }
std::span<const core::Field<CascadeStage>> cascade_stage_fields() { return cascade_stage; }
std::span<const core::Field<EarlyExitSpec>> early_exit_fields() { return early_exit; }
std::span<const core::Field<EarlyExitPoint>> early_exit_point_fields() { return early_exit_point; }

}  // namespace cascadesim::sim
