// Seed 000's batch-size and confidence-threshold tables beside a study's cascade, row by row: the seed's figure,
// what its own arithmetic gives from the study's inputs, this model's figure, and the terms between them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "models/workload.hpp"

namespace cascadesim::models {

enum class Seed000Table { batch_size, confidence_threshold };
std::string_view to_string(Seed000Table table);

// One row of seed 000's tables, for one number of stages. A single figure x.y stands for x.y +- 0.05.
struct Seed000Row {
  Seed000Table table = Seed000Table::batch_size;
  std::string_view row;         // "1", "8-16", "32+"; "95%", "90%", "85%"
  std::int64_t batch_from = 0;  // batch rows: the batches the row covers (batch_to 0: no upper end)
  std::int64_t batch_to = 0;
  std::size_t stages = 0;  // batch rows: the column (2 or 3 stages); threshold rows: 0 (the seed gives none)
  double threshold = 0;    // threshold rows
  double stop_low = 0;     // threshold rows: the seed's early-stopping rate for the threshold
  double stop_high = 0;
  double speedup_low = 0;  // the seed's speedup
  double speedup_high = 0;
};

// Seed 000 "Batch Size Impact" (2-stage and 3-stage columns) and "Confidence-Based Early Stopping".
inline constexpr std::array<Seed000Row, 9> seed000_rows{{
    {Seed000Table::batch_size, "1", 1, 1, 2, 0, 0, 0, 1.85, 1.95},
    {Seed000Table::batch_size, "1", 1, 1, 3, 0, 0, 0, 2.55, 2.65},
    {Seed000Table::batch_size, "8-16", 8, 16, 2, 0, 0, 0, 1.65, 1.75},
    {Seed000Table::batch_size, "8-16", 8, 16, 3, 0, 0, 0, 2.25, 2.35},
    {Seed000Table::batch_size, "32+", 32, 0, 2, 0, 0, 0, 1.45, 1.55},
    {Seed000Table::batch_size, "32+", 32, 0, 3, 0, 0, 0, 1.85, 1.95},
    {Seed000Table::confidence_threshold, "95%", 0, 0, 0, 0.95, 0.25, 0.35, 1.4, 1.6},
    {Seed000Table::confidence_threshold, "90%", 0, 0, 0, 0.90, 0.45, 0.55, 2.0, 2.5},
    {Seed000Table::confidence_threshold, "85%", 0, 0, 0, 0.85, 0.65, 0.75, 2.8, 3.5},
}};

// A row set beside a study. Every speedup is a full-resolution pass over the cascade's expected cost.
struct Seed000Comparison {
  const Seed000Row* row = nullptr;
  // Seed 000's arithmetic (models::cascade_seed) on the study's stages and exit fractions: for one input, then with
  // the batch policy's padded final stage at the study's batch, then times (1 - the seed's overheads).
  double seed_one_input = 0;
  double seed_batch = 0;
  double seed_after_overheads = 0;
  double exact = 0;  // this model: the exact accounting's roofline time ratio on the study's hardware
  // Slots per input the final stage runs (models::final_stage_share), and what the seed's figure needs there under
  // its arithmetic without overheads (share_needed_*) and with them (share_needed_after_overheads_*); low pairs
  // with the seed's higher speedup.
  double final_share = 0;
  double share_needed_low = 0;
  double share_needed_high = 0;
  double share_needed_after_overheads_low = 0;
  double share_needed_after_overheads_high = 0;
  // Threshold rows: the seed's arithmetic over the seed's whole early-stopping range for the threshold, with the
  // study's stages, exit rule and batch policy (without overheads).
  double seed_range_low = 0;
  double seed_range_high = 0;
  bool reproduced = false;    // exact lies within the seed's figure
  bool inputs_allow = false;  // some figure the seed's own arithmetic can give lies within it (see the .cpp)
};

// The rows that apply to the study: a batch row when the batch lies in it and the stages match its column; a
// threshold row when the cascade's confidence_threshold is the row's. exact_speedup: the exact prediction's.
// Contract: spec passed the study checks (>= 1 stage, fractions summing to 1); batch >= 1.
std::vector<Seed000Comparison> compare_seed000_tables(const CascadeSpec& spec, std::int64_t batch,
                                                      double exact_speedup);

// The final-stage share of inputs seed 000's arithmetic needs for `speedup`: (1/speedup - coarse) / (1 - coarse),
// coarse the coarse stages' token fractions, all charged to every input.
double seed_final_share_needed(const CascadeSpec& spec, double speedup);

}  // namespace cascadesim::models
