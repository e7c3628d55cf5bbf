// The sweep loop: chunks of points evaluated by workers, rows written in order by the calling thread.
#include "sim/sweep/sweep_runner.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>

#include "sim/sweep/ordered_pool.hpp"
#include "sim/sweep/pareto_front.hpp"
#include "sim/sweep/sweep_evaluate.hpp"
#include "sim/sweep/sweep_output.hpp"
#include "sim/sweep/sweep_points.hpp"

namespace cascadesim::sim::sweep {

namespace {

// The rendered rows of consecutive points, with what the Pareto front needs of each.
struct RowChunk {
  std::string csv, jsonl;
  std::vector<std::size_t> csv_ends;  // end offset of each row's CSV line
  std::vector<double> objectives;     // rows x objectives
  std::vector<std::uint8_t> ok;
  std::uint64_t invalid = 0, excluded = 0;

  void clear() {
    csv.clear();
    jsonl.clear();
    csv_ends.clear();
    objectives.clear();
    ok.clear();
    invalid = excluded = 0;
  }
};

// What one worker thread owns.
struct Worker {
  explicit Worker(const SweepSpec& spec) : evaluator(spec), digits(spec.axes.size()) {}
  PointEvaluator evaluator;
  std::vector<std::size_t> digits;
  PointResult result;
};

}  // namespace

SweepSummary run_sweep(const SweepSpec& spec, const SweepRunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const RowFormatter formatter(spec);
  SweepOutput output(spec, formatter, options.out_dir, options.resume);
  const PointSpace space(spec.radices());
  const std::size_t objective_count = spec.objectives.size();

  std::optional<ParetoFront> front;
  if (spec.has_pareto()) {
    front.emplace(spec.pareto_minimize, spec.pareto_maximize);
    std::vector<double> values;
    output.for_each_existing_row([&](std::string_view row) {
      if (formatter.read_objectives(row, values)) front->offer(values, row);
    });
  }

  SweepSummary summary;
  summary.points = space.size();
  summary.resumed_rows = output.rows_at_start();
  const bool threaded = spec.backend == Backend::analytical;
  summary.threads = threaded ? std::max(1u, options.threads) : 1u;
  const std::uint64_t first = output.rows_at_start();
  const std::uint64_t remaining = space.size() - std::min(first, space.size());
  const std::uint64_t chunk_points = threaded ? std::max<std::size_t>(1, options.chunk_points) : 1;
  const std::uint64_t chunks = (remaining + chunk_points - 1) / chunk_points;
  if (options.progress) options.progress->start(space.size(), first);

  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned w = 0; w < summary.threads; ++w) workers.push_back(std::make_unique<Worker>(spec));

  auto produce = [&](unsigned w, std::uint64_t c, RowChunk& chunk) {
    Worker& worker = *workers[w];
    chunk.clear();
    const std::uint64_t begin = first + c * chunk_points;
    const std::uint64_t end = std::min(space.size(), begin + chunk_points);
    space.digits(begin, worker.digits);
    for (std::uint64_t index = begin; index < end; ++index) {
      if (index > begin) space.advance(worker.digits);
      worker.evaluator.evaluate(worker.digits, worker.result);
      formatter.append(index, worker.digits, worker.result, chunk.csv, chunk.jsonl);
      chunk.csv_ends.push_back(chunk.csv.size());
      const bool ok = worker.result.status == PointStatus::ok;
      chunk.ok.push_back(ok);
      chunk.invalid += worker.result.status == PointStatus::invalid;
      chunk.excluded += worker.result.status == PointStatus::excluded;
      if (ok && front)
        chunk.objectives.insert(chunk.objectives.end(), worker.result.objectives.begin(),
                                worker.result.objectives.end());
    }
  };

  std::uint64_t written = first;
  auto consume = [&](const RowChunk& chunk) {
    output.append_csv_lines(chunk.csv);
    output.append_jsonl_lines(chunk.jsonl);
    if (front) {
      std::size_t csv_at = 0, objectives_at = 0;
      for (std::size_t r = 0; r < chunk.ok.size(); ++r) {
        if (chunk.ok[r]) {
          // The row without its '\n'.
          const std::string_view row(chunk.csv.data() + csv_at, chunk.csv_ends[r] - csv_at - 1);
          front->offer(std::span<const double>(chunk.objectives.data() + objectives_at, objective_count), row);
          objectives_at += objective_count;
        }
        csv_at = chunk.csv_ends[r];
      }
    }
    written += chunk.ok.size();
    summary.evaluated += chunk.ok.size();
    summary.invalid += chunk.invalid;
    summary.excluded += chunk.excluded;
    if (options.progress) options.progress->update(written);
  };

  // A window of a few chunks per worker keeps every worker busy while the writer catches up.
  run_ordered<RowChunk>(chunks, summary.threads, 4 * static_cast<std::size_t>(summary.threads), produce, consume);
  if (options.progress) options.progress->finish();
  summary.ok = summary.evaluated - summary.invalid - summary.excluded;
  if (front) {
    const std::vector<std::string_view> rows = front->rows();
    output.write_pareto(rows);
    summary.pareto_rows = rows.size();
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace cascadesim::sim::sweep
