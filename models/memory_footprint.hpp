// What a study keeps in off-chip memory at once: the weights of every layer, the K/V cache of every layer, and
// the largest activations one layer holds live. The capacity check compares it with the machine's HBM.
#pragma once

#include "models/transformer_model.hpp"
#include "models/workload.hpp"

namespace cascadesim::models {

struct MemoryFootprint {
  double weight_bytes = 0;      // Q/K/V, O and MLP projections of every layer (embeddings are not modelled)
  double kv_cache_bytes = 0;    // K and V of every layer for every cached token of every sequence
  double activation_bytes = 0;  // a layer's input and MLP hidden state, and S x S scores when materialized
  double total_bytes() const { return weight_bytes + kv_cache_bytes + activation_bytes; }
};

MemoryFootprint memory_footprint(const TransformerModel& model, const Workload& workload);

}  // namespace cascadesim::models
