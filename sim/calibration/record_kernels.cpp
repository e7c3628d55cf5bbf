// Measured cases as dataflow kernels.
#include "sim/calibration/record_kernels.hpp"

#include <cmath>
#include <stdexcept>

#include "core/config_node.hpp"
#include "models/dataflow/layer.hpp"
#include "models/layer_schedule.hpp"
#include "sim/config/study_loader.hpp"

namespace cascadesim::sim {

using models::LayerKind;
using models::dataflow::Kernel;

namespace {

models::TransformerModel attention_model(const MeasuredPoint& p) {
  models::TransformerModel m;
  m.name = "measured";
  m.n_heads = p.heads;
  m.n_kv_heads = p.kv_heads > 0 ? p.kv_heads : p.heads;
  m.head_dim = p.head_dim;
  m.d_model = p.heads * p.head_dim;
  m.n_layers = 1;
  m.causal = p.causal;
  return m;
}

models::LayerShape attention_shape(const MeasuredPoint& p, std::int64_t seq_len, std::int64_t tile) {
  models::LayerShape s;
  s.batch = static_cast<double>(p.batch);
  s.query_tokens = seq_len;
  s.key_tokens = seq_len;
  s.tile_tokens = tile;
  s.top_k = p.top_k;
  s.attention_implementation = models::dataflow::attention_implementation_index(p.implementation);
  return s;
}

// A projection's GEMM as a layer runs it: the activations (batch x seq_len tokens) against a weight matrix, in bf16
// like every measured record.
Kernel gemm_kernel(const MeasuredPoint& p) {
  namespace df = models::dataflow;
  return Kernel{
      "gemm", models::Op::mlp, 0, LayerKind::dense,
      df::projection_gemm(static_cast<double>(p.batch * p.seq_len), static_cast<double>(p.gemm_k),
                          static_cast<double>(p.gemm_n), models::TensorPrecisions{},
                          df::tensor_id(0, df::LayerTensor::activations), df::tensor_id(0, df::LayerTensor::w_qkv))};
}

// One new token per sequence against its K/V cache, all of it or (top_k > 0) the top_k key tiles its anchor's lists
// name, split over the kernel's recorded kv_splits (the machine's choice when not recorded); on a machine the
// split kernel is followed by the combine kernel (models/dataflow/kernel.hpp).
Kernel decode_kernel(const MeasuredPoint& p) {
  namespace df = models::dataflow;
  const models::TransformerModel model = attention_model(p);
  models::LayerShape shape = attention_shape(p, p.seq_len, p.tile_k);
  shape.query_tokens = 1;
  const std::uint64_t kv = df::tensor_id(0, df::LayerTensor::kv);
  Kernel k = p.top_k > 0 ? df::reuse_kernel(model, shape, 0, kv, 1)
                         : Kernel{"attention", models::Op::attention, 0, LayerKind::dense,
                                  df::dense_attention(model, shape, kv)};
  std::get<df::AttentionWork>(k.work).kv_splits_as_run = p.kv_splits;
  return k;
}

// The study of the record's shipped model at the record's shape (prefill), which says what each layer runs
// (models/dataflow/layer.hpp), so that a record is predicted as a study is.
LoadedStudy model_study(const MeasuredPoint& p, const models::LayerSchedule& schedule) {
  core::Json workload = {{"phase", "prefill"},
                         {"seq_len", p.seq_len},
                         {"batch", p.batch},
                         {"tile_tokens", p.tile_q},
                         {"attention_implementation", p.implementation}};
  if (schedule.counts().dense != schedule.counts().total()) {
    workload["schedule"] = p.schedule;
    workload["top_k"] = p.top_k;
  }
  const core::Json study = {
      {"schema_version", 1}, {"name", p.name}, {"hardware", "h100-sxm"}, {"model", p.model}, {"workload", workload}};
  return load_study_text(study.dump(), p.file + " " + p.pointer, LoadOptions{});
}

// A stack of a shipped model's whole layers.
std::vector<Kernel> model_stack_kernels(const MeasuredPoint& p) {
  const models::LayerSchedule schedule = models::parse_layer_schedule(p.schedule);
  const LoadedStudy loaded = model_study(p, schedule);
  if (static_cast<std::int64_t>(schedule.layers.size()) != loaded.study.model.n_layers)
    throw std::invalid_argument(p.name + ": schedule " + p.schedule + " has " + std::to_string(schedule.layers.size()) +
                                " layers but " + p.model + " has " + std::to_string(loaded.study.model.n_layers));
  return models::dataflow::stack_kernels(loaded.study.model, models::layer_shape(loaded.study.workload),
                                         loaded.study.workload.schedule);
}

// One kernel of a shipped model's dense layer, the first whose operation is the record's op (a norm, RoPE, the
// activation).
Kernel model_layer_op_kernel(const MeasuredPoint& p) {
  const LoadedStudy loaded = model_study(p, models::LayerSchedule{});
  for (Kernel& k : models::dataflow::layer_kernels(loaded.study.model, models::layer_shape(loaded.study.workload), 0,
                                                   LayerKind::dense, 0))
    if (models::to_string(k.op) == p.op) return std::move(k);
  throw std::invalid_argument(p.name + ": a layer of " + p.model + " runs no '" + p.op + "' kernel");
}

void append(std::vector<Kernel>& out, std::vector<Kernel> more) {
  for (Kernel& k : more) out.push_back(std::move(k));
}

}  // namespace

std::vector<Kernel> record_kernels(const MeasuredPoint& p) {
  namespace df = models::dataflow;
  if (p.tile_q != p.tile_k)
    throw std::invalid_argument(p.name + ": the dataflow models square tiles (tile_q " + std::to_string(p.tile_q) +
                                " != tile_k " + std::to_string(p.tile_k) + ")");
  const models::TransformerModel model = attention_model(p);
  const models::LayerShape shape = attention_shape(p, p.seq_len, p.tile_q);
  const std::uint64_t kv = df::tensor_id(0, df::LayerTensor::kv);
  std::vector<Kernel> out;
  if (p.kernel == "dense") {
    out.push_back(
        Kernel{"attention", models::Op::attention, 0, LayerKind::dense, df::dense_attention(model, shape, kv)});
  } else if (p.kernel == "anchor") {
    append(out, df::anchor_kernels(model, shape, 0, kv));
  } else if (p.kernel == "sparse") {
    out.push_back(df::reuse_kernel(model, shape, 0, kv, 1));
  } else if (p.kernel == "cascade") {
    const std::uint64_t coarse_kv = df::tensor_id(1, df::LayerTensor::kv);  // the pooled K/V, as another layer's
    append(out, df::cascade_stage_kernels(model, shape, 0, p.pool_factor, coarse_kv));
    out.push_back(df::reuse_kernel(model, shape, 0, kv, 1));
  } else if (p.kernel == "gemm") {
    out.push_back(gemm_kernel(p));
  } else if (p.kernel == "decode") {
    out.push_back(decode_kernel(p));
  } else if (p.kernel == "layer_op") {
    out.push_back(model_layer_op_kernel(p));
  } else if (p.kernel == "stack" && !p.model.empty()) {
    out = model_stack_kernels(p);
  } else if (p.kernel == "stack") {
    const models::LayerSchedule schedule = models::parse_layer_schedule(p.schedule);
    std::uint64_t anchor_seed = 0;
    for (std::size_t i = 0; i < schedule.layers.size(); ++i) {
      const auto layer = static_cast<std::int64_t>(i);
      const std::uint64_t layer_kv = df::tensor_id(layer, df::LayerTensor::kv);
      switch (schedule.layers[i]) {
        case LayerKind::dense:
          out.push_back(Kernel{"attention", models::Op::attention, layer, LayerKind::dense,
                               df::dense_attention(model, shape, layer_kv)});
          break;
        case LayerKind::anchor:
          anchor_seed = static_cast<std::uint64_t>(layer + 1);
          append(out, df::anchor_kernels(model, shape, layer, layer_kv));
          break;
        case LayerKind::reuse:
          if (anchor_seed == 0) throw std::invalid_argument(p.name + ": a reuse layer before any anchor");
          out.push_back(df::reuse_kernel(model, shape, layer, layer_kv, anchor_seed));
          break;
      }
    }
  } else {
    throw std::invalid_argument(p.name + ": unknown kernel '" + p.kernel + "'");
  }
  if ((p.kernel != "dense" && p.kernel != "stack" && p.kernel != "gemm" && p.kernel != "decode" &&
       p.kernel != "layer_op") &&
      p.top_k < 1)
    throw std::invalid_argument(p.name + ": top_k must be >= 1 for a " + p.kernel + " record");
  return out;
}

std::vector<models::OpCost> record_analytical_costs(const MeasuredPoint& p, const models::HardwareSpec& hw) {
  const models::TransformerModel model = attention_model(p);
  const models::LayerShape shape = attention_shape(p, p.seq_len, p.tile_q);
  auto attention = [&](const models::LayerShape& s, LayerKind kind) {
    return models::layer_cost(model, s, kind, hw).attention_part();
  };
  std::vector<models::OpCost> out;
  if (p.kernel == "gemm") return {models::analytical_cost(gemm_kernel(p), hw)};
  if (p.kernel == "layer_op") return {models::analytical_cost(model_layer_op_kernel(p), hw)};
  if (p.kernel == "decode" || (p.kernel == "stack" && !p.model.empty())) {
    for (const Kernel& k : models::dataflow::split_for_cores(record_kernels(p), models::split_machine(hw)))
      out.push_back(models::analytical_cost(k, hw));
    return out;
  }
  if (p.kernel == "dense") {
    out.push_back(attention(shape, LayerKind::dense));
  } else if (p.kernel == "anchor") {
    out.push_back(attention(shape, LayerKind::anchor));
  } else if (p.kernel == "sparse") {
    out.push_back(attention(shape, LayerKind::reuse));
  } else if (p.kernel == "cascade") {
    for (const Kernel& k : record_kernels(p))
      if (std::holds_alternative<models::dataflow::StreamWork>(k.work)) out.push_back(models::analytical_cost(k, hw));
    const std::int64_t pooled = (p.seq_len + p.pool_factor - 1) / p.pool_factor;
    out.push_back(attention(attention_shape(p, pooled, p.tile_q / p.pool_factor), LayerKind::anchor));
    out.push_back(attention(shape, LayerKind::reuse));
  } else if (p.kernel == "stack") {
    for (LayerKind kind : models::parse_layer_schedule(p.schedule).layers) out.push_back(attention(shape, kind));
  } else {
    throw std::invalid_argument(p.name + ": unknown kernel '" + p.kernel + "'");
  }
  return out;
}

}  // namespace cascadesim::sim
