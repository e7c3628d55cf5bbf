// cascadesim-ring-attention: ring attention over P ranks with the fa3-style kernel (ring_attention.cuh), checked
// against the single-device fa3-style result over the whole sequence (same inputs) and the float64 CPU reference,
// and timed against that single-device layer, one JSON record per run with the plan parameters of
// models/parallel.hpp (devices, zigzag or its bidirectional form, rotate or on_demand, top_k).
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "validation/host/error_metrics.hpp"
#include "validation/host/multi_device_records.hpp"
#include "validation/host/random_inputs.hpp"
#include "validation/host/reference_attention.hpp"
#include "validation/kernels/attention_fa3.cuh"
#include "validation/kernels/random_fill.cuh"
#include "validation/multi_device/ring_attention.cuh"

namespace cascadesim::validation {
namespace {

constexpr double kOutputTolerance = 1e-2;  // relative Frobenius error, as fa3_bench's bf16 tolerance
constexpr double kLseTolerance = 2e-3;     // fp32 sums of exponentials against fp32 (or double) ones

struct Variant {
  const char* context;  // models' ContextParallel name, with the bidirectional form marked
  bool bidirectional;
  int top_k;  // 0: dense layer (K/V rotate); else a sparse layer fetching on demand
};

const char* kv_fetch_name(const Variant& v) { return v.top_k > 0 ? "on_demand" : "rotate"; }

AttentionShape whole_shape(const RingProblem& p) { return {p.batch, p.heads, p.layout.seq_len(), p.head_dim, true}; }

// The single-device layer: fa3-style over the whole sequence, causal, with the selection's lists or dense ones.
struct SingleDevice {
  DeviceBuffer<std::uint16_t> q, k, v, o;
  DeviceBuffer<float> lse;
  DeviceCsr lists;
  AttentionArgs args;
  SingleDevice(const RingProblem& p, const BlockCsr& csr) {
    CASCADESIM_CUDA(cudaSetDevice(0));
    const AttentionShape s = whole_shape(p);
    const std::size_t nq = static_cast<std::size_t>(p.batch) * p.heads * s.seq_len * p.head_dim;
    const std::size_t nkv = static_cast<std::size_t>(p.batch) * p.kv_heads * s.seq_len * p.head_dim;
    q = DeviceBuffer<std::uint16_t>(nq);
    k = DeviceBuffer<std::uint16_t>(nkv);
    v = DeviceBuffer<std::uint16_t>(nkv);
    o = DeviceBuffer<std::uint16_t>(nq);
    lse = DeviceBuffer<float>(static_cast<std::size_t>(p.batch) * p.heads * s.seq_len);
    lists = upload_csr(csr);
    args = make_args(q.get(), k.get(), v.get(), o.get(), lists, nullptr, GqaShape{s, p.kv_heads}, lse.get());
  }
};

BlockCsr layer_lists(const RingProblem& p, const Variant& v, std::uint64_t seed) {
  const AttentionShape s = whole_shape(p);
  return v.top_k > 0 ? sampled_top_k(p.batch, p.heads, s.seq_len, v.top_k, seed) : dense_block_csr(s, 128, 128);
}

double max_abs_diff(const std::vector<Bf16>& a, const std::vector<Bf16>& b) {
  double most = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    most = std::max(most, std::fabs(static_cast<double>(to_float(a[i])) - to_float(b[i])));
  return most;
}

// Each variant on P ranks against the single-device layer and the float64 reference, same inputs.
int run_checks(bool loopback, const std::vector<int>& rank_counts, const NcclApi* nccl) {
  LoopbackTransport loopback_transport;
  struct Shape {
    int heads, kv_heads, head_dim, chunk_tokens;
  };
  const Shape shapes[] = {{4, 2, 128, 256}, {2, 1, 64, 128}};
  // top_k 2 and 5 stay below the visible tiles of most query tiles (S = 256 P to 512 P: 2 P to 4 P tiles).
  const Variant variants[] = {
      {"zigzag", false, 0}, {"zigzag-bidirectional", true, 0}, {"zigzag", false, 2}, {"zigzag", false, 5}};
  int failures = 0, total = 0;
  for (int P : rank_counts) {
    std::unique_ptr<NcclTransport> nccl_transport;
    if (!loopback) nccl_transport = std::make_unique<NcclTransport>(*nccl, P);
    Transport& transport = loopback ? static_cast<Transport&>(loopback_transport) : *nccl_transport;
    for (const Shape& sh : shapes) {
      RingProblem p;
      p.layout = {P, sh.chunk_tokens};
      p.heads = sh.heads;
      p.kv_heads = sh.kv_heads;
      p.head_dim = sh.head_dim;
      const AttentionShape s = whole_shape(p);
      const std::size_t nq = static_cast<std::size_t>(p.heads) * s.seq_len * p.head_dim;
      const std::size_t nkv = static_cast<std::size_t>(p.kv_heads) * s.seq_len * p.head_dim;
      const std::uint64_t seed = 1000u * static_cast<unsigned>(P) + static_cast<unsigned>(sh.head_dim);
      const std::vector<Bf16> q = random_bf16(nq, seed, 2.0f), k = random_bf16(nkv, seed + 1, 2.0f),
                              v = random_bf16(nkv, seed + 2, 1.0f);
      const std::vector<Bf16> k_full = repeat_kv_heads(s, p.kv_heads, k), v_full = repeat_kv_heads(s, p.kv_heads, v);
      std::map<int, std::vector<double>> refs, ref_lses;  // by top_k: the two dense forms share theirs
      for (const Variant& var : variants) {
        ++total;
        p.bidirectional = var.bidirectional;
        const BlockCsr lists = layer_lists(p, var, seed + 7);
        p.selection = var.top_k > 0 ? &lists : nullptr;
        SingleDevice single(p, lists);
        single.q.upload(q);
        single.k.upload(k);
        single.v.upload(v);
        CASCADESIM_LAUNCH(launch_attention_fa3(single.args, p.head_dim, nullptr));
        CASCADESIM_CUDA(cudaDeviceSynchronize());
        const std::vector<Bf16> single_o = single.o.download<Bf16>();
        const std::vector<float> single_lse = single.lse.download<float>();
        if (!refs.count(var.top_k))
          refs[var.top_k] = reference_attention(s, q, k_full, v_full, p.selection, &ref_lses[var.top_k]);
        const std::vector<double>& ref = refs[var.top_k];
        const std::vector<double>& ref_lse = ref_lses[var.top_k];

        RingAttention ring(p, transport);
        ring.set_inputs(q, k, v);
        ring.enqueue();
        const std::vector<Bf16> ring_o = ring.output();
        const std::vector<float> ring_lse = ring.row_lse();
        std::vector<double> single_as_double(single_o.size());
        for (std::size_t i = 0; i < single_o.size(); ++i) single_as_double[i] = to_float(single_o[i]);
        const ErrorStats vs_single = compare(ring_o, single_as_double);
        const ErrorStats vs_ref = compare(ring_o, ref);
        std::vector<float> ref_lse_f(ref_lse.begin(), ref_lse.end());
        const BlockMaxDiff lse_vs_single = compare_block_max(ring_lse, single_lse);
        const BlockMaxDiff lse_vs_ref = compare_block_max(ring_lse, ref_lse_f);
        const BlockMaxDiff single_lse_vs_ref = compare_block_max(single_lse, ref_lse_f);
        const bool ok = vs_single.passes(kOutputTolerance) && vs_ref.passes(kOutputTolerance) &&
                        lse_vs_single.mismatched_infinities == 0 && lse_vs_single.max_abs_diff < kLseTolerance &&
                        lse_vs_ref.mismatched_infinities == 0 && lse_vs_ref.max_abs_diff < kLseTolerance &&
                        single_lse_vs_ref.mismatched_infinities == 0 && single_lse_vs_ref.max_abs_diff < kLseTolerance;
        std::printf(
            "%-4s %s P=%d %-21s top_k=%-2d S=%-5d hq=%d hkv=%d d=%-3d  vs single: rel %.2e max_abs %.2e lse %.2e  vs "
            "float64: rel %.2e lse %.2e (single-device lse %.2e)\n",
            ok ? "ok" : "FAIL", ring.transport_name().c_str(), P, var.context, var.top_k, s.seq_len, p.heads,
            p.kv_heads, p.head_dim, vs_single.relative_error, max_abs_diff(ring_o, single_o),
            lse_vs_single.max_abs_diff, vs_ref.relative_error, lse_vs_ref.max_abs_diff, single_lse_vs_ref.max_abs_diff);
        std::fflush(stdout);
        failures += ok ? 0 : 1;
      }
    }
  }
  std::printf("%d of %d ring-attention checks pass\n", total - failures, total);
  return failures == 0 ? 0 : 1;
}

// The single-device layer, then each variant on each rank count, at each sequence length; every record is written
// as soon as it is measured.
int run_timing(const std::string& out_path, bool loopback, const std::vector<int>& rank_counts,
               const std::vector<int>& seq_lens, const std::vector<int>& top_ks, int repetitions, int heads,
               int kv_heads, int head_dim, const std::vector<int>& reserved_sms, const NcclApi* nccl) {
  const DeviceInfo device = device_info(0);
  std::vector<std::string> records;
  LoopbackTransport loopback_transport;
  std::map<int, std::unique_ptr<NcclTransport>> nccl_transports;  // by rank count, made once
  std::vector<Variant> variants = {{"zigzag", false, 0}, {"zigzag-bidirectional", true, 0}};
  for (int k : top_ks) variants.push_back({"zigzag", false, k});
  for (int S : seq_lens) {
    const int reps = S >= 262144 ? std::max(2, repetitions / 2) : repetitions;
    std::map<int, double> single_ms;  // by top_k (0: dense)
    for (const Variant& var : variants) {
      if (var.bidirectional && var.top_k > 0) continue;
      RingProblem base;
      base.heads = heads;
      base.kv_heads = kv_heads;
      base.head_dim = head_dim;
      base.layout = {1, S / 2};
      // The bidirectional form shares the dense ring's single-device layer and needs no lists of its own (268M
      // entries at 512K).
      const BlockCsr lists =
          var.bidirectional ? BlockCsr{} : layer_lists(base, var, 4242 + static_cast<unsigned>(var.top_k));
      // One single-device layer per list (the two dense forms share theirs).
      if (!var.bidirectional) {
        SingleDevice single(base, lists);
        CASCADESIM_LAUNCH(launch_random_fill_bf16(single.q.get(), single.q.size(), 1, 2.0f, nullptr));
        CASCADESIM_LAUNCH(launch_random_fill_bf16(single.k.get(), single.k.size(), 2, 2.0f, nullptr));
        CASCADESIM_LAUNCH(launch_random_fill_bf16(single.v.get(), single.v.size(), 3, 1.0f, nullptr));
        const Timing t = time_launches([&] { return launch_attention_fa3(single.args, head_dim, nullptr); }, 1, reps);
        single_ms[var.top_k] = t.median_ms;
        RingMeasurement m;
        m.variant = "single-device";
        m.kv_fetch = "none";
        m.transport = "none";
        m.heads = heads;
        m.kv_heads = kv_heads;
        m.seq_len = S;
        m.head_dim = head_dim;
        m.top_k = var.top_k;
        m.executed_blocks = listed_blocks(lists);
        m.flop_count = static_cast<double>(m.executed_blocks) * 4.0 * 128 * 128 * head_dim;
        m.single_device_ms = t.median_ms;
        m.time = {t.median_ms, t.p10_ms, t.p90_ms};
        std::printf("single-device  top_k=%-2d S=%-7d median %9.3f ms\n", var.top_k, S, t.median_ms);
        records.push_back(ring_record_json(m, device));
        write_records(out_path, records);
      }
      for (int P : rank_counts) {
        if (P < 2 || S % (2 * P * 128) != 0) continue;
        for (int reserved : reserved_sms) {
          RingProblem p = base;
          p.layout = {P, S / (2 * P)};
          p.bidirectional = var.bidirectional;
          p.selection = var.top_k > 0 ? &lists : nullptr;
          p.reserved_sms = reserved;
          if (!loopback && !nccl_transports[P]) nccl_transports[P] = std::make_unique<NcclTransport>(*nccl, P);
          RingAttention ring(p, loopback ? static_cast<Transport&>(loopback_transport) : *nccl_transports[P]);
          ring.fill_random(77);
          ring.run_timed_ms();  // warm-up
          std::vector<double> samples;
          for (int i = 0; i < reps; ++i) samples.push_back(ring.run_timed_ms());
          const Timing t = summarize(samples);
          RingMeasurement m;
          m.variant = var.context;
          m.kv_fetch = kv_fetch_name(var);
          m.transport = ring.transport_name();
          m.devices = P;
          m.heads = heads;
          m.kv_heads = kv_heads;
          m.seq_len = S;
          m.head_dim = head_dim;
          m.top_k = var.top_k;
          m.executed_blocks = ring.executed_blocks();
          m.flop_count = static_cast<double>(m.executed_blocks) * 4.0 * 128 * 128 * head_dim;
          m.sent_bytes_max = ring.max_sent_bytes();
          m.single_device_ms = single_ms[var.top_k];
          m.reserved_sms = reserved;
          m.time = {t.median_ms, t.p10_ms, t.p90_ms};
          std::printf(
              "%-8s P=%d %-21s top_k=%-2d S=%-7d reserved_sms=%-2d median %9.3f ms  sent %8.1f MB/rank  speedup "
              "%.2fx\n",
              ring.transport_name().c_str(), P, var.context, var.top_k, S, reserved, t.median_ms,
              m.sent_bytes_max / 1e6, m.single_device_ms / t.median_ms);
          std::fflush(stdout);
          records.push_back(ring_record_json(m, device));
          write_records(out_path, records);
        }
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace cascadesim::validation

int main(int argc, char** argv) {
  using namespace cascadesim::validation;
  const int devices = sm90_device_count();
  if (devices == 0) {
    std::fprintf(stderr, "cascadesim-ring-attention: no compute capability 9.0 device\n");
    return 2;
  }
  try {
    const bool check = argc >= 2 && std::strcmp(argv[1], "--check") == 0;
    const bool time = argc >= 3 && std::strcmp(argv[1], "--time") == 0;
    const int first = check ? 2 : 3;  // TRANSPORT's position
    const std::string transport = argc > first ? argv[first] : "loopback";
    if ((!check && !time) || (transport != "loopback" && transport != "nccl")) {
      std::fprintf(stderr,
                   "usage: cascadesim-ring-attention --check [loopback|nccl [RANKS]]\n"
                   "       cascadesim-ring-attention --time OUT.json [loopback|nccl [RANKS [SEQ_LENS [TOP_KS [REPS "
                   "[HEADS KV_HEADS HEAD_DIM [RESERVED_SMS]]]]]]]\n"
                   "RANKS, SEQ_LENS, TOP_KS: comma lists (defaults 1,2,4 / 2,4,8 for --time; 32768,131072,524288; "
                   "5,16); HEADS KV_HEADS HEAD_DIM default 32 8 128 (LLaMA-3.1-8B, the ring studies' model);\n"
                   "RESERVED_SMS: comma list (default 0) of SMs the attention leaves to NCCL's kernels, each timed.\n"
                   "nccl: rank r on GPU r, NCCL_NVLS_ENABLE=0; loopback: every rank on GPU 0.\n");
      return 2;
    }
    const bool loopback = transport == "loopback";
    std::unique_ptr<NcclApi> nccl;
    if (!loopback) {
      keep_nvls_off();
      nccl = std::make_unique<NcclApi>(load_nccl());
    }
    const std::vector<int> ranks = parse_list(argc > first + 1 ? argv[first + 1] : (check ? "1,2,4" : "2,4,8"));
    for (int P : ranks) {
      if (P < 1 || (!loopback && P > devices)) {
        std::fprintf(stderr, "cascadesim-ring-attention: RANKS: %d is not 1..%d (nccl: one GPU a rank)\n", P,
                     loopback ? 64 : devices);
        return 2;
      }
    }
    if (check) return run_checks(loopback, ranks, nccl.get());
    const std::vector<int> seq = parse_list(argc > 5 ? argv[5] : "32768,131072,524288");
    const std::vector<int> top_ks = parse_list(argc > 6 ? argv[6] : "5,16");
    const int reps = argc > 7 ? std::atoi(argv[7]) : 5;
    const int heads = argc > 8 ? std::atoi(argv[8]) : 32;
    const int kv_heads = argc > 9 ? std::atoi(argv[9]) : 8;
    const int head_dim = argc > 10 ? std::atoi(argv[10]) : 128;
    const std::vector<int> reserved = parse_list(argc > 11 ? argv[11] : "0");
    if (std::any_of(reserved.begin(), reserved.end(), [](int r) { return r < 0; })) {
      std::fprintf(stderr, "cascadesim-ring-attention: RESERVED_SMS: counts must be >= 0\n");
      return 2;
    }
    return run_timing(argv[2], loopback, ranks, seq, top_ks, std::max(1, reps), heads, kv_heads, head_dim, reserved,
                      nccl.get());
  } catch (const DeviceOutOfMemory& e) {
    std::fprintf(stderr, "cascadesim-ring-attention: %s\n", e.what());
    return 2;
  } catch (const NcclUnavailable& e) {
    std::fprintf(stderr, "cascadesim-ring-attention: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cascadesim-ring-attention: %s\n", e.what());
    return 1;
  }
}
