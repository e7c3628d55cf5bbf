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
using models::NormKind;
using models::Phase;
using models::Positional;
using models::ProgressiveQuantization;
using models::TransformerModel;
using models::Workload;

namespace {
constexpr auto required = core::Presence::required;

constexpr std::array<std::string_view, 2> mlp_names{"swiglu", "gelu"};
constexpr std::array<std::string_view, 2> norm_names{"rmsnorm", "layernorm"};
constexpr std::array<std::string_view, 2> positional_names{"rope", "learned"};
constexpr std::array<std::string_view, 2> phase_names{"prefill", "decode"};
constexpr std::array<std::string_view, 2> kernel_names{"fused", "materialized"};
constexpr std::array<std::string_view, 2> scoring_names{"tile_max", "pooled"};
constexpr std::array<std::string_view, 3> batch_policy_names{"wait_for_slowest", "compact", "bucketed"};
constexpr std::array<std::string_view, 2> exit_rule_names{"equal_shares", "geometric"};
constexpr std::array<std::string_view, 5> context_parallel_names{"none", "ring", "zigzag", "tokenring", "ulysses"};
constexpr std::array<std::string_view, 2> kv_fetch_names{"rotate", "on_demand"};
constexpr std::array<std::string_view, 2> tp_collective_names{"all_reduce", "reduce_scatter"};
constexpr std::array<std::string_view, 3> eviction_names{"none", "sink_window", "heavy_hitter"};

constexpr auto hardware = std::to_array<core::Field<HardwareSpec>>({
    {.key = "matrix_dtype",
     .doc = "the precision the matrix unit's own rate is quoted for (the others: /matrix_unit/<class>_macs_per_cycle); "
            "a study's tensors default to it",
     .target = core::Choice<HardwareSpec>{
         models::precision_names,
         [](HardwareSpec& h, std::size_t i) { h.matrix_dtype = static_cast<models::Precision>(i); },
         [](const HardwareSpec& h) { return static_cast<std::size_t>(h.matrix_dtype); }}},
    {.key = "sram_per_core_bytes",
     .unit = "bytes",
     .doc = "per-core scratchpad / shared memory",
     .presence = required,
     .min = 0,
     .min_exclusive = true,
     .target = &HardwareSpec::sram_per_core_bytes},
    {.key = "registers_per_core",
     .doc = "32-bit registers of one core (a GPU SM), a limit on resident thread blocks; 0 (the default): not a limit",
     .min = 0,
     .max = max_count,
     .target = &HardwareSpec::registers_per_core},
    {.key = "threads_per_core",
     .doc = "resident threads one core (a GPU SM) holds at most; 0 (the default): not a limit",
     .min = 0,
     .max = max_count,
     .target = &HardwareSpec::threads_per_core},
    {.key = "max_units_per_core",
     .doc = "work units (thread blocks) one core keeps resident at most; 1 (the default): one at a time",
     .min = 1,
     .max = 1024,
     .target = &HardwareSpec::max_units_per_core},
    {.key = "cores",
     .doc = "cores that take work units (SMs, TensorCores, PEs)",
     .presence = required,
     .min = 1,
     .max = max_count,
     .target = &HardwareSpec::cores},
    {.key = "clock_GHz",
     .unit = "GHz",
     .doc = "core clock: the component sections' per-cycle rates run at it",
     .presence = required,
     .min = 0,
     .min_exclusive = true,
     .target = &HardwareSpec::clock_GHz},
    {.key = "kernel_launch_us",
     .unit = "us",
     .doc = "fixed cost per kernel launch and synchronisation",
     .presence = required,
     .min = 0,
     .target = &HardwareSpec::kernel_launch_us},
    {.key = "power_limit_W",
     .unit = "W",
     .doc = "board power limit: a sustained run's clock settles where the power meets it (0, the default: none)",
     .min = 0,
     .target = &HardwareSpec::power_limit_W},
    {.key = "max_clock_GHz",
     .unit = "GHz",
     .doc = "highest clock the power manager boosts to under its limit (0, the default: clock_GHz)",
     .min = 0,
     .target = &HardwareSpec::max_clock_GHz},
    {.key = "min_clock_GHz",
     .unit = "GHz",
     .doc = "lowest clock the power manager lowers to under its limit (0, the default: no floor)",
     .min = 0,
     .target = &HardwareSpec::min_clock_GHz},
    {.key = "voltage_clock_slope",
     .doc = "relative supply-voltage change per relative clock change near clock_GHz (the core's energy per action "
            "scales with the voltage squared; calibrate fits it)",
     .min = 0,
     .max = 4,
     .target = &HardwareSpec::voltage_clock_slope},
    {.key = "matrix_efficiency",
     .doc = "the analytical model's achievable fraction of the matrix peak (calibrate fits it)",
     .min = 0,
     .max = 1,
     .min_exclusive = true,
     .target = &HardwareSpec::matrix_efficiency},
    {.key = "name", .doc = "preset name shown in reports", .target = &HardwareSpec::name},
});

struct MovedKey {
  std::string_view key;
  std::string_view now;
};
// Figures that used to be written beside the component sections and disagreed with them (schema_version 1
// before the one-description redesign).
constexpr std::array<MovedKey, 6> moved_hardware_keys{{
    {"peak_matrix_TFLOPs", "derived from /matrix_unit (peak MACs per cycle) x cores x clock_GHz x 2"},
    {"peak_vector_TFLOPs", "derived from /vector_unit/flops_per_cycle x cores x clock_GHz"},
    {"hbm_bandwidth_GBps", "derived from /memory (channels x channel_bandwidth_GBps)"},
    {"hbm_bytes", "now /memory/bytes"},
    {"l2_bytes", "derived from /l2/bytes"},
    {"memory_efficiency",
     "removed: calibrate writes the measured bandwidth into /memory/channel_bandwidth_GBps, which both models read"},
}};

constexpr auto model = std::to_array<core::Field<TransformerModel>>({
    {.key = "name", .doc = "model name shown in reports", .target = &TransformerModel::name},
    {.key = "d_model",
     .doc = "embedding width d",
     .presence = required,
     .min = 1,
     .max = max_count,
     .target = &TransformerModel::d_model},
    {.key = "n_heads",
     .doc = "query heads",
     .presence = required,
     .min = 1,
     .max = max_count,
     .target = &TransformerModel::n_heads},
    {.key = "n_kv_heads",
     .doc = "key/value heads (grouped-query attention; = n_heads for MHA)",
     .presence = required,
     .min = 1,
     .max = max_count,
     .target = &TransformerModel::n_kv_heads},
    {.key = "head_dim",
     .doc = "width of one head",
     .presence = required,
     .min = 1,
     .max = max_count,
     .target = &TransformerModel::head_dim},
    {.key = "d_mlp",
     .doc = "MLP hidden width",
     .presence = required,
     .min = 1,
     .max = max_count,
     .target = &TransformerModel::d_mlp},
    {.key = "n_layers",
     .doc = "transformer layers",
     .presence = required,
     .min = 1,
     .max = max_count,
     .target = &TransformerModel::n_layers},
    {.key = "mlp",
     .doc = "MLP form: swiglu (gate, up, down) or gelu (up, down)",
     .presence = required,
     .target = core::Choice<TransformerModel>{
         mlp_names, [](TransformerModel& m, std::size_t i) { m.mlp = static_cast<MlpKind>(i); },
         [](const TransformerModel& m) { return static_cast<std::size_t>(m.mlp); }}},
    {.key = "norm",
     .doc = "normalization before attention and before the MLP, each fused with the residual add before it: rmsnorm "
            "or layernorm",
     .presence = required,
     .target = core::Choice<TransformerModel>{
         norm_names, [](TransformerModel& m, std::size_t i) { m.norm = static_cast<NormKind>(i); },
         [](const TransformerModel& m) { return static_cast<std::size_t>(m.norm); }}},
    {.key = "positional",
     .doc = "positions: rope (rotary, applied to Q and K in every layer) or learned (added once before the first "
            "layer)",
     .presence = required,
     .target = core::Choice<TransformerModel>{
         positional_names, [](TransformerModel& m, std::size_t i) { m.positional = static_cast<Positional>(i); },
         [](const TransformerModel& m) { return static_cast<std::size_t>(m.positional); }}},
    {.key = "causal",
     .doc = "true: decoder (attend to the past only); false: bidirectional encoder",
     .presence = required,
     .target = &TransformerModel::causal},
    {.key = "vocab_size",
     .doc = "vocabulary: counts the token-embedding lookup and the LM head (last token of each sequence); 0 (the "
            "default): neither is counted",
     .min = 0,
     .max = max_seq_len,
     .target = &TransformerModel::vocab_size},
    {.key = "experts",
     .doc = "mixture of experts: routed experts per MoE layer (0, the default: a dense MLP of d_mlp in every layer)",
     .min = 0,
     .max = max_count,
     .target = &TransformerModel::experts},
    {.key = "experts_per_token",
     .doc = "routed experts each token runs (top-k of the router), 1 to experts",
     .min = 0,
     .max = max_count,
     .target = &TransformerModel::experts_per_token},
    {.key = "expert_ffn_dim",
     .doc = "hidden width of one SwiGLU expert (routed or shared)",
     .min = 0,
     .max = max_count,
     .target = &TransformerModel::expert_ffn_dim},
    {.key = "shared_experts",
     .doc = "experts every token runs beside the routed ones (DeepSeekMoE), each of expert_ffn_dim",
     .min = 0,
     .max = max_count,
     .target = &TransformerModel::shared_experts},
    {.key = "dense_mlp_layers",
     .doc = "the first layers that keep the dense MLP of d_mlp instead of the experts (DeepSeek's "
            "first_k_dense_replace)",
     .min = 0,
     .max = max_count,
     .target = &TransformerModel::dense_mlp_layers},
    {.key = "kv_lora_rank",
     .doc = "multi-head latent attention: width of the cached K/V latent (0, the default: K and V cached per K/V "
            "head); head_dim is then the per-head non-rotary Q/K width",
     .min = 0,
     .max = max_count,
     .target = &TransformerModel::kv_lora_rank},
    {.key = "q_lora_rank",
     .doc = "MLA: width of the query latent (0: Q projected at full rank)",
     .min = 0,
     .max = max_count,
     .target = &TransformerModel::q_lora_rank},
    {.key = "qk_rope_head_dim",
     .doc = "MLA: rotary part of each head's Q and of the one shared rotary key per token",
     .min = 0,
     .max = max_count,
     .target = &TransformerModel::qk_rope_head_dim},
    {.key = "v_head_dim",
     .doc = "MLA: width of each head's V",
     .min = 0,
     .max = max_count,
     .target = &TransformerModel::v_head_dim},
});

constexpr auto workload = std::to_array<core::Field<Workload>>({
    {.key = "phase",
     .doc = "prefill (all tokens at once) or decode (one new token against a KV cache)",
     .presence = required,
     .target = core::Choice<Workload>{phase_names, [](Workload& w, std::size_t i) { w.phase = static_cast<Phase>(i); },
                                      [](const Workload& w) { return static_cast<std::size_t>(w.phase); }}},
    {.key = "seq_len",
     .unit = "tokens",
     .doc = "sequence length (prefill) or KV-cache length (decode)",
     .presence = required,
     .min = 1,
     .max = max_seq_len,
     .target = &Workload::seq_len},
    {.key = "batch", .doc = "sequences processed together", .min = 1, .max = max_count, .target = &Workload::batch},
    {.key = "tile_tokens",
     .unit = "tokens",
     .doc = "query and key tile edge",
     .min = 1,
     .max = max_count,
     .target = &Workload::tile_tokens},
    {.key = "top_k",
     .doc = "key tiles each query tile keeps in reuse layers",
     .min = 0,
     .max = max_seq_len,
     .target = &Workload::top_k},
    {.key = "anchor_scoring",
     .doc = "how anchors rate key tiles: tile_max (max score per block) or pooled (pooled Q . K)",
     .target = core::Choice<Workload>{
         scoring_names, [](Workload& w, std::size_t i) { w.anchor_scoring = static_cast<AnchorScoring>(i); },
         [](const Workload& w) { return static_cast<std::size_t>(w.anchor_scoring); }}},
    {.key = "attention_kernel",
     .doc = "dense attention as fused tiles (FlashAttention) or materialized S x S scores",
     .target = core::Choice<Workload>{
         kernel_names, [](Workload& w, std::size_t i) { w.attention_kernel = static_cast<AttentionKernel>(i); },
         [](const Workload& w) { return static_cast<std::size_t>(w.attention_kernel); }}},
    {.key = "attention_implementation",
     .doc = "how fused attention's units run on a core: tiled (the machine's own dataflow), fa2-style or "
            "fa3-style (GPU kernels: resident blocks per SM, K/V stages, softmax overlap; describe lists them)",
     .target = core::Choice<Workload>{
         models::dataflow::attention_implementation_names,
         [](Workload& w, std::size_t i) { w.attention_implementation = static_cast<std::int64_t>(i); },
         [](const Workload& w) { return static_cast<std::size_t>(w.attention_implementation); }}},
    {.key = "expert_load_imbalance",
     .doc = "mixture-of-experts layers: the busiest expert's tokens over an even share (1, the default: balanced); "
            "every expert's GEMM is padded to the busiest one's rows",
     .min = 1,
     .max = max_count,
     .target = &Workload::expert_load_imbalance},
});

// One precision per tensor; every default is the machine's matrix_dtype (sim/config/study_loader.cpp).
template <models::Precision models::TensorPrecisions::*member>
constexpr core::Choice<models::TensorPrecisions> precision_choice() {
  return {models::precision_names,
          [](models::TensorPrecisions& t, std::size_t i) { t.*member = static_cast<models::Precision>(i); },
          [](const models::TensorPrecisions& t) { return static_cast<std::size_t>(t.*member); }};
}
constexpr auto tensor_precision = std::to_array<core::Field<models::TensorPrecisions>>({
    {.key = "weights",
     .doc = "projection and MLP weights as stored and read (int4/fp4 with wider activations: weight-only "
            "quantization, the product runs at the activations' rate); default: the hardware's matrix_dtype",
     .target = precision_choice<&models::TensorPrecisions::weights>()},
    {.key = "activations",
     .doc = "the residual stream, Q, attention outputs and MLP hiddens; default: the hardware's matrix_dtype",
     .target = precision_choice<&models::TensorPrecisions::activations>()},
    {.key = "kv_cache",
     .doc = "K and V as cached and fetched (fp8: half the bytes of bf16); default: the hardware's matrix_dtype",
     .target = precision_choice<&models::TensorPrecisions::kv_cache>()},
    {.key = "scores",
     .doc = "attention probabilities P (fused P V's operand; materialized S and P in memory); default: the "
            "hardware's matrix_dtype",
     .target = precision_choice<&models::TensorPrecisions::scores>()},
});

constexpr auto cascade = std::to_array<core::Field<CascadeSpec>>({
    {.key = "spatial_dims",
     .doc = "tokens scale as resolution^spatial_dims (2 for images, 1 for sequences)",
     .min = 1,
     .max = 3,
     .target = &CascadeSpec::spatial_dims},
    {.key = "batch_policy",
     .doc = "wait_for_slowest (a stage runs all members if any reaches it), compact (only those that reach it) or "
            "bucketed (those that reach it, regrouped between stages into buckets of bucket_size, the last padded)",
     .target = core::Choice<CascadeSpec>{
         batch_policy_names, [](CascadeSpec& c, std::size_t i) { c.batch_policy = static_cast<BatchPolicy>(i); },
         [](const CascadeSpec& c) { return static_cast<std::size_t>(c.batch_policy); }}},
    {.key = "bucket_size",
     .doc = "slots of one bucket under the bucketed batch policy (only with it); a stage runs its members padded "
            "to a multiple of it",
     .min = 1,
     .max = max_count,
     .target = &CascadeSpec::bucket_size},
    {.key = "memory_overhead",
     .doc = "seed 000 memory-bandwidth overhead, fraction of theoretical speedup",
     .min = 0,
     .max = 1,
     .target = &CascadeSpec::memory_overhead},
    {.key = "transition_overhead",
     .doc = "seed 000 stage-transition overhead, fraction of theoretical speedup",
     .min = 0,
     .max = 1,
     .target = &CascadeSpec::transition_overhead},
    {.key = "decision_overhead",
     .doc = "seed 000 early-stopping decision overhead, fraction of theoretical speedup",
     .min = 0,
     .max = 1,
     .target = &CascadeSpec::decision_overhead},
    {.key = "confidence_threshold",
     .doc =
         "seed 000 early-stopping confidence threshold, 0.85 to 0.95: the stages' exit fractions are derived from it "
         "(the stages then omit exit_fraction)",
     .min = 0,
     .max = 1,
     .target = &CascadeSpec::confidence_threshold},
    {.key = "exit_rule",
     .doc = "how a confidence_threshold's early-stopping rate spreads over the stages (only with it): equal_shares "
            "over the stages before the last, or geometric (MSDNet's exit distribution, more stages stop more)",
     .target = core::Choice<CascadeSpec>{
         exit_rule_names, [](CascadeSpec& c, std::size_t i) { c.exit_rule = static_cast<models::ExitRule>(i); },
         [](const CascadeSpec& c) { return static_cast<std::size_t>(c.exit_rule); }}},
});

constexpr auto parallel = std::to_array<core::Field<models::ParallelSpec>>({
    {.key = "context",
     .doc = "how the sequence splits over the devices: none, ring (contiguous shards, K/V round a ring), zigzag "
            "(causally balanced shards), tokenring (queries one way, outputs back), ulysses (all-to-all to heads)",
     .target = core::Choice<models::ParallelSpec>{
         context_parallel_names,
         [](models::ParallelSpec& p, std::size_t i) { p.context = static_cast<models::ContextParallel>(i); },
         [](const models::ParallelSpec& p) { return static_cast<std::size_t>(p.context); }}},
    {.key = "tensor_parallel",
     .doc = "devices sharing each layer's weights (projections, MLP, heads); /hardware/interconnect/devices / it "
            "split the sequence",
     .min = 1,
     .max = 4096,
     .target = &models::ParallelSpec::tensor_parallel},
    {.key = "kv_fetch",
     .doc = "reuse layers under ring sharding: rotate every K/V block round the ring, or fetch only the selected "
            "remote tiles on demand (after an all-to-all of their ids)",
     .target = core::Choice<models::ParallelSpec>{
         kv_fetch_names, [](models::ParallelSpec& p, std::size_t i) { p.kv_fetch = static_cast<models::KvFetch>(i); },
         [](const models::ParallelSpec& p) { return static_cast<std::size_t>(p.kv_fetch); }}},
    {.key = "tp_collective",
     .doc = "tensor parallelism's two collectives per layer: all_reduce, or reduce_scatter + all_gather (sequence "
            "parallelism: norms split too)",
     .target = core::Choice<models::ParallelSpec>{
         tp_collective_names,
         [](models::ParallelSpec& p, std::size_t i) { p.tp_collective = static_cast<models::TpCollective>(i); },
         [](const models::ParallelSpec& p) { return static_cast<std::size_t>(p.tp_collective); }}},
});

constexpr auto cascade_stage = std::to_array<core::Field<CascadeStage>>({
    {.key = "resolution",
     .doc = "linear resolution relative to full, per spatial dimension",
     .presence = required,
     .min = 0,
     .max = 1,
     .min_exclusive = true,
     .target = &CascadeStage::resolution},
    {.key = "exit_fraction",
     .doc = "fraction of all inputs that stop after this stage (omitted with a confidence_threshold)",
     .min = 0,
     .max = 1,
     .target = &CascadeStage::exit_fraction},
});

constexpr auto progressive_quantization = std::to_array<core::Field<ProgressiveQuantization>>({
    {.key = "msb_bits",
     .unit = "bits",
     .doc = "bits per K/V element the first fetch reads (SpAtten: the most significant ones)",
     .min = 1,
     .max = 64,
     .target = &ProgressiveQuantization::msb_bits},
    {.key = "lsb_bits",
     .unit = "bits",
     .doc = "bits per K/V element the second fetch adds, for the heads that recompute",
     .min = 0,
     .max = 64,
     .target = &ProgressiveQuantization::lsb_bits},
    {.key = "recompute_fraction",
     .doc = "fraction of the query heads (per query tile) whose softmax is not confident: they fetch the LSBs and "
            "recompute (rounded to whole heads)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1,
     .target = &ProgressiveQuantization::recompute_fraction},
});

constexpr auto decode = std::to_array<core::Field<models::DecodeSpec>>({
    {.key = "steps",
     .doc = "decode steps run from the seq_len cache, one token more per step",
     .presence = required,
     .min = 1,
     .max = max_count,
     .target = &models::DecodeSpec::steps},
    {.key = "reselect_every",
     .doc = "anchors and estimators select at steps 0, P, 2P, ... and the steps between reuse their last lists "
            "(1: every step selects)",
     .min = 1,
     .max = max_count,
     .target = &models::DecodeSpec::reselect_every},
    {.key = "correct_every",
     .doc = "TidalDecode's KV-cache correction: after every C steps the C tokens decoded since the last correction "
            "are re-prefilled densely against the cache (0: none)",
     .min = 0,
     .max = max_count,
     .target = &models::DecodeSpec::correct_every},
    {.key = "eviction",
     .doc = "K/V eviction: none, sink_window (StreamingLLM: sink tokens and a recent window) or heavy_hitter (H2O: "
            "accumulated-score heavy hitters and recent tokens, its bookkeeping costed)",
     .target = core::Choice<models::DecodeSpec>{
         eviction_names, [](models::DecodeSpec& d, std::size_t i) { d.eviction = static_cast<models::KvEviction>(i); },
         [](const models::DecodeSpec& d) { return static_cast<std::size_t>(d.eviction); }}},
    {.key = "kv_budget_tokens",
     .unit = "tokens",
     .doc = "with eviction: cached tokens kept per sequence and layer (sink + window, or heavy hitters + recent); "
            "evicted tokens are neither stored nor read",
     .min = 0,
     .max = max_seq_len,
     .target = &models::DecodeSpec::kv_budget_tokens},
    {.key = "kv_offload_fraction",
     .doc = "of every layer's K/V, the oldest tiles kept in /hardware/host_memory at least (what overflows the HBM "
            "goes there anyway); the newest tile stays in HBM",
     .min = 0,
     .max = 1,
     .target = &models::DecodeSpec::kv_offload_fraction},
});

constexpr auto early_exit = std::to_array<core::Field<EarlyExitSpec>>({
    {.key = "exit_head_flops_per_token",
     .unit = "FLOP",
     .doc = "cost of one exit-confidence head evaluation per token",
     .min = 0,
     .target = &EarlyExitSpec::exit_head_flops_per_token},
});

constexpr auto early_exit_point = std::to_array<core::Field<EarlyExitPoint>>({
    {.key = "after_layer",
     .doc = "layers run before this exit (1-based)",
     .presence = required,
     .min = 1,
     .max = max_count,
     .target = &EarlyExitPoint::after_layer},
    {.key = "fraction",
     .doc = "fraction of inputs that exit here",
     .presence = required,
     .min = 0,
     .max = 1,
     .target = &EarlyExitPoint::fraction},
});

constexpr auto kernel_family = std::to_array<core::Field<models::KernelFamilyFigures>>({
    {.key = "matrix_time_scale",
     .doc = "the family's matrix work takes this multiple of the matrix unit's own cycles (calibrate fits it)",
     .min = 0,
     .max = 1e3,
     .min_exclusive = true,
     .target = &models::KernelFamilyFigures::matrix_time_scale},
    {.key = "vector_time_scale",
     .doc = "its elementwise work (the softmax) takes this multiple of the vector unit's own cycles",
     .min = 0,
     .max = 1e3,
     .min_exclusive = true,
     .target = &models::KernelFamilyFigures::vector_time_scale},
    {.key = "unit_fixed_ns",
     .unit = "ns",
     .doc = "per work unit, beside its tile steps: block start, prologue and epilogue",
     .min = 0,
     .max = 1e9,
     .target = &models::KernelFamilyFigures::unit_fixed_ns},
    {.key = "kernel_fixed_us",
     .unit = "us",
     .doc = "per kernel, beside the machine's launch gap: the grid's ramp-up and drain",
     .min = 0,
     .max = 1e6,
     .target = &models::KernelFamilyFigures::kernel_fixed_us},
    {.key = "softmax_overlap",
     .doc = "serial-softmax kernels: the share of a block's softmax that runs beside its matrix work",
     .min = 0,
     .max = 1,
     .target = &models::KernelFamilyFigures::softmax_overlap},
    {.key = "analytical_matrix_efficiency",
     .doc = "the analytical model's achievable fraction of the matrix peak for this family (calibrate fits it); "
            "0: the preset's matrix_efficiency",
     .min = 0,
     .max = 1,
     .target = &models::KernelFamilyFigures::analytical_matrix_efficiency},
});

// Each table: every entry with a key and a target, no key twice (core/field.hpp).
static_assert(core::fields_declared<HardwareSpec>(hardware));
static_assert(core::fields_declared<TransformerModel>(model));
static_assert(core::fields_declared<Workload>(workload));
static_assert(core::fields_declared<models::TensorPrecisions>(tensor_precision));
static_assert(core::fields_declared<CascadeSpec>(cascade));
static_assert(core::fields_declared<CascadeStage>(cascade_stage));
static_assert(core::fields_declared<EarlyExitSpec>(early_exit));
static_assert(core::fields_declared<ProgressiveQuantization>(progressive_quantization));
static_assert(core::fields_declared<models::DecodeSpec>(decode));
static_assert(core::fields_declared<EarlyExitPoint>(early_exit_point));
static_assert(core::fields_declared<models::KernelFamilyFigures>(kernel_family));
}  // namespace

std::optional<std::string_view> moved_hardware_key(std::string_view key) {
  for (const MovedKey& m : moved_hardware_keys)
    if (m.key == key) return m.now;
  return std::nullopt;
}

std::string_view batch_policy_name(BatchPolicy policy) { return batch_policy_names[static_cast<std::size_t>(policy)]; }
std::string_view exit_rule_name(models::ExitRule rule) { return exit_rule_names[static_cast<std::size_t>(rule)]; }

std::span<const core::Field<HardwareSpec>> hardware_fields() { return hardware; }
std::span<const core::Field<TransformerModel>> model_fields() { return model; }
std::span<const core::Field<Workload>> workload_fields() { return workload; }
std::span<const core::Field<CascadeSpec>> cascade_fields() { return cascade; }
std::span<const core::Field<models::ParallelSpec>> parallel_fields() { return parallel; }
std::span<const core::Field<models::TensorPrecisions>> precision_fields() { return tensor_precision; }
std::span<const core::Field<CascadeStage>> cascade_stage_fields() { return cascade_stage; }
std::span<const core::Field<EarlyExitSpec>> early_exit_fields() { return early_exit; }
std::span<const core::Field<ProgressiveQuantization>> progressive_quantization_fields() {
  return progressive_quantization;
}
std::span<const core::Field<EarlyExitPoint>> early_exit_point_fields() { return early_exit_point; }
std::span<const core::Field<models::DecodeSpec>> decode_fields() { return decode; }
std::span<const std::string_view> kv_eviction_names() { return eviction_names; }
std::span<const core::Field<models::KernelFamilyFigures>> kernel_family_fields() { return kernel_family; }

}  // namespace cascadesim::sim
