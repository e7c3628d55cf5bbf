// The sweep loop: chunks of points evaluated by workers, rows written in order by the calling thread.
#include "sim/sweep/sweep_runner.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/sweep/ordered_pool.hpp"
#include "sim/sweep/pareto_front.hpp"
#include "sim/sweep/row_chunk.hpp"
#include "sim/sweep/sweep_output.hpp"
#include "sim/sweep/sweep_points.hpp"
#include "sim/sweep/worker_processes.hpp"

namespace cascadesim::sim::sweep {

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
  const bool simulates = spec.backend != Backend::analytical;
  const std::uint64_t first = output.rows_at_start();
  const std::uint64_t remaining = space.size() - std::min(first, space.size());
  // A simulated point takes milliseconds to seconds: one per chunk spreads slow points over the workers.
  const std::uint64_t chunk_points = simulates ? 1 : std::max<std::size_t>(1, options.chunk_points);
  const std::uint64_t chunks = (remaining + chunk_points - 1) / chunk_points;

  // Who evaluates: threads of this process (analytical), or this thread plus peers: forked worker processes
  // (simulate and both with more than one job) or the other MPI ranks.
  ChunkPeers* peers = options.peers;
  std::unique_ptr<WorkerProcesses> processes;
  if (!peers && simulates && options.threads > 1 && chunks > 1) {
    auto in_child = std::make_shared<std::optional<ChunkEvaluator>>();
    const bool with_objectives = front.has_value();
    processes = std::make_unique<WorkerProcesses>(std::min<std::uint64_t>(options.threads, chunks) - 1,
                                                  [&spec, &formatter, &space, in_child, with_objectives](
                                                      std::uint64_t begin, std::uint64_t end, std::string& bytes) {
                                                    if (!*in_child)
                                                      in_child->emplace(spec, formatter, space, with_objectives);
                                                    RowChunk chunk;
                                                    (*in_child)->evaluate(begin, end, chunk);
                                                    append_chunk_bytes(chunk, bytes);
                                                  });
    peers = processes.get();
  }
  const unsigned producers =
      peers ? 1 + static_cast<unsigned>(peers->size()) : (simulates ? 1u : std::max(1u, options.threads));
  if (options.peers)
    summary.ranks = producers;
  else if (processes)
    summary.processes = producers;
  else
    summary.threads = producers;
  if (options.progress) options.progress->start(space.size(), first);

  std::vector<std::unique_ptr<ChunkEvaluator>> evaluators;
  for (unsigned w = 0; w < (peers ? 1u : producers); ++w)
    evaluators.push_back(std::make_unique<ChunkEvaluator>(spec, formatter, space, front.has_value()));
  std::vector<std::string> peer_bytes(peers ? peers->size() : 0);

  auto produce = [&](unsigned w, std::uint64_t c, RowChunk& chunk) {
    const std::uint64_t begin = first + c * chunk_points;
    const std::uint64_t end = std::min(space.size(), begin + chunk_points);
    if (peers && w > 0) {
      peers->evaluate(w - 1, begin, end, peer_bytes[w - 1]);
      read_chunk_bytes(peer_bytes[w - 1], chunk);
    } else {
      evaluators[w]->evaluate(begin, end, chunk);
    }
  };

  std::uint64_t written = first;
  auto consume = [&](const RowChunk& chunk) {
    output.append_csv_lines(chunk.csv);
    output.append_jsonl_lines(chunk.jsonl);
    if (options.rows_written) options.rows_written(chunk.jsonl);
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
  const std::size_t window = 4 * static_cast<std::size_t>(producers);
  if (peers)
    run_ordered_caller_produces<RowChunk>(chunks, producers, window, produce, consume);
  else
    run_ordered<RowChunk>(chunks, producers, window, produce, consume);
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
