// The shape of a transformer: the dimensions that set each layer's FLOPs and bytes.
#pragma once

#include <cstdint>
#include <string>

namespace cascadesim::models {

enum class MlpKind { swiglu, gelu };
// The normalization before attention and before the MLP (each fused with the residual add before it).
enum class NormKind { rmsnorm, layernorm };
// Rotary embeddings are applied to Q and K in every layer; learned (absolute) positions are added once, before the
// first layer, and cost nothing per layer.
enum class Positional { rope, learned };

struct TransformerModel {
  std::string name;
  std::int64_t d_model = 0;
  std::int64_t n_heads = 0;
  std::int64_t n_kv_heads = 0;  // grouped-query attention: K/V heads shared by n_heads / n_kv_heads queries
  std::int64_t head_dim = 0;
  std::int64_t d_mlp = 0;
  std::int64_t n_layers = 0;
  MlpKind mlp = MlpKind::swiglu;
  NormKind norm = NormKind::rmsnorm;
  Positional positional = Positional::rope;
  bool causal = true;  // decoder LMs mask the future; ViT-style encoders attend both ways

  std::int64_t q_width() const { return n_heads * head_dim; }
  std::int64_t kv_width() const { return n_kv_heads * head_dim; }
  std::int64_t mlp_matrices() const { return mlp == MlpKind::swiglu ? 3 : 2; }
};

}  // namespace cascadesim::models
