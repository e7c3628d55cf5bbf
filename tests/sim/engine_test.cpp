// The engine against the limits the analytical model knows: compute-bound and memory-bound kernels land on
// their floors, bandwidth scaling, the sparse/dense tile ratio, L2 reuse, determinism. Its own executable:
// the SystemC kernel lives once per process.
#include <doctest/doctest.h>

#include <memory>

#include "core/config_error.hpp"
#include "hw/system/system.hpp"
#include "models/dataflow/attention_implementation.hpp"
#include "models/dataflow/layer.hpp"
#include "models/kernel_families.hpp"
#include "models/layer_costs.hpp"
#include "models/roofline.hpp"
#include "sim/engine/engine.hpp"

using namespace cascadesim;
using core::Json;
using models::dataflow::AttentionWork;
using models::dataflow::GemmWork;
using models::dataflow::Kernel;
using models::dataflow::StreamWork;

namespace {

// A small machine with round numbers: 4 cores at 1 GHz, 1024 MACs per cycle each (8.192 TFLOP/s in all),
// 100 GB/s of HBM unless told otherwise, a large L2, and no launch cost unless told otherwise.
struct Machine {
  double hbm_GBps = 100;
  double l2_bytes = 64e6;
  double launch_us = 0;
  double macs_per_cycle = 1024;
  double port_GBps = 1e5;  // each core's port into the network
};

Json hardware_json(const Machine& m) {
  return Json{
      {"memory",
       {{"impl", "hbm"},
        {"bytes", 80e9},
        {"channels", 8},
        {"channel_bandwidth_GBps", m.hbm_GBps / 8},
        {"latency_ns", 100},
        {"queue_depth", 1024}}},
      {"l2", {{"impl", "tile_cache"}, {"bytes", m.l2_bytes}, {"bandwidth_GBps", 1e5}, {"latency_ns", 10}}},
      {"noc", {{"impl", "crossbar"}, {"port_bandwidth_GBps", m.port_GBps}, {"latency_ns", 1}}},
      {"dma", {{"impl", "bounded"}, {"outstanding", 64}, {"max_transfer_bytes", 1 << 20}}},
      {"matrix_unit", {{"impl", "tensor_core"}, {"macs_per_cycle", m.macs_per_cycle}}},
      {"vector_unit", {{"impl", "simd"}, {"flops_per_cycle", 1e6}, {"exps_per_cycle", 1e6}}},
  };
}

struct Built {
  Json config;
  std::unique_ptr<hw::System> system;
};

models::HardwareSpec four_core_spec() {
  models::HardwareSpec spec;
  spec.cores = 4;
  spec.clock_GHz = 1;
  spec.sram_per_core_bytes = 228e3;
  return spec;
}

// The system of `config`; spec takes its sections' roofline figures, for the analytical model.
std::unique_ptr<hw::System> build_system(const Json& config, models::HardwareSpec& spec) {
  core::ConfigErrors errors;
  const core::ConfigNode node({core::ConfigNode::Layer{&config, "machine.json", ""}}, errors);
  hw::System::take_roofline_figures(node, spec);
  std::unique_ptr<hw::System> system = hw::System::build(node, spec);
  errors.throw_if_any();
  REQUIRE(system != nullptr);
  return system;
}

// m on 4 cores at 1 GHz (four_core_spec), with the kernel families of `families`.
Built build(const Machine& m, std::int64_t max_units_per_core = 1, const models::HardwareSpec& families = {}) {
  Built b{hardware_json(m), nullptr};
  models::HardwareSpec spec = four_core_spec();
  spec.kernel_families = families.kernel_families;
  spec.max_units_per_core = max_units_per_core;
  spec.kernel_launch_us = m.launch_us;
  b.system = build_system(b.config, spec);
  return b;
}

double run_ns(hw::System& system, const std::vector<Kernel>& kernels) {
  return sim::run_kernels(system, kernels, sim::RunOptions{}).time_ns;
}

Kernel gemm_kernel(double m, double n, double k) {
  GemmWork g;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a_tensor = models::dataflow::tensor_id(0, models::dataflow::LayerTensor::activations);
  g.b_tensor = models::dataflow::tensor_id(0, models::dataflow::LayerTensor::w_qkv);
  return Kernel{"gemm", models::Op::mlp, 0, models::LayerKind::dense, g};
}

Kernel stream_kernel(double bytes) {
  StreamWork s;
  s.read_bytes = bytes;
  s.units = 1024;
  return Kernel{"stream", models::Op::mlp, 0, models::LayerKind::dense, s};
}

// Dense when top_k is 0, Kascade top-k lists otherwise.
AttentionWork attention(std::int64_t top_k, bool causal) {
  AttentionWork w;
  w.batch = 1;
  w.heads = 8;
  w.kv_heads = 8;
  w.head_dim = 64;
  w.query_tiles = w.key_tiles = 32;  // 4096 tokens in tiles of 128
  w.tile_tokens = 128;
  w.rows = 128;
  w.causal = causal;
  if (top_k > 0) w.pattern = models::dataflow::default_pattern();
  w.top_k = top_k;
  w.kv_tensor = models::dataflow::tensor_id(0, models::dataflow::LayerTensor::kv);
  w.anchor_seed = 1;
  return w;
}

// A machine with ample bandwidth on which the exponentials of attention(0, false)'s blocks take as long as their
// matrix work, and the softmax's other operations 1 / lane_speed of that.
Json softmax_bound_config(double lane_speed) {
  Machine m;
  m.hbm_GBps = 1e5;
  Json config = hardware_json(m);
  const AttentionWork w = attention(0, false);
  const double scores_per_block = static_cast<double>(w.rows * w.tile_tokens);
  const double mm_cycles = 2.0 * scores_per_block * static_cast<double>(w.head_dim) / m.macs_per_cycle;
  config["vector_unit"]["flops_per_cycle"] = lane_speed * scores_per_block * (w.vector_ops_per_score - 1.0) / mm_cycles;
  config["vector_unit"]["exps_per_cycle"] = scores_per_block / mm_cycles;
  return config;
}

}  // namespace

TEST_CASE("a compute-bound GEMM takes its FLOPs at peak plus the launch, within 5%") {
  Machine m;
  m.hbm_GBps = 1e5;
  m.launch_us = 10;
  Built b = build(m);
  const double flops = 2.0 * 4096 * 4096 * 4096;
  const double floor_ns = flops / (4 * 1024 * 2.0) + 10e3;  // 4 cores x 1024 MACs x 2 FLOP per ns
  const double t = run_ns(*b.system, {gemm_kernel(4096, 4096, 4096)});
  CHECK(t >= floor_ns * 0.999);
  CHECK(t == doctest::Approx(floor_ns).epsilon(0.05));
}

TEST_CASE("a memory-bound stream takes its bytes at HBM bandwidth, within 5%") {
  Built b = build(Machine{});
  const double bytes = 1e9;
  const double t = run_ns(*b.system, {stream_kernel(bytes)});
  CHECK(t >= bytes / 100.0 * 0.999);
  CHECK(t == doctest::Approx(bytes / 100.0).epsilon(0.05));
}

TEST_CASE("doubling HBM bandwidth halves a memory-bound time") {
  Machine slow, fast;
  fast.hbm_GBps = 200;
  Built a = build(slow), b = build(fast);
  const double t_slow = run_ns(*a.system, {stream_kernel(1e9)});
  const double t_fast = run_ns(*b.system, {stream_kernel(1e9)});
  CHECK(t_slow / t_fast == doctest::Approx(2.0).epsilon(0.05));
}

TEST_CASE("with no overheads and ample bandwidth, sparse / dense attention time approaches the tile ratio") {
  Machine m;
  m.hbm_GBps = 1e5;
  Built b = build(m);
  const AttentionWork dense = attention(0, false);
  const AttentionWork sparse = attention(4, false);
  const double t_dense =
      run_ns(*b.system, {Kernel{"dense", models::Op::attention, 0, models::LayerKind::dense, dense}});
  const double t_sparse =
      run_ns(*b.system, {Kernel{"sparse", models::Op::attention, 0, models::LayerKind::reuse, sparse}});
  // Non-causal: every query tile visits 32 key tiles dense and 4 sparse.
  CHECK(t_sparse / t_dense == doctest::Approx(4.0 / 32.0).epsilon(0.05));
}

TEST_CASE("L2 hits cut HBM reads to the compulsory K/V bytes") {
  Built b = build(Machine{});
  const AttentionWork w = attention(0, false);
  const sim::RunResult r =
      sim::run_kernels(*b.system, {Kernel{"dense", models::Op::attention, 0, models::LayerKind::dense, w}}, {});
  double hbm_read = 0;
  for (const sim::ComponentStats& c : r.components)
    if (c.name == "memory")
      for (std::size_t i = 0; i < c.infos.size(); ++i)
        if (c.infos[i].name == "read_bytes") hbm_read = c.values[i];
  // Each K/V tile is requested by 32 query tiles; the L2 holds all 8 heads' K/V (8 x 32 x 32 KB = 8 MB), so
  // HBM sees each tile once, plus the Q tiles.
  const double kv_once = 8.0 * 32 * w.kv_tile_bytes();
  const double q = 8.0 * 32 * 128 * 64 * 2;
  CHECK(hbm_read == doctest::Approx(kv_once + q).epsilon(0.01));
}

TEST_CASE("concurrent GEMM units share each K slice of their common weight panel through an L2 too small for it") {
  // Four M tiles of one N tile run at once, one per core, and read the same B slices step by step. The L2 holds one
  // step's slices (4 A + 1 B, 1 MB each at K steps of 2048) but not a whole panel, so B is read from HBM once only
  // if the cores' steps reach the L2 in time order.
  Machine m;
  m.l2_bytes = 8e6;
  Built b = build(m);
  const double rows = 1024, cols = 256, depth = 65536;
  const double compulsory_bytes = 2.0 * (rows * depth + depth * cols + rows * cols);
  const sim::RunResult r = sim::run_kernels(*b.system, {gemm_kernel(rows, cols, depth)}, sim::RunOptions{});
  CHECK(r.memory.moved_bytes() >= compulsory_bytes * 0.999);
  CHECK(r.memory.moved_bytes() <= compulsory_bytes * 1.1);
}

TEST_CASE("a family's per-kernel fixed cost is paid once per kernel of that family, beside the launch gap") {
  Machine m;
  m.launch_us = 2;
  Built plain = build(m);
  models::HardwareSpec spec;
  spec.kernel_families[*models::kernel_family_index("gemm")].kernel_fixed_us = 5;
  Built with_cost = build(m, 1, spec);
  const std::vector<Kernel> kernels{gemm_kernel(1024, 1024, 1024), stream_kernel(1e6), gemm_kernel(1024, 1024, 1024)};
  const sim::RunResult a = sim::run_kernels(*plain.system, kernels, {});
  const sim::RunResult b = sim::run_kernels(*with_cost.system, kernels, {});
  CHECK(b.time_ns - a.time_ns == doctest::Approx(2 * 5e3));
  CHECK(b.launch_ns - a.launch_ns == doctest::Approx(2 * 5e3));
  CHECK(a.launch_ns == doctest::Approx(3 * 2e3));
}

TEST_CASE("the same run twice gives bit-identical results") {
  Built b = build(Machine{});
  const std::vector<Kernel> kernels{gemm_kernel(1024, 1024, 512), Kernel{"attn", models::Op::attention, 0,
                                                                         models::LayerKind::reuse, attention(5, true)}};
  const sim::RunResult first = sim::run_kernels(*b.system, kernels, {});
  const sim::RunResult second = sim::run_kernels(*b.system, kernels, {});
  CHECK(first.time_ns == second.time_ns);
  REQUIRE(first.components.size() == second.components.size());
  for (std::size_t i = 0; i < first.components.size(); ++i)
    CHECK(first.components[i].values == second.components[i].values);
}

TEST_CASE("a scratchpad too small for one K/V tile beside Q and O leaves no pipeline stage") {
  const AttentionWork w = attention(0, true);
  // Q 16 KiB + fp32 O 32 KiB + one K/V tile 32 KiB = 81,920 bytes.
  CHECK(models::dataflow::pipeline_stages(w, 81919, 4) == 0);
  CHECK(models::dataflow::pipeline_stages(w, 81920, 4) == 1);
  CHECK(models::dataflow::pipeline_stages(w, 228e3, 4) == 4);
}

namespace {

// Decode attention of a GQA model (head_dim 128, 8192 cached tokens in tiles of 128) as the dataflow builds it.
Kernel gqa_decode(std::int64_t heads, std::int64_t kv_heads, double batch) {
  models::TransformerModel m;
  m.n_heads = heads;
  m.n_kv_heads = kv_heads;
  m.head_dim = 128;
  models::LayerShape s;
  s.batch = batch;
  s.query_tokens = 1;
  s.key_tokens = 8192;
  return Kernel{
      "attention", models::Op::attention, 0, models::LayerKind::dense,
      models::dataflow::dense_attention(m, s, models::dataflow::tensor_id(0, models::dataflow::LayerTensor::kv))};
}

double hbm_read_bytes(const sim::RunResult& r) {
  for (const sim::ComponentStats& c : r.components)
    if (c.name == "memory")
      for (std::size_t i = 0; i < c.infos.size(); ++i)
        if (c.infos[i].name == "read_bytes") return c.values[i];
  return 0;
}

}  // namespace

TEST_CASE("GQA decode reads each K/V tile once per K/V head, even with no L2 to share it") {
  Machine m;
  m.l2_bytes = 1;  // no tile fits
  Built b = build(m);
  const sim::RunResult r = sim::run_kernels(*b.system, {gqa_decode(32, 8, 4)}, {});
  const double kv_compulsory = 4.0 * 8 * 8192 * 128 * 2 * 2;  // batch x K/V heads x tokens x head_dim x (K, V) x bf16
  const double q = 4.0 * 32 * 128 * 2;
  CHECK(hbm_read_bytes(r) == doctest::Approx(kv_compulsory + q).epsilon(1e-9));
  REQUIRE(r.kernels.size() == 1);                 // 32 head groups already fill 4 cores: no split
  CHECK(r.kernels[0].tile_ops == 4.0 * 32 * 64);  // every query head still visits its 64 tiles
}

TEST_CASE("memory-bound GQA decode follows HBM bandwidth, not L2 bandwidth") {
  Machine slow, fast;
  slow.macs_per_cycle = fast.macs_per_cycle = 65536;  // keep the packed rows' matrix work off the critical path
  fast.hbm_GBps = 200;
  Built a = build(slow), b = build(fast);
  const double t_slow = run_ns(*a.system, {gqa_decode(32, 8, 4)});
  const double t_fast = run_ns(*b.system, {gqa_decode(32, 8, 4)});
  CHECK(t_slow / t_fast == doctest::Approx(2.0).epsilon(0.05));
}

TEST_CASE("decode with fewer head groups than cores splits the key tiles, and a combine kernel reduces them") {
  // A K/V tile (64 KB) takes 6.6 us through a core's 10 GB/s port, worth far more than the fold's 2 x 11 ns L2
  // round trips per split.
  Machine m;
  m.port_GBps = 10;
  Built b = build(m);
  const sim::RunResult r = sim::run_kernels(*b.system, {gqa_decode(8, 2, 1)}, {});
  REQUIRE(r.kernels.size() == 2);
  CHECK(r.kernels[0].units == 4);  // 2 head groups x 2 splits fill the 4 cores
  CHECK(r.kernels[1].name == "attention_combine");
  CHECK(r.kernels[1].units == 2);
  for (const sim::KernelRecord& k : r.kernels)
    CHECK(k.requested_bytes == doctest::Approx(k.cost.hbm_bytes).epsilon(1e-12));
  CHECK(r.kernels[0].tile_ops == 8.0 * 64);
  // Through a 100 TB/s port a split would save 64 / 2 tile loads of 0.66 ns but cost its fold 22 ns: no split.
  Built fast = build(Machine{});
  CHECK(sim::run_kernels(*fast.system, {gqa_decode(8, 2, 1)}, {}).kernels.size() == 1);
}

namespace {

// A small GQA model's prefill stack, D A 5R A 3R: the first five reuse layers read the first anchor's lists, the
// last three the second anchor's.
std::vector<Kernel> small_stack() {
  models::TransformerModel m;
  m.n_layers = 11;
  m.n_heads = 8;
  m.n_kv_heads = 2;
  m.head_dim = 64;
  m.d_model = 512;
  m.d_mlp = 1024;
  models::Workload w;
  w.seq_len = 2048;
  w.top_k = 4;  // the sink, the own tile and two drawn from the anchor's seed: the two anchors' lists differ
  w.schedule = models::parse_layer_schedule("1D+1A+5R+1A+3R");
  return models::dataflow::stack_kernels(m, models::layer_shape(w), w.schedule);
}

double stat_value(const sim::RunResult& r, const std::string& component, const std::string& name) {
  for (const sim::ComponentStats& c : r.components)
    if (c.name == component)
      for (std::size_t i = 0; i < c.infos.size(); ++i)
        if (c.infos[i].name == name) return c.values[i];
  FAIL("no statistic " << component << "/" << name);
  return 0;
}

}  // namespace

TEST_CASE("a layer repeating the work of one simulated before takes its times and statistics") {
  Machine m;
  m.launch_us = 2;
  Built b = build(m);
  const std::vector<Kernel> kernels = small_stack();
  sim::RunOptions every_layer;
  every_layer.reuse_repeated_layers = false;
  const sim::RunResult all = sim::run_kernels(*b.system, kernels, every_layer);
  const sim::RunResult reused = sim::run_kernels(*b.system, kernels, sim::RunOptions{});

  CHECK(all.layers == 11);
  CHECK(all.layers_simulated == 11);
  CHECK(reused.layers == 11);
  // Simulated: the dense layer, both anchors (the second is the anchors' second occurrence), the first two reuse
  // layers of each anchor's lists (the two anchors' lists differ); the other three reuse layers of the first
  // anchor and the last of the second take the second occurrence's results.
  CHECK(reused.layers_simulated == 7);
  REQUIRE(reused.kernels.size() == all.kernels.size());
  for (std::size_t i = 0; i < all.kernels.size(); ++i) {
    CHECK(reused.kernels[i].name == all.kernels[i].name);
    CHECK(reused.kernels[i].layer == all.kernels[i].layer);
    CHECK(reused.kernels[i].tile_ops == all.kernels[i].tile_ops);
    CHECK(reused.kernels[i].end_ns - reused.kernels[i].start_ns ==
          doctest::Approx(all.kernels[i].end_ns - all.kernels[i].start_ns).epsilon(0.01));
    if (i > 0) CHECK(reused.kernels[i].start_ns == doctest::Approx(reused.kernels[i - 1].end_ns + 2000));
  }
  CHECK(reused.time_ns == doctest::Approx(all.time_ns).epsilon(0.005));
  CHECK(reused.launch_ns == all.launch_ns);
  CHECK(reused.tile_ops == all.tile_ops);
  CHECK(reused.matrix_macs == all.matrix_macs);
  CHECK(stat_value(reused, "matrix_unit", "macs") == stat_value(all, "matrix_unit", "macs"));
  CHECK(stat_value(reused, "memory", "read_bytes") ==
        doctest::Approx(stat_value(all, "memory", "read_bytes")).epsilon(0.01));
  CHECK(reused.memory.read_bytes == doctest::Approx(all.memory.read_bytes).epsilon(0.01));
  CHECK(reused.l2.hits == doctest::Approx(all.l2.hits).epsilon(0.01));
  // A count of distinct things is not added again for a repeated layer.
  CHECK(stat_value(reused, "noc", "ports") == stat_value(all, "noc", "ports"));
}

TEST_CASE("a trace simulates every layer") {
  struct CountingTrace : sim::TraceSink {
    std::int64_t kernels = 0;
    void unit(std::int64_t, const sim::KernelRecord&, double, double) override {}
    void kernel(const sim::KernelRecord&) override { ++kernels; }
  } trace;
  Built b = build(Machine{});
  sim::RunOptions options;
  options.trace = &trace;
  const sim::RunResult r = sim::run_kernels(*b.system, small_stack(), options);
  CHECK(r.layers_simulated == r.layers);
  CHECK(trace.kernels == static_cast<std::int64_t>(r.kernels.size()));
}

TEST_CASE("a second resident unit hides the first one's K/V latency, and the machine's own dataflow keeps one") {
  // Memory latency far above a tile's compute: a unit alone waits for every K/V tile it loads.
  Machine m;
  m.hbm_GBps = 1e5;
  m.l2_bytes = 1;  // keeps no tile
  Json slow = hardware_json(m);
  slow["memory"]["latency_ns"] = 20000;
  auto system_with = [&slow](std::int64_t max_units) {
    models::HardwareSpec spec = four_core_spec();
    spec.max_units_per_core = max_units;
    return build_system(slow, spec);
  };
  AttentionWork fa2 = attention(0, false);
  fa2.implementation = models::dataflow::attention_implementation_index("fa2-style");
  const Kernel kernel{"dense", models::Op::attention, 0, models::LayerKind::dense, fa2};
  // fa2-style at head_dim 64 keeps 2 blocks of 256 threads resident where the core allows it (registers bind).
  const double one = run_ns(*system_with(1), {kernel});
  const double two = run_ns(*system_with(32), {kernel});
  CHECK(two < 0.75 * one);
  // The same work as the machine's own dataflow ("tiled") runs one unit per core whatever the core allows.
  AttentionWork tiled = fa2;
  tiled.implementation = models::dataflow::attention_implementation_index("tiled");
  const Kernel tiled_kernel{"dense", models::Op::attention, 0, models::LayerKind::dense, tiled};
  CHECK(run_ns(*system_with(32), {tiled_kernel}) == run_ns(*system_with(1), {tiled_kernel}));
}

TEST_CASE("resident units share the core's compute: with ample bandwidth two resident units take as long as one") {
  Machine m;
  m.hbm_GBps = 1e5;
  AttentionWork fa2 = attention(0, false);
  fa2.implementation = models::dataflow::attention_implementation_index("fa2-style");
  const Kernel kernel{"dense", models::Op::attention, 0, models::LayerKind::dense, fa2};
  Built one = build(m, 1), two = build(m, 32);
  CHECK(run_ns(*two.system, {kernel}) == doctest::Approx(run_ns(*one.system, {kernel})).epsilon(0.03));
}

TEST_CASE("fa3-style's softmax runs beside the matrix work, fa2-style's after it") {
  const Json config = softmax_bound_config(1.0);
  const AttentionWork w = attention(0, false);
  models::HardwareSpec spec = four_core_spec();
  std::unique_ptr<hw::System> system = build_system(config, spec);
  auto time_of = [&](const char* implementation) {
    AttentionWork a = w;
    a.implementation = models::dataflow::attention_implementation_index(implementation);
    return run_ns(*system, {Kernel{"dense", models::Op::attention, 0, models::LayerKind::dense, a}});
  };
  // Softmax = matrix work per block: serial takes both, overlapped the larger.
  const double fa2 = time_of("fa2-style");
  CHECK(time_of("fa3-style") == doctest::Approx(fa2 / 2.0).epsilon(0.05));
  // A fitted softmax_overlap of 1 puts all of fa2-style's softmax beside its matrix work, 0.5 half of it.
  spec.kernel_families[*models::kernel_family_index("fa2-style")].softmax_overlap = 1.0;
  system = build_system(config, spec);
  CHECK(time_of("fa2-style") == doctest::Approx(fa2 / 2.0).epsilon(0.05));
  spec.kernel_families[*models::kernel_family_index("fa2-style")].softmax_overlap = 0.5;
  system = build_system(config, spec);
  CHECK(time_of("fa2-style") == doctest::Approx(fa2 * 0.75).epsilon(0.05));
}

TEST_CASE("the closed form chains a block's softmax as the engine does, its exponentials on their own pipe") {
  // The softmax's other operations take a tenth of its exponentials' time.
  const Json config = softmax_bound_config(10.0);
  AttentionWork w = attention(0, false);
  models::HardwareSpec spec = four_core_spec();
  std::unique_ptr<hw::System> system = build_system(config, spec);
  auto kernel_of = [&w](const char* implementation) {
    AttentionWork a = w;
    a.implementation = models::dataflow::attention_implementation_index(implementation);
    return Kernel{"dense", models::Op::attention, 0, models::LayerKind::dense, a};
  };
  auto predicted_ns = [&spec](const Kernel& k) {
    return models::roofline_time(models::analytical_cost(k, spec), spec).time_s * 1e9;
  };
  // One unit per core (the core's defaults), 256 units on 4 cores; causal, the last head's longest units end it.
  for (const char* implementation : {"fa2-style", "fa3-style"}) {
    CAPTURE(implementation);
    CHECK(predicted_ns(kernel_of(implementation)) ==
          doctest::Approx(run_ns(*system, {kernel_of(implementation)})).epsilon(0.05));
    w.causal = true;
    w.heads = w.kv_heads = 2;  // 64 units on 4 cores: the longest, 32 tiles, is an eighth of a core's 264 steps
    CHECK(predicted_ns(kernel_of(implementation)) ==
          doctest::Approx(run_ns(*system, {kernel_of(implementation)})).epsilon(0.05));
    w = attention(0, false);
  }
  // Softmax = matrix work: serial takes both, overlapped the larger (with the exponentials at the lanes' rate the
  // softmax would be a tenth of the matrix work, and fa2-style 1.1 times fa3-style).
  CHECK(predicted_ns(kernel_of("fa3-style")) ==
        doctest::Approx(predicted_ns(kernel_of("fa2-style")) / 2).epsilon(0.05));
}

TEST_CASE("a fold over partials waits one L2 round trip per dependent read, in the engine and the closed form") {
  Machine m;
  m.hbm_GBps = 1e5;  // the partials' bytes take no time worth counting
  models::HardwareSpec spec = four_core_spec();
  std::unique_ptr<hw::System> system = build_system(hardware_json(m), spec);
  REQUIRE(spec.l2_hit_latency_ns == 11.0);  // the L2's 10 ns and the network's 1 ns
  auto fold = [](double dependent_reads) {
    StreamWork s;
    s.read_bytes = 4 * 64.0;
    s.units = 4;  // one unit per core
    s.dependent_l2_reads = dependent_reads;
    return Kernel{"attention_combine", models::Op::attention, 0, models::LayerKind::dense, s};
  };
  auto predicted_ns = [&spec](const Kernel& k) {
    return models::roofline_time(models::analytical_cost(k, spec), spec).time_s * 1e9;
  };
  const double engine_without = run_ns(*system, {fold(0)});
  const double engine_with = run_ns(*system, {fold(512)});
  CHECK(engine_with - engine_without == doctest::Approx(512 * 11.0).epsilon(1e-6));
  CHECK(predicted_ns(fold(512)) - predicted_ns(fold(0)) == doctest::Approx(512 * 11.0).epsilon(1e-6));
  // Eight units on four cores: each core folds two, one after the other.
  Kernel two_rounds = fold(512);
  std::get<StreamWork>(two_rounds.work).units = 8;
  CHECK(predicted_ns(two_rounds) - predicted_ns(fold(0)) == doctest::Approx(2 * 512 * 11.0).epsilon(0.01));
}
