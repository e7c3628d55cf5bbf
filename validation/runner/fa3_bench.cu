// cascadesim-fa3-bench: checks the fa3-style (sm_90a) attention kernel against the float64 CPU references (dense,
// GQA, block-sparse, anchor block maxima) and times it beside the fa2-style kernel on the same inputs (dense prefill
// and block-sparse over top-k key-tile lists), writing one JSON record per measurement with the implementation name.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "validation/host/bf16.hpp"
#include "validation/host/block_sparse.hpp"
#include "validation/host/decode_reference.hpp"
#include "validation/host/error_metrics.hpp"
#include "validation/host/measured_record.hpp"
#include "validation/host/random_inputs.hpp"
#include "validation/host/reference_attention.hpp"
#include "validation/host/tile_geometry.hpp"
#include "validation/kernels/attention.cuh"
#include "validation/kernels/attention_fa3.cuh"
#include "validation/kernels/cuda_support.cuh"
#include "validation/kernels/decode.cuh"
#include "validation/kernels/random_fill.cuh"
#include "validation/runner/bench_common.cuh"

namespace cascadesim::validation {
namespace {

constexpr double kBf16Tolerance = 1e-2;      // METHOD.md: bf16 operands land between 1e-3 and 1e-2
constexpr double kBlockMaxTolerance = 2e-3;  // fp32 dot products of length <= 128 against double
constexpr double kLseTolerance = 2e-3;       // the row log-sum-exp: fp32 scores and sums against double
constexpr float kQkAmplitude = 2.0f;
constexpr float kVAmplitude = 1.0f;

std::size_t elements(const AttentionShape& s, int heads) {
  return static_cast<std::size_t>(s.batch) * heads * s.seq_len * s.head_dim;
}

// Per row, top_k visible key tiles chosen by random scores (ties impossible in practice): a block-sparse mask
// with the row lengths of a top-k selection.
BlockCsr random_top_k(const AttentionShape& shape, int top_k, std::uint64_t seed, int tile = kFa3TileQ) {
  const int q_tiles = tile_count(shape.seq_len, tile);
  const int k_tiles = tile_count(shape.seq_len, tile);
  std::vector<float> scores(static_cast<std::size_t>(shape.batch) * shape.heads * q_tiles * k_tiles);
  std::uint64_t x = seed;
  for (float& v : scores) {
    x = splitmix64(x);
    v = static_cast<float>(x >> 40) / static_cast<float>(1 << 24);
  }
  return select_top_k(shape, tile, tile, scores, top_k);
}

std::string schedule_name(const Fa3Options& o) {
  std::string name = std::string(o.pingpong ? "pingpong" : "no-pingpong") + (o.persistent ? "+persistent" : "");
  if (o.q_buffers > 0 || o.kv_stages > 0)
    name += "+q" + std::to_string(o.q_buffers) + "s" + std::to_string(o.kv_stages);  // as asked; clamped per shape
  return name;
}

// The deepest producer run-ahead shared memory allows (clamped per head_dim and tiles by the kernel).
constexpr Fa3Options kDeep{false, true, 4, 4};

// The kernel's row log-sum-exp (natural log) against the float64 reference's: -inf rows must agree exactly.
bool report_lse(const std::string& label, const std::vector<float>& lse, const std::vector<double>& ref) {
  const BlockMaxDiff diff = compare_block_max(lse, std::vector<float>(ref.begin(), ref.end()));
  const bool ok = diff.mismatched_infinities == 0 && diff.max_abs_diff < kLseTolerance;
  std::printf("%-4s %s lse max_abs_diff=%.3e inf_mismatch=%zu\n", ok ? "ok" : "FAIL", label.c_str(), diff.max_abs_diff,
              diff.mismatched_infinities);
  return ok;
}

bool report(const std::string& label, const ErrorStats& stats) {
  const bool ok = stats.passes(kBf16Tolerance);
  std::printf("%-4s %s rel_error=%.3e nan=%zu\n", ok ? "ok" : "FAIL", label.c_str(), stats.relative_error,
              stats.nan_count);
  return ok;
}

// One shape: dense, anchor (output and block maxima) and a top-k sparse pass, each on a poisoned output.
// tile 128: every schedule and the deep buffers; tile 64 (one consumer warpgroup): with and without the persistent
// grid and the deep buffers.
bool check_shape(const GqaShape& g, int top_k, std::uint64_t seed, int tile) {
  const AttentionShape& s = g.shape;
  const std::size_t nq = elements(s, s.heads);
  const std::size_t nkv = elements(s, g.kv_heads);
  const std::vector<Bf16> q = random_bf16(nq, seed * 3 + 0, kQkAmplitude);
  const std::vector<Bf16> k = random_bf16(nkv, seed * 3 + 1, kQkAmplitude);
  const std::vector<Bf16> v = random_bf16(nkv, seed * 3 + 2, kVAmplitude);
  const std::vector<Bf16> k_full = repeat_kv_heads(g.shape, g.kv_heads, k);
  const std::vector<Bf16> v_full = repeat_kv_heads(g.shape, g.kv_heads, v);
  DeviceBuffer<std::uint16_t> dq(nq), dk(nkv), dv(nkv), dout(nq);
  dq.upload(q);
  dk.upload(k);
  dv.upload(v);
  char label[160];
  std::snprintf(label, sizeof label, "fa3-style %dx%d b=%d hq=%-2d hkv=%-2d s=%-4d d=%-3d %-6s", tile, tile, s.batch,
                s.heads, g.kv_heads, s.seq_len, s.head_dim, s.causal ? "causal" : "full");
  bool ok = true;

  const BlockCsr dense = dense_block_csr(s, tile, tile);
  const DeviceCsr dense_dev = upload_csr(dense);
  std::vector<double> dense_lse_ref, sparse_lse_ref;
  const std::vector<double> dense_ref = reference_attention(s, q, k_full, v_full, nullptr, &dense_lse_ref);
  const std::vector<float> block_max_ref = reference_block_max(s, q, k_full, tile, tile);
  const BlockCsr sparse = random_top_k(s, top_k, seed, tile);
  const DeviceCsr sparse_dev = upload_csr(sparse);
  const std::vector<double> sparse_ref = reference_attention(s, q, k_full, v_full, &sparse, &sparse_lse_ref);
  DeviceBuffer<float> block_max(static_cast<std::size_t>(dense.rows()) * dense.k_tiles);
  DeviceBuffer<float> lse(static_cast<std::size_t>(s.batch) * s.heads * s.seq_len);

  // Every schedule (ping-pong or not, persistent grid or not) on the same inputs.
  std::vector<Fa3Options> schedules = {Fa3Options{false, false}, Fa3Options{false, true}, kDeep};
  if (tile == 128) schedules.insert(schedules.begin(), {Fa3Options{true, false}, Fa3Options{true, true}});
  for (const Fa3Options& options : schedules) {
    set_attention_fa3_options(options);
    const std::string tag = std::string(label) + " " + schedule_name(options);
    dout.poison();
    CASCADESIM_LAUNCH(launch_attention_fa3(make_args(dq.get(), dk.get(), dv.get(), dout.get(), dense_dev, nullptr, g),
                                           s.head_dim, tile, tile, nullptr));
    CASCADESIM_CUDA(cudaDeviceSynchronize());
    ok &= report(tag + " dense   ", compare(dout.download<Bf16>(), dense_ref));

    // The same pass writing the row log-sum-exp too.
    dout.poison();
    lse.poison();
    CASCADESIM_LAUNCH(
        launch_attention_fa3(make_args(dq.get(), dk.get(), dv.get(), dout.get(), dense_dev, nullptr, g, lse.get()),
                             s.head_dim, tile, tile, nullptr));
    CASCADESIM_CUDA(cudaDeviceSynchronize());
    ok &= report(tag + " dense+lse", compare(dout.download<Bf16>(), dense_ref));
    ok &= report_lse(tag + " dense+lse", lse.download<float>(), dense_lse_ref);

    block_max.poison();
    dout.poison();
    CASCADESIM_LAUNCH(
        launch_attention_fa3(make_args(dq.get(), dk.get(), dv.get(), dout.get(), dense_dev, block_max.get(), g),
                             s.head_dim, tile, tile, nullptr));
    CASCADESIM_CUDA(cudaDeviceSynchronize());
    ok &= report(tag + " anchor  ", compare(dout.download<Bf16>(), dense_ref));
    const BlockMaxDiff diff = compare_block_max(block_max.download<float>(), block_max_ref);
    const bool max_ok = diff.mismatched_infinities == 0 && diff.max_abs_diff < kBlockMaxTolerance;
    std::printf("%-4s %s blockmax max_abs_diff=%.3e inf_mismatch=%zu\n", max_ok ? "ok" : "FAIL", tag.c_str(),
                diff.max_abs_diff, diff.mismatched_infinities);
    ok &= max_ok;

    dout.poison();
    lse.poison();
    CASCADESIM_LAUNCH(
        launch_attention_fa3(make_args(dq.get(), dk.get(), dv.get(), dout.get(), sparse_dev, nullptr, g, lse.get()),
                             s.head_dim, tile, tile, nullptr));
    CASCADESIM_CUDA(cudaDeviceSynchronize());
    ok &= report(tag + " sparse k=" + std::to_string(top_k), compare(dout.download<Bf16>(), sparse_ref));
    ok &= report_lse(tag + " sparse k=" + std::to_string(top_k), lse.download<float>(), sparse_lse_ref);
  }
  set_attention_fa3_options(Fa3Options{});
  return ok;
}

// max_shapes bounds the shapes checked (the slower sanitizer tools run a few); every shape by default.
int run_checks(std::uint64_t seed, int max_shapes) {
  int failures = 0, total = 0;
  for (int d : {64, 128}) {
    for (bool causal : {false, true}) {
      // Each shape with 128 x 128 and 64 x 64 tiles. 1000 and 520 leave partial last tiles; (8, 2) is grouped-query
      // attention with 4 query heads per K/V head.
      const GqaShape shapes[] = {{{1, 2, 256, d, causal}, 2},
                                 {{2, 4, 1000, d, causal}, 4},
                                 {{1, 8, 520, d, causal}, 2},
                                 {{1, 4, 1024, d, causal}, 1}};
      for (const GqaShape& g : shapes) {
        if (total >= max_shapes) continue;
        ++total;
        for (int tile : {128, 64})
          if (!check_shape(g, g.shape.seq_len > 600 ? 3 : 2, seed + static_cast<std::uint64_t>(total), tile))
            ++failures;
      }
    }
  }
  std::printf("%d of %d shape x tile checks pass (seed %llu)\n", 2 * total - failures, 2 * total,
              static_cast<unsigned long long>(seed));
  return failures == 0 ? 0 : 1;
}

// ---- timing ----

const std::vector<Fa3Options> kSchedules = {{true, false}, {true, true}, {false, false}, {false, true}};

std::int64_t executed_blocks(const BlockCsr& csr) { return static_cast<std::int64_t>(csr.col_indices.size()); }

struct Record {
  std::string implementation;
  std::string kernel;  // "dense" or "sparse"
  GqaShape g;
  int top_k = 0;
  std::int64_t blocks = 0;
  double flops = 0;
  Timing t;
  std::string schedule = "";
  double compulsory_bytes = 0;  // MHA only (compulsory_attention_bytes); 0 where not computed
  int tile = 128;               // tile_q = tile_k
};

std::string to_json(const Record& r, const cudaDeviceProp& prop) {
  std::string samples;
  for (double v : r.t.samples_ms) samples += (samples.empty() ? "" : ", ") + std::to_string(v);
  char text[1400];
  std::snprintf(text, sizeof text,
                "{\"implementation\": \"%s\", \"kernel\": \"%s\", \"batch\": %d, \"heads\": %d, \"kv_heads\": %d, "
                "\"seq_len\": %d, \"head_dim\": %d, \"causal\": %s, \"tile_q\": %d, \"tile_k\": %d, \"top_k\": %d, "
                "\"executed_blocks\": %lld, \"flop_count\": %.6e, \"median_ms\": %.6f, \"p10_ms\": %.6f, "
                "\"p90_ms\": %.6f, \"achieved_TFLOP_per_s\": %.3f, \"schedule\": \"%s\", \"compulsory_bytes\": %.6e, "
                "\"device\": {\"name\": \"%s\", \"sm_count\": %d}, \"samples_ms\": [",
                r.implementation.c_str(), r.kernel.c_str(), r.g.shape.batch, r.g.shape.heads, r.g.kv_heads,
                r.g.shape.seq_len, r.g.shape.head_dim, r.g.shape.causal ? "true" : "false", r.tile, r.tile, r.top_k,
                static_cast<long long>(r.blocks), r.flops, r.t.median_ms, r.t.p10_ms, r.t.p90_ms,
                r.flops / (r.t.median_ms * 1e-3) / 1e12, r.schedule.c_str(), r.compulsory_bytes, prop.name,
                prop.multiProcessorCount);
  return std::string(text) + samples + "]}";
}

// Dense (fa3-style and fa2-style on the same inputs) and sparse fa3-style over random top-k lists, under each
// schedule; causal_mha_only keeps the causal MHA shapes and leaves out fa2-style.
int run_timing(const std::string& out_path, const std::vector<int>& seq_lens, const std::vector<int>& dims,
               const std::vector<int>& top_ks, int heads, int repetitions, const std::vector<Fa3Options>& schedules,
               bool causal_mha_only) {
  cudaDeviceProp prop{};
  CASCADESIM_CUDA(cudaGetDeviceProperties(&prop, 0));
  std::vector<std::string> records;
  for (int s_len : seq_lens) {
    for (int d : dims) {
      for (bool causal : {true, false}) {
        for (int kv_heads : {heads, heads / 4}) {
          if (causal_mha_only && (!causal || kv_heads != heads)) continue;
          GqaShape g{{1, heads, s_len, d, causal}, kv_heads};
          const std::size_t nq = elements(g.shape, heads), nkv = elements(g.shape, kv_heads);
          // One set: at S >= 8K with 32 heads each tensor is >= 32 MiB, and Q and O alone exceed the 50 MiB L2.
          DeviceBuffer<std::uint16_t> q(nq), k(nkv), v(nkv), o(nq);
          CASCADESIM_LAUNCH(launch_random_fill_bf16(q.get(), nq, 11 + s_len + d, kQkAmplitude, nullptr));
          CASCADESIM_LAUNCH(launch_random_fill_bf16(k.get(), nkv, 12 + s_len + d, kQkAmplitude, nullptr));
          CASCADESIM_LAUNCH(launch_random_fill_bf16(v.get(), nkv, 13 + s_len + d, kVAmplitude, nullptr));
          o.poison();
          const BlockCsr dense = dense_block_csr(g.shape, 128, 128);
          const DeviceCsr dense_dev = upload_csr(dense);
          const AttentionArgs args = make_args(q.get(), k.get(), v.get(), o.get(), dense_dev, nullptr, g);
          const double flops_per_block = 4.0 * 128 * 128 * d;
          auto emit = [&](Record r) {
            r.flops = static_cast<double>(r.blocks) * flops_per_block;
            std::printf(
                "%-9s %-22s %-6s S=%-6d d=%-3d %-6s hq=%d hkv=%-2d top_k=%-3d median %9.4f ms  %6.1f TFLOP/s  %6.0f "
                "GB/s\n",
                r.implementation.c_str(), r.schedule.c_str(), r.kernel.c_str(), s_len, d, causal ? "causal" : "full",
                heads, kv_heads, r.top_k, r.t.median_ms, r.flops / (r.t.median_ms * 1e-3) / 1e12,
                r.compulsory_bytes / (r.t.median_ms * 1e-3) / 1e9);
            std::fflush(stdout);
            records.push_back(to_json(r, prop));
            write_records(out_path, records);
          };
          const int reps = s_len >= 32768 ? repetitions / 2 : repetitions;
          const double dense_bytes =
              kv_heads == heads ? compulsory_attention_bytes(g.shape, dense.row_offsets, dense.col_indices, 128, 128)
                                : 0.0;
          for (const Fa3Options& options : schedules) {
            set_attention_fa3_options(options);
            Record fa3{"fa3-style",
                       "dense",
                       g,
                       0,
                       executed_blocks(dense),
                       0,
                       time_launches([&] { return launch_attention_fa3(args, d, nullptr); }, 3, reps),
                       schedule_name(options),
                       dense_bytes};
            emit(fa3);
          }
          if (kv_heads == heads && !causal_mha_only) {
            Record fa2{"fa2-style",
                       "dense",
                       g,
                       0,
                       executed_blocks(dense),
                       0,
                       time_launches([&] { return launch_attention(args, d, 128, 128, nullptr); }, 3, reps),
                       "fa2",
                       dense_bytes};
            emit(fa2);
          }
          if (!causal || kv_heads != heads) continue;
          for (int top_k : top_ks) {
            const BlockCsr sparse = random_top_k(g.shape, top_k, 977 + top_k);
            const DeviceCsr sparse_dev = upload_csr(sparse);
            const AttentionArgs sargs = make_args(q.get(), k.get(), v.get(), o.get(), sparse_dev, nullptr, g);
            const double sparse_bytes =
                compulsory_attention_bytes(g.shape, sparse.row_offsets, sparse.col_indices, 128, 128);
            for (const Fa3Options& options : schedules) {
              set_attention_fa3_options(options);
              Record sp{"fa3-style",
                        "sparse",
                        g,
                        top_k,
                        executed_blocks(sparse),
                        0,
                        time_launches([&] { return launch_attention_fa3(sargs, d, nullptr); }, 3, reps),
                        schedule_name(options),
                        sparse_bytes};
              emit(sp);
            }
          }
          set_attention_fa3_options(Fa3Options{});
        }
      }
    }
  }
  return 0;
}

// The cascade's coarse stage alone: dense attention with block maxima over tokens pooled by 2 (32 heads, seq_len / 2
// pooled tokens), 64 x 64 tiles, fa2-style and fa3-style (default and deep buffers) on the same inputs, and the
// fa3-style 128 x 128 tiles on the same pooled shape for reference.
int run_coarse_timing(const std::string& out_path, const std::vector<int>& seq_lens, const std::vector<int>& dims,
                      int repetitions) {
  cudaDeviceProp prop{};
  CASCADESIM_CUDA(cudaGetDeviceProperties(&prop, 0));
  std::vector<std::string> records;
  for (int s_len : seq_lens) {
    for (int d : dims) {
      for (bool causal : {true, false}) {
        const GqaShape g{{1, 32, s_len / 2, d, causal}, 32};
        const std::size_t n = elements(g.shape, 32);
        DeviceBuffer<std::uint16_t> q(n), k(n), v(n), o(n);
        CASCADESIM_LAUNCH(launch_random_fill_bf16(q.get(), n, 21 + s_len + d, kQkAmplitude, nullptr));
        CASCADESIM_LAUNCH(launch_random_fill_bf16(k.get(), n, 22 + s_len + d, kQkAmplitude, nullptr));
        CASCADESIM_LAUNCH(launch_random_fill_bf16(v.get(), n, 23 + s_len + d, kVAmplitude, nullptr));
        o.poison();
        for (int tile : {64, 128}) {
          const BlockCsr dense = dense_block_csr(g.shape, tile, tile);
          const DeviceCsr dense_dev = upload_csr(dense);
          DeviceBuffer<float> block_max(static_cast<std::size_t>(dense.rows()) * dense.k_tiles);
          const AttentionArgs args = make_args(q.get(), k.get(), v.get(), o.get(), dense_dev, block_max.get(), g);
          auto emit = [&](Record r) {
            r.tile = tile;
            r.flops = static_cast<double>(r.blocks) * 4.0 * tile * tile * d;
            std::printf("coarse %-9s %-26s tile=%-3d S=%-6d (pooled %-6d) d=%-3d %-6s median %9.4f ms  %6.1f TFLOP/s\n",
                        r.implementation.c_str(), r.schedule.c_str(), tile, s_len, g.shape.seq_len, d,
                        causal ? "causal" : "full", r.t.median_ms, r.flops / (r.t.median_ms * 1e-3) / 1e12);
            std::fflush(stdout);
            records.push_back(to_json(r, prop));
            write_records(out_path, records);
          };
          if (tile == 64) {
            emit(Record{"fa2-style", "coarse", g, 0, executed_blocks(dense), 0,
                        time_launches([&] { return launch_attention(args, d, 64, 64, nullptr); }, 3, repetitions),
                        "fa2", 0, tile});
          }
          for (const Fa3Options& options : {Fa3Options{}, kDeep}) {
            if (tile == 128 && options.q_buffers > 0) continue;
            set_attention_fa3_options(options);
            emit(Record{
                "fa3-style", "coarse", g, 0, executed_blocks(dense), 0,
                time_launches([&] { return launch_attention_fa3(args, d, tile, tile, nullptr); }, 3, repetitions),
                schedule_name(options), 0, tile});
          }
          set_attention_fa3_options(Fa3Options{});
        }
      }
    }
  }
  return 0;
}

// Dense against anchor attention (block maxima, no selection) on the same inputs and lists, causal MHA, 32 heads,
// alternating over rounds so that clock drift falls on both: the anchor's cost over dense, per shape. The
// binary's anchor probe (attention_fa3.cu) is in each record's schedule.
int run_anchor_ab(const std::string& out_path, const std::vector<int>& seq_lens, const std::vector<int>& dims,
                  int repetitions, int rounds) {
  cudaDeviceProp prop{};
  CASCADESIM_CUDA(cudaGetDeviceProperties(&prop, 0));
  const std::string schedule =
      schedule_name(Fa3Options{}) + "+anchor-probe" + std::to_string(attention_fa3_anchor_probe());
  std::vector<std::string> records;
  for (int s_len : seq_lens) {
    for (int d : dims) {
      const GqaShape g{{1, 32, s_len, d, true}, 32};
      const std::size_t n = elements(g.shape, 32);
      DeviceBuffer<std::uint16_t> q(n), k(n), v(n), o(n);
      CASCADESIM_LAUNCH(launch_random_fill_bf16(q.get(), n, 31 + s_len + d, kQkAmplitude, nullptr));
      CASCADESIM_LAUNCH(launch_random_fill_bf16(k.get(), n, 32 + s_len + d, kQkAmplitude, nullptr));
      CASCADESIM_LAUNCH(launch_random_fill_bf16(v.get(), n, 33 + s_len + d, kVAmplitude, nullptr));
      for (int tile : {128, 64}) {
        const BlockCsr dense = dense_block_csr(g.shape, tile, tile);
        const DeviceCsr dense_dev = upload_csr(dense);
        DeviceBuffer<float> block_max(static_cast<std::size_t>(dense.rows()) * dense.k_tiles);
        const AttentionArgs dense_args = make_args(q.get(), k.get(), v.get(), o.get(), dense_dev, nullptr, g);
        const AttentionArgs anchor_args = make_args(q.get(), k.get(), v.get(), o.get(), dense_dev, block_max.get(), g);
        const int reps = s_len >= 32768 ? std::max(repetitions / 2, 5) : repetitions;
        for (int round = 0; round < rounds; ++round) {
          double dense_ms = 0;
          for (const char* kernel : {"dense", "anchor"}) {
            const bool anchor = std::strcmp(kernel, "anchor") == 0;
            const AttentionArgs& args = anchor ? anchor_args : dense_args;
            Record r{"fa3-style",
                     kernel,
                     g,
                     0,
                     executed_blocks(dense),
                     0,
                     time_launches([&] { return launch_attention_fa3(args, d, tile, tile, nullptr); }, 3, reps),
                     schedule,
                     0,
                     tile};
            r.flops = static_cast<double>(r.blocks) * 4.0 * tile * tile * d;
            if (!anchor) dense_ms = r.t.median_ms;
            std::printf("anchor-ab %-34s round %d tile=%-3d S=%-6d d=%-3d %-6s median %9.4f ms  %6.1f TFLOP/s%s\n",
                        schedule.c_str(), round, tile, s_len, d, kernel, r.t.median_ms,
                        r.flops / (r.t.median_ms * 1e-3) / 1e12,
                        anchor ? ("  anchor/dense " + std::to_string(r.t.median_ms / dense_ms)).c_str() : "");
            std::fflush(stdout);
            records.push_back(to_json(r, prop));
            write_records(out_path, records);
          }
        }
      }
    }
  }
  return 0;
}

// ---- decode ----

DecodeArgs decode_args(const std::uint16_t* q, const std::uint16_t* k, const std::uint16_t* v, std::uint16_t* o,
                       const DeviceCsr& lists, DeviceBuffer<float>& po, DeviceBuffer<float>& pml, const DecodeShape& s,
                       int splits, int* split_counters = nullptr) {
  DecodeArgs a;
  a.q = q;
  a.k = k;
  a.v = v;
  a.o = o;
  a.row_offsets = lists.row_offsets.get();
  a.col_indices = lists.col_indices.get();
  a.batch = s.batch;
  a.heads = s.heads;
  a.kv_heads = s.kv_heads;
  a.context = s.context;
  a.splits = splits;
  a.split_counters = split_counters;
  const std::size_t need_o = decode_partial_floats(s.batch, s.heads, s.head_dim, splits);
  const std::size_t need_ml = decode_partial_stats(s.batch, s.heads, splits);
  if (po.size() < need_o) po = DeviceBuffer<float>(need_o);
  if (pml.size() < need_ml) pml = DeviceBuffer<float>(need_ml);
  a.partial_o = po.get();
  a.partial_ml = pml.get();
  return a;
}

int sm_count() {
  cudaDeviceProp prop{};
  CASCADESIM_CUDA(cudaGetDeviceProperties(&prop, 0));
  return prop.multiProcessorCount;
}

int run_decode_checks(std::uint64_t seed) {
  const DecodeShape shapes[] = {{2, 8, 2, 1000, 64},  {1, 32, 8, 4096, 128}, {3, 4, 4, 777, 128},
                                {1, 16, 2, 2048, 64}, {2, 8, 1, 3000, 128},  {4, 32, 8, 513, 64}};
  int failures = 0, total = 0;
  for (const DecodeShape& s : shapes) {
    const std::size_t nq = static_cast<std::size_t>(s.batch) * s.heads * s.head_dim;
    const std::size_t nkv = static_cast<std::size_t>(s.batch) * s.kv_heads * s.context * s.head_dim;
    const std::vector<Bf16> q = random_bf16(nq, seed * 3 + 0, kQkAmplitude);
    const std::vector<Bf16> k = random_bf16(nkv, seed * 3 + 1, kQkAmplitude);
    const std::vector<Bf16> v = random_bf16(nkv, seed * 3 + 2, kVAmplitude);
    DeviceBuffer<std::uint16_t> dq(nq), dk(nkv), dv(nkv), dout(nq);
    dq.upload(q);
    dk.upload(k);
    dv.upload(v);
    DeviceBuffer<float> po, pml;
    const int tiles = tile_count(s.context, kDecodeTileKeys);
    for (int top_k : {0, 3}) {
      const BlockCsr lists = decode_lists(s, top_k, kDecodeTileKeys, seed + 17);
      const DeviceCsr dlists = upload_csr(lists);
      const std::vector<double> ref = reference_decode(s, q, k, v, lists, kDecodeTileKeys);
      for (int splits : {1, 5,
                         decode_default_splits(s.batch, s.kv_heads, top_k ? std::min(top_k, tiles) : tiles, s.head_dim,
                                               s.heads / s.kv_heads, sm_count())}) {
        // Two launches, then one (the split pass reduces), twice so that the counters' reset is exercised.
        DeviceBuffer<int> counters(static_cast<std::size_t>(s.batch) * s.kv_heads);
        counters.poison(0);
        for (int variant = 0; variant < 3; ++variant) {
          ++total;
          dout.poison();
          CASCADESIM_LAUNCH(launch_decode(decode_args(dq.get(), dk.get(), dv.get(), dout.get(), dlists, po, pml, s,
                                                      splits, variant > 0 ? counters.get() : nullptr),
                                          s.head_dim, nullptr));
          CASCADESIM_CUDA(cudaDeviceSynchronize());
          char label[160];
          std::snprintf(label, sizeof label, "decode b=%d hq=%-2d hkv=%d ctx=%-4d d=%-3d %s splits=%d %s", s.batch,
                        s.heads, s.kv_heads, s.context, s.head_dim, top_k ? "top_k=3" : "dense  ", splits,
                        variant > 0 ? "one-launch" : "two-launch");
          if (!report(label, compare(dout.download<Bf16>(), ref))) ++failures;
        }
        const std::vector<int> left = counters.download<int>();
        const bool zeroed = std::all_of(left.begin(), left.end(), [](int c) { return c == 0; });
        std::printf("%-4s decode counters left zero\n", zeroed ? "ok" : "FAIL");
        failures += zeroed ? 0 : 1;
      }
    }
    ++seed;
  }
  std::printf("%d of %d decode checks pass\n", total - failures, total);
  return failures == 0 ? 0 : 1;
}

// Dense and top-k decode at LLaMA-3.2-1B-like head counts (32 query heads, 8 K/V heads), against the device's
// measured copy bandwidth. Input sets rotate so that one pass over them exceeds the L2 twice.
int run_decode_timing(const std::string& out_path, int repetitions) {
  cudaDeviceProp prop{};
  CASCADESIM_CUDA(cudaGetDeviceProperties(&prop, 0));
  std::vector<std::string> records;
  // Copy bandwidth: 2 GiB device to device, bytes read + written.
  double copy_GB_per_s = 0;
  {
    const std::size_t bytes = std::size_t{1} << 31;
    DeviceBuffer<std::uint8_t> src(bytes), dst(bytes);
    CASCADESIM_CUDA(cudaMemset(src.get(), 1, bytes));
    const Timing t = time_launches(
        [&] { return cudaMemcpyAsync(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice, nullptr); }, 3, 20);
    copy_GB_per_s = 2.0 * bytes / (t.median_ms * 1e-3) / 1e9;
    std::printf("copy D2D 2 GiB: median %.4f ms, %.0f GB/s (read + written)\n", t.median_ms, copy_GB_per_s);
    char text[256];
    std::snprintf(text, sizeof text, "{\"kernel\": \"copy\", \"bytes\": %zu, \"median_ms\": %.6f, \"GB_per_s\": %.1f}",
                  2 * bytes, t.median_ms, copy_GB_per_s);
    records.push_back(text);
  }
  struct Case {
    int batch, context, head_dim, top_k;
  };
  // The first two: one key tile of context, the floor of the two launches (split pass and reduction).
  const Case cases[] = {{1, 64, 64, 0},       {1, 64, 128, 0},      {1, 4096, 64, 0},    {1, 32768, 64, 0},
                        {1, 131072, 64, 0},   {8, 32768, 64, 0},    {16, 131072, 64, 0}, {64, 4096, 64, 0},
                        {64, 16384, 64, 0},   {1, 4096, 128, 0},    {1, 32768, 128, 0},  {1, 131072, 128, 0},
                        {8, 32768, 128, 0},   {16, 131072, 128, 0}, {64, 4096, 128, 0},  {64, 16384, 128, 0},
                        {1, 32768, 64, 64},   {1, 131072, 64, 64},  {8, 131072, 64, 64}, {64, 16384, 64, 64},
                        {1, 131072, 128, 64}, {16, 131072, 128, 16}};
  for (const Case& c : cases) {
    const DecodeShape s{c.batch, 32, 8, c.context, c.head_dim};
    const std::size_t nq = static_cast<std::size_t>(s.batch) * s.heads * s.head_dim;
    const std::size_t nkv = static_cast<std::size_t>(s.batch) * s.kv_heads * s.context * s.head_dim;
    const BlockCsr lists = decode_lists(s, c.top_k, kDecodeTileKeys, 4242);
    const DeviceCsr dlists = upload_csr(lists);
    const double listed_keys = static_cast<double>(lists.col_indices.size()) * kDecodeTileKeys;  // full tiles here
    const double bytes = listed_keys * s.head_dim * 2 * 2 + 2.0 * nq * 2 + 4.0 * lists.row_offsets.size() +
                         4.0 * lists.col_indices.size();
    const std::size_t set_bytes = (2 * nkv + 2 * nq) * 2;
    const int sets =
        static_cast<int>(std::min<std::size_t>(32, std::max<std::size_t>(1, (4 * 52428800ull) / set_bytes + 1)));
    std::vector<DeviceBuffer<std::uint16_t>> qs, ks, vs, os;
    for (int i = 0; i < sets; ++i) {
      qs.emplace_back(nq);
      ks.emplace_back(nkv);
      vs.emplace_back(nkv);
      os.emplace_back(nq);
      CASCADESIM_LAUNCH(launch_random_fill_bf16(qs.back().get(), nq, 100 + i, kQkAmplitude, nullptr));
      CASCADESIM_LAUNCH(launch_random_fill_bf16(ks.back().get(), nkv, 200 + i, kQkAmplitude, nullptr));
      CASCADESIM_LAUNCH(launch_random_fill_bf16(vs.back().get(), nkv, 300 + i, kVAmplitude, nullptr));
      os.back().poison();
    }
    const int tiles = c.top_k ? c.top_k : tile_count(s.context, kDecodeTileKeys);
    const int default_splits =
        decode_default_splits(s.batch, s.kv_heads, tiles, s.head_dim, s.heads / s.kv_heads, prop.multiProcessorCount);
    // The default, then the split counts that give every SM at least 1, 2, 4 or 8 blocks, and one tile per block
    // (each at most 256 and at its effective value: splits of ceil(tiles / splits) tiles).
    std::vector<int> split_counts = {default_splits};
    const int rows = s.batch * s.kv_heads;
    for (int want : {1, 2, 4, 8, 1 << 20}) {
      int sp = std::min({tiles, 256, std::max(1, (want * prop.multiProcessorCount + rows - 1) / rows)});
      const int per_split = (tiles + sp - 1) / sp;
      sp = (tiles + per_split - 1) / per_split;
      if (std::find(split_counts.begin(), split_counts.end(), sp) == split_counts.end()) split_counts.push_back(sp);
    }
    DeviceBuffer<int> counters(static_cast<std::size_t>(rows));
    counters.poison(0);
    for (const int splits : split_counts) {
      for (const bool one_launch : {false, true}) {
        DeviceBuffer<float> po, pml;
        std::vector<DecodeArgs> args;
        for (int i = 0; i < sets; ++i)
          args.push_back(decode_args(qs[i].get(), ks[i].get(), vs[i].get(), os[i].get(), dlists, po, pml, s, splits,
                                     one_launch ? counters.get() : nullptr));
        int rep = 0;
        const Timing t =
            time_launches([&] { return launch_decode(args[rep++ % sets], s.head_dim, nullptr); }, 3, repetitions);
        const double gbs = bytes / (t.median_ms * 1e-3) / 1e9;
        const bool is_default = splits == default_splits;
        std::printf(
            "decode %-6s b=%-2d ctx=%-6d d=%-3d hq=32 hkv=8 top_k=%-3d splits=%-3d%s %s sets=%-2d median %8.4f ms  "
            "%6.0f GB/s  (%.0f%% of copy)\n",
            c.top_k ? "top-k" : "dense", s.batch, s.context, s.head_dim, c.top_k, splits, is_default ? "*" : " ",
            one_launch ? "one-launch" : "two-launch", sets, t.median_ms, gbs, 100 * gbs / copy_GB_per_s);
        std::fflush(stdout);
        std::string samples;
        for (double v : t.samples_ms) samples += (samples.empty() ? "" : ", ") + std::to_string(v);
        char text[1024];
        std::snprintf(text, sizeof text,
                      "{\"implementation\": \"split-kv-decode\", \"kernel\": \"%s\", \"batch\": %d, \"heads\": 32, "
                      "\"kv_heads\": 8, \"context\": %d, \"head_dim\": %d, \"top_k_tiles\": %d, \"tile_keys\": %d, "
                      "\"splits\": %d, \"default_splits\": %s, \"launches\": %d, \"buffer_sets\": %d, "
                      "\"compulsory_bytes\": %.6e, "
                      "\"median_ms\": %.6f, \"p10_ms\": %.6f, \"p90_ms\": %.6f, \"achieved_GB_per_s\": %.1f, "
                      "\"copy_GB_per_s\": %.1f, \"device\": {\"name\": \"%s\"}, \"samples_ms\": [",
                      c.top_k ? "decode_topk" : "decode_dense", s.batch, s.context, s.head_dim, c.top_k,
                      kDecodeTileKeys, splits, is_default ? "true" : "false", one_launch ? 1 : 2, sets, bytes,
                      t.median_ms, t.p10_ms, t.p90_ms, gbs, copy_GB_per_s, prop.name);
        records.push_back(std::string(text) + samples + "]}");
        write_records(out_path, records);
      }
    }
  }
  return 0;
}

// One dense decode (both kernels) at one shape, default splits or those asked, for a profiler to attach.
int run_decode_profile(int batch, int context, int head_dim, int splits_asked) {
  const DecodeShape s{batch, 32, 8, context, head_dim};
  const std::size_t nq = static_cast<std::size_t>(s.batch) * s.heads * s.head_dim;
  const std::size_t nkv = static_cast<std::size_t>(s.batch) * s.kv_heads * s.context * s.head_dim;
  DeviceBuffer<std::uint16_t> q(nq), k(nkv), v(nkv), o(nq);
  CASCADESIM_LAUNCH(launch_random_fill_bf16(q.get(), nq, 1, kQkAmplitude, nullptr));
  CASCADESIM_LAUNCH(launch_random_fill_bf16(k.get(), nkv, 2, kQkAmplitude, nullptr));
  CASCADESIM_LAUNCH(launch_random_fill_bf16(v.get(), nkv, 3, kVAmplitude, nullptr));
  const DeviceCsr lists = upload_csr(decode_lists(s, 0, kDecodeTileKeys, 1));
  const int tiles = tile_count(s.context, kDecodeTileKeys);
  DeviceBuffer<float> po, pml;
  const int splits = splits_asked > 0 ? splits_asked
                                      : decode_default_splits(s.batch, s.kv_heads, tiles, s.head_dim,
                                                              s.heads / s.kv_heads, sm_count());
  CASCADESIM_LAUNCH(
      launch_decode(decode_args(q.get(), k.get(), v.get(), o.get(), lists, po, pml, s, splits), s.head_dim, nullptr));
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  return 0;
}

// One dense, one sparse (random top_k) and one anchor (block maxima) launch at one shape under the given schedule,
// for a profiler to attach: in that order, so that --launch-skip 1 still profiles the sparse pass.
int run_profile(int seq_len, int head_dim, int top_k, const Fa3Options& options) {
  const GqaShape g{{1, 32, seq_len, head_dim, true}, 32};
  const std::size_t n = elements(g.shape, 32);
  DeviceBuffer<std::uint16_t> q(n), k(n), v(n), o(n);
  CASCADESIM_LAUNCH(launch_random_fill_bf16(q.get(), n, 1, kQkAmplitude, nullptr));
  CASCADESIM_LAUNCH(launch_random_fill_bf16(k.get(), n, 2, kQkAmplitude, nullptr));
  CASCADESIM_LAUNCH(launch_random_fill_bf16(v.get(), n, 3, kVAmplitude, nullptr));
  set_attention_fa3_options(options);
  const DeviceCsr dense = upload_csr(dense_block_csr(g.shape, 128, 128));
  const DeviceCsr sparse = upload_csr(random_top_k(g.shape, top_k, 977 + top_k));
  DeviceBuffer<float> block_max(static_cast<std::size_t>(g.shape.heads) * tile_count(seq_len, 128) *
                                tile_count(seq_len, 128));
  CASCADESIM_LAUNCH(
      launch_attention_fa3(make_args(q.get(), k.get(), v.get(), o.get(), dense, nullptr, g), head_dim, nullptr));
  CASCADESIM_LAUNCH(
      launch_attention_fa3(make_args(q.get(), k.get(), v.get(), o.get(), sparse, nullptr, g), head_dim, nullptr));
  CASCADESIM_LAUNCH(launch_attention_fa3(make_args(q.get(), k.get(), v.get(), o.get(), dense, block_max.get(), g),
                                         head_dim, nullptr));
  CASCADESIM_CUDA(cudaDeviceSynchronize());
  return 0;
}

}  // namespace
}  // namespace cascadesim::validation

int main(int argc, char** argv) {
  using namespace cascadesim::validation;
  if (sm90_device_count() == 0) {
    std::fprintf(stderr, "cascadesim-fa3-bench: no compute capability 9.0 device\n");
    return 2;
  }
  try {
    if (argc >= 2 && std::strcmp(argv[1], "--check") == 0) {
      // --check [SEED [MAX_SHAPES]]
      const std::uint64_t seed = argc >= 3 ? std::strtoull(argv[2], nullptr, 10) : 20261206ull;
      return run_checks(seed, argc >= 4 ? std::atoi(argv[3]) : 1 << 30);
    }
    if (argc >= 3 && std::strcmp(argv[1], "--time") == 0) {
      // --time OUT.json [SEQ_LENS [DIMS [TOP_KS [HEADS [REPS]]]]]
      const std::vector<int> seq = parse_list(argc >= 4 ? argv[3] : "8192,16384,32768");
      const std::vector<int> dims = parse_list(argc >= 5 ? argv[4] : "64,128");
      const std::vector<int> top_ks = parse_list(argc >= 6 ? argv[5] : "1,2,5,8,16");
      const int heads = argc >= 7 ? std::atoi(argv[6]) : 32;
      const int reps = argc >= 8 ? std::atoi(argv[7]) : 20;
      return run_timing(argv[2], seq, dims, top_ks, heads, reps, kSchedules, false);
    }
    if (argc >= 3 && std::strcmp(argv[1], "--time-lowk") == 0) {
      // --time-lowk OUT.json [SEQ_LENS [DIMS [TOP_KS [REPS]]]]: causal MHA, default against deep buffers
      const std::vector<int> seq = parse_list(argc >= 4 ? argv[3] : "8192,16384,32768");
      const std::vector<int> dims = parse_list(argc >= 5 ? argv[4] : "64,128");
      const std::vector<int> top_ks = parse_list(argc >= 6 ? argv[5] : "1,2,5");
      return run_timing(argv[2], seq, dims, top_ks, 32, argc >= 7 ? std::atoi(argv[6]) : 20,
                        {Fa3Options{}, kDeep, Fa3Options{}, kDeep}, true);
    }
    if (argc >= 3 && std::strcmp(argv[1], "--time-coarse") == 0) {
      // --time-coarse OUT.json [SEQ_LENS [DIMS [REPS]]]: SEQ_LENS before pooling
      return run_coarse_timing(argv[2], parse_list(argc >= 4 ? argv[3] : "8192,32768"),
                               parse_list(argc >= 5 ? argv[4] : "64,128"), argc >= 6 ? std::atoi(argv[5]) : 20);
    }
    if (argc >= 3 && std::strcmp(argv[1], "--anchor-ab") == 0) {
      // --anchor-ab OUT.json [SEQ_LENS [DIMS [REPS [ROUNDS]]]]
      return run_anchor_ab(argv[2], parse_list(argc >= 4 ? argv[3] : "4096,8192,16384,32768"),
                           parse_list(argc >= 5 ? argv[4] : "64,128"), argc >= 6 ? std::atoi(argv[5]) : 20,
                           argc >= 7 ? std::atoi(argv[6]) : 3);
    }
    if (argc >= 2 && std::strcmp(argv[1], "--decode-check") == 0) return run_decode_checks(777);
    if (argc >= 3 && std::strcmp(argv[1], "--decode-time") == 0)
      return run_decode_timing(argv[2], argc >= 4 ? std::atoi(argv[3]) : 30);
    if (argc >= 5 && std::strcmp(argv[1], "--decode-profile") == 0)
      return run_decode_profile(std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]),
                                argc >= 6 ? std::atoi(argv[5]) : 0);
    if (argc >= 5 && std::strcmp(argv[1], "--profile") == 0) {
      // --profile SEQ_LEN HEAD_DIM TOP_K [PINGPONG PERSISTENT]
      // [Q_BUFFERS KV_STAGES] (0: the defaults)
      const Fa3Options options{argc >= 6 ? std::atoi(argv[5]) != 0 : true, argc >= 7 ? std::atoi(argv[6]) != 0 : true,
                               argc >= 8 ? std::atoi(argv[7]) : 0, argc >= 9 ? std::atoi(argv[8]) : 0};
      return run_profile(std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]), options);
    }
    std::fprintf(
        stderr,
        "usage: cascadesim-fa3-bench --check [SEED [MAX_SHAPES]]\n"
        "       cascadesim-fa3-bench --decode-check | --decode-time OUT.json [REPS]\n"
        "       cascadesim-fa3-bench --decode-profile BATCH CONTEXT HEAD_DIM [SPLITS]\n"
        "       cascadesim-fa3-bench --profile SEQ_LEN HEAD_DIM TOP_K [PINGPONG PERSISTENT [Q_BUFFERS KV_STAGES]]\n"
        "       cascadesim-fa3-bench --anchor-ab OUT.json [SEQ_LENS [DIMS [REPS [ROUNDS]]]]\n"
        "       cascadesim-fa3-bench --time OUT.json [SEQ_LENS [DIMS [TOP_KS [HEADS [REPS]]]]]\n"
        "       cascadesim-fa3-bench --time-lowk OUT.json [SEQ_LENS [DIMS [TOP_KS [REPS]]]]\n"
        "       cascadesim-fa3-bench --time-coarse OUT.json [SEQ_LENS [DIMS [REPS]]]\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cascadesim-fa3-bench: %s\n", e.what());
    return 1;
  }
}
