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
  std::int64_t q_buffers = 1;            // query tiles held in shared memory (a persistent kernel loads the next early)
  std::int64_t smem_row_pad = 0;         // elements of padding per shared-memory row (bank conflicts)
  std::int64_t smem_reserved_bytes = 0;  // per resident unit, by the system (1 KB on Hopper)
  SoftmaxOverlap overlap = SoftmaxOverlap::serial;
  std::span<const HeadDimFigures> by_head_dim;

  const HeadDimFigures& figures(std::int64_t head_dim) const;
  bool runs_as_thread_blocks() const { return consumer_rows > 0; }
  std::int64_t threads(std::int64_t rows) const;
  std::int64_t registers(std::int64_t rows, std::int64_t head_dim) const;
  // Q buffers plus kv_stages stages of K and V tiles, padded rows, plus the system's reservation.
  double shared_bytes(std::int64_t rows, std::int64_t tile_tokens, std::int64_t head_dim,
                      double bytes_per_element) const;
};

// A core's limits on resident units, from the hardware's top level; 0: that resource does not limit them.
struct CoreLimits {
  double shared_bytes = 0;  // sram_per_core_bytes
  std::int64_t registers = 0, threads = 0;
  std::int64_t max_units = 1;  // resident units the core's scheduler takes at most
};

// Every implementation's name, the default first, in the order of attention_implementations() (the study's choice).
inline constexpr std::array<std::string_view, 3> attention_implementation_names{"tiled", "fa2-style", "fa3-style"};
std::span<const AttentionImplementation> attention_implementations();
// Index in attention_implementations(); -1 when unknown.
std::int64_t attention_implementation_index(std::string_view name);
const AttentionImplementation& attention_implementation(std::int64_t index);

// Units of a kernel of `rows` query rows per tile one core keeps resident: the fewest that shared memory,
// registers, threads and the scheduler allow (CUDA's occupancy rule), at least 1; 1 for the machine's own dataflow.
std::int64_t resident_units(const AttentionImplementation& impl, const CoreLimits& core, std::int64_t rows,
                            std::int64_t tile_tokens, std::int64_t head_dim, double bytes_per_element);

}  // namespace cascadesim::models::dataflow
