// Seed 000's tables beside a study: which rows apply, the seed's arithmetic on the study's inputs, the gap terms.
#include "models/seed000_tables.hpp"

#include "models/cascade.hpp"

namespace cascadesim::models {

std::string_view to_string(Seed000Table table) {
  return table == Seed000Table::batch_size ? "batch size" : "confidence threshold";
}

double seed_final_share_needed(const CascadeSpec& spec, double speedup) {
  const double coarse = coarse_token_fraction(spec);
  return (1.0 / speedup - coarse) / (1.0 - coarse);
}

namespace {

bool row_applies(const Seed000Row& row, const CascadeSpec& spec, std::int64_t batch) {
  if (row.table == Seed000Table::confidence_threshold)
    return spec.has_confidence_threshold() && spec.confidence_threshold == row.threshold;
  return row.stages == spec.stages.size() && batch >= row.batch_from && (row.batch_to == 0 || batch <= row.batch_to);
}

// The seed's arithmetic with the study's stages, exit rule and batch policy at an early-stopping rate.
double seed_speedup_at_rate(const CascadeSpec& spec, std::int64_t batch, double rate) {
  CascadeSpec at_rate = spec;
  const std::vector<double> fractions = exit_fractions_for_rate(rate, spec.stages.size(), spec.exit_rule);
  for (std::size_t i = 0; i < fractions.size(); ++i) at_rate.stages[i].exit_fraction = fractions[i];
  return cascade_seed(at_rate, batch).theoretical_speedup;
}

}  // namespace

std::vector<Seed000Comparison> compare_seed000_tables(const CascadeSpec& spec, std::int64_t batch,
                                                      double exact_speedup) {
  std::vector<Seed000Comparison> out;
  for (const Seed000Row& row : seed000_rows) {
    if (!row_applies(row, spec, batch)) continue;
    Seed000Comparison c;
    c.row = &row;
    c.seed_one_input = cascade_seed(spec, 1).theoretical_speedup;
    const CascadeSeedResult at_batch = cascade_seed(spec, batch);
    c.seed_batch = at_batch.theoretical_speedup;
    c.seed_after_overheads = at_batch.practical_speedup;
    c.exact = exact_speedup;
    c.final_share = final_stage_share(spec, batch);
    const double kept = 1.0 - at_batch.overhead_fraction;
    c.share_needed_low = seed_final_share_needed(spec, row.speedup_high);
    c.share_needed_high = seed_final_share_needed(spec, row.speedup_low);
    c.share_needed_after_overheads_low = seed_final_share_needed(spec, row.speedup_high / kept);
    c.share_needed_after_overheads_high = seed_final_share_needed(spec, row.speedup_low / kept);
    c.reproduced = exact_speedup >= row.speedup_low && exact_speedup <= row.speedup_high;
    if (row.table == Seed000Table::confidence_threshold) {
      // The seed's own inputs for a threshold row: its stop-rate range, spread over the study's stages.
      c.seed_range_low = seed_speedup_at_rate(spec, batch, row.stop_low);
      c.seed_range_high = seed_speedup_at_rate(spec, batch, row.stop_high);
      c.inputs_allow = c.seed_range_high >= row.speedup_low && c.seed_range_low <= row.speedup_high;
    } else {
      // The seed's own inputs for a batch row: the study's exit fractions. Every batch policy runs the final stage
      // on between the inputs that reach it (compacted) and the whole batch whenever one does (waiting for the
      // slowest); a figure needing a share outside that interval follows from no batch policy.
      const double reach = stage_reach_fraction(spec, spec.stages.size() - 1);
      const double fewest = reach;
      const double most = batch_runs_stage_probability(reach, static_cast<double>(batch));
      c.inputs_allow = c.share_needed_high >= fewest - 1e-12 && c.share_needed_low <= most + 1e-12;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace cascadesim::models
