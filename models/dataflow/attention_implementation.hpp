// How an attention kernel runs its work units on a core: the figures that decide how many units one core keeps
// resident (shared memory, registers, threads against the core's limits), how many K/V tiles each keeps in flight,
// and whether its softmax waits for the matrix work or runs beside it. Data, named by the study
// (/workload/attention_implementation), so one engine and one closed form model every kernel family.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace cascadesim::models::dataflow {

// serial: FlashAttention-2 computes S = Q K^T, then the softmax, then P V, one after another in every warp
// (Dao 2023, Algorithm 1); beside_matrix: FlashAttention-3 issues the next block's Q K^T and the previous block's
// P V as asynchronous wgmma while the softmax runs (Shah et al. 2024, §3.2), so a block costs the larger of the two.
enum class SoftmaxOverlap { serial, beside_matrix };

// Figures that differ with the head dimension (the compiler keeps more accumulators in registers for larger heads).
struct HeadDimFigures {
  std::int64_t up_to_head_dim = 0;  // applies to head dims <= this (the last entry to every larger one)
  std::int64_t kv_stages = 0;       // K/V tiles in flight per unit; 0: as many as the scratchpad holds
  std::int64_t registers_per_consumer_thread = 0;
};

struct AttentionImplementation {
  std::string_view name;
  std::string_view doc;
  std::string_view source;  // where each figure comes from
  // A unit's threads: producer_threads, plus consumer_threads for every consumer_rows rows of its query tile.
  // 0 consumer_rows: the machine's own dataflow, which runs one unit per core whatever the core's limits.
  std::int64_t producer_threads = 0, producer_registers_per_thread = 0;
  std::int64_t consumer_rows = 0, consumer_threads = 0;
  // Query tiles held in shared memory: with two, a persistent kernel's producer loads the next unit's Q and K/V
  // while the consumers compute this one (FlashAttention-3's persistent schedule), a second unit in flight.
  std::int64_t q_buffers = 1;
  std::int64_t smem_row_pad = 0;         // elements of padding per shared-memory row (bank conflicts)
  std::int64_t smem_reserved_bytes = 0;  // per resident unit, by the system (1 KB on Hopper)
  SoftmaxOverlap overlap = SoftmaxOverlap::serial;
  std::span<const HeadDimFigures> by_head_dim;

  const HeadDimFigures& figures(std::int64_t head_dim) const;
  bool runs_as_thread_blocks() const { return consumer_rows > 0; }
  std::int64_t threads(std::int64_t rows) const;
  std::int64_t registers(std::int64_t rows, std::int64_t head_dim) const;
  // Q buffers plus kv_stages stages of K and V tiles, padded rows at their element bytes, plus the system's
  // reservation.
  double shared_bytes(std::int64_t rows, std::int64_t tile_tokens, std::int64_t head_dim, double q_element_bytes,
                      double kv_element_bytes) const;
};

// What decode's split choice (kernel.hpp, kv_splits_for) needs of a machine: its cores, one core's port (a K/V tile's
// load time through it) and an L2 round trip (what each split adds to the combine's fold); 0: that figure does not
// limit the splits.
struct SplitMachine {
  std::int64_t cores = 1;
  double core_port_GBps = 0;
  double l2_hit_latency_ns = 0;
};

// A core's limits on resident units, from the hardware's top level; 0: that resource does not limit them.
struct CoreLimits {
  double shared_bytes = 0;  // sram_per_core_bytes
  std::int64_t registers = 0, threads = 0;
  std::int64_t max_units = 1;  // resident units the core's scheduler takes at most
};

// Every implementation, the default first: a new one is an entry here (the study's choice lists its name).
inline constexpr std::array<HeadDimFigures, 1> tiled_figures{{{0, 0, 0}}};
// validation/kernels/attention.cu: head_dim 64 single-buffers K and V (FlashAttention-2's scheme: V loads during
// Q K^T, the next K during the softmax and P V) under __launch_bounds__ for 2 blocks of 8 warps (128 registers);
// head_dim 128 double-buffers them and the compiler takes 202-241 registers (one block per SM either way).
inline constexpr std::array<HeadDimFigures, 2> fa2_figures{{{64, 1, 128}, {0, 2, 240}}};
// validation/kernels/attention_fa3.cu: a ring of 3 K/V stages at head_dim 64, 2 at 128; setmaxnreg gives the
// consumers 240 registers (the producer warpgroup 24).
inline constexpr std::array<HeadDimFigures, 2> fa3_figures{{{64, 3, 240}, {0, 2, 240}}};

inline constexpr std::array<AttentionImplementation, 3> attention_implementation_table{{
    {.name = "tiled",
     .doc = "the machine's own dataflow: one unit per core at a time, as many K/V tiles in flight as the scratchpad "
            "holds beside Q and the fp32 output (up to 4), softmax after the matrix work",
     .source = "cascadesim's accelerator dataflow (seed 002 tiling)",
     .by_head_dim = tiled_figures},
    {.name = "fa2-style",
     .doc = "FlashAttention-2 on a GPU (mma.sync, cp.async): a warp per 16 query rows, K/V single-buffered at "
            "head_dim 64 and double-buffered above, softmax between Q K^T and P V in every warp; an SM keeps as "
            "many blocks resident as shared memory, registers and threads allow",
     .source = "validation/kernels/attention.cu (launch bounds, buffers, padding of 8 elements per row); Hopper "
               "reserves 1 KB of shared memory per block (CUDA C++ Programming Guide, compute capability 9.0)",
     .consumer_rows = 16,
     .consumer_threads = 32,
     .q_buffers = 1,
     .smem_row_pad = 8,
     .smem_reserved_bytes = 1024,
     .overlap = SoftmaxOverlap::serial,
     .by_head_dim = fa2_figures},
    {.name = "fa3-style",
     .doc = "FlashAttention-3 on Hopper (wgmma, bulk tensor copies, warp specialization): a producer warpgroup and "
            "a consumer warpgroup per 64 query rows, two Q buffers and a ring of K/V stages, the softmax beside the "
            "asynchronous matrix work",
     .source = "validation/kernels/attention_fa3.cu; Nsight Compute on it (reports/measured/h100-fa3/run3_04b1114, "
               "run13_3ee1551): 384 threads, 168 registers per thread on average, 197.7 KB (d 128) and 132.2 KB "
               "(d 64) of shared memory, one block per SM",
     .producer_threads = 128,
     .producer_registers_per_thread = 24,
     .consumer_rows = 64,
     .consumer_threads = 128,
     .q_buffers = 2,
     .smem_row_pad = 0,
     .smem_reserved_bytes = 1024,
     .overlap = SoftmaxOverlap::beside_matrix,
     .by_head_dim = fa3_figures},
}};

inline constexpr auto attention_implementation_names = [] {
  std::array<std::string_view, attention_implementation_table.size()> names{};
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = attention_implementation_table[i].name;
  return names;
}();
std::span<const AttentionImplementation> attention_implementations();
// Index in attention_implementations(); -1 when unknown.
std::int64_t attention_implementation_index(std::string_view name);
const AttentionImplementation& attention_implementation(std::int64_t index);

// Units of a kernel of `rows` query rows per tile one core keeps resident: the fewest that shared memory,
// registers, threads and the scheduler allow (CUDA's occupancy rule), at least 1; 1 for the machine's own dataflow.
std::int64_t resident_units(const AttentionImplementation& impl, const CoreLimits& core, std::int64_t rows,
                            std::int64_t tile_tokens, std::int64_t head_dim, double q_element_bytes,
                            double kv_element_bytes);
// Units one core has in flight, sharing its matrix and vector units: q_buffers per resident unit.
std::int64_t units_in_flight(const AttentionImplementation& impl, const CoreLimits& core, std::int64_t rows,
                             std::int64_t tile_tokens, std::int64_t head_dim, double q_element_bytes,
                             double kv_element_bytes);

}  // namespace cascadesim::models::dataflow
