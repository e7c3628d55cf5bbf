// Ring attention over P ranks with the fa3-style kernel: causal prefill, zig-zag shards (ring_plan.hpp), a
// unidirectional or bidirectional ring of K/V blocks for dense layers and on-demand fetch of the selected K/V tiles
// for sparse (Kascade reuse) layers. Each step is one fa3-style launch over the K/V block at hand with that step's
// CSR list, writing a partial output and its row log-sum-exp, then a merge into the rank's fp32 accumulator
// (lse_merge.hpp); the next step's transfer runs on a comm stream meanwhile. Ranks are GPUs (NCCL) or buffer sets on
// one GPU (loopback).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "validation/host/bf16.hpp"
#include "validation/host/block_sparse.hpp"
#include "validation/host/ring_plan.hpp"
#include "validation/kernels/cuda_support.cuh"
#include "validation/multi_device/transport.hpp"
#include "validation/runner/bench_common.cuh"

namespace cascadesim::validation {

struct RingProblem {
  ZigzagLayout layout;
  int batch = 1, heads = 32, kv_heads = 8, head_dim = 128;
  bool bidirectional = false;
  // Sparse layer: the causal selection over the whole sequence (rows (b, h, q_tile), 128 x 128 tiles), fetched on
  // demand; null: a dense layer over the ring.
  const BlockCsr* selection = nullptr;
  int reserved_sms = 0;  // Fa3Options::reserved_sms of the layer's launches: SMs left to the transfers' kernels
};

// (acc, lse_acc_in) and (part, part_lse) -> (acc, lse_acc_out) for rows x head_dim values; first: acc holds nothing
// yet. out (bf16, may be null) receives the merged output as well.
cudaError_t launch_lse_merge(float* acc, const float* lse_acc_in, float* lse_acc_out, const std::uint16_t* part,
                             const float* part_lse, std::uint16_t* out, std::int64_t rows, int head_dim, bool first,
                             cudaStream_t stream);

class RingAttention {
 public:
  // Rank r runs on GPU r with its own compute and comm streams (NcclTransport), or every rank on GPU 0 with shared
  // ones (LoopbackTransport: the fa3-style kernel's persistent grid needs one stream per device for its launches).
  // Allocates every rank's buffers; the inputs are set by set_inputs or filled at random by fill_random. The
  // transport outlives this object.
  RingAttention(const RingProblem& problem, Transport& transport);
  ~RingAttention();
  RingAttention(const RingAttention&) = delete;
  RingAttention& operator=(const RingAttention&) = delete;

  // Whole-sequence Q [b, heads, S, d], K and V [b, kv_heads, S, d] in global order, sharded zig-zag.
  void set_inputs(const std::vector<Bf16>& q, const std::vector<Bf16>& k, const std::vector<Bf16>& v);
  void fill_random(std::uint64_t seed);
  // Enqueues the layer on every rank; returns at once.
  void enqueue();
  // The layer's time: every rank idle first, then the slowest rank's event time.
  double run_timed_ms();
  // Whole-sequence O (bf16) and row log-sum-exp (fp32) in global order, after enqueue() and a synchronize.
  std::vector<Bf16> output();
  std::vector<float> row_lse();

  std::int64_t executed_blocks() const { return executed_blocks_; }
  double max_sent_bytes() const;
  std::string transport_name() const { return transport_.name(); }

 private:
  struct Rank;
  void synchronize();
  RingProblem problem_;
  bool loopback_;
  std::vector<std::unique_ptr<Rank>> ranks_;
  Transport& transport_;
  std::vector<cudaStream_t> comm_streams_;  // [rank]
  cudaStream_t shared_compute_ = nullptr, shared_comm_ = nullptr;
  std::int64_t executed_blocks_ = 0;
  // transfers_[s]: what moves before step s (s >= 1)
  std::vector<std::vector<Transfer>> transfers_;
};

}  // namespace cascadesim::validation
