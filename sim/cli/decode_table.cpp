// Predict's and simulate's decode-steps block.
#include "sim/cli/decode_table.hpp"

#include <string>

#include "sim/cli/energy_table.hpp"
#include "sim/config/schemas.hpp"

namespace cascadesim::sim {

namespace {

core::Json groups_json(const std::vector<models::DecodeGroupResult>& groups) {
  core::Json out = core::Json::array();
  for (const models::DecodeGroupResult& g : groups)
    out.push_back({{"first_step", g.group.first_step},
                   {"steps", g.group.steps},
                   {"cached_tokens", g.group.cached_tokens},
                   {"key_tiles", g.group.key_tiles},
                   {"host_key_tiles", g.group.host_key_tiles},
                   {"selects", g.group.selects},
                   {"correction", g.group.correction},
                   {"query_tokens", g.group.query_tokens},
                   {"step_time_ms", g.time_s * 1e3},
                   {"hbm_bytes", g.hbm_bytes},
                   {"host_bytes", g.host_bytes}});
  return out;
}

core::Json run_json(const models::DecodeRun& r) {
  return {{"time_ms", r.time_s * 1e3},
          {"dense_time_ms", r.dense_time_s * 1e3},
          {"tokens_per_s", r.tokens_per_s()},
          {"dense_tokens_per_s", r.dense_tokens_per_s()},
          {"speedup", r.speedup()},
          {"hbm_bytes", r.hbm_bytes},
          {"host_bytes", r.host_bytes},
          {"dense_hbm_bytes", r.dense_hbm_bytes},
          {"dense_host_bytes", r.dense_host_bytes},
          {"groups", groups_json(r.groups)},
          {"dense_groups", groups_json(r.dense_groups)}};
}
}  // namespace

core::Json decode_to_json(const models::Study& study, const models::DecodeRun& predicted,
                          const models::DecodeRun* simulated) {
  const models::DecodeSpec& d = *study.workload.decode;
  core::Json j = {{"steps", d.steps},
                  {"reselect_every", d.reselect_every},
                  {"correct_every", d.correct_every},
                  {"eviction", kv_eviction_names()[static_cast<std::size_t>(d.eviction)]},
                  {"kv_budget_tokens", d.kv_budget_tokens},
                  {"tokens", predicted.tokens},
                  {"analytical", run_json(predicted)}};
  if (simulated) j["simulated"] = run_json(*simulated);
  return j;
}

void write_decode_table(std::ostream& out, const models::Study& study, const models::DecodeRun& predicted,
                        const models::DecodeRun* simulated) {
  const models::DecodeSpec& d = *study.workload.decode;
  out << "\nDecode steps: " << d.steps << " from a cache of " << study.workload.seq_len << " tokens, batch "
      << study.workload.batch << ", selections made every " << d.reselect_every << " steps";
  if (d.correct_every > 0) out << ", K/V corrected every " << d.correct_every << " steps";
  out << ", eviction " << kv_eviction_names()[static_cast<std::size_t>(d.eviction)];
  if (d.eviction != models::KvEviction::none) out << " (budget " << d.kv_budget_tokens << " tokens)";
  out << "\n  (the tables above are one step at seq_len with the whole cache in HBM; this block runs the steps)\n";
  const models::DecodeRun& shown = simulated ? *simulated : predicted;
  out << "  steps    cached  tiles   host selects       step ms      HBM MB     host MB\n";
  auto rows = [&](const std::vector<models::DecodeGroupResult>& groups, const char* label) {
    out << "  " << label << ":\n";
    for (const models::DecodeGroupResult& g : groups)
      out << formatted("  %-7.0f", static_cast<double>(g.group.steps))
          << formatted("%8.0f", static_cast<double>(g.group.cached_tokens))
          << formatted("%7.0f", static_cast<double>(g.group.key_tiles))
          << formatted("%7.0f", static_cast<double>(g.group.host_key_tiles))
          << (g.group.correction ? " correct" : (g.group.selects ? "     yes" : "      no"))
          << formatted("%14.4f", g.time_s * 1e3) << formatted("%12.1f", g.hbm_bytes / 1e6)
          << formatted("%12.1f", g.host_bytes / 1e6) << "\n";
  };
  rows(shown.groups, simulated ? "schedule (simulated)" : "schedule");
  rows(shown.dense_groups, simulated ? "dense decode, full cache (simulated)" : "dense decode, full cache");
  auto line = [&](const char* label, const models::DecodeRun& r) {
    out << "  " << label << formatted(": %.3f ms", r.time_s * 1e3) << formatted(", %.1f tokens/s", r.tokens_per_s())
        << formatted("; dense decode %.3f ms", r.dense_time_s * 1e3)
        << formatted(", %.1f tokens/s", r.dense_tokens_per_s()) << formatted("; speedup %.3fx", r.speedup())
        << formatted("; HBM %.3f GB", r.hbm_bytes / 1e9) << formatted(", host link %.3f GB", r.host_bytes / 1e9)
        << "\n";
  };
  line("analytical", predicted);
  if (simulated) line("simulated ", *simulated);
}

}  // namespace cascadesim::sim
