// Builders for the studies the model tests use: the seeds' configurations written out by hand, not loaded.
#pragma once

#include <string>

#include "models/layer_schedule.hpp"
#include "models/study.hpp"

namespace cascadesim::test {

// An idealised machine with round numbers, so hand-computed times are easy to check.
inline models::HardwareSpec round_machine() {
  models::HardwareSpec hw;
  hw.name = "round";
  hw.matrix_macs_per_cycle = 500;   // 100 TFLOP/s over 100 cores at 1 GHz
  hw.vector_flops_per_cycle = 100;  // 10 TFLOP/s
  hw.hbm_bandwidth_GBps = 1000;
  hw.hbm_bytes = 80e9;
  hw.l2_bytes = 50e6;
  hw.sram_per_core_bytes = 200e3;
  hw.cores = 100;
  hw.clock_GHz = 1;
  hw.kernel_launch_us = 5;
  return hw;
}

// LLaMA-3.2-1B as seed 002 states it: d 2048, d_MLP 8192, 16 layers; 32 heads, 8 KV heads of 64.
inline models::TransformerModel llama_3_2_1b() {
  models::TransformerModel m;
  m.name = "llama-3.2-1b";
  m.d_model = 2048;
  m.n_heads = 32;
  m.n_kv_heads = 8;
  m.head_dim = 64;
  m.d_mlp = 8192;
  m.n_layers = 16;
  m.mlp = models::MlpKind::swiglu;
  m.causal = true;
  return m;
}

inline models::TransformerModel vit_b_16() {
  models::TransformerModel m;
  m.name = "vit-b-16";
  m.d_model = 768;
  m.n_heads = 12;
  m.n_kv_heads = 12;
  m.head_dim = 64;
  m.d_mlp = 3072;
  m.n_layers = 12;
  m.mlp = models::MlpKind::gelu;
  m.causal = false;
  return m;
}

// Seed 002's study: S = 32768, tile 128, top_k 5, schedule 1D+3A+12R.
inline models::Study kascade_study(std::int64_t seq_len = 32768, std::int64_t top_k = 5,
                                   const std::string& schedule = "1D+3A+12R") {
  models::Study st;
  st.name = "kascade";
  st.hardware = round_machine();
  st.model = llama_3_2_1b();
  st.workload.phase = models::Phase::prefill;
  st.workload.seq_len = seq_len;
  st.workload.tile_tokens = 128;
  st.workload.top_k = top_k;
  st.workload.schedule = models::parse_layer_schedule(schedule);
  return st;
}

}  // namespace cascadesim::test
