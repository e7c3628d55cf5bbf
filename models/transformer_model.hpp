// The shape of a transformer: the dimensions that set each layer's FLOPs and bytes.
#pragma once

#include <cstdint>
#include <string>

namespace cascadesim::models {

enum class MlpKind { swiglu, gelu };

struct TransformerModel {
  std::string name;
  std::int64_t d_model = 0;
  std::int64_t n_heads = 0;
  std::int64_t n_kv_heads = 0;  // grouped-query attention: K/V heads shared by n_heads / n_kv_heads queries
  std::int64_t head_dim = 0;
  std::int64_t d_mlp = 0;
  std::int64_t n_layers = 0;
  MlpKind mlp = MlpKind::swiglu;
  bool causal = true;  // decoder LMs mask the future; ViT-style encoders attend both ways

  std::int64_t q_width() const { return n_heads * head_dim; }
  std::int64_t kv_width() const { return n_kv_heads * head_dim; }
  std::int64_t mlp_matrices() const { return mlp == MlpKind::swiglu ? 3 : 2; }
};

}  // namespace cascadesim::models
