// Ring attention over P ranks with the fa3-style kernel (ring_attention.cuh).
#include "validation/multi_device/ring_attention.cuh"

#include <cuda_bf16.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "validation/host/lse_merge.hpp"
#include "validation/kernels/attention_fa3.cuh"
#include "validation/kernels/random_fill.cuh"

namespace cascadesim::validation {

namespace {

constexpr int kTileRows = 128;
constexpr int kMergeThreads = 256;
constexpr int kColumnsPerThread = 8;

// One thread per 8 columns of a row; each row's weights come from the two log-sum-exps (lse_merge_weights).
__global__ void lse_merge_kernel(float* acc, const float* lse_acc_in, float* lse_acc_out, const std::uint16_t* part,
                                 const float* part_lse, std::uint16_t* out, std::int64_t rows, int head_dim,
                                 bool first) {
  const int chunks = head_dim / kColumnsPerThread;
  const std::int64_t index = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index >= rows * chunks) return;
  const std::int64_t row = index / chunks;
  const std::int64_t base = row * head_dim + (index % chunks) * kColumnsPerThread;
  const LseMergeWeights<float> w = lse_merge_weights(first ? -INFINITY : lse_acc_in[row], part_lse[row]);
  const uint4 bits = *reinterpret_cast<const uint4*>(part + base);
  const __nv_bfloat16* p = reinterpret_cast<const __nv_bfloat16*>(&bits);
  float merged[kColumnsPerThread];
#pragma unroll
  for (int c = 0; c < kColumnsPerThread; ++c) {
    const float a = first ? 0.0f : acc[base + c];
    // A zero weight must not meet an unwritten (NaN) value: skip the product then.
    merged[c] =
        (w.accumulated != 0.0f ? w.accumulated * a : 0.0f) + (w.part != 0.0f ? w.part * __bfloat162float(p[c]) : 0.0f);
    acc[base + c] = merged[c];
  }
  if (out) {
    uint4 packed;
    __nv_bfloat16* o = reinterpret_cast<__nv_bfloat16*>(&packed);
#pragma unroll
    for (int c = 0; c < kColumnsPerThread; ++c) o[c] = __float2bfloat16_rn(merged[c]);
    *reinterpret_cast<uint4*>(out + base) = packed;
  }
  if (index % chunks == 0) lse_acc_out[row] = w.lse;
}

// entries[3 i .. 3 i + 2] = (slice, source tile, slot): copies that 128-row tile of K (blockIdx.y 0) or V (1) of
// `slice` into the slot of the same slice of the packed buffer ([slices, rows_per_slice, head_dim] both).
__global__ void pack_tiles_kernel(const std::uint16_t* k, const std::uint16_t* v, std::uint16_t* k_out,
                                  std::uint16_t* v_out, const int* entries, int rows_per_slice, int head_dim) {
  const int slice = entries[3 * blockIdx.x], tile = entries[3 * blockIdx.x + 1], slot = entries[3 * blockIdx.x + 2];
  const std::uint16_t* src = blockIdx.y == 0 ? k : v;
  std::uint16_t* dst = blockIdx.y == 0 ? k_out : v_out;
  const std::size_t slice_base = static_cast<std::size_t>(slice) * rows_per_slice * head_dim;
  const uint4* from =
      reinterpret_cast<const uint4*>(src + slice_base + static_cast<std::size_t>(tile) * kTileRows * head_dim);
  uint4* to = reinterpret_cast<uint4*>(dst + slice_base + static_cast<std::size_t>(slot) * kTileRows * head_dim);
  const int vectors = kTileRows * head_dim / 8;
  for (int i = threadIdx.x; i < vectors; i += blockDim.x) to[i] = from[i];
}

}  // namespace

cudaError_t launch_lse_merge(float* acc, const float* lse_acc_in, float* lse_acc_out, const std::uint16_t* part,
                             const float* part_lse, std::uint16_t* out, std::int64_t rows, int head_dim, bool first,
                             cudaStream_t stream) {
  if (head_dim % kColumnsPerThread != 0 || rows < 1) return cudaErrorInvalidValue;
  const std::int64_t threads = rows * (head_dim / kColumnsPerThread);
  const auto blocks = static_cast<unsigned>((threads + kMergeThreads - 1) / kMergeThreads);
  lse_merge_kernel<<<blocks, kMergeThreads, 0, stream>>>(acc, lse_acc_in, lse_acc_out, part, part_lse, out, rows,
                                                         head_dim, first);
  return cudaSuccess;
}

// ---- transports ----

void LoopbackTransport::exchange(const std::vector<Transfer>& transfers,
                                 const std::vector<cudaStream_t>& comm_streams) {
  for (const Transfer& t : transfers)
    CASCADESIM_CUDA(
        cudaMemcpyAsync(t.dst, t.src, t.bytes, cudaMemcpyDeviceToDevice, comm_streams[static_cast<std::size_t>(t.to)]));
}

NcclTransport::NcclTransport(const NcclApi& api, int ranks) : api_(api), comms_(static_cast<std::size_t>(ranks)) {
  std::vector<int> devices(comms_.size());
  for (std::size_t r = 0; r < devices.size(); ++r) devices[r] = static_cast<int>(r);
  CASCADESIM_NCCL(api_, api_.comm_init_all(comms_.data(), ranks, devices.data()));
}

NcclTransport::~NcclTransport() {
  for (ncclComm_t c : comms_)
    if (c) api_.comm_destroy(c);
}

void NcclTransport::exchange(const std::vector<Transfer>& transfers, const std::vector<cudaStream_t>& comm_streams) {
  if (transfers.empty()) return;
  CASCADESIM_NCCL(api_, api_.group_start());
  for (const Transfer& t : transfers) {
    const auto from = static_cast<std::size_t>(t.from), to = static_cast<std::size_t>(t.to);
    CASCADESIM_NCCL(api_, api_.send(t.src, t.bytes, ncclInt8, t.to, comms_[from], comm_streams[from]));
    CASCADESIM_NCCL(api_, api_.recv(t.dst, t.bytes, ncclInt8, t.from, comms_[to], comm_streams[to]));
  }
  CASCADESIM_NCCL(api_, api_.group_end());
}

// ---- the layer ----

struct RingAttention::Rank {
  int device = 0;
  cudaStream_t compute = nullptr, comm = nullptr;
  DeviceBuffer<std::uint16_t> q, k, v, ring_k[2], ring_v[2], send_k, send_v, part_o, out;
  DeviceBuffer<float> part_lse, acc, lse[2];
  std::vector<DeviceCsr> lists;          // per step
  std::vector<char> causal;              // per step
  std::vector<std::int64_t> blocks;      // per step: 0 skips the step
  std::vector<DeviceBuffer<int>> packs;  // per step: what this rank packs for the rank it sends to (sparse)
  std::vector<int> pack_entries;         // per step
  cudaEvent_t recv_done[2] = {}, compute_done[2] = {}, start = nullptr, stop = nullptr;
  double sent_bytes = 0;
  int merges = 0;  // merges enqueued by the last enqueue()

  std::uint16_t* buffer(RingBuffer b, bool values) const {
    switch (b) {
      case RingBuffer::own:
        return (values ? v : k).get();
      case RingBuffer::ring0:
        return (values ? ring_v[0] : ring_k[0]).get();
      case RingBuffer::ring1:
        return (values ? ring_v[1] : ring_k[1]).get();
      case RingBuffer::send:
        break;
    }
    return (values ? send_v : send_k).get();
  }
  const std::uint16_t* block_k(int step) const { return buffer(held_buffer(step), false); }
  const std::uint16_t* block_v(int step) const { return buffer(held_buffer(step), true); }
};

RingAttention::RingAttention(const RingProblem& problem, Transport& transport)
    : problem_(problem), loopback_(transport.name() == "loopback"), transport_(transport) {
  const bool loopback = loopback_;
  const ZigzagLayout& L = problem.layout;
  const int P = L.ranks;
  const RingProblem& pr = problem;
  if (pr.heads % pr.kv_heads != 0 || (pr.head_dim != 64 && pr.head_dim != 128))
    throw std::invalid_argument("ring attention: kv_heads must divide heads, head_dim 64 or 128");
  if (auto* nccl = dynamic_cast<NcclTransport*>(&transport); nccl && nccl->ranks() != problem.layout.ranks)
    throw std::invalid_argument("ring attention: the NCCL transport has another rank count");
  const std::size_t local = static_cast<std::size_t>(L.local_tokens());
  const std::size_t q_elems = static_cast<std::size_t>(pr.batch) * pr.heads * local * pr.head_dim;
  const std::size_t kv_elems = static_cast<std::size_t>(pr.batch) * pr.kv_heads * local * pr.head_dim;
  const std::size_t rows = static_cast<std::size_t>(pr.batch) * pr.heads * local;
  const bool sparse = pr.selection != nullptr;
  if (loopback) {
    CASCADESIM_CUDA(cudaSetDevice(0));
    CASCADESIM_CUDA(cudaStreamCreateWithFlags(&shared_compute_, cudaStreamNonBlocking));
    CASCADESIM_CUDA(cudaStreamCreateWithFlags(&shared_comm_, cudaStreamNonBlocking));
  }
  std::vector<std::vector<OnDemandStep>> fetches(static_cast<std::size_t>(P));
  for (int r = 0; r < P; ++r) {
    auto rank = std::make_unique<Rank>();
    rank->device = loopback ? 0 : r;
    CASCADESIM_CUDA(cudaSetDevice(rank->device));
    if (loopback) {
      rank->compute = shared_compute_;
      rank->comm = shared_comm_;
    } else {
      CASCADESIM_CUDA(cudaStreamCreateWithFlags(&rank->compute, cudaStreamNonBlocking));
      CASCADESIM_CUDA(cudaStreamCreateWithFlags(&rank->comm, cudaStreamNonBlocking));
    }
    comm_streams_.push_back(rank->comm);
    for (int i = 0; i < 2; ++i) {
      CASCADESIM_CUDA(cudaEventCreateWithFlags(&rank->recv_done[i], cudaEventDisableTiming));
      CASCADESIM_CUDA(cudaEventCreateWithFlags(&rank->compute_done[i], cudaEventDisableTiming));
    }
    CASCADESIM_CUDA(cudaEventCreate(&rank->start));
    CASCADESIM_CUDA(cudaEventCreate(&rank->stop));
    rank->q = DeviceBuffer<std::uint16_t>(q_elems);
    rank->k = DeviceBuffer<std::uint16_t>(kv_elems);
    rank->v = DeviceBuffer<std::uint16_t>(kv_elems);
    if (P > 1)
      for (int i = 0; i < 2; ++i) {
        rank->ring_k[i] = DeviceBuffer<std::uint16_t>(kv_elems);
        rank->ring_v[i] = DeviceBuffer<std::uint16_t>(kv_elems);
      }
    if (sparse && P > 1) {
      rank->send_k = DeviceBuffer<std::uint16_t>(kv_elems);
      rank->send_v = DeviceBuffer<std::uint16_t>(kv_elems);
    }
    rank->part_o = DeviceBuffer<std::uint16_t>(q_elems);
    rank->out = DeviceBuffer<std::uint16_t>(q_elems);
    rank->part_lse = DeviceBuffer<float>(rows);
    rank->acc = DeviceBuffer<float>(q_elems);
    rank->lse[0] = DeviceBuffer<float>(rows);
    rank->lse[1] = DeviceBuffer<float>(rows);
    for (int s = 0; s < P; ++s) {
      StepList list;
      if (sparse) {
        if (s == 0)
          fetches[static_cast<std::size_t>(r)] = on_demand_steps(L, r, *pr.selection, pr.batch, pr.heads, pr.kv_heads);
        list = fetches[static_cast<std::size_t>(r)][static_cast<std::size_t>(s)].list;
      } else {
        list = ring_step_list(L, r, ring_sources(L, r, s, pr.bidirectional), pr.batch, pr.heads);
      }
      rank->lists.push_back(upload_csr(list.csr));
      rank->causal.push_back(list.causal_needed ? 1 : 0);
      rank->blocks.push_back(listed_blocks(list.csr));
      executed_blocks_ += listed_blocks(list.csr);
    }
    ranks_.push_back(std::move(rank));
  }

  // What moves before each step s >= 1 (ring_plan.hpp): blocks or halves forwarded round the ring, or the packed
  // tiles the receiver's step-s list names, sent by its step-s source.
  const int slices = pr.batch * pr.kv_heads;
  transfers_.assign(static_cast<std::size_t>(P), {});
  for (int s = 1; s < P; ++s) {
    const std::vector<PlannedTransfer> planned = sparse ? on_demand_transfers(L, s, fetches, pr.head_dim)
                                                        : ring_transfers(L, s, pr.bidirectional, slices, pr.head_dim);
    std::vector<Transfer>& out = transfers_[static_cast<std::size_t>(s)];
    for (const PlannedTransfer& t : planned) {
      const Rank& from = *ranks_[static_cast<std::size_t>(t.from)];
      const Rank& to = *ranks_[static_cast<std::size_t>(t.to)];
      for (bool values : {false, true})
        out.push_back({t.from, t.to, from.buffer(t.src, values) + t.src_offset, to.buffer(t.dst, values) + t.dst_offset,
                       t.elements * sizeof(std::uint16_t)});
      ranks_[static_cast<std::size_t>(t.from)]->sent_bytes += 2.0 * static_cast<double>(t.elements * 2);
    }
    if (!sparse) continue;
    for (int o = 0; o < P; ++o) {
      Rank& from = *ranks_[static_cast<std::size_t>(o)];
      const std::vector<int> entries = pack_entries(L, o, s, fetches);
      CASCADESIM_CUDA(cudaSetDevice(from.device));
      from.packs.emplace_back(std::max<std::size_t>(1, entries.size()));
      if (!entries.empty()) from.packs.back().upload(entries);
      from.pack_entries.push_back(static_cast<int>(entries.size() / 3));
    }
  }
}

RingAttention::~RingAttention() {
  synchronize();
  for (auto& rank : ranks_) {
    cudaSetDevice(rank->device);
    for (int i = 0; i < 2; ++i) {
      cudaEventDestroy(rank->recv_done[i]);
      cudaEventDestroy(rank->compute_done[i]);
    }
    cudaEventDestroy(rank->start);
    cudaEventDestroy(rank->stop);
    if (!loopback_) {
      cudaStreamDestroy(rank->compute);
      cudaStreamDestroy(rank->comm);
    }
  }
  if (loopback_) {
    cudaSetDevice(0);
    cudaStreamDestroy(shared_compute_);
    cudaStreamDestroy(shared_comm_);
  }
}

void RingAttention::synchronize() {
  for (auto& rank : ranks_) {
    cudaSetDevice(rank->device);
    cudaStreamSynchronize(rank->compute);
    cudaStreamSynchronize(rank->comm);
  }
}

void RingAttention::set_inputs(const std::vector<Bf16>& q, const std::vector<Bf16>& k, const std::vector<Bf16>& v) {
  const RingProblem& pr = problem_;
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    Rank& rank = *ranks_[r];
    CASCADESIM_CUDA(cudaSetDevice(rank.device));
    const int ri = static_cast<int>(r);
    rank.q.upload(zigzag_shard(pr.layout, ri, pr.batch * pr.heads, pr.head_dim, q));
    rank.k.upload(zigzag_shard(pr.layout, ri, pr.batch * pr.kv_heads, pr.head_dim, k));
    rank.v.upload(zigzag_shard(pr.layout, ri, pr.batch * pr.kv_heads, pr.head_dim, v));
  }
}

void RingAttention::fill_random(std::uint64_t seed) {
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    Rank& rank = *ranks_[r];
    CASCADESIM_CUDA(cudaSetDevice(rank.device));
    CASCADESIM_LAUNCH(launch_random_fill_bf16(rank.q.get(), rank.q.size(), seed + 3 * r, 2.0f, nullptr));
    CASCADESIM_LAUNCH(launch_random_fill_bf16(rank.k.get(), rank.k.size(), seed + 3 * r + 1, 2.0f, nullptr));
    CASCADESIM_LAUNCH(launch_random_fill_bf16(rank.v.get(), rank.v.size(), seed + 3 * r + 2, 1.0f, nullptr));
    CASCADESIM_CUDA(cudaDeviceSynchronize());
  }
}

void RingAttention::enqueue() {
  const RingProblem& pr = problem_;
  const int P = pr.layout.ranks;
  const std::int64_t rows = static_cast<std::int64_t>(pr.batch) * pr.heads * pr.layout.local_tokens();
  // Each rank's last step with blocks: its merge also writes the bf16 output.
  std::vector<int> last_step(static_cast<std::size_t>(P), 0);
  for (int r = 0; r < P; ++r) {
    ranks_[static_cast<std::size_t>(r)]->merges = 0;
    for (int s = 0; s < P; ++s)
      if (ranks_[static_cast<std::size_t>(r)]->blocks[static_cast<std::size_t>(s)] > 0)
        last_step[static_cast<std::size_t>(r)] = s;
  }
  auto exchange = [&](int s) {
    for (auto& rank : ranks_) {
      CASCADESIM_CUDA(cudaSetDevice(rank->device));
      // The destination buffer was last read by step s - 2.
      if (s >= 2) CASCADESIM_CUDA(cudaStreamWaitEvent(rank->comm, rank->compute_done[s % 2], 0));
      if (pr.selection && rank->pack_entries[static_cast<std::size_t>(s - 1)] > 0) {
        const dim3 grid(static_cast<unsigned>(rank->pack_entries[static_cast<std::size_t>(s - 1)]), 2);
        pack_tiles_kernel<<<grid, 256, 0, rank->comm>>>(
            rank->k.get(), rank->v.get(), rank->send_k.get(), rank->send_v.get(),
            rank->packs[static_cast<std::size_t>(s - 1)].get(), pr.layout.local_tokens(), pr.head_dim);
        CASCADESIM_CUDA(cudaGetLastError());
      }
    }
    transport_.exchange(transfers_[static_cast<std::size_t>(s)], comm_streams_);
    for (auto& rank : ranks_) {
      CASCADESIM_CUDA(cudaSetDevice(rank->device));
      CASCADESIM_CUDA(cudaEventRecord(rank->recv_done[s % 2], rank->comm));
    }
  };
  const Fa3Options previous = attention_fa3_options();
  Fa3Options options = previous;
  options.reserved_sms = pr.reserved_sms;
  set_attention_fa3_options(options);
  for (int s = 0; s < P; ++s) {
    if (s + 1 < P) exchange(s + 1);
    for (int r = 0; r < P; ++r) {
      Rank& rank = *ranks_[static_cast<std::size_t>(r)];
      CASCADESIM_CUDA(cudaSetDevice(rank.device));
      if (s > 0) CASCADESIM_CUDA(cudaStreamWaitEvent(rank.compute, rank.recv_done[s % 2], 0));
      if (rank.blocks[static_cast<std::size_t>(s)] > 0) {
        AttentionArgs a;
        a.q = rank.q.get();
        a.k = rank.block_k(s);
        a.v = rank.block_v(s);
        a.o = rank.part_o.get();
        a.lse = rank.part_lse.get();
        a.row_offsets = rank.lists[static_cast<std::size_t>(s)].row_offsets.get();
        a.col_indices = rank.lists[static_cast<std::size_t>(s)].col_indices.get();
        a.batch = pr.batch;
        a.heads = pr.heads;
        a.kv_heads = pr.kv_heads;
        a.seq_len = pr.layout.local_tokens();
        a.causal = rank.causal[static_cast<std::size_t>(s)] != 0;
        CASCADESIM_LAUNCH(launch_attention_fa3(a, pr.head_dim, rank.compute));
        const int m = rank.merges++;
        CASCADESIM_LAUNCH(launch_lse_merge(rank.acc.get(), rank.lse[(m + 1) % 2].get(), rank.lse[m % 2].get(),
                                           rank.part_o.get(), rank.part_lse.get(),
                                           s == last_step[static_cast<std::size_t>(r)] ? rank.out.get() : nullptr, rows,
                                           pr.head_dim, m == 0, rank.compute));
      }
      CASCADESIM_CUDA(cudaEventRecord(rank.compute_done[s % 2], rank.compute));
    }
  }
  set_attention_fa3_options(previous);
}

double RingAttention::run_timed_ms() {
  synchronize();
  for (auto& rank : ranks_) {
    CASCADESIM_CUDA(cudaSetDevice(rank->device));
    CASCADESIM_CUDA(cudaEventRecord(rank->start, rank->compute));
  }
  enqueue();
  for (auto& rank : ranks_) {
    CASCADESIM_CUDA(cudaSetDevice(rank->device));
    CASCADESIM_CUDA(cudaEventRecord(rank->stop, rank->compute));
  }
  double slowest = 0;
  for (auto& rank : ranks_) {
    CASCADESIM_CUDA(cudaSetDevice(rank->device));
    CASCADESIM_CUDA(cudaEventSynchronize(rank->stop));
    float ms = 0;
    CASCADESIM_CUDA(cudaEventElapsedTime(&ms, rank->start, rank->stop));
    slowest = std::max(slowest, static_cast<double>(ms));
  }
  return slowest;
}

std::vector<Bf16> RingAttention::output() {
  synchronize();
  const RingProblem& pr = problem_;
  std::vector<Bf16> whole(static_cast<std::size_t>(pr.batch) * pr.heads * pr.layout.seq_len() * pr.head_dim);
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    CASCADESIM_CUDA(cudaSetDevice(ranks_[r]->device));
    zigzag_unshard(pr.layout, static_cast<int>(r), pr.batch * pr.heads, pr.head_dim, ranks_[r]->out.download<Bf16>(),
                   whole);
  }
  return whole;
}

std::vector<float> RingAttention::row_lse() {
  synchronize();
  const RingProblem& pr = problem_;
  std::vector<float> whole(static_cast<std::size_t>(pr.batch) * pr.heads * pr.layout.seq_len());
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    Rank& rank = *ranks_[r];
    CASCADESIM_CUDA(cudaSetDevice(rank.device));
    zigzag_unshard(pr.layout, static_cast<int>(r), pr.batch * pr.heads, 1,
                   rank.lse[(rank.merges - 1) % 2].download<float>(), whole);
  }
  return whole;
}

double RingAttention::max_sent_bytes() const {
  double most = 0;
  for (const auto& rank : ranks_) most = std::max(most, rank->sent_bytes);
  return most;
}

}  // namespace cascadesim::validation
