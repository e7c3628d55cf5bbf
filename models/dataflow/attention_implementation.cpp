// The attention implementations a study can name, and CUDA's occupancy rule over them.
#include "models/dataflow/attention_implementation.hpp"

#include <algorithm>
#include <array>

namespace cascadesim::models::dataflow {

namespace {

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
                                             double q_element_bytes, double kv_element_bytes) const {
  const double row_elements = static_cast<double>(head_dim + smem_row_pad);
  const double q = static_cast<double>(q_buffers * rows) * row_elements * q_element_bytes;
  const double kv =
      2.0 * static_cast<double>(figures(head_dim).kv_stages * tile_tokens) * row_elements * kv_element_bytes;
  return q + kv + static_cast<double>(smem_reserved_bytes);
}

std::span<const AttentionImplementation> attention_implementations() { return attention_implementation_table; }

std::int64_t attention_implementation_index(std::string_view name) {
  for (std::size_t i = 0; i < attention_implementation_table.size(); ++i)
    if (attention_implementation_table[i].name == name) return static_cast<std::int64_t>(i);
  return -1;
}

const AttentionImplementation& attention_implementation(std::int64_t index) {
  return attention_implementation_table.at(static_cast<std::size_t>(index));
}

std::int64_t resident_units(const AttentionImplementation& impl, const CoreLimits& core, std::int64_t rows,
                            std::int64_t tile_tokens, std::int64_t head_dim, double q_element_bytes,
                            double kv_element_bytes) {
  if (!impl.runs_as_thread_blocks()) return 1;
  std::int64_t units = std::max<std::int64_t>(1, core.max_units);
  if (core.shared_bytes > 0)
    units = std::min(
        units, static_cast<std::int64_t>(core.shared_bytes / impl.shared_bytes(rows, tile_tokens, head_dim,
                                                                               q_element_bytes, kv_element_bytes)));
  if (core.registers > 0) units = std::min(units, core.registers / impl.registers(rows, head_dim));
  if (core.threads > 0) units = std::min(units, core.threads / impl.threads(rows));
  return std::max<std::int64_t>(1, units);
}

std::int64_t units_in_flight(const AttentionImplementation& impl, const CoreLimits& core, std::int64_t rows,
                             std::int64_t tile_tokens, std::int64_t head_dim, double q_element_bytes,
                             double kv_element_bytes) {
  return resident_units(impl, core, rows, tile_tokens, head_dim, q_element_bytes, kv_element_bytes) *
         (impl.runs_as_thread_blocks() ? impl.q_buffers : 1);
}

}  // namespace cascadesim::models::dataflow
