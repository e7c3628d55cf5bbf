// A chunk of consecutive sweep points rendered as output rows, the evaluator that fills one, and the byte form in
// which worker processes and MPI ranks hand chunks back to the process that writes the outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/sweep/sweep_evaluate.hpp"
#include "sim/sweep/sweep_output.hpp"
#include "sim/sweep/sweep_points.hpp"

namespace cascadesim::sim::sweep {

// The rendered rows of consecutive points, with what the Pareto front needs of each.
struct RowChunk {
  std::string csv, jsonl;
  std::vector<std::size_t> csv_ends;  // end offset of each row's CSV line
  std::vector<double> objectives;     // ok rows x objectives
  std::vector<std::uint8_t> ok;       // per row
  std::uint64_t invalid = 0, excluded = 0;

  void clear();
};

// Evaluates chunks of one sweep. One per thread or process (it owns a PointEvaluator).
class ChunkEvaluator {
 public:
  // Contract: spec, formatter and space outlive the evaluator; with_objectives keeps each ok row's objectives
  // (for the Pareto front).
  ChunkEvaluator(const SweepSpec& spec, const RowFormatter& formatter, const PointSpace& space, bool with_objectives);

  // Fills chunk with the rows of points [begin, end). Contract: begin < end <= space.size().
  void evaluate(std::uint64_t begin, std::uint64_t end, RowChunk& chunk);

 private:
  const RowFormatter& formatter_;
  const PointSpace& space_;
  bool with_objectives_;
  PointEvaluator evaluator_;
  std::vector<std::size_t> digits_;
  PointResult result_;
};

// The chunk as bytes (host byte order: the peers are processes of one program on machines of one kind).
void append_chunk_bytes(const RowChunk& chunk, std::string& bytes);
// Contract: bytes came from append_chunk_bytes; throws std::runtime_error when they are malformed.
void read_chunk_bytes(std::string_view bytes, RowChunk& chunk);

}  // namespace cascadesim::sim::sweep
