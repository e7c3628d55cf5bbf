// What a study keeps in off-chip memory at once: the weights of every layer, the K/V cache of every layer, and
// the largest activations one layer holds live. The capacity check compares it with the machine's HBM.
#pragma once

#include "models/transformer_model.hpp"
#include "models/workload.hpp"

namespace cascadesim::models {

struct MemoryFootprint {
  double weight_bytes = 0;      // Q/K/V, O and MLP (or experts) of every layer, embedding and LM head
  double kv_cache_bytes = 0;    // K and V (or MLA's latent) of every layer, cached token and sequence
  double activation_bytes = 0;  // a layer's input and MLP hidden state, and S x S scores when materialized
  double total_bytes() const { return weight_bytes + kv_cache_bytes + activation_bytes; }
};

MemoryFootprint memory_footprint(const TransformerModel& model, const Workload& workload);

}  // namespace cascadesim::models
