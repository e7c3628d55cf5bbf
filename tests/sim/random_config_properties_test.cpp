// Properties of random valid studies, analytical and simulated: time never below the roofline floor, HBM bytes
// never below the compulsory bytes, sparse work never above dense work, speedup 1 when nothing is skipped, and
// finite, deterministic results. Its own executable: the simulator runs SystemC.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "models/prediction.hpp"
#include "sim/cli/simulate_command.hpp"
#include "sim/config/study_loader.hpp"
#include "study_json.hpp"

using namespace cascadesim;
using core::Json;
using models::LayerKind;
using models::Prediction;

namespace {

// Fixed seeds: study i of a test case is drawn from std::mt19937_64(seed_base + i) (the engine is portable; the
// distributions are libstdc++'s, so another standard library draws other studies from the same seeds).
constexpr std::uint64_t analytical_seed_base = 20240601;
constexpr std::uint64_t simulated_seed_base = 777000;

const std::array<const char*, 2> model_presets{"llama-3.2-1b", "llama-3.1-8b"};
// Tensor-core GPUs, and one systolic machine so that the compute floor meets both matrix-unit kinds.
const std::array<const char*, 5> hardware_presets{"h100-sxm", "a100-sxm-80gb", "h200", "t4", "tpu-v5e-like"};

std::int64_t uniform(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

// A valid schedule of n layers in the compact form: one or two dense layers first, then groups of anchors each
// followed by the reuse layers that read its lists, with now and then a dense layer between groups.
std::string random_schedule(std::mt19937_64& rng, std::int64_t n) {
  std::vector<std::pair<std::int64_t, char>> terms;
  auto add = [&terms](std::int64_t count, char kind) {
    if (count <= 0) return;
    if (!terms.empty() && terms.back().second == kind)
      terms.back().first += count;
    else
      terms.emplace_back(count, kind);
  };
  const std::int64_t dense = std::min<std::int64_t>(n, uniform(rng, 1, 2));
  add(dense, 'D');
  std::int64_t left = n - dense;
  while (left > 0) {
    if (uniform(rng, 0, 5) == 0) {
      add(1, 'D');
      left -= 1;
      continue;
    }
    const std::int64_t anchors = std::min<std::int64_t>(left, uniform(rng, 1, 2));
    add(anchors, 'A');
    left -= anchors;
    // Mostly at least one reuse layer per group; an anchor without reuse layers is valid, and pure overhead.
    const std::int64_t reuses = uniform(rng, 0, 5) == 0 ? 0 : uniform(rng, std::min<std::int64_t>(left, 1), left);
    add(reuses, 'R');
    left -= reuses;
  }
  std::string text;
  for (const auto& [count, kind] : terms) {
    if (!text.empty()) text += '+';
    text += std::to_string(count);
    text += kind;
  }
  return text;
}

// A sequence length: a power of two or an arbitrary (often odd) value in [lo, hi].
std::int64_t random_seq_len(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  if (uniform(rng, 0, 1) == 0) {
    std::vector<std::int64_t> powers;
    for (std::int64_t p = 1; p <= hi; p *= 2)
      if (p >= lo) powers.push_back(p);
    return powers[static_cast<std::size_t>(uniform(rng, 0, static_cast<std::int64_t>(powers.size()) - 1))];
  }
  return uniform(rng, lo, hi - 1) | 1;
}

struct StudyLimits {
  std::int64_t min_layers, max_layers;  // max 0: the preset's own layer count
  std::int64_t min_seq_len, max_seq_len;
  bool materialized_kernel;  // whether attention_kernel may be "materialized" (S x S GEMMs are slow to simulate)
};

// A study document drawn from rng: a model preset (layers maybe scaled down), a hardware preset, prefill or
// decode, a sequence length, tile size, batch, top_k within the key tiles and a valid schedule.
Json random_study(std::mt19937_64& rng, const StudyLimits& limits) {
  const std::string model = model_presets[static_cast<std::size_t>(uniform(rng, 0, model_presets.size() - 1))];
  const std::string hardware = hardware_presets[static_cast<std::size_t>(uniform(rng, 0, hardware_presets.size() - 1))];
  const std::int64_t preset_layers = model == "llama-3.2-1b" ? 16 : 32;
  const std::int64_t layers =
      limits.max_layers == 0 ? preset_layers : uniform(rng, limits.min_layers, limits.max_layers);
  const bool decode = uniform(rng, 0, 3) == 0;
  const std::int64_t seq_len = random_seq_len(rng, limits.min_seq_len, limits.max_seq_len);
  const std::int64_t tile = uniform(rng, 0, 1) == 0 ? 64 : 128;
  const std::int64_t key_tiles = (seq_len + tile - 1) / tile;
  // Now and then the extremes: one tile, or every key tile (reuse layers skip nothing).
  const std::int64_t pick = uniform(rng, 0, 5);
  const std::int64_t top_k = pick == 0   ? 1
                             : pick == 1 ? key_tiles
                                         : uniform(rng, 1, std::min<std::int64_t>(key_tiles, 64));
  Json workload{{"phase", decode ? "decode" : "prefill"},
                {"seq_len", seq_len},
                {"batch", decode ? uniform(rng, 1, 8) : uniform(rng, 1, 2)},
                {"tile_tokens", tile},
                {"top_k", top_k},
                {"schedule", random_schedule(rng, layers)},
                {"anchor_scoring", uniform(rng, 0, 3) == 0 ? "pooled" : "tile_max"}};
  if (limits.materialized_kernel && uniform(rng, 0, 5) == 0) workload["attention_kernel"] = "materialized";
  return Json{{"schema_version", 1},
              {"name", "random-study"},
              {"hardware", hardware},
              {"model", {{"preset", model}, {"n_layers", layers}}},
              {"workload", std::move(workload)}};
}

// A random study its hardware can hold: draws again while the loader refuses one for HBM capacity (long 8B
// decodes on the 16 GB presets, materialized scores), so that the properties below see studies that can run.
Json random_study_that_fits(std::mt19937_64& rng, const StudyLimits& limits) {
  for (;;) {
    Json doc = random_study(rng, limits);
    try {
      sim::testing::load(doc);
    } catch (const core::ConfigError& e) {
      if (std::string(e.what()).find("bytes of HBM") != std::string::npos) continue;
    }
    return doc;
  }
}

// The bytes any execution of the stack must move between the chip and HBM, after perfect on-chip reuse: every
// weight read once; per layer the input read once (the QKV projection and the MLP share it), Q, K, V written
// once, Q read once and O written once by attention, O read once by the O projection, and each projection's
// and MLP GEMM's output written once and the MLP's hidden activations read once; K and V read once for every
// key token a layer attends to: all of them in prefill (every query tile sees its own diagonal tile) and in
// dense or anchor layers, and in a decode reuse layer at least the top_k smallest key tiles per KV head.
// Anchor scores and index lists are left out: a lower bound may omit terms.
double compulsory_bytes(const models::Study& st, const models::LayerSchedule& schedule) {
  const models::TransformerModel& m = st.model;
  const models::Workload& w = st.workload;
  const double e = models::bytes_per_element(w.precision.activations);
  const double batch = static_cast<double>(w.batch);
  const bool prefill = w.phase == models::Phase::prefill;
  const double tokens = batch * static_cast<double>(prefill ? w.seq_len : 1);
  const double d = static_cast<double>(m.d_model), dm = static_cast<double>(m.d_mlp);
  const double q = static_cast<double>(m.q_width()), kv = static_cast<double>(m.kv_width());
  const double weights = d * (q + 2 * kv) + q * d + static_cast<double>(m.mlp_matrices()) * d * dm;
  const double activations = tokens * (d + (q + 2 * kv) + q + q + q + d + dm + dm + d);
  const double all_kv = batch * static_cast<double>(w.seq_len) * 2 * kv;
  const std::int64_t key_tiles = (w.seq_len + w.tile_tokens - 1) / w.tile_tokens;
  const std::int64_t smallest_tile = w.seq_len - (key_tiles - 1) * w.tile_tokens;
  const std::int64_t k = std::min(w.top_k, key_tiles);
  const double selected_kv = batch * static_cast<double>(m.n_kv_heads * m.head_dim) * 2 *
                             static_cast<double>(k >= 1 ? (k - 1) * w.tile_tokens + smallest_tile : 0);
  double bytes = 0;
  const std::int64_t layers = m.n_layers;
  for (std::int64_t l = 0; l < layers; ++l) {
    const LayerKind kind = schedule.layers.empty() ? LayerKind::dense : schedule.layers[static_cast<std::size_t>(l)];
    bytes += weights + activations + (kind == LayerKind::reuse && !prefill ? selected_kv : all_kv);
  }
  return bytes * e;
}

// The matrix FLOPs every schedule executes: the projections and the MLP, 2 FLOPs per multiply-accumulate.
double gemm_flops(const models::Study& st) {
  const models::TransformerModel& m = st.model;
  const double tokens = static_cast<double>(st.workload.batch) *
                        static_cast<double>(st.workload.phase == models::Phase::prefill ? st.workload.seq_len : 1);
  const double d = static_cast<double>(m.d_model), dm = static_cast<double>(m.d_mlp);
  const double q = static_cast<double>(m.q_width()), kv = static_cast<double>(m.kv_width());
  return 2.0 * tokens * static_cast<double>(m.n_layers) *
         (d * (q + 2 * kv) + q * d + static_cast<double>(m.mlp_matrices()) * d * dm);
}

double layer_flops(const Prediction& p, LayerKind kind) {
  return p.layer_costs[static_cast<std::size_t>(kind)].total().flops();
}

double layer_time_s(const Prediction& p, LayerKind kind) {
  double t = 0;
  for (const models::RooflineTime& op : p.layer_times[static_cast<std::size_t>(kind)]) t += op.time_s;
  return t;
}

bool all_finite(const models::ModelTotals& t) {
  return std::isfinite(t.cost.matrix_flops) && std::isfinite(t.cost.vector_flops) && std::isfinite(t.cost.hbm_bytes) &&
         std::isfinite(t.time.time_s) && t.time.time_s > 0;
}

Json with_schedule(Json doc, const std::string& schedule) {
  doc["workload"]["schedule"] = schedule;
  return doc;
}

std::string all_dense(std::int64_t layers) { return std::to_string(layers) + "D"; }

// The figures the simulator's machine runs at, read here from the preset's component sections independently of
// hw::System::take_roofline_figures, which must derive the same. Every preset used here has a tensor_core or
// systolic matrix unit and an hbm memory.
struct MachinePeaks {
  double matrix_flops_per_ns = 0;  // cores x MACs per cycle x 2 x clock
  double hbm_bytes_per_ns = 0;     // channels x channel bandwidth
  double hbm_window_ns = 0;        // the bandwidth calendar's window (hw/memory/impl/hbm.cpp's default: 20 ns)
};

MachinePeaks machine_peaks(const std::string& preset) {
  const Json hw = sim::testing::shipped_preset("hw", preset);
  const Json& mu = hw.at("matrix_unit");
  const Json& mem = hw.at("memory");
  REQUIRE(mem.at("impl") == "hbm");
  double macs = 0;
  if (mu.at("impl") == "tensor_core") {
    macs = mu.at("macs_per_cycle").get<double>();
  } else {
    REQUIRE(mu.at("impl") == "systolic");
    macs = mu.value("arrays", 1.0) * mu.at("rows").get<double>() * mu.at("cols").get<double>();
  }
  MachinePeaks p;
  p.matrix_flops_per_ns = hw.at("cores").get<double>() * macs * 2.0 * hw.at("clock_GHz").get<double>();
  p.hbm_bytes_per_ns = mem.at("channels").get<double>() * mem.at("channel_bandwidth_GBps").get<double>();
  p.hbm_window_ns = mem.value("window_ns", 20.0);
  return p;
}

double hbm_bytes_of(const sim::RunResult& r) {
  double bytes = 0;
  for (const sim::ComponentStats& c : r.components)
    if (c.name == "memory")
      for (std::size_t i = 0; i < c.infos.size(); ++i)
        if (c.infos[i].name == "read_bytes" || c.infos[i].name == "write_bytes") bytes += c.values[i];
  return bytes;
}

double described_matrix_flops(const sim::RunResult& r) {
  double flops = 0;
  for (const sim::KernelRecord& k : r.kernels) flops += k.cost.matrix_flops;
  return flops;
}

// Simulated time of each layer: its kernels from start to end, each with its launch gap.
std::vector<double> layer_times_ns(const sim::RunResult& r, std::int64_t layers) {
  std::vector<double> t(static_cast<std::size_t>(layers), 0.0);
  const double launch = r.kernels.empty() ? 0.0 : r.launch_ns / static_cast<double>(r.kernels.size());
  for (const sim::KernelRecord& k : r.kernels) t[static_cast<std::size_t>(k.layer)] += k.end_ns - k.start_ns + launch;
  return t;
}

}  // namespace

TEST_CASE("random valid studies: analytical time above the floor, bytes above compulsory, sparse below dense") {
  const StudyLimits limits{0, 0, 512, 131072, true};
  constexpr int studies = 300;
  int refused = 0, skipping = 0, keeping_all = 0, padded_above_dense = 0;
  for (int i = 0; i < studies; ++i) {
    const std::uint64_t seed = analytical_seed_base + static_cast<std::uint64_t>(i);
    std::mt19937_64 rng(seed);
    const Json doc = random_study_that_fits(rng, limits);
    INFO("seed " << seed << ", study " << doc.dump());
    sim::LoadedStudy loaded;
    try {
      loaded = sim::testing::load(doc);
    } catch (const core::ConfigError& e) {
      MESSAGE("refused by the loader: " << std::string(e.what()));
      ++refused;
      continue;
    }
    const models::Study& st = loaded.study;
    const Prediction p = models::predict(st, models::Accounting::exact);
    const models::LayerCounts counts = st.workload.schedule.counts();

    // Finite, positive, deterministic.
    REQUIRE(all_finite(p.schedule_model));
    REQUIRE(all_finite(p.dense_model));
    CHECK(std::isfinite(p.end_to_end_speedup));
    CHECK(std::isfinite(p.amdahl_speedup));
    CHECK(p.end_to_end_speedup > 0);
    const Prediction again = models::predict(st, models::Accounting::exact);
    CHECK(again.schedule_model.time.time_s == p.schedule_model.time.time_s);
    CHECK(again.end_to_end_speedup == p.end_to_end_speedup);
    const Prediction seed_accounting = models::predict(st, models::Accounting::seed);
    CHECK(std::isfinite(seed_accounting.amdahl_speedup));
    CHECK(std::isfinite(seed_accounting.effective_attention_speedup));

    // The floor: no schedule avoids the projections' and MLP's FLOPs or the compulsory bytes, and the roofline
    // cannot beat the hardware's peaks (its efficiencies are <= 1).
    const double floor_flops = gemm_flops(st);
    const double floor_bytes = compulsory_bytes(st, st.workload.schedule);
    const double dense_floor_bytes = compulsory_bytes(st, models::LayerSchedule{});
    CHECK(p.schedule_model.cost.matrix_flops >= floor_flops * (1 - 1e-12));
    CHECK(p.schedule_model.cost.hbm_bytes >= floor_bytes * (1 - 1e-12));
    CHECK(p.dense_model.cost.hbm_bytes >= dense_floor_bytes * (1 - 1e-12));
    const double peak_flops_per_s = st.hardware.peak_matrix_TFLOPs() * 1e12;
    const double peak_bytes_per_s = st.hardware.hbm_bandwidth_GBps * 1e9;
    const double floor_s = std::max(floor_flops / peak_flops_per_s, floor_bytes / peak_bytes_per_s);
    CHECK(p.schedule_model.time.time_s >= floor_s * (1 - 1e-12));
    CHECK(p.dense_model.time.time_s >=
          std::max(floor_flops / peak_flops_per_s, dense_floor_bytes / peak_bytes_per_s) * (1 - 1e-12));
    CHECK(p.schedule_model.time.time_s >=
          std::max({p.schedule_model.cost.matrix_flops / peak_flops_per_s,
                    p.schedule_model.cost.vector_flops / (st.hardware.peak_vector_TFLOPs() * 1e12),
                    p.schedule_model.cost.hbm_bytes / peak_bytes_per_s}) *
              (1 - 1e-12));

    // Sparse work never above dense work: a reuse layer computes at most the dense layer's blocks, with the same
    // work per block, and the same projections and MLP; an anchor is a dense layer plus its scoring, so its
    // overhead is never negative. A materialized dense layer computes the exact query x key score rectangle,
    // while reuse layers always run tiles: against it a reuse layer may pay for the padding of partial tiles
    // (in decode, a reuse layer keeping every tile then exceeds the dense layer by that padding).
    REQUIRE(counts.dense > 0);
    CHECK(p.tiles.sparse_per_head <= p.tiles.dense_per_head);
    const bool materialized = st.workload.attention_kernel == models::AttentionKernel::materialized;
    if (counts.reuse > 0) {
      const models::LayerCost& reuse = p.layer_costs[static_cast<std::size_t>(LayerKind::reuse)];
      const models::LayerCost& dense = p.layer_costs[static_cast<std::size_t>(LayerKind::dense)];
      for (models::Op op : {models::Op::qkv_projection, models::Op::o_projection, models::Op::mlp})
        CHECK(reuse[op].flops() == dense[op].flops());
      const bool prefill = st.workload.phase == models::Phase::prefill;
      const double s_len = static_cast<double>(st.workload.seq_len);
      const double tiled = std::ceil(s_len / static_cast<double>(st.workload.tile_tokens)) *
                           static_cast<double>(st.workload.tile_tokens);
      const double padding = !materialized ? 1.0 : prefill ? (tiled / s_len) * (tiled / s_len) : tiled / s_len;
      const models::OpCost& r = reuse[models::Op::attention];
      const models::OpCost& a = dense[models::Op::attention];
      CHECK(r.matrix_flops <= a.matrix_flops * padding * (1 + 1e-12));
      // A reuse decode step split over the cores adds its combine pass, vector work an unfused dense step lacks.
      if (!(materialized && !prefill)) CHECK(r.vector_flops <= a.vector_flops * padding * (1 + 1e-12));
      if (r.matrix_flops > a.matrix_flops) ++padded_above_dense;
      if (p.tiles.sparse_per_head == p.tiles.dense_per_head) {
        ++keeping_all;
        if (!materialized) CHECK(r.matrix_flops == doctest::Approx(a.matrix_flops).epsilon(1e-12));
      } else {
        ++skipping;
        if (!materialized) CHECK(r.matrix_flops < a.matrix_flops);
      }
    }
    if (counts.anchor > 0) {
      CHECK(layer_flops(p, LayerKind::anchor) >= layer_flops(p, LayerKind::dense));
      CHECK(layer_time_s(p, LayerKind::anchor) >= layer_time_s(p, LayerKind::dense) * (1 - 1e-12));
      // The stack: dense work, plus the anchors' overhead, minus what the reuse layers skip.
      const double overhead =
          static_cast<double>(counts.anchor) * (layer_flops(p, LayerKind::anchor) - layer_flops(p, LayerKind::dense));
      if (!materialized) CHECK(p.schedule_model.cost.flops() <= (p.dense_model.cost.flops() + overhead) * (1 + 1e-12));
    }

    // An all-dense schedule skips nothing: speedup exactly 1, and the same costs as the dense baseline.
    const sim::LoadedStudy dense_loaded = sim::testing::load(with_schedule(doc, all_dense(st.model.n_layers)));
    const Prediction d = models::predict(dense_loaded.study, models::Accounting::exact);
    CHECK(d.end_to_end_speedup == 1.0);
    CHECK(d.effective_attention_speedup == 1.0);
    CHECK(d.amdahl_speedup == doctest::Approx(1.0).epsilon(1e-15));
    CHECK(d.schedule_model.time.time_s == p.dense_model.time.time_s);
    CHECK(d.schedule_model.cost.flops() == p.dense_model.cost.flops());
  }
  MESSAGE(studies << " random studies: " << refused << " refused by the loader, " << skipping
                  << " whose reuse layers skip tiles, " << keeping_all << " whose reuse layers keep every tile, "
                  << padded_above_dense << " whose reuse layers exceed a materialized dense layer by tile padding");
  CHECK(refused <= studies / 10);
  CHECK(skipping >= studies / 4);
  CHECK(keeping_all >= 1);
}

// Whether the simulator takes the study, asked before simulating: a refusal thrown in a process whose SystemC
// kernel has switched stacks trips a known AddressSanitizer false positive (google/sanitizers#189).
bool simulator_takes(const sim::LoadedStudy& loaded) {
  core::ConfigErrors errors;
  sim::add_simulation_problems(loaded, errors);
  return errors.empty();
}

TEST_CASE(
    "random valid studies simulated: time above the machine's floor, HBM bytes above compulsory, reuse layers "
    "no slower and anchors no faster than dense ones") {
  const StudyLimits limits{2, 6, 512, 16384, false};
  constexpr int wanted = 20;
  int simulated = 0, refused = 0, slower = 0;
  // How close the runs come to each floor (time / floor, the smallest seen): shows the floors are not vacuous.
  double compute_margin = 1e300, memory_margin = 1e300;
  double largest_shift = 0;  // of a dense layer's time between the two runs, in windows per kernel
  for (int i = 0; simulated < wanted && i < 4 * wanted; ++i) {
    const std::uint64_t seed = simulated_seed_base + static_cast<std::uint64_t>(i);
    std::mt19937_64 rng(seed);
    const Json doc = random_study_that_fits(rng, limits);
    INFO("seed " << seed << ", study " << doc.dump());
    sim::LoadedStudy loaded = sim::testing::load(doc);
    if (!simulator_takes(loaded)) {
      // T4's 64 KiB holds neither 128-token tiles nor LLaMA-3.1-8B's 128-wide heads.
      MESSAGE("refused: the tile does not fit the scratchpad");
      ++refused;
      continue;
    }
    const sim::Simulation s = sim::simulate_loaded(std::move(loaded));
    ++simulated;
    const models::Study& st = s.loaded.study;
    const models::LayerCounts counts = st.workload.schedule.counts();
    const MachinePeaks peaks = machine_peaks(doc["hardware"].get<std::string>());

    for (const sim::RunResult* r : {&s.dense, &s.schedule}) {
      const bool dense_run = r == &s.dense;
      CAPTURE(dense_run);
      REQUIRE(std::isfinite(r->time_ns));
      REQUIRE(r->time_ns > 0);
      // Compute floor: every matrix FLOP of the described kernels runs on some core at no more than the matrix
      // unit's peak (padding and efficiency only add cycles), a core runs one unit at a time inside its
      // kernel's span, and the spans follow the launch gaps.
      const double flops = described_matrix_flops(*r);
      CHECK(flops >= gemm_flops(st) * (1 - 1e-12));
      const double compute_floor_ns = r->launch_ns + flops / peaks.matrix_flops_per_ns;
      CHECK(r->time_ns >= compute_floor_ns * (1 - 1e-12));
      compute_margin = std::min(compute_margin, r->time_ns / compute_floor_ns);
      // Memory floor: each channel's calendar carries at most its bandwidth in every window, and every
      // booking lies in the windows before the run's end, so bytes <= channels x bandwidth x (time + window).
      const double bytes = hbm_bytes_of(*r);
      CHECK(r->memory.moved_bytes() == bytes);  // the typed figure is the memory's own statistics
      const double floor_bytes = compulsory_bytes(st, dense_run ? models::LayerSchedule{} : st.workload.schedule);
      CHECK(bytes >= floor_bytes * (1 - 1e-12));
      CHECK(r->time_ns >= bytes / peaks.hbm_bytes_per_ns - peaks.hbm_window_ns);
      memory_margin = std::min(memory_margin, r->time_ns / (floor_bytes / peaks.hbm_bytes_per_ns));
    }
    // Both backends run at the same peaks: the roofline's are derived from the sections the simulator builds.
    CHECK(peaks.matrix_flops_per_ns == doctest::Approx(st.hardware.peak_matrix_TFLOPs() * 1e3).epsilon(1e-12));
    CHECK(peaks.hbm_bytes_per_ns == doctest::Approx(st.hardware.hbm_bandwidth_GBps).epsilon(1e-12));
    // The simulator replays what the analytical model counts.
    CHECK(described_matrix_flops(s.schedule) ==
          doctest::Approx(s.prediction.exact.schedule_model.cost.matrix_flops).epsilon(1e-9));

    // Sparse never slower than dense, layer by layer: a dense layer of the schedule takes what it takes in the
    // dense run, a reuse layer at most that, an anchor at least that (its scoring overhead). The same kernels
    // starting at another offset within the bandwidth calendars' windows book them differently: allow 4
    // windows per kernel of the layer (the largest shift seen is reported below).
    const std::vector<double> sparse_t = layer_times_ns(s.schedule, st.model.n_layers);
    const std::vector<double> dense_t = layer_times_ns(s.dense, st.model.n_layers);
    for (std::int64_t l = 0; l < st.model.n_layers; ++l) {
      const auto li = static_cast<std::size_t>(l);
      const LayerKind kind = st.workload.schedule.layers[li];
      CAPTURE(l);
      CAPTURE(models::to_string(kind));
      const auto kernels = std::count_if(s.dense.kernels.begin(), s.dense.kernels.end(),
                                         [l](const sim::KernelRecord& k) { return k.layer == l; });
      const double window_per_kernel = peaks.hbm_window_ns * static_cast<double>(kernels);
      const double slack = 4 * window_per_kernel;
      if (kind == LayerKind::dense) {
        CHECK(std::abs(sparse_t[li] - dense_t[li]) <= slack);
        largest_shift = std::max(largest_shift, std::abs(sparse_t[li] - dense_t[li]) / window_per_kernel);
      }
      if (kind == LayerKind::reuse) CHECK(sparse_t[li] <= dense_t[li] + slack);
      if (kind == LayerKind::anchor) CHECK(sparse_t[li] >= dense_t[li] - slack);
    }
    if (s.speedup < 1) {
      ++slower;
      CHECK(counts.anchor > 0);
    }
    CHECK(std::isfinite(s.speedup));
  }
  MESSAGE(simulated << " random studies simulated, " << refused << " refused, " << slower
                    << " slower than dense (their anchors cost more than the reuse layers save); closest to the "
                    << "compute floor " << compute_margin << "x, to the compulsory-bytes floor " << memory_margin
                    << "x; a dense layer's time moved by up to " << largest_shift << " windows per kernel");
  CHECK(simulated == wanted);
}

TEST_CASE("random valid studies simulated twice are bit-identical, and all-dense ones have speedup exactly 1") {
  const StudyLimits limits{2, 4, 512, 4096, false};
  int checked = 0;
  for (int i = 0; checked < 4 && i < 16; ++i) {
    const std::uint64_t seed = simulated_seed_base + 1000 + static_cast<std::uint64_t>(i);
    std::mt19937_64 rng(seed);
    const Json doc = random_study_that_fits(rng, limits);
    INFO("seed " << seed << ", study " << doc.dump());
    // On the heap: a Simulation holds the loaded study and every kernel's record, and three of them in one frame pass
    // the 64 KiB that scripts/memcheck.sh's --max-stackframe assumes.
    sim::LoadedStudy loaded = sim::testing::load(doc);
    if (!simulator_takes(loaded)) continue;
    const auto first = std::make_unique<sim::Simulation>(sim::simulate_loaded(std::move(loaded)));
    ++checked;
    const auto second = std::make_unique<sim::Simulation>(sim::simulate_loaded(sim::testing::load(doc)));
    CHECK(first->schedule.time_ns == second->schedule.time_ns);
    CHECK(first->dense.time_ns == second->dense.time_ns);
    CHECK(first->speedup == second->speedup);
    REQUIRE(first->schedule.kernels.size() == second->schedule.kernels.size());
    for (std::size_t k = 0; k < first->schedule.kernels.size(); ++k) {
      CHECK(first->schedule.kernels[k].end_ns == second->schedule.kernels[k].end_ns);
      CHECK(first->schedule.kernels[k].hbm_bytes == second->schedule.kernels[k].hbm_bytes);
    }

    const std::int64_t layers = first->loaded.study.model.n_layers;
    const auto dense = std::make_unique<sim::Simulation>(
        sim::simulate_loaded(sim::testing::load(with_schedule(doc, all_dense(layers)))));
    CHECK(dense->speedup == 1.0);
    CHECK(dense->schedule.time_ns == dense->dense.time_ns);
    // The baseline of every schedule is the same all-dense run.
    CHECK(dense->dense.time_ns == first->dense.time_ns);
    CHECK(dense->prediction.exact.end_to_end_speedup == 1.0);
  }
  CHECK(checked == 4);
}
