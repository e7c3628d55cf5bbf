// The attention implementations a study can name, and CUDA's occupancy rule over them.
#include "models/dataflow/attention_implementation.hpp"

#include <algorithm>
#include <array>

#include "models/kernel_families.hpp"

namespace cascadesim::models::dataflow {

namespace {

constexpr std::array<HeadDimFigures, 1> tiled_figures{{{0, 0, 0}}};
// validation/kernels/attention.cu: head_dim 64 single-buffers K and V (FlashAttention-2's scheme: V loads during
// Q K^T, the next K during the softmax and P V) under __launch_bounds__ for 2 blocks of 8 warps (128 registers);
// head_dim 128 double-buffers them and the compiler takes 202-241 registers (one block per SM either way).
constexpr std::array<HeadDimFigures, 2> fa2_figures{{{64, 1, 128}, {0, 2, 240}}};
// validation/kernels/attention_fa3.cu: a ring of 3 K/V stages at head_dim 64, 2 at 128; setmaxnreg gives the
// consumers 240 registers (the producer warpgroup 24).
constexpr std::array<HeadDimFigures, 2> fa3_figures{{{64, 3, 240}, {0, 2, 240}}};

constexpr std::array<AttentionImplementation, 3> implementations{{
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

static_assert(implementations.size() == attention_implementation_names.size());
static_assert(kernel_family_names[0] == attention_implementation_names[0] &&
              kernel_family_names[1] == attention_implementation_names[1] &&
              kernel_family_names[2] == attention_implementation_names[2]);
static_assert(implementations[0].name == attention_implementation_names[0] &&
              implementations[1].name == attention_implementation_names[1] &&
              implementations[2].name == attention_implementation_names[2]);

std::int64_t consumer_groups(const AttentionImplementation& impl, std::int64_t rows) {
  return std::max<std::int64_t>(1, (rows + impl.consumer_rows - 1) / impl.consumer_rows);
}

}  // namespace

const HeadDimFigures& AttentionImplementation::figures(std::int64_t head_dim) const {
  for (const HeadDimFigures& f : by_head_dim)
    if (head_dim <= f.up_to_head_dim) return f;
  return by_head_dim.back();
}

std::int64_t AttentionImplementation::threads(std::int64_t rows) const {
  return producer_threads + consumer_groups(*this, rows) * consumer_threads;
}

std::int64_t AttentionImplementation::registers(std::int64_t rows, std::int64_t head_dim) const {
  return producer_threads * producer_registers_per_thread +
         consumer_groups(*this, rows) * consumer_threads * figures(head_dim).registers_per_consumer_thread;
}

double AttentionImplementation::shared_bytes(std::int64_t rows, std::int64_t tile_tokens, std::int64_t head_dim,
                                             double bytes_per_element) const {
  const double row_bytes = static_cast<double>(head_dim + smem_row_pad) * bytes_per_element;
  const double q = static_cast<double>(q_buffers * rows) * row_bytes;
  const double kv = 2.0 * static_cast<double>(figures(head_dim).kv_stages * tile_tokens) * row_bytes;
  return q + kv + static_cast<double>(smem_reserved_bytes);
}

std::span<const AttentionImplementation> attention_implementations() { return implementations; }

std::int64_t attention_implementation_index(std::string_view name) {
  for (std::size_t i = 0; i < implementations.size(); ++i)
    if (implementations[i].name == name) return static_cast<std::int64_t>(i);
  return -1;
}

const AttentionImplementation& attention_implementation(std::int64_t index) {
  return implementations.at(static_cast<std::size_t>(index));
}

std::int64_t resident_units(const AttentionImplementation& impl, const CoreLimits& core, std::int64_t rows,
                            std::int64_t tile_tokens, std::int64_t head_dim, double bytes_per_element) {
  if (!impl.runs_as_thread_blocks()) return 1;
  std::int64_t units = std::max<std::int64_t>(1, core.max_units);
  if (core.shared_bytes > 0)
    units = std::min(units, static_cast<std::int64_t>(
                                core.shared_bytes / impl.shared_bytes(rows, tile_tokens, head_dim, bytes_per_element)));
  if (core.registers > 0) units = std::min(units, core.registers / impl.registers(rows, head_dim));
  if (core.threads > 0) units = std::min(units, core.threads / impl.threads(rows));
  return std::max<std::int64_t>(1, units);
}

}  // namespace cascadesim::models::dataflow
