// `cascadesim predict`: argument parsing, the prediction table and the JSON rendering.
#include "sim/cli/predict_command.hpp"

#include "sim/cli/decode_table.hpp"
#include "sim/cli/parallel_table.hpp"

#include <cmath>
#include <cstdio>
#include <string_view>

#include "core/finite_result.hpp"
#include "models/amdahl.hpp"
#include "models/seed000_tables.hpp"
#include "sim/cli/arguments.hpp"
#include "sim/cli/energy_table.hpp"
#include "sim/config/schemas.hpp"
#include "sim/engine/simulation.hpp"

namespace cascadesim::sim {

using models::Accounting;
using models::LayerKind;
using models::Op;
using models::Prediction;

const char* const predict_usage =
    "usage: cascadesim predict [STUDY.json] [--accounting seed|exact] [--json] [--sustained] [--hw PRESET]\n"
    "                          [--config-dir DIR]\n"
    "\n"
    "Analytical prediction for a study (default: the built-in "
    "configs/studies/kascade-llama-3.2-1b-32k.json).\n"
    "  --accounting seed   reproduce the seed documents' arithmetic exactly\n"
    "  --accounting exact  causal tiles as executed, GQA, partial tiles, anchor scoring (default)\n"
    "  --json              print one JSON object instead of the table\n"
    "  --sustained         also each stack repeated back to back: the clock settles where the board's power meets\n"
    "                      the hardware's power_limit_W (docs/energy.md)\n"
    "  --hw PRESET         replace the study's hardware with a preset (name or .json path)\n"
    "  --config-dir DIR    look for hw/ and models/ presets in DIR first (repeatable)\n";

PredictOptions parse_predict_args(const std::vector<std::string>& args) {
  const Arguments a(args,
                    {{"--json", Arity::flag},
                     {"--sustained", Arity::flag},
                     {"--accounting", Arity::one},
                     {"--hw", Arity::one},
                     {"--config-dir", Arity::repeatable}},
                    "study", 1);
  PredictOptions o;
  o.json = a.has("--json");
  o.sustained = a.has("--sustained");
  if (a.has("--accounting")) {
    const std::string v = a.value("--accounting");
    if (v == "seed")
      o.accounting = Accounting::seed;
    else if (v == "exact")
      o.accounting = Accounting::exact;
    else
      throw UsageError("--accounting must be seed or exact (got '" + v + "')");
  }
  o.load.hardware_preset = a.value("--hw");
  o.load.config_dirs = a.values("--config-dir");
  if (!a.positionals().empty()) o.study_path = a.positionals().front();
  return o;
}

namespace {

std::string fmt(const char* format, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

std::string with_commas(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string percent(double v) { return fmt("%.2f%%", 100.0 * v); }
std::string times(double v) { return std::isfinite(v) ? fmt("%.3fx", v) : "unreachable"; }
std::string si(double v, const char* unit) {
  const char* prefixes[] = {"", "K", "M", "G", "T", "P", "E"};
  int p = 0;
  while (std::abs(v) >= 1000.0 && p < 6) {
    v /= 1000.0;
    ++p;
  }
  return fmt("%.3g", v) + " " + prefixes[p] + unit;
}
std::string micros(double seconds) { return fmt("%.1f", seconds * 1e6); }
std::string millis(double seconds) { return fmt("%.3f ms", seconds * 1e3); }

const Prediction& by(Accounting a, const Prediction& x, const Prediction& y) { return x.accounting == a ? x : y; }

struct Difference {
  std::string_view quantity;
  double seed;
  double exact;
  std::string_view why;
};

// Why the seed's arithmetic and the exact accounting disagree, quantity by quantity.
std::vector<Difference> differences(const Prediction& seed, const Prediction& exact) {
  std::vector<Difference> all{
      {"attention_fraction", seed.attention_fraction, exact.attention_fraction,
       "seed 002 §2 counts Q.K^T and P.V as non-causal S^2.d MACs and K/V projections as full d x d; exact counts "
       "the blocks a tiled kernel executes (causal mask, padded tiles), GQA K/V widths, 2 FLOPs per MAC and softmax "
       "work"},
      {"tiles.sparse_per_head", static_cast<double>(seed.tiles.sparse_per_head),
       static_cast<double>(exact.tiles.sparse_per_head),
       "seed counts T.k; under the causal mask query tile q sees only q+1 key tiles, so the first k-1 tiles pick "
       "fewer than k"},
      {"tiles.reduction", seed.tiles.reduction, exact.tiles.reduction, "follows from the sparse block count"},
      {"anchor_cost", seed.anchor_cost, exact.anchor_cost,
       "seed 002 §3 times anchors as dense; exact adds tile scoring and top-k selection"},
      {"reuse_cost", seed.reuse_cost, exact.reuse_cost,
       "seed uses k/T, the share of a non-causal row; exact divides sparse blocks by the causal dense blocks "
       "T(T+1)/2, about 2k/(T+1)"},
      {"effective_attention_speedup", seed.effective_attention_speedup, exact.effective_attention_speedup,
       "follows from the anchor and reuse costs"},
      {"amdahl_speedup", seed.amdahl_speedup, exact.amdahl_speedup, "follows from f and s"},
  };
  if (seed.cascade && exact.cascade) {
    all.push_back({"cascade.compute_fraction", seed.cascade->compute_fraction, exact.cascade->compute_fraction,
                   "seed 000 charges coarse stages their token share for every input and the finest stage the "
                   "remainder; exact runs the model at each stage's token count (attention grows as tokens^2) "
                   "for the inputs that reach it"});
    all.push_back({"cascade.practical_speedup", seed.cascade->practical_speedup, exact.cascade->practical_speedup,
                   "seed subtracts fixed overhead percentages; exact is the roofline time ratio with launches and "
                   "decision steps"});
  }
  if (seed.early_exit && exact.early_exit) {
    all.push_back({"early_exit.speedup", seed.early_exit->speedup, exact.early_exit->speedup,
                   "seed 004 treats layers as equal and exits as free; exact weighs each layer's FLOPs (reuse "
                   "layers are cheaper) and adds the exit heads"});
  }
  std::vector<Difference> out;
  for (const Difference& d : all) {
    const double scale = std::max(std::abs(d.seed), std::abs(d.exact));
    if (scale > 0 && std::abs(d.seed - d.exact) > 1e-9 * scale) out.push_back(d);
  }
  return out;
}

// Every record gives times in ms (docs/results.md); the model computes in seconds.
core::Json roofline_json(const models::RooflineTime& t) {
  return core::Json{{"time_ms", t.time_s * 1e3},     {"matrix_ms", t.matrix_s * 1e3},
                    {"vector_ms", t.vector_s * 1e3}, {"memory_ms", t.memory_s * 1e3},
                    {"launch_ms", t.launch_s * 1e3}, {"bound", std::string(to_string(t.bound))}};
}

core::Json cost_json(const models::OpCost& c) {
  return core::Json{{"matrix_flops", c.matrix_flops},
                    {"vector_flops", c.vector_flops},
                    {"hbm_bytes", c.hbm_bytes},
                    {"kernels", c.kernels}};
}

core::Json totals_json(const models::ModelTotals& t) {
  core::Json j = roofline_json(t.time);
  j["cost"] = cost_json(t.cost);
  j["attention"] = roofline_json(t.attention);
  j["energy"] = models::energy_to_json(t.energy);
  return j;
}

core::Json scalar_json(const Prediction& p) {
  core::Json j{{"accounting", std::string(to_string(p.accounting))},
               {"attention_fraction", p.attention_fraction},
               {"anchor_cost", p.anchor_cost},
               {"reuse_cost", p.reuse_cost},
               {"effective_attention_speedup", p.effective_attention_speedup},
               {"amdahl_speedup", p.amdahl_speedup},
               {"amdahl_limit", p.amdahl_limit},
               {"tiles",
                {{"query_tiles", p.tiles.query_tiles},
                 {"key_tiles", p.tiles.key_tiles},
                 {"tile_tokens", p.tiles.tile_tokens},
                 {"last_key_tile_tokens", p.tiles.last_key_tile_tokens},
                 {"dense_per_head", p.tiles.dense_per_head},
                 {"sparse_per_head", p.tiles.sparse_per_head},
                 {"reduction", p.tiles.reduction},
                 {"padding_fraction", p.tiles.padding_fraction}}}};
  if (p.cascade) {
    core::Json stages = core::Json::array();
    for (std::size_t i = 0; i < p.cascade->stage_count; ++i) {
      const auto& s = p.cascade->stages[i];
      stages.push_back({{"token_fraction", s.token_fraction},
                        {"tokens", s.tokens},
                        {"reach_fraction", s.reach_fraction},
                        {"run_fraction", s.run_fraction},
                        {"members", s.members},
                        {"cost_fraction", s.cost_fraction}});
    }
    j["cascade"] = {{"stages", stages},
                    {"compute_fraction", p.cascade->compute_fraction},
                    {"theoretical_speedup", p.cascade->theoretical_speedup},
                    {"overhead_fraction", p.cascade->overhead_fraction},
                    {"practical_speedup", p.cascade->practical_speedup}};
  }
  if (p.early_exit) {
    j["early_exit"] = {{"average_depth_fraction", p.early_exit->average_depth_fraction},
                       {"speedup", p.early_exit->speedup},
                       {"time_speedup", p.early_exit->time_speedup}};
  }
  return j;
}

// Seed 000's table rows that apply to the study, beside the exact prediction (empty without a cascade).
std::vector<models::Seed000Comparison> seed000_comparisons(const models::Study& st, const Prediction& exact) {
  if (!st.workload.cascade || !exact.cascade) return {};
  return models::compare_seed000_tables(*st.workload.cascade, st.workload.batch, exact.cascade->practical_speedup);
}

core::Json seed000_json(const std::vector<models::Seed000Comparison>& rows) {
  core::Json out = core::Json::array();
  for (const models::Seed000Comparison& c : rows) {
    core::Json j{{"table", std::string(to_string(c.row->table))},
                 {"row", std::string(c.row->row)},
                 {"seed_speedup_low", c.row->speedup_low},
                 {"seed_speedup_high", c.row->speedup_high},
                 {"seed_arithmetic_one_input", c.seed_one_input},
                 {"seed_arithmetic_batch", c.seed_batch},
                 {"seed_arithmetic_after_overheads", c.seed_after_overheads},
                 {"exact_speedup", c.exact},
                 {"final_stage_share", c.final_share},
                 {"final_share_needed_low", c.share_needed_low},
                 {"final_share_needed_high", c.share_needed_high},
                 {"final_share_needed_after_overheads_low", c.share_needed_after_overheads_low},
                 {"final_share_needed_after_overheads_high", c.share_needed_after_overheads_high},
                 {"reproduced", c.reproduced},
                 {"seed_inputs_allow", c.inputs_allow}};
    if (c.row->table == models::Seed000Table::batch_size) j["stages"] = c.row->stages;
    if (c.row->table == models::Seed000Table::confidence_threshold) {
      j["seed_stop_rate_low"] = c.row->stop_low;
      j["seed_stop_rate_high"] = c.row->stop_high;
      j["seed_arithmetic_over_stop_range_low"] = c.seed_range_low;
      j["seed_arithmetic_over_stop_range_high"] = c.seed_range_high;
    }
    out.push_back(j);
  }
  return out;
}

std::string seed_figure(const models::Seed000Row& row) {
  if (row.table == models::Seed000Table::batch_size) return fmt("%.1fx", (row.speedup_low + row.speedup_high) / 2);
  return fmt("%.1f", row.speedup_low) + fmt("-%.1fx", row.speedup_high);
}

std::string share_range(double low, double high) { return fmt("%.1f", 100.0 * low) + fmt("-%.1f%%", 100.0 * high); }

void write_seed000_tables(std::ostream& out, const models::Study& st,
                          const std::vector<models::Seed000Comparison>& rows) {
  if (rows.empty()) return;
  const models::CascadeSpec& spec = *st.workload.cascade;
  const std::string policy =
      std::string(batch_policy_name(spec.batch_policy)) +
      (spec.batch_policy == models::BatchPolicy::bucketed ? " (buckets of " + std::to_string(spec.bucket_size) + ")"
                                                          : std::string());
  out << "\nSeed 000's tables beside this study (\"Batch Size Impact\", \"Confidence-Based Early Stopping\"):\n";
  for (const models::Seed000Comparison& c : rows) {
    const models::Seed000Row& row = *c.row;
    out << "  " << to_string(row.table) << " " << row.row;
    if (row.table == models::Seed000Table::batch_size) out << ", " << row.stages << " stages";
    out << ": seed " << seed_figure(row) << "; exact " << times(c.exact) << " (roofline on " << st.hardware.name
        << "): " << (c.reproduced ? "reproduced" : "not reproduced") << "; the seed's own inputs "
        << (c.inputs_allow ? "allow it" : "cannot give it") << "\n";
    out << "    seed arithmetic on this study's exits: " << times(c.seed_one_input) << " for one input, "
        << times(c.seed_batch) << " at batch " << st.workload.batch << " " << policy << " (final stage on "
        << percent(c.final_share) << " of slots per input), " << times(c.seed_after_overheads) << " after its "
        << percent(1.0 - c.seed_after_overheads / c.seed_batch) << " overheads\n";
    out << "    the seed's figure needs the final stage on " << share_range(c.share_needed_low, c.share_needed_high)
        << " of slots per input in its arithmetic, "
        << share_range(c.share_needed_after_overheads_low, c.share_needed_after_overheads_high)
        << " after its overheads; this study: " << percent(c.final_share) << "\n";
    if (row.table == models::Seed000Table::confidence_threshold)
      out << "    its own early-stopping rate for " << row.row << " (" << share_range(row.stop_low, row.stop_high)
          << "), over " << spec.stages.size() << " stages (" << exit_rule_name(spec.exit_rule) << "), gives "
          << times(c.seed_range_low) << " to " << times(c.seed_range_high) << " in its arithmetic\n";
  }
}

}  // namespace

core::Json prediction_to_json(const LoadedStudy& loaded, const Prediction& chosen, const Prediction& other) {
  const models::Study& st = loaded.study;
  core::Json j = scalar_json(chosen);
  if (chosen.cascade && st.workload.cascade) {
    const models::CascadeSpec& spec = *st.workload.cascade;
    for (std::size_t i = 0; i < chosen.cascade->stage_count; ++i)
      j["cascade"]["stages"][i]["exit_fraction"] = spec.stages[i].exit_fraction;
    j["cascade"]["batch_policy"] = std::string(batch_policy_name(spec.batch_policy));
    if (spec.batch_policy == models::BatchPolicy::bucketed) j["cascade"]["bucket_size"] = spec.bucket_size;
    if (spec.has_confidence_threshold()) {
      j["cascade"]["confidence_threshold"] = spec.confidence_threshold;
      j["cascade"]["early_stopping_rate"] = *models::early_stopping_rate(spec.confidence_threshold);
      j["cascade"]["exit_rule"] = std::string(exit_rule_name(spec.exit_rule));
    }
    j["cascade"]["seed000_tables"] = seed000_json(seed000_comparisons(st, by(Accounting::exact, chosen, other)));
  }
  j["study"] = st.name;
  j["hardware"] = st.hardware.name;
  j["model"] = st.model.name;
  j["layers"] = {{"dense", chosen.layers.dense}, {"anchor", chosen.layers.anchor}, {"reuse", chosen.layers.reuse}};
  core::Json per_kind = core::Json::object();
  for (LayerKind kind : {LayerKind::dense, LayerKind::anchor, LayerKind::reuse}) {
    const std::size_t k = static_cast<std::size_t>(kind);
    core::Json ops = core::Json::object();
    for (std::size_t op = 0; op < models::op_count; ++op) {
      if (chosen.layer_costs[k].ops[op].kernels == 0) continue;
      core::Json o = roofline_json(chosen.layer_times[k][op]);
      o["cost"] = cost_json(chosen.layer_costs[k].ops[op]);
      ops[std::string(to_string(static_cast<Op>(op)))] = o;
    }
    per_kind[std::string(to_string(kind))] = ops;
  }
  j["roofline"] = {{"dense_model", totals_json(chosen.dense_model)},
                   {"schedule_model", totals_json(chosen.schedule_model)},
                   {"end_to_end_speedup", chosen.end_to_end_speedup},
                   {"attention_time_fraction", chosen.dense_model.attention.time_s / chosen.dense_model.time.time_s},
                   {"flash_io_bound_bytes_per_head", chosen.flash_io_bound_bytes_per_head},
                   {"layers", per_kind}};
  j["other_accounting"] = scalar_json(other);
  core::Json diffs = core::Json::array();
  const Prediction& seed = by(Accounting::seed, chosen, other);
  const Prediction& exact = by(Accounting::exact, chosen, other);
  for (const Difference& d : differences(seed, exact))
    diffs.push_back({{"quantity", d.quantity}, {"seed", d.seed}, {"exact", d.exact}, {"why", d.why}});
  j["differences"] = diffs;
  if (runs_parallel(st)) j["parallel"] = parallel_to_json(st, models::predict_parallel(st), nullptr);
  if (chosen.decode) j["decode"] = decode_to_json(st, *chosen.decode, nullptr);
  j["config"] = study_to_json(st);
  j["files"] = loaded.files;
  return j;
}

void write_prediction_table(std::ostream& out, const LoadedStudy& loaded, const Prediction& chosen,
                            const Prediction& other) {
  const models::Study& st = loaded.study;
  const models::Workload& w = st.workload;
  const Prediction& seed = by(Accounting::seed, chosen, other);
  const Prediction& exact = by(Accounting::exact, chosen, other);
  const bool seed_first = chosen.accounting == Accounting::seed;
  char line[512];

  out << "cascadesim predict: " << st.name << "\n";
  out << "  hardware " << st.hardware.name << ", model " << st.model.name << ", accounting "
      << to_string(chosen.accounting) << " (the other shown beside it)\n";
  out << "  " << (w.phase == models::Phase::prefill ? "prefill" : "decode") << ", seq_len " << w.seq_len << ", batch "
      << w.batch << ", tile " << w.tile_tokens << ", top_k " << w.top_k << ", schedule "
      << (w.schedule.layers.empty() ? std::to_string(st.model.n_layers) + "D" : w.schedule.compact()) << "\n\n";

  out << "Layers: " << chosen.layers.dense << " dense, " << chosen.layers.anchor << " anchor, " << chosen.layers.reuse
      << " reuse\n";
  out << "Tiles per head: " << chosen.tiles.query_tiles << " query x " << chosen.tiles.key_tiles << " key tiles of "
      << chosen.tiles.tile_tokens << " tokens (last key tile " << chosen.tiles.last_key_tile_tokens
      << " tokens); causal mask and padding discard " << percent(exact.tiles.padding_fraction)
      << " of dense scores computed\n\n";

  const char* first = seed_first ? "seed" : "exact";
  const char* second = seed_first ? "exact" : "seed";
  std::snprintf(line, sizeof line, "%-40s %14s %14s\n", "", first, second);
  out << line;
  auto row = [&](const char* label, const std::string& a_seed, const std::string& a_exact) {
    std::snprintf(line, sizeof line, "%-40s %14s %14s\n", label, (seed_first ? a_seed : a_exact).c_str(),
                  (seed_first ? a_exact : a_seed).c_str());
    out << line;
  };
  row("dense blocks per head (one layer)", with_commas(seed.tiles.dense_per_head),
      with_commas(exact.tiles.dense_per_head));
  if (chosen.layers.reuse > 0) {
    row("sparse blocks per head (one reuse layer)", with_commas(seed.tiles.sparse_per_head),
        with_commas(exact.tiles.sparse_per_head));
    row("tile reduction", percent(seed.tiles.reduction), percent(exact.tiles.reduction));
  }
  row("attention fraction f", percent(seed.attention_fraction), percent(exact.attention_fraction));
  if (chosen.layers.anchor > 0)
    row("anchor cost (x dense attention)", fmt("%.4f", seed.anchor_cost), fmt("%.4f", exact.anchor_cost));
  if (chosen.layers.reuse > 0)
    row("reuse cost (x dense attention)", fmt("%.4f", seed.reuse_cost), fmt("%.4f", exact.reuse_cost));
  row("effective attention speedup s", times(seed.effective_attention_speedup),
      times(exact.effective_attention_speedup));
  row("Amdahl speedup 1/((1-f)+f/s)", times(seed.amdahl_speedup), times(exact.amdahl_speedup));
  row("Amdahl limit 1/(1-f)", times(seed.amdahl_limit), times(exact.amdahl_limit));
  row("s needed for 1.5x end to end", times(models::required_part_speedup(seed.attention_fraction, 1.5)),
      times(models::required_part_speedup(exact.attention_fraction, 1.5)));
  row("s needed for 2x end to end", times(models::required_part_speedup(seed.attention_fraction, 2.0)),
      times(models::required_part_speedup(exact.attention_fraction, 2.0)));
  if (seed.cascade) {
    row("cascade compute fraction", percent(seed.cascade->compute_fraction), percent(exact.cascade->compute_fraction));
    row("cascade theoretical speedup", times(seed.cascade->theoretical_speedup),
        times(exact.cascade->theoretical_speedup));
    row("cascade practical speedup", times(seed.cascade->practical_speedup), times(exact.cascade->practical_speedup));
  }
  if (seed.early_exit) {
    row("early exit average depth", percent(seed.early_exit->average_depth_fraction),
        percent(exact.early_exit->average_depth_fraction));
    row("early exit speedup", times(seed.early_exit->speedup), times(exact.early_exit->speedup));
  }

  const auto diffs = differences(seed, exact);
  if (!diffs.empty()) {
    out << "\nWhy seed and exact differ:\n";
    for (const Difference& d : diffs) out << "  " << d.quantity << ": " << d.why << "\n";
  }

  const models::HardwareSpec& hw = st.hardware;
  out << "\nRoofline on " << hw.name << ": " << fmt("%.4g", hw.peak_matrix_TFLOPs() * hw.matrix_efficiency)
      << " TFLOP/s matrix, " << fmt("%.4g", hw.peak_vector_TFLOPs()) << " TFLOP/s vector, "
      << fmt("%.4g", hw.hbm_bandwidth_GBps) << " GB/s, ridge " << fmt("%.0f", models::ridge_flops_per_byte(hw))
      << " FLOP/byte, launch " << fmt("%.3g", hw.kernel_launch_us) << " us (exact costs)\n";
  // The products that run at another precision than the matrix_dtype (docs/precision.md), at their own peaks.
  const models::TensorPrecisions& tp = st.workload.precision;
  const std::pair<const char*, models::Precision> products[] = {
      {"projections", tp.projections()}, {"Q K^T", tp.query_key()}, {"P V", tp.probability_value()}};
  for (const auto& [what, precision] : products)
    if (models::matrix_rate(precision) != models::matrix_rate(hw.matrix_dtype))
      out << "  " << what << " at " << models::to_string(precision) << ": "
          << fmt("%.4g", hw.peak_matrix_TFLOPs(precision) * hw.matrix_efficiency) << " TFLOP/s matrix\n";
  std::snprintf(line, sizeof line, "%-16s %-7s %11s %11s %10s %10s %10s %10s %10s  %s\n", "op", "layer", "FLOPs",
                "HBM bytes", "matrix us", "vector us", "memory us", "launch us", "total us", "bound");
  out << line;
  for (LayerKind kind : {LayerKind::dense, LayerKind::anchor, LayerKind::reuse}) {
    const std::size_t k = static_cast<std::size_t>(kind);
    const std::int64_t count = kind == LayerKind::dense    ? chosen.layers.dense
                               : kind == LayerKind::anchor ? chosen.layers.anchor
                                                           : chosen.layers.reuse;
    if (count == 0 && kind != LayerKind::dense) continue;
    for (std::size_t op = 0; op < models::op_count; ++op) {
      const models::OpCost& c = chosen.layer_costs[k].ops[op];
      if (c.kernels == 0) continue;
      const bool shared =
          op != static_cast<std::size_t>(Op::attention) && op != static_cast<std::size_t>(Op::anchor_scoring);
      if (shared && kind != LayerKind::dense) continue;  // projections and MLP are the same in every layer kind
      const models::RooflineTime& t = chosen.layer_times[k][op];
      std::snprintf(line, sizeof line, "%-16s %-7s %11s %11s %10s %10s %10s %10s %10s  %s\n",
                    std::string(to_string(static_cast<Op>(op))).c_str(),
                    shared ? "any" : std::string(to_string(kind)).c_str(), si(c.flops(), "").c_str(),
                    si(c.hbm_bytes, "B").c_str(), micros(t.matrix_s).c_str(), micros(t.vector_s).c_str(),
                    micros(t.memory_s).c_str(), micros(t.launch_s).c_str(), micros(t.time_s).c_str(),
                    std::string(to_string(t.bound)).c_str());
      out << line;
    }
  }
  out << "\n";
  std::snprintf(line, sizeof line, "%-34s %12s   attention %12s   bound %s\n",
                "all layers dense:", millis(chosen.dense_model.time.time_s).c_str(),
                millis(chosen.dense_model.attention.time_s).c_str(),
                std::string(to_string(chosen.dense_model.time.bound)).c_str());
  out << line;
  std::snprintf(
      line, sizeof line, "%-34s %12s   attention %12s   bound %s\n",
      ("schedule " + (w.schedule.layers.empty() ? std::string("(all dense)") : w.schedule.compact()) + ":").c_str(),
      millis(chosen.schedule_model.time.time_s).c_str(), millis(chosen.schedule_model.attention.time_s).c_str(),
      std::string(to_string(chosen.schedule_model.time.bound)).c_str());
  out << line;
  out << "End-to-end speedup (roofline):     " << times(chosen.end_to_end_speedup) << "   (Amdahl, "
      << to_string(chosen.accounting) << " accounting: " << times(chosen.amdahl_speedup) << ")\n";
  out << "FlashAttention I/O bound N^2 d^2 / M per head: " << si(chosen.flash_io_bound_bytes_per_head, "B")
      << " (M = " << si(hw.sram_per_core_bytes, "B") << " SRAM per core)\n";
  write_energy_table(out, chosen.dense_model.energy, chosen.schedule_model.energy,
                     std::to_string(st.model.n_layers) + "D (dense)",
                     w.schedule.layers.empty() ? std::string("(all dense)") : w.schedule.compact());
  if (chosen.cascade) {
    out << "\nCascade (" << chosen.cascade->stage_count << " stages, " << batch_policy_name(w.cascade->batch_policy);
    if (w.cascade->batch_policy == models::BatchPolicy::bucketed) out << " in buckets of " << w.cascade->bucket_size;
    out << ", batch " << w.batch << "):\n";
    if (w.cascade->has_confidence_threshold())
      out << "  exit fractions derived from confidence threshold " << w.cascade->confidence_threshold
          << " (seed 000: " << percent(*models::early_stopping_rate(w.cascade->confidence_threshold))
          << (w.cascade->exit_rule == models::ExitRule::geometric
                  ? " stop early in a 2-stage cascade; MSDNet's geometric exit distribution over these stages)\n"
                  : " stop early, in equal shares over the coarse stages)\n");
    std::snprintf(line, sizeof line, "  %-6s %10s %10s %10s %10s %10s\n", "stage", "tokens", "exit", "reach", "runs",
                  "cost");
    out << line;
    for (std::size_t i = 0; i < chosen.cascade->stage_count; ++i) {
      const auto& s = chosen.cascade->stages[i];
      std::snprintf(line, sizeof line, "  %-6zu %10s %10s %10s %10s %10s\n", i + 1, percent(s.token_fraction).c_str(),
                    percent(w.cascade->stages[i].exit_fraction).c_str(), percent(s.reach_fraction).c_str(),
                    percent(s.run_fraction).c_str(), percent(s.cost_fraction).c_str());
      out << line;
    }
  }
  if (chosen.cascade) write_seed000_tables(out, st, seed000_comparisons(st, exact));
  if (chosen.early_exit)
    out << "\nEarly exit: roofline time speedup " << times(chosen.early_exit->time_speedup) << "\n";
  if (chosen.decode) write_decode_table(out, st, *chosen.decode, nullptr);
}

namespace {
// Both stacks sustained under the power limit, or UsageError naming --sustained when the hardware cannot say.
models::SustainedStacks sustained_stacks(const LoadedStudy& loaded, const Prediction& chosen) {
  if (const std::string problem = sustained_problem(loaded.study.hardware); !problem.empty())
    throw UsageError("--sustained: " + problem);
  if (runs_parallel(loaded.study))
    throw UsageError("--sustained: a many-device study's devices are not run under the power limit");
  return models::predict_sustained(loaded.study, chosen);
}
}  // namespace

core::Json predict_json(const LoadedStudy& loaded, Accounting accounting, bool sustained) {
  const models::BothAccountings both = models::predict_both(loaded.study);
  const bool seed_chosen = accounting == Accounting::seed;
  const Prediction& chosen = seed_chosen ? both.seed : both.exact;
  core::Json result = prediction_to_json(loaded, chosen, seed_chosen ? both.exact : both.seed);
  if (sustained) result["sustained"] = models::sustained_to_json(sustained_stacks(loaded, chosen));
  core::require_finite_result(result, loaded.files.front());
  return result;
}

void run_predict(const PredictOptions& options, std::ostream& out) {
  const LoadedStudy loaded = load_study(study_path_or_default(options.study_path), options.load);
  // Checked finite before either form is printed.
  const core::Json result = predict_json(loaded, options.accounting, options.sustained);
  if (options.json) {
    out << result.dump(2) << "\n";
    return;
  }
  const models::BothAccountings both = models::predict_both(loaded.study);
  const bool seed_chosen = options.accounting == Accounting::seed;
  const Prediction& chosen = seed_chosen ? both.seed : both.exact;
  write_prediction_table(out, loaded, chosen, seed_chosen ? both.exact : both.seed);
  const models::Study& st = loaded.study;
  if (options.sustained)
    write_sustained_table(
        out, sustained_stacks(loaded, chosen), std::to_string(st.model.n_layers) + "D (dense)",
        st.workload.schedule.layers.empty() ? std::string("(all dense)") : st.workload.schedule.compact());
  if (runs_parallel(loaded.study))
    write_parallel_table(out, loaded.study, models::predict_parallel(loaded.study), nullptr);
}

}  // namespace cascadesim::sim
