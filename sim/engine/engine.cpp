// The engine's unit timing and its SystemC core threads.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "sim/engine/engine.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <limits>
#include <systemc>

#include "hw/compute/busy_timeline.hpp"
#include "hw/topk/topk_engine.hpp"
#include "models/dataflow/gemm_tiles.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define CASCADESIM_LEAK_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define CASCADESIM_LEAK_SANITIZER 1
#endif
#endif
#ifdef CASCADESIM_LEAK_SANITIZER
#include <sanitizer/lsan_interface.h>
#endif

namespace cascadesim::sim {

using models::dataflow::AttentionWork;
using models::dataflow::GemmWork;
using models::dataflow::Kernel;
using models::dataflow::SelectWork;
using models::dataflow::SoftmaxOverlap;
using models::dataflow::StreamWork;

namespace {

// LeakSanitizer's check scans every live heap chunk. Debian's SystemC (QuickThreads) allocates each coroutine
// stack on the heap and mprotects a guard page inside it (sc_cor_qt::stack_protect); a scan that reaches a stack
// still guarded faults ("Tracer caught signal 11"), and whether one is alive at exit depends on the machine. So a
// process that simulates runs its leak check here, once, before its first coroutine exists: LeakSanitizer then
// skips the check at exit. Leaks after this point are valgrind memcheck's (scripts/memcheck.sh).
void leak_check_before_the_first_coroutine() {
#ifdef CASCADESIM_LEAK_SANITIZER
  static const bool checked = (__lsan_do_leak_check(), true);
  static_cast<void>(checked);
#endif
}

// Granularity: coarse enough that the default study simulates in seconds, fine enough that contention still
// emerges (a K/V run or a GEMM step is a few hundred KB, a few microseconds of one core's time).
constexpr std::uint64_t stream_space = 1ULL << 62;  // addresses of untracked streams (Q, O, scores, lists)
constexpr std::int64_t gemm_k_step = 2048;          // K elements a GEMM unit loads per request pair
constexpr double gemm_sub_k = 64;                   // K slice a GEMM main loop consumes per iteration
constexpr std::int64_t gemm_swizzle = 8;            // M tiles per raster group
constexpr std::int64_t kv_run_tiles = 32;           // consecutive K/V tiles moved as one request

// Simulated time since `origin` in ns, from SystemC's integer time so that every run sees the same numbers
// whatever the absolute time it starts at (runs follow one another in one process).
double since_ns(std::uint64_t origin) {
  return static_cast<double>(sc_core::sc_time_stamp().value() - origin) *
         sc_core::sc_get_time_resolution().to_seconds() * 1e9;
}

// What one core needs to run units of one kernel; the ring holds, per scratchpad buffer, when the compute
// that last used it finished (a load may not overwrite a buffer still in use).
struct UnitContext {
  hw::System& system;
  hw::TopkEngine* topk;   // the machine's top-k engine, found once per run; null: selection runs on the vector unit
  hw::MemoryLevel* host;  // the host-memory tier (K/V tiles below an attention's host_key_tiles); null: none
  // The core's matrix and vector units, shared by the units it keeps resident: one unit's softmax may run beside
  // another's matrix work.
  hw::BusyTimeline& matrix;
  hw::BusyTimeline& vector;
  const models::KernelFamilyFigures& family;  // the kernel's family's fitted figures on this machine
  // Set when the core has several units in flight: a unit waits (in SystemC time) after each run of tiles, so that
  // it books its next run after the other units booked theirs and the core is shared run by run, not unit by unit.
  bool interleave_runs = false;
  std::uint64_t origin = 0;  // the run's SystemC start (since_ns)
  const Kernel& kernel;
  KernelRecord& record;
  std::int64_t stages = 2;
  std::vector<std::int64_t> tiles;
  std::vector<double> ring;
  std::vector<std::int64_t> head_tiles;

  // The machine's cycles for this kernel's work: the units' own at the precision the work runs at, times its
  // family's fitted scales.
  double gemm_cycles(std::int64_t m, std::int64_t n, std::int64_t k, models::Precision p) const {
    return family.matrix_time_scale * system.matrix_unit().gemm_cycles(m, n, k) * system.spec().matrix_time_ratio(p);
  }
  double matrix_cycles_at_peak(double macs, models::Precision p) const {
    if (macs <= 0) return 0;  // a stream without matrix work, whatever its (unused) precision
    return family.matrix_time_scale * macs / system.matrix_unit().peak_macs_per_cycle() *
           system.spec().matrix_time_ratio(p);
  }
  double vector_cycles(double flops, double exps) const {
    return family.vector_time_scale * system.vector_unit().cycles(flops, exps);
  }
};

double cycles_ns(hw::System& s, double cycles) { return cycles * s.ns_per_cycle(); }

double transfer(UnitContext& c, std::int64_t core, std::uint64_t address, double bytes, std::uint64_t tile_id,
                std::uint32_t tile_count, bool write, double at_ns, hw::MemoryLevel* level = nullptr) {
  if (bytes <= 0) return at_ns;
  c.record.requested_bytes += bytes;
  hw::MemoryRequest r;
  r.address = address;
  r.bytes = static_cast<std::uint64_t>(std::ceil(bytes));
  r.tile_id = tile_id;
  r.tile_count = tile_count;
  r.write = write;
  r.core = static_cast<std::uint32_t>(core);
  return c.system.dma(core).transfer(r, at_ns, level ? *level : c.system.port());
}

double attention_unit(UnitContext& c, const AttentionWork& w, double unit, std::int64_t core, double t0) {
  const auto u = static_cast<std::int64_t>(unit);
  const auto [seq, group, q, split] = w.unit_place(u);
  const std::int64_t first_head = group * w.heads_per_unit;
  const std::int64_t kv_head = first_head / std::max<std::int64_t>(1, w.heads / w.kv_heads);
  const std::uint64_t head_key = static_cast<std::uint64_t>(seq * w.kv_heads + kv_head);
  hw::System& s = c.system;

  // Per block: S = Q K^T (rows x tile x head_dim), online softmax, O += P V (rows x v_dim x tile), over every
  // packed row: a packed unit computes all its heads' rows against each tile it loads.
  const double rows = static_cast<double>(w.rows), tile = static_cast<double>(w.tile_tokens);
  const double unit_rows = static_cast<double>(w.unit_rows());
  const double mm_cycles = c.gemm_cycles(w.unit_rows(), w.tile_tokens, w.head_dim, w.precision.query_key()) +
                           c.gemm_cycles(w.unit_rows(), w.v_dim(), w.tile_tokens, w.precision.probability_value());
  // One of the per-score operations is the exponential, which runs on the special-function pipe.
  const double vec_cycles = c.vector_cycles(unit_rows * tile * (w.vector_ops_per_score - 1.0), unit_rows * tile);
  const bool overlapped =
      models::dataflow::attention_implementation(w.implementation).overlap == SoftmaxOverlap::beside_matrix;
  const double mm_ns = cycles_ns(s, mm_cycles), vec_ns = cycles_ns(s, vec_cycles);
  const double block_ns = overlapped ? std::max(mm_ns, vec_ns) : mm_ns + vec_ns;

  // This split's share of the unit's tiles, and the (head, tile) blocks in it: a packed unit's heads may visit
  // different tiles of the union it loads.
  // The union is built once per unit (unit_tile_count would build it again for packed patterns).
  if (w.pattern) w.unit_tiles(group, q, c.tiles);
  const std::int64_t listed = w.pattern ? static_cast<std::int64_t>(c.tiles.size()) : w.visible(q);
  const auto [lo, hi] = w.split_range(listed, split);
  auto tile_at = [&](std::int64_t i) { return w.pattern ? c.tiles[static_cast<std::size_t>(i)] : i; };
  double blocks = static_cast<double>(hi - lo) * static_cast<double>(w.heads_per_unit);
  if (w.pattern && w.heads_per_unit > 1) {
    blocks = 0;
    for (std::int64_t h = first_head; h < first_head + w.heads_per_unit; ++h) {
      w.visited_tiles(h, q, c.head_tiles);
      for (std::int64_t i = lo; i < hi; ++i)
        blocks += std::binary_search(c.head_tiles.begin(), c.head_tiles.end(), tile_at(i)) ? 1.0 : 0.0;
    }
  }

  const double q_bytes = unit_rows * static_cast<double>(w.head_dim) * w.q_element_bytes();
  const double list_bytes = w.reads_index_lists ? blocks * models::index_bytes : 0.0;
  const double ready =
      transfer(c, core, stream_space | (static_cast<std::uint64_t>(u) << 20), q_bytes + list_bytes, 0, 1, false, t0);
  // K/V tiles travel in runs of consecutive tiles (one request each, looked up tile by tile in the L2). Within
  // a run tiles land one after another and are computed as they land; the next run may start loading once the
  // scratchpad's buffers free up, i.e. when only `stages` tiles of this run are left to compute.
  const double tile_bytes = w.kv_tile_bytes();
  double done = ready, matrix_done = ready, vector_done = ready;
  double next_issue = t0;
  for (std::int64_t i = lo; i < hi;) {
    const std::int64_t first = tile_at(i);
    std::int64_t run = 1;
    // A run stays in one tier: host-memory tiles come over the host link, bypassing the L2 (zero-copy reads).
    const bool from_host = first < w.host_key_tiles;
    while (i + run < hi && run < kv_run_tiles && (!w.pattern || tile_at(i + run) == first + run) &&
           (first + run < w.host_key_tiles) == from_host)
      ++run;
    const std::uint64_t tile_id = w.kv_tensor | head_key << 20 | static_cast<std::uint64_t>(first + 1);
    const std::uint64_t address =
        w.kv_tensor + (head_key * static_cast<std::uint64_t>(w.key_tiles) + static_cast<std::uint64_t>(first)) *
                          static_cast<std::uint64_t>(tile_bytes);
    const double issue = std::max(t0, next_issue);
    const double loaded = transfer(c, core, address, tile_bytes * static_cast<double>(run), tile_id,
                                   static_cast<std::uint32_t>(run), false, issue, from_host ? c.host : nullptr);
    const double n_run = static_cast<double>(run);
    double run_start = 0;
    for (std::int64_t j = 1; j <= run; ++j) {
      const double landed = issue + (loaded - issue) * static_cast<double>(j) / n_run;
      // Serial (FlashAttention-2): the softmax waits for the block's matrix work and the next block's matrix work
      // for the softmax. Overlapped (FlashAttention-3): the next block's matrix work starts while this block's
      // softmax runs, so the matrix and vector units each stream their own chain.
      const double start = std::max(overlapped ? matrix_done : done, landed);
      if (j == 1) run_start = start;
      matrix_done = c.matrix.reserve(start, mm_ns);
      // A serial kernel's softmax starts once (1 - softmax_overlap) of the block's matrix work is done.
      const double softmax_ready =
          overlapped ? matrix_done : start + (1.0 - c.family.softmax_overlap) * (matrix_done - start);
      vector_done = c.vector.reserve(std::max(softmax_ready, vector_done), vec_ns);
      done = std::max(matrix_done, vector_done);
    }
    if (c.interleave_runs && i + run < hi)
      sc_core::wait(sc_core::sc_time(std::max(0.0, run_start - since_ns(c.origin)), sc_core::SC_NS));
    next_issue = std::max(issue, done - static_cast<double>(std::min(c.stages, run)) * block_ns);
    i += run;
  }
  const auto loaded_tiles = static_cast<double>(hi - lo);
  s.matrix_unit().count(loaded_tiles * mm_cycles, blocks * rows * tile * static_cast<double>(w.head_dim + w.v_dim()));
  s.vector_unit().count(loaded_tiles * vec_cycles, blocks * rows * tile * (w.vector_ops_per_score - 1.0),
                        blocks * rows * tile);
  c.record.tile_ops += blocks;
  c.record.matrix_busy_ns += cycles_ns(s, loaded_tiles * mm_cycles);
  c.record.vector_busy_ns += cycles_ns(s, loaded_tiles * vec_cycles);
  const double o_bytes = unit_rows * static_cast<double>(w.v_dim()) * w.q_element_bytes();
  const double out_bytes = (w.kv_splits > 1 ? w.partial_bytes() : o_bytes) +
                           (w.writes_tile_scores ? blocks * models::tile_score_bytes : 0.0);
  return transfer(c, core, stream_space | (static_cast<std::uint64_t>(u) << 20) | 1, out_bytes, 0, 1, true, done);
}

double gemm_unit(UnitContext& c, const GemmWork& w, double unit, std::int64_t core, double t0) {
  hw::System& s = c.system;
  const auto m_tiles = static_cast<std::int64_t>(std::ceil(w.m / w.tile_m));
  const auto n_tiles = static_cast<std::int64_t>(std::ceil(w.n / w.tile_n));
  // A batched GEMM's problems run one after another; within one the units follow the swizzled raster below.
  const auto problem = static_cast<std::int64_t>(unit) / (m_tiles * n_tiles);
  const auto u = static_cast<std::int64_t>(unit) - problem * m_tiles * n_tiles;
  // Swizzled raster (as CUTLASS's threadblock swizzle): groups of gemm_swizzle M tiles sweep every N tile, M
  // fastest, so a group's A panels stay in L2 while each weight panel serves the whole group.
  const std::int64_t group = u / (gemm_swizzle * n_tiles);
  const std::int64_t group_rows = std::min(gemm_swizzle, m_tiles - group * gemm_swizzle);
  const std::int64_t within = u - group * gemm_swizzle * n_tiles;
  const std::int64_t mi = group * gemm_swizzle + within % group_rows, ni = within / group_rows;
  const double tm = std::min(w.tile_m, w.m - static_cast<double>(mi) * w.tile_m);
  const double tn = std::min(w.tile_n, w.n - static_cast<double>(ni) * w.tile_n);
  // Panels of every problem are distinct, except B's of the problems that share it.
  const std::int64_t a_panel = problem * m_tiles + mi;
  const std::int64_t b_panel = problem / w.problems_per_b * n_tiles + ni;
  const auto k_total = static_cast<std::int64_t>(w.k);
  std::fill(c.ring.begin(), c.ring.end(), t0);
  double done = t0;
  double steps = 0, mm_total = 0;
  for (std::int64_t k0 = 0, step = 0; k0 < k_total; k0 += gemm_k_step, ++step) {
    const double kc = static_cast<double>(std::min(gemm_k_step, k_total - k0));
    double& buffer = c.ring[static_cast<std::size_t>(step % c.stages)];
    const double issue = std::max(t0, buffer);
    // Concurrent units read the same K slices of shared panels at about the same time, which is what keeps a GEMM's
    // working set in the L2: each step books its operands at its issue time, after the other cores' earlier steps,
    // not the whole K loop ahead of them.
    if (step > 0) sc_core::wait(sc_core::sc_time(std::max(0.0, issue - since_ns(c.origin)), sc_core::SC_NS));
    const std::uint64_t a_id =
        w.a_tensor | static_cast<std::uint64_t>(a_panel) << 16 | static_cast<std::uint64_t>(step + 1);
    const std::uint64_t b_id =
        w.b_tensor | static_cast<std::uint64_t>(b_panel) << 16 | static_cast<std::uint64_t>(step + 1);
    const double a =
        transfer(c, core, w.a_tensor + (static_cast<std::uint64_t>(a_panel) << 24) + static_cast<std::uint64_t>(k0),
                 tm * kc * w.a_bytes(), a_id, 1, false, issue);
    const double b =
        transfer(c, core, w.b_tensor + (static_cast<std::uint64_t>(b_panel) << 24) + static_cast<std::uint64_t>(k0),
                 kc * tn * w.b_bytes(), b_id, 1, false, issue);
    const double mm = c.gemm_cycles(static_cast<std::int64_t>(tm), static_cast<std::int64_t>(tn),
                                    static_cast<std::int64_t>(kc), w.compute_precision());
    // A step's operands stream in as gemm_sub_k-wide slices that the matrix unit consumes as they land
    // (a kernel's K loop): compute starts with the first slice and ends one slice's work after the last.
    const double slices = std::max(1.0, kc / gemm_sub_k);
    const double loaded = std::max(a, b);
    const double mm_ns = cycles_ns(s, mm);
    done = std::max(std::max(done, issue + (loaded - issue) / slices) + mm_ns, loaded + mm_ns / slices);
    buffer = done;
    mm_total += mm;
    steps += 1;
  }
  const double epilogue = c.vector_cycles(w.epilogue_ops_per_output * tm * tn, 0);
  done += cycles_ns(s, epilogue);
  s.matrix_unit().count(mm_total, tm * tn * w.k);
  s.vector_unit().count(epilogue, w.epilogue_ops_per_output * tm * tn, 0);
  c.record.tile_ops += steps;
  c.record.matrix_busy_ns += cycles_ns(s, mm_total);
  c.record.vector_busy_ns += cycles_ns(s, epilogue);
  const double written = tm * tn * w.out_bytes();
  return transfer(c, core, stream_space | (static_cast<std::uint64_t>(unit) << 20) | 2, written, 0, 1, true, done);
}

double select_unit(UnitContext& c, const SelectWork& w, double unit, std::int64_t core, double t0) {
  hw::System& s = c.system;
  const auto u = static_cast<std::int64_t>(unit);
  const std::int64_t q = u % w.query_tiles;
  const std::int64_t head = (u / w.query_tiles) % w.ranked_heads();
  const std::int64_t candidates = w.candidates(q);
  const std::int64_t k = w.kept(head, q);  // the list its pattern keeps
  const double read = transfer(c, core, stream_space | (static_cast<std::uint64_t>(u) << 20) | 3,
                               static_cast<double>(candidates) * models::tile_score_bytes, 0, 1, false, t0);
  double cycles = 0;
  if (hw::TopkEngine* engine = c.topk) {
    cycles = engine->select_cycles(candidates, std::max<std::int64_t>(1, k));
    engine->count(cycles, static_cast<double>(candidates));
  } else {
    const double compares = static_cast<double>(candidates) * std::max(1.0, std::log2(static_cast<double>(w.top_k)));
    cycles = c.vector_cycles(compares, 0);
    s.vector_unit().count(cycles, compares, 0);
    c.record.vector_busy_ns += cycles_ns(s, cycles);
  }
  c.record.tile_ops += 1;
  return transfer(c, core, stream_space | (static_cast<std::uint64_t>(u) << 20) | 4,
                  static_cast<double>(k) * models::index_bytes, 0, 1, true, read + cycles_ns(s, cycles));
}

double stream_unit(UnitContext& c, const StreamWork& w, double unit, std::int64_t core, double t0) {
  hw::System& s = c.system;
  const auto u = static_cast<std::uint64_t>(unit);
  const double read = transfer(c, core, stream_space | u << 20 | 5, w.read_bytes / w.units, 0, 1, false, t0) +
                      w.dependent_l2_reads * s.spec().l2_hit_latency_ns;
  const double vector = c.vector_cycles(w.vector_ops / w.units, 0);
  const double matrix = c.matrix_cycles_at_peak(w.matrix_flops / w.units / 2.0, w.matrix_precision);
  s.vector_unit().count(vector, w.vector_ops / w.units, 0);
  s.matrix_unit().count(matrix, w.matrix_flops / w.units / 2.0);
  c.record.vector_busy_ns += cycles_ns(s, vector);
  c.record.matrix_busy_ns += cycles_ns(s, matrix);
  c.record.tile_ops += 1;
  return transfer(c, core, stream_space | u << 20 | 6, w.write_bytes / w.units, 0, 1, true,
                  read + cycles_ns(s, vector + matrix));
}

// The GEMM tile heuristic's view of the simulated machine: its matrix unit's time for one tile.
models::dataflow::GemmTileMachine gemm_tile_machine(hw::System& s) {
  return {s.cores(), s.noc().peak_bandwidth_GBps(1), s.l2().peak_bandwidth_GBps(s.cores()),
          s.memory().peak_bandwidth_GBps(s.cores()), [&s](const GemmWork& g) {
            return cycles_ns(
                s, s.matrix_unit().gemm_cycles(static_cast<std::int64_t>(g.tile_m), static_cast<std::int64_t>(g.tile_n),
                                               static_cast<std::int64_t>(g.k)) *
                       s.spec().matrix_time_ratio(g.compute_precision()));
          }};
}

void append_stats(std::vector<ComponentStats>& out, const std::string& name, const core::StatSet& stats) {
  out.push_back(
      ComponentStats{name, std::vector<core::StatInfo>(stats.infos().begin(), stats.infos().end()), stats.values()});
}

// Whether two kernels draw the same key-tile lists: every head's list of every query tile.
bool same_lists(const AttentionWork& a, const AttentionWork& b) {
  std::vector<std::int64_t> la, lb;
  for (std::int64_t head = 0; head < a.heads; ++head)
    for (std::int64_t q = 0; q < a.query_tiles; ++q) {
      a.visited_tiles(head, q, la);
      b.visited_tiles(head, q, lb);
      if (la != lb) return false;
    }
  return true;
}

bool same_counts(const SelectWork& a, const models::dataflow::PatternSpace& other_space) {
  for (std::int64_t head = 0; head < a.heads; ++head)
    for (std::int64_t q = 0; q < a.query_tiles; ++q)
      if (a.pattern->visited_count(a.space, head, q) != a.pattern->visited_count(other_space, head, q)) return false;
  return true;
}

// Whether kernel b, of another layer, does a's work: equal but for its layer's own tensors, with equal lists where
// a pattern draws them per layer or per anchor.
bool same_work_in_another_layer(const Kernel& a, const Kernel& b) {
  if (a.name != b.name || a.op != b.op || a.layer_kind != b.layer_kind || a.work.index() != b.work.index())
    return false;
  return std::visit(
      [&b](const auto& wa) -> bool {
        using W = std::decay_t<decltype(wa)>;
        W wb = std::get<W>(b.work);
        if constexpr (std::is_same_v<W, GemmWork>) {
          wb.a_tensor = wa.a_tensor;
          wb.b_tensor = wa.b_tensor;
          return wa == wb;
        } else if constexpr (std::is_same_v<W, AttentionWork>) {
          const AttentionWork own = wb;
          wb.kv_tensor = wa.kv_tensor;
          wb.layer = wa.layer;
          wb.anchor_seed = wa.anchor_seed;
          if (!(wa == wb)) return false;
          return !wa.pattern || (own.layer == wa.layer && own.anchor_seed == wa.anchor_seed) || same_lists(wa, own);
        } else if constexpr (std::is_same_v<W, SelectWork>) {
          const models::dataflow::PatternSpace own = wb.space;
          wb.space.layer = wa.space.layer;
          wb.space.anchor_seed = wa.space.anchor_seed;
          if (!(wa == wb)) return false;
          return !wa.pattern || own == wa.space || same_counts(wa, own);
        } else {
          return wa == wb;
        }
      },
      a.work);
}

// What the machine's components have counted so far, to take a layer's share as the difference of two snapshots.
struct MachineTotals {
  std::vector<std::vector<double>> parts;  // in System::parts() order, then the DMA engines' sum
  hw::MemoryTraffic memory, l2, host;
  double matrix_macs = 0;
};

MachineTotals machine_totals(hw::System& system) {
  MachineTotals t;
  for (const hw::System::Part& p : system.parts()) t.parts.push_back(p.component->stats().values());
  t.parts.push_back(system.dma_totals().values());
  t.memory = system.memory().traffic();
  t.l2 = system.l2().traffic();
  if (const hw::MemoryLevel* host = system.find<hw::MemoryLevel>("host_memory")) t.host = host->traffic();
  t.matrix_macs = system.matrix_unit().counted_macs();
  return t;
}

// The action counts of the components with energy figures, in figures order, from statistics per part (System::parts()
// order, then the DMA engines').
std::vector<double> priced_actions(const models::EnergyFigures& figures, const std::vector<std::string>& part_names,
                                   const std::vector<const hw::ComponentEntry*>& entries,
                                   const std::vector<std::vector<double>>& part_values) {
  std::vector<double> counts;
  counts.reserve(figures.action_count());
  for (const models::ComponentFigures& c : figures.components) {
    const auto part =
        static_cast<std::size_t>(std::find(part_names.begin(), part_names.end(), c.name) - part_names.begin());
    if (part == part_names.size() || !entries[part]) {
      counts.insert(counts.end(), c.actions.size(), 0.0);
      continue;
    }
    const std::vector<double> own = hw::action_counts(*entries[part], part_values[part]);
    counts.insert(counts.end(), own.begin(), own.end());
  }
  return counts;
}

void add_difference(hw::MemoryTraffic& sum, const hw::MemoryTraffic& after, const hw::MemoryTraffic& before) {
  sum.read_bytes += after.read_bytes - before.read_bytes;
  sum.write_bytes += after.write_bytes - before.write_bytes;
  sum.hits += after.hits - before.hits;
  sum.misses += after.misses - before.misses;
  sum.hit_bytes += after.hit_bytes - before.hit_bytes;
}

}  // namespace

RunResult run_kernels(hw::System& system, const std::vector<Kernel>& kernels, const RunOptions& options) {
  // Debian's SystemC prints a banner when its kernel starts unless told not to.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  system.reset();
  RunResult result;
  // The peak of the fastest precision the kernels' matrix work runs at, so that utilization stays at most 1.
  double peak_macs_per_cycle = system.matrix_unit().peak_macs_per_cycle();
  for (const Kernel& k : kernels)
    for (const models::dataflow::MatrixShare& m : models::dataflow::matrix_shares(k))
      if (m.share > 0)
        peak_macs_per_cycle = std::max(peak_macs_per_cycle, system.matrix_unit().peak_macs_per_cycle() /
                                                                system.spec().matrix_time_ratio(m.precision));
  result.peak_macs_per_ns = static_cast<double>(system.cores()) * peak_macs_per_cycle / system.ns_per_cycle();
  result.peak_hbm_GBps = system.memory().peak_bandwidth_GBps(system.cores());
  const std::uint64_t origin = sc_core::sc_time_stamp().value();
  auto now_ns = [origin]() { return since_ns(origin); };

  // Each kernel as it will run: tiles fitted to the machine, its units and pipeline depth.
  struct Prepared {
    Kernel kernel;
    KernelRecord record;
    std::int64_t stages = 2;
    std::int64_t resident = 1;  // units one core has in flight at once
  };
  std::vector<Prepared> prepared;
  prepared.reserve(kernels.size());
  auto prepare = [&](Kernel kernel) {
    Prepared p{std::move(kernel), {}, 2, 1};
    p.record.family = models::dataflow::kernel_family(p.kernel);
    p.record.name = p.kernel.name;
    p.record.op = p.kernel.op;
    p.record.layer = p.kernel.layer;
    p.record.kind = p.kernel.layer_kind;
    p.record.cost = models::dataflow::kernel_cost(p.kernel);
    p.record.units = models::dataflow::work_units(p.kernel);
    if (const auto* a = std::get_if<AttentionWork>(&p.kernel.work)) {
      const auto& impl = models::dataflow::attention_implementation(a->implementation);
      const std::int64_t kernel_stages = impl.figures(a->head_dim).kv_stages;
      p.stages = kernel_stages > 0 ? kernel_stages
                                   : std::max<std::int64_t>(
                                         1, models::dataflow::pipeline_stages(*a, system.spec().sram_per_core_bytes,
                                                                              options.max_pipeline_stages));
      p.resident = models::dataflow::units_in_flight(*a, system.spec().core_limits());
    }
    prepared.push_back(std::move(p));
  };
  const models::dataflow::GemmTileMachine gemm_machine = gemm_tile_machine(system);
  for (Kernel kernel : models::dataflow::split_for_cores(kernels, models::split_machine(system.spec()))) {
    if (auto* g = std::get_if<GemmWork>(&kernel.work)) *g = models::dataflow::choose_gemm_tiles(*g, gemm_machine);
    prepare(std::move(kernel));
  }
  if (prepared.empty()) return result;
  // The gap before a kernel starts: the machine's launch gap and its family's own fixed cost per kernel.
  auto gap_ns = [&system](const Prepared& p) {
    return system.launch_ns() + system.spec().kernel_families[p.record.family].kernel_fixed_us * 1e3;
  };

  // The layers: runs of kernels of one layer index. Each is simulated, or repeats the work of one simulated before.
  struct Layer {
    std::size_t begin = 0, end = 0;
    std::size_t simulated_as = 0;   // the layer whose times and statistics it takes (itself when simulated)
    std::size_t totals_before = 0;  // simulated layers: the snapshot taken as it started
  };
  std::vector<Layer> layers;
  for (std::size_t i = 0; i < prepared.size(); ++i)
    if (layers.empty() || prepared[i].kernel.layer != prepared[layers.back().begin].kernel.layer)
      layers.push_back(Layer{i, i + 1, layers.size(), 0});
    else
      layers.back().end = i + 1;
  // A layer's first occurrence runs on a machine in another state (cold at the start of a run, after another kind of
  // layer later), which moved a ViT-B/16 layer by 0.7%: the first two occurrences of the same work are simulated,
  // and later ones take the second's results.
  const bool reuse = options.reuse_repeated_layers && options.trace == nullptr;
  auto same_layer_work = [&](const Layer& a, const Layer& b) {
    if (a.end - a.begin != b.end - b.begin) return false;
    for (std::size_t i = 0; i < a.end - a.begin; ++i)
      if (!same_work_in_another_layer(prepared[a.begin + i].kernel, prepared[b.begin + i].kernel)) return false;
    return true;
  };
  std::vector<std::vector<std::size_t>> twins;  // per distinct work: its simulated layers (at most two)
  for (std::size_t l = 0; reuse && l < layers.size(); ++l) {
    const auto group = std::find_if(twins.begin(), twins.end(), [&](const std::vector<std::size_t>& g) {
      return same_layer_work(layers[g.front()], layers[l]);
    });
    if (group == twins.end())
      twins.push_back({l});
    else if (group->size() < 2)
      group->push_back(l);
    else
      layers[l].simulated_as = group->back();
  }
  // The kernels simulated, in order; a snapshot of the machine's totals before the first and after each simulated
  // layer (snapshots[totals_before] and the next bracket that layer's share).
  std::vector<std::size_t> order;
  std::vector<bool> ends_layer(prepared.size(), false);
  std::vector<MachineTotals> snapshots{machine_totals(system)};
  std::size_t simulated_layers = 0;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    Layer& layer = layers[l];
    if (layer.simulated_as != l) continue;
    layer.totals_before = simulated_layers++;
    for (std::size_t i = layer.begin; i < layer.end; ++i) order.push_back(i);
    ends_layer[layer.end - 1] = true;
  }

  auto hbm_bytes_now = [&system]() { return system.memory().traffic().moved_bytes(); };
  hw::TopkEngine* const topk = system.find<hw::TopkEngine>("topk");
  hw::MemoryLevel* const host = system.find<hw::MemoryLevel>("host_memory");
  double hbm_at_kernel_start = 0;
  std::vector<double> channels_at_kernel_start = system.memory().channel_bytes();

  // A thread per unit a core may have in flight, for the whole run (a kernel keeping fewer in flight leaves the others
  // idle); at the end of each kernel the last thread to finish closes it and wakes the others for the next one, which
  // starts after the launch gap.
  double next_unit = 0;
  double last_end = 0;
  std::int64_t arrived = 0;
  sc_core::sc_event kernel_closed;
  std::int64_t slots = 1;
  for (std::size_t i : order) slots = std::max(slots, prepared[i].resident);
  const std::int64_t threads = system.cores() * slots;
  std::vector<hw::BusyTimeline> matrix_timelines(static_cast<std::size_t>(system.cores()));
  std::vector<hw::BusyTimeline> vector_timelines(static_cast<std::size_t>(system.cores()));
  prepared[order[0]].record.start_ns = gap_ns(prepared[order[0]]);
  leak_check_before_the_first_coroutine();
  auto run_thread = [&](std::int64_t thread) {
    const std::int64_t core = thread % system.cores(), slot = thread / system.cores();
    hw::BusyTimeline& matrix = matrix_timelines[static_cast<std::size_t>(core)];
    hw::BusyTimeline& vector = vector_timelines[static_cast<std::size_t>(core)];
    for (std::size_t k = 0; k < order.size(); ++k) {
      Prepared& p = prepared[order[k]];
      sc_core::wait(sc_core::sc_time(std::max(0.0, p.record.start_ns - now_ns()), sc_core::SC_NS));
      UnitContext ctx{system,
                      topk,
                      host,
                      matrix,
                      vector,
                      system.spec().kernel_families[p.record.family],
                      p.resident > 1,
                      origin,
                      p.kernel,
                      p.record,
                      p.stages,
                      {},
                      std::vector<double>(static_cast<std::size_t>(p.stages)),
                      {}};
      while (slot < p.resident && next_unit < p.record.units) {
        const double unit = next_unit;
        next_unit += 1;
        const double start = now_ns();
        matrix.forget_before(start);
        vector.forget_before(start);
        // The unit's fixed cost holds its slot, not the core's compute: another resident unit may compute.
        const double steps_start = start + ctx.family.unit_fixed_ns;
        const double end = std::visit(
            [&](const auto& w) -> double {
              using W = std::decay_t<decltype(w)>;
              if constexpr (std::is_same_v<W, GemmWork>)
                return gemm_unit(ctx, w, unit, core, steps_start);
              else if constexpr (std::is_same_v<W, AttentionWork>)
                return attention_unit(ctx, w, unit, core, steps_start);
              else if constexpr (std::is_same_v<W, SelectWork>)
                return select_unit(ctx, w, unit, core, steps_start);
              else
                return stream_unit(ctx, w, unit, core, steps_start);
            },
            p.kernel.work);
        if (options.trace) options.trace->unit(core, p.record, start, end);
        sc_core::wait(sc_core::sc_time(std::max(0.0, end - now_ns()), sc_core::SC_NS));
        last_end = std::max(last_end, end);
      }
      if (++arrived < threads) {
        sc_core::wait(kernel_closed);
        continue;
      }
      // The last core out closes the kernel.
      arrived = 0;
      p.record.end_ns = std::max(last_end, p.record.start_ns);
      last_end = p.record.end_ns;
      const double hbm_now = hbm_bytes_now();
      p.record.hbm_bytes = hbm_now - hbm_at_kernel_start;
      hbm_at_kernel_start = hbm_now;
      std::vector<double> channels_now = system.memory().channel_bytes();
      p.record.channel_bytes.resize(channels_now.size());
      for (std::size_t c = 0; c < channels_now.size(); ++c)
        p.record.channel_bytes[c] = channels_now[c] - channels_at_kernel_start[c];
      channels_at_kernel_start = std::move(channels_now);
      if (ends_layer[order[k]]) snapshots.push_back(machine_totals(system));
      if (options.trace) options.trace->kernel(p.record);
      if (k + 1 < order.size()) {
        prepared[order[k + 1]].record.start_ns = p.record.end_ns + gap_ns(prepared[order[k + 1]]);
        next_unit = 0;
      }
      kernel_closed.notify();
    }
  };
  // SystemC reports an exception escaping a process as its own error, which would hide an allocation failure
  // (one line, exit 2, in main) behind an internal error: the first one stops the run and is raised as it was.
  std::exception_ptr failure;
  for (std::int64_t thread = 0; thread < threads; ++thread)
    sc_core::sc_spawn([&, thread]() {
      try {
        run_thread(thread);
      } catch (...) {
        if (failure) return;
        failure = std::current_exception();
        // Stopping is this run's own doing, not news for the user's terminal.
        sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
        sc_core::sc_stop();
      }
    });
  sc_core::sc_start();
  if (failure) std::rethrow_exception(failure);

  // The run as it happened: every layer in order, a repeated layer taking its twin's kernels (with its own layer
  // index) and adding its twin's share of every statistic that sums work.
  MachineTotals repeated = snapshots.front();
  for (auto& values : repeated.parts) values.assign(values.size(), 0.0);
  repeated.memory = repeated.l2 = repeated.host = hw::MemoryTraffic{};
  repeated.matrix_macs = 0;
  // Per layer kind, what its layers' components counted (each layer's share: its twin's two snapshots) and its time.
  std::array<std::vector<std::vector<double>>, models::layer_kinds> kind_parts;
  kind_parts.fill(repeated.parts);
  std::array<double, models::layer_kinds> kind_ns{}, kind_layers{};
  double end_ns = 0;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const Layer& layer = layers[l];
    const Layer& twin = layers[layer.simulated_as];
    const auto kind = static_cast<std::size_t>(prepared[layer.begin].kernel.layer_kind);
    const double layer_start_ns = end_ns;
    if (prepared[layer.begin].kernel.layer >= 0) {
      const MachineTotals& before = snapshots[twin.totals_before];
      const MachineTotals& after = snapshots[twin.totals_before + 1];
      for (std::size_t part = 0; part < kind_parts[kind].size(); ++part)
        for (std::size_t i = 0; i < kind_parts[kind][part].size(); ++i)
          kind_parts[kind][part][i] += after.parts[part][i] - before.parts[part][i];
    }
    const double shift = end_ns + gap_ns(prepared[twin.begin]) - prepared[twin.begin].record.start_ns;
    for (std::size_t i = 0; i < layer.end - layer.begin; ++i) {
      KernelRecord record = prepared[twin.begin + i].record;
      record.layer = prepared[layer.begin + i].record.layer;
      record.start_ns += shift;
      record.end_ns += shift;
      result.launch_ns += gap_ns(prepared[twin.begin + i]);
      result.tile_ops += record.tile_ops;
      result.kernels.push_back(std::move(record));
    }
    end_ns = result.kernels.back().end_ns;
    // A negative layer index is the model's embedding or head (models/dataflow/model_ends.cpp): no layer kind's.
    if (prepared[layer.begin].kernel.layer >= 0) {
      kind_ns[kind] += end_ns - layer_start_ns;
      kind_layers[kind] += 1;
    }
    if (layer.simulated_as == l) continue;
    const MachineTotals& before = snapshots[twin.totals_before];
    const MachineTotals& after = snapshots[twin.totals_before + 1];
    for (std::size_t part = 0; part < repeated.parts.size(); ++part)
      for (std::size_t i = 0; i < repeated.parts[part].size(); ++i)
        repeated.parts[part][i] += after.parts[part][i] - before.parts[part][i];
    add_difference(repeated.memory, after.memory, before.memory);
    add_difference(repeated.l2, after.l2, before.l2);
    add_difference(repeated.host, after.host, before.host);
    repeated.matrix_macs += after.matrix_macs - before.matrix_macs;
  }
  result.time_ns = result.kernels.back().end_ns;
  result.layers = static_cast<std::int64_t>(layers.size());
  result.layers_simulated = static_cast<std::int64_t>(simulated_layers);
  result.memory = system.memory().traffic();
  add_difference(result.memory, repeated.memory, hw::MemoryTraffic{});
  result.l2 = system.l2().traffic();
  add_difference(result.l2, repeated.l2, hw::MemoryTraffic{});
  if (host) result.host = host->traffic();
  add_difference(result.host, repeated.host, hw::MemoryTraffic{});
  result.matrix_macs = system.matrix_unit().counted_macs() + repeated.matrix_macs;
  for (const hw::System::Part& p : system.parts()) append_stats(result.components, p.name, p.component->stats());
  append_stats(result.components, "dma", system.dma_totals());
  for (std::size_t part = 0; part < result.components.size(); ++part) {
    ComponentStats& c = result.components[part];
    for (std::size_t i = 0; i < c.values.size(); ++i)
      if (c.infos[i].sums_work) c.values[i] += repeated.parts[part][i];
  }
  models::EnergyBreakdown& energy = result.energy;
  energy.figures = system.spec().energy;
  energy.cores = system.cores();
  energy.time_s = result.time_ns * 1e-9;
  if (energy.figures) {
    std::vector<std::string> names;
    std::vector<std::vector<double>> values;
    for (const ComponentStats& c : result.components) {
      names.push_back(c.name);
      values.push_back(c.values);
    }
    const std::vector<const hw::ComponentEntry*> entries = system.part_entries();
    energy.counts = priced_actions(*energy.figures, names, entries, values);
    for (std::size_t k = 0; k < models::layer_kinds; ++k) {
      if (kind_layers[k] == 0) continue;
      energy.kind_counts[k] = priced_actions(*energy.figures, names, entries, kind_parts[k]);
      energy.kind_time_s[k] = kind_ns[k] * 1e-9;
      energy.kind_layers[k] = kind_layers[k];
    }
  }
  return result;
}

}  // namespace cascadesim::sim
