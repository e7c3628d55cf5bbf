// The analytical prediction for a study: tiles, attention fraction, effective attention speedup, Amdahl,
// roofline times on the study's hardware, and the cascade / early-exit figures when the workload has them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "models/cascade.hpp"
#include "models/decode_steps.hpp"
#include "models/layer_costs.hpp"
#include "models/roofline.hpp"
#include "models/study.hpp"

namespace cascadesim::models {

// seed: seed 002/000/004's arithmetic to the letter (non-causal S^2 attention, K/V projections d x d, anchors
// timed as dense, reuse k/T, FLOPs as multiply-accumulates). exact: causal tiles as executed, partial tiles,
// GQA widths, 2 FLOPs per MAC, softmax and anchor-scoring work, early causal tiles that cannot pick k tiles.
enum class Accounting { seed, exact };
std::string_view to_string(Accounting accounting);

struct TileSummary {
  std::int64_t query_tiles = 0;
  std::int64_t key_tiles = 0;
  std::int64_t tile_tokens = 0;
  std::int64_t last_key_tile_tokens = 0;
  std::int64_t dense_per_head = 0;   // blocks per head in one dense layer
  std::int64_t sparse_per_head = 0;  // blocks per head in one reuse layer (= dense without reuse layers)
  double reduction = 0;              // 1 - sparse / dense
  double padding_fraction = 0;       // share of executed dense scores that the causal mask or padding discards
};

struct ModelTotals {
  OpCost cost;             // whole layer stack
  RooflineTime time;       // whole layer stack
  RooflineTime attention;  // its attention and anchor-scoring part
  EnergyBreakdown energy;  // whole layer stack: its actions priced, static power over its roofline time
};

struct CascadeStagePrediction {
  std::int64_t tokens = 0;    // per input at this stage's resolution
  double token_fraction = 0;  // tokens / full tokens
  double reach_fraction = 0;  // inputs that reach the stage
  double run_fraction = 0;    // expected share of the batch's full-size work spent on this stage
  double members = 0;         // exact: sequences and padding slots the stage holds when it runs (CascadeStagePlan)
  double cost_fraction = 0;   // expected FLOPs of this stage / FLOPs of one full-resolution pass
};

struct CascadePrediction {
  std::array<CascadeStagePrediction, max_cascade_stages> stages{};
  std::size_t stage_count = 0;
  double compute_fraction = 1;
  double theoretical_speedup = 1;
  double overhead_fraction = 0;  // seed: the seed's overhead terms; exact: 1 - practical / theoretical
  double practical_speedup = 1;  // seed: theoretical * (1 - overheads); exact: roofline time ratio
};

struct EarlyExitPrediction {
  double average_depth_fraction = 1;  // seed 004's p
  double speedup = 1;                 // seed: 1 / p; exact: FLOPs of all layers / expected FLOPs incl. heads
  double time_speedup = 1;            // roofline time ratio on the study's hardware (exact costs)
};

struct Prediction {
  Accounting accounting = Accounting::exact;
  LayerCounts layers;
  TileSummary tiles;
  double attention_fraction = 0;           // f: share of a dense layer's work that Kascade can skip
  double anchor_cost = 1;                  // anchor attention work / dense attention work (1 without anchors)
  double reuse_cost = 1;                   // reuse attention work / dense attention work (1 without reuse layers)
  double effective_attention_speedup = 1;  // s = layers / (D + A * anchor_cost + R * reuse_cost)
  double amdahl_speedup = 1;               // 1 / ((1 - f) + f / s)
  double amdahl_limit = 1;                 // 1 / (1 - f)
  // Roofline on the study's hardware, from exact costs in either accounting.
  std::array<LayerCost, 3> layer_costs{};  // indexed by LayerKind; empty for kinds the schedule lacks
  std::array<std::array<RooflineTime, op_count>, 3> layer_times{};
  // The embedding, final norm and LM head, once per model (empty without a vocab_size); in both totals below.
  LayerCost model_ends;
  std::array<RooflineTime, op_count> model_end_times{};
  ModelTotals dense_model;     // every layer dense
  ModelTotals schedule_model;  // the study's schedule
  double end_to_end_speedup = 1;
  double flash_io_bound_bytes_per_head = 0;
  std::optional<CascadePrediction> cascade;
  std::optional<EarlyExitPrediction> early_exit;
  std::optional<DecodeRun> decode;  // the study's decode steps (/workload/decode), exact costs in either accounting
};

// Contract: the study passed the config checks (positive sizes, top_k <= key tiles, schedule of n_layers
// entries). Pure; allocates nothing.
Prediction predict(const Study& study, Accounting accounting);

// The roofline totals of a stack of `counts` layers of one shape on hw: what predict sums for a schedule.
ModelTotals stack_totals(const TransformerModel& model, const LayerShape& shape, const HardwareSpec& hw,
                         const LayerCounts& counts);

// The dense and scheduled stacks repeated back to back under the hardware's power limit (models/power_limit.hpp),
// from the roofline at the reference clock (reference: this study's prediction) and at probe_clock_scale.
// Contract: the hardware gives a power limit and complete energy figures. Pure.
SustainedStacks predict_sustained(const Study& study, const Prediction& reference);

struct BothAccountings {
  Prediction seed;
  Prediction exact;
};

// Both accountings at once, sharing the cost evaluation (what `cascadesim predict` shows).
BothAccountings predict_both(const Study& study);

}  // namespace cascadesim::models
