// How a study splits over many devices (/workload/parallel); models/parallel.hpp plans and evaluates it.
#pragma once

#include <cstdint>
#include <string_view>

namespace cascadesim::models {

// ring: contiguous shards, K/V blocks passed round the ring overlapped with compute (Liu, Zaharia, Abbeel, "Ring
// Attention with Blockwise Transformers", 2023); zigzag: each device holds chunks d and 2P-1-d of 2P, balancing the
// causal mask (Brandon et al., Striped Attention, 2023; zhuzilin/ring-flash-attention's zigzag); tokenring: zig-zag
// shards, queries passed one way and partial outputs back the other, both directions of every link busy (Wang et al.,
// "TokenRing", 2024); ulysses: all-to-all from sequence shards to head shards and back around attention (Jacobs et al.,
// "DeepSpeed Ulysses", 2023).
enum class ContextParallel { none, ring, zigzag, tokenring, ulysses };
std::string_view to_string(ContextParallel c);
// rotate: reuse layers pass every K/V block round the ring as dense layers do; on_demand: each device asks the owners
// for the selected remote tiles only (an all-to-all of tile ids, then of the tiles).
enum class KvFetch { rotate, on_demand };
std::string_view to_string(KvFetch f);
// all_reduce: Megatron-LM's two all-reduces per layer (Shoeybi et al. 2019); reduce_scatter: sequence parallelism's
// reduce-scatter + all-gather pairs, the same bytes, with norms split too (Korthikanti et al. 2022).
enum class TpCollective { all_reduce, reduce_scatter };
std::string_view to_string(TpCollective c);

// /workload/parallel: how the study's sequence and weights split over the machine's /interconnect/devices.
struct ParallelSpec {
  ContextParallel context = ContextParallel::none;
  std::int64_t tensor_parallel = 1;  // devices sharing each layer's weights; the rest split the sequence
  KvFetch kv_fetch = KvFetch::rotate;
  TpCollective tp_collective = TpCollective::all_reduce;
  bool operator==(const ParallelSpec&) const = default;
};

}  // namespace cascadesim::models
