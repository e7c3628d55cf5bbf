// cascadesim-nccl-bench: NCCL all-reduce, all-gather, reduce-scatter and a send/recv ring over every visible GPU,
// message sizes 8 B to 1 GiB (powers of 2), event-timed, median/p10/p90 with nccl-tests' algorithm and bus
// bandwidths (multi_device_records.hpp), to fit the interconnect section of a multi-GPU preset. One process drives
// all GPUs (ncclCommInitAll, each collective as one group over the ranks), as nccl-tests' -g form: no MPI is needed
// on a single host, and the ring-attention runner uses the same form. With one GPU it runs one rank.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "validation/host/multi_device_records.hpp"
#include "validation/kernels/cuda_support.cuh"
#include "validation/multi_device/nccl_api.hpp"
#include "validation/runner/bench_common.cuh"

namespace cascadesim::validation {
namespace {

using models::Collective;

struct Rank {
  int device = 0;
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  DeviceBuffer<float> send, recv;  // sized in bytes, rounded up to floats
  cudaEvent_t start = nullptr, stop = nullptr;
};

class Communicator {
 public:
  Communicator(const NcclApi& api, int gpus, std::size_t buffer_bytes) : api_(api), ranks_(gpus) {
    std::vector<int> devices(gpus);
    std::vector<ncclComm_t> comms(gpus);
    for (int r = 0; r < gpus; ++r) devices[r] = r;
    CASCADESIM_NCCL(api_, api_.comm_init_all(comms.data(), gpus, devices.data()));
    for (int r = 0; r < gpus; ++r) {
      Rank& k = ranks_[r];
      k.device = r;
      k.comm = comms[r];
      CASCADESIM_CUDA(cudaSetDevice(r));
      CASCADESIM_CUDA(cudaStreamCreateWithFlags(&k.stream, cudaStreamNonBlocking));
      CASCADESIM_CUDA(cudaEventCreate(&k.start));
      CASCADESIM_CUDA(cudaEventCreate(&k.stop));
      k.send = DeviceBuffer<float>((buffer_bytes + 3) / 4);
      k.recv = DeviceBuffer<float>((buffer_bytes + 3) / 4);
    }
  }
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  ~Communicator() {
    for (Rank& k : ranks_) {
      cudaSetDevice(k.device);
      cudaStreamSynchronize(k.stream);
      if (k.comm) api_.comm_destroy(k.comm);
      cudaEventDestroy(k.start);
      cudaEventDestroy(k.stop);
      cudaStreamDestroy(k.stream);
      k.send = DeviceBuffer<float>();
      k.recv = DeviceBuffer<float>();
    }
  }
  int size() const { return static_cast<int>(ranks_.size()); }
  Rank& rank(int r) { return ranks_[static_cast<std::size_t>(r)]; }

  // One collective of `bytes` (bus_bandwidth_factor's meaning) on every rank, as one group. Floats for the
  // reductions (sum), bytes for the rest; false when the size does not split evenly over the ranks.
  bool issue(Collective c, std::size_t bytes) {
    const std::size_t n = ranks_.size();
    if ((c == Collective::all_reduce || c == Collective::send_recv) ? bytes % 4 != 0 : bytes % (4 * n) != 0)
      return false;
    CASCADESIM_NCCL(api_, api_.group_start());
    for (std::size_t r = 0; r < n; ++r) {
      Rank& k = ranks_[r];
      switch (c) {
        case Collective::all_reduce:
          CASCADESIM_NCCL(api_,
                          api_.all_reduce(k.send.get(), k.recv.get(), bytes / 4, ncclFloat, ncclSum, k.comm, k.stream));
          break;
        case Collective::all_gather:
          CASCADESIM_NCCL(api_, api_.all_gather(k.send.get(), k.recv.get(), bytes / n, ncclInt8, k.comm, k.stream));
          break;
        case Collective::reduce_scatter:
          CASCADESIM_NCCL(api_, api_.reduce_scatter(k.send.get(), k.recv.get(), bytes / (4 * n), ncclFloat, ncclSum,
                                                    k.comm, k.stream));
          break;
        case Collective::send_recv: {
          const int next = static_cast<int>((r + 1) % n), prev = static_cast<int>((r + n - 1) % n);
          CASCADESIM_NCCL(api_, api_.send(k.send.get(), bytes, ncclInt8, next, k.comm, k.stream));
          CASCADESIM_NCCL(api_, api_.recv(k.recv.get(), bytes, ncclInt8, prev, k.comm, k.stream));
          break;
        }
        case Collective::all_to_all:
          throw std::logic_error("all-to-all is not measured");
      }
    }
    CASCADESIM_NCCL(api_, api_.group_end());
    return true;
  }

  void synchronize() {
    for (Rank& k : ranks_) {
      CASCADESIM_CUDA(cudaSetDevice(k.device));
      CASCADESIM_CUDA(cudaStreamSynchronize(k.stream));
    }
  }

 private:
  const NcclApi& api_;
  std::vector<Rank> ranks_;
};

// Each sample: ops collectives back to back between events on every rank's stream; the slowest rank's time / ops.
TimingSummary time_collective(Communicator& comm, Collective c, std::size_t bytes, int warmup, int samples, int ops) {
  for (int i = 0; i < warmup; ++i) comm.issue(c, bytes);
  comm.synchronize();
  std::vector<double> times;
  for (int s = 0; s < samples; ++s) {
    for (int r = 0; r < comm.size(); ++r) {
      CASCADESIM_CUDA(cudaSetDevice(comm.rank(r).device));
      CASCADESIM_CUDA(cudaEventRecord(comm.rank(r).start, comm.rank(r).stream));
    }
    for (int i = 0; i < ops; ++i) comm.issue(c, bytes);
    double slowest = 0;
    for (int r = 0; r < comm.size(); ++r) {
      CASCADESIM_CUDA(cudaSetDevice(comm.rank(r).device));
      CASCADESIM_CUDA(cudaEventRecord(comm.rank(r).stop, comm.rank(r).stream));
    }
    for (int r = 0; r < comm.size(); ++r) {
      CASCADESIM_CUDA(cudaEventSynchronize(comm.rank(r).stop));
      float ms = 0;
      CASCADESIM_CUDA(cudaEventElapsedTime(&ms, comm.rank(r).start, comm.rank(r).stop));
      slowest = std::max(slowest, static_cast<double>(ms));
    }
    times.push_back(slowest / ops);
  }
  const Timing t = summarize(std::move(times));
  return {t.median_ms, t.p10_ms, t.p90_ms};
}

constexpr Collective kCollectives[] = {Collective::all_reduce, Collective::all_gather, Collective::reduce_scatter,
                                       Collective::send_recv};

// Small messages are timed 20 to a sample (their time is launch and latency), large ones one to a sample.
int run_timing(const std::string& out_path, int gpus, std::size_t max_bytes, int samples) {
  const NcclApi api = load_nccl();
  Communicator comm(api, gpus, max_bytes);
  const DeviceInfo device = device_info(0);
  std::vector<std::string> records;
  std::printf("NCCL %s (%s), %d GPU(s) %s, SM clock %d MHz\n", api.version_text().c_str(), api.library.c_str(), gpus,
              device.name.c_str(), device.sm_clock_kHz / 1000);
  std::printf("%-15s %12s %10s %10s %10s %11s %11s\n", "collective", "bytes", "median_us", "p10_us", "p90_us",
              "algbw_GB/s", "busbw_GB/s");
  for (Collective c : kCollectives) {
    for (std::size_t bytes = 8; bytes <= max_bytes; bytes *= 2) {
      if (!comm.issue(c, bytes)) continue;  // also the first warm-up
      CollectiveMeasurement m;
      m.collective = c;
      m.bytes = static_cast<double>(bytes);
      m.ranks = gpus;
      m.nccl_version = api.version_text();
      m.time = time_collective(comm, c, bytes, 4, samples, bytes <= (1u << 20) ? 20 : 1);
      const double algbw = m.bytes / (m.time.median_ms * 1e-3) / 1e9;
      std::printf("%-15s %12zu %10.2f %10.2f %10.2f %11.2f %11.2f\n", std::string(models::to_string(c)).c_str(), bytes,
                  m.time.median_ms * 1e3, m.time.p10_ms * 1e3, m.time.p90_ms * 1e3, algbw,
                  algbw * bus_bandwidth_factor(c, gpus));
      std::fflush(stdout);
      records.push_back(collective_record_json(m, device));
      write_records(out_path, records);  // after each size: a run cut short keeps what it measured
    }
  }
  return 0;
}

// Sums and copies come back right: all-reduce of rank + 1 gives n (n + 1) / 2, reduce-scatter likewise on each
// rank's share, all-gather puts rank r's bytes at r's place, the ring delivers the predecessor's buffer.
int run_check(int gpus) {
  const NcclApi api = load_nccl();
  constexpr std::size_t kFloats = 3 * 5 * 7 * 1024;  // splits evenly over 1 to 8 ranks
  Communicator comm(api, gpus, kFloats * 4);
  const int n = gpus;
  auto fill = [&](auto value_of_rank) {
    for (int r = 0; r < n; ++r) {
      CASCADESIM_CUDA(cudaSetDevice(r));
      comm.rank(r).send.upload(std::vector<float>(kFloats, value_of_rank(r)));
      comm.rank(r).recv.poison();
    }
  };
  int failures = 0;
  auto expect = [&](const char* what, int r, std::size_t floats, auto expected_at) {
    CASCADESIM_CUDA(cudaSetDevice(r));
    const std::vector<float> got = comm.rank(r).recv.download<float>();
    std::size_t bad = 0;
    for (std::size_t i = 0; i < floats; ++i) bad += got[i] != expected_at(i) ? 1 : 0;
    std::printf("%-4s %s rank %d: %zu of %zu values wrong\n", bad ? "FAIL" : "ok", what, r, bad, floats);
    failures += bad ? 1 : 0;
  };
  const float sum = 0.5f * n * (n + 1);
  fill([](int r) { return static_cast<float>(r + 1); });
  if (!comm.issue(Collective::all_reduce, kFloats * 4))
    throw std::logic_error("check size does not split over the ranks");
  comm.synchronize();
  for (int r = 0; r < n; ++r) expect("all_reduce", r, kFloats, [&](std::size_t) { return sum; });
  if (!comm.issue(Collective::reduce_scatter, kFloats * 4))
    throw std::logic_error("check size does not split over the ranks");
  comm.synchronize();
  for (int r = 0; r < n; ++r) expect("reduce_scatter", r, kFloats / n, [&](std::size_t) { return sum; });
  if (!comm.issue(Collective::all_gather, kFloats * 4))
    throw std::logic_error(
        "check size does not split over the ranks");  // each rank's first kFloats / n floats, rank-ordered
  comm.synchronize();
  for (int r = 0; r < n; ++r)
    expect("all_gather", r, kFloats, [&](std::size_t i) { return static_cast<float>(i / (kFloats / n) + 1); });
  if (!comm.issue(Collective::send_recv, kFloats * 4))
    throw std::logic_error("check size does not split over the ranks");
  comm.synchronize();
  for (int r = 0; r < n; ++r)
    expect("send_recv", r, kFloats, [&](std::size_t) { return static_cast<float>((r + n - 1) % n + 1); });
  std::printf("%s: NCCL collectives over %d GPU(s)\n", failures ? "FAIL" : "ok", n);
  return failures ? 1 : 0;
}

}  // namespace
}  // namespace cascadesim::validation

int main(int argc, char** argv) {
  using namespace cascadesim::validation;
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices < 1) {
    std::fprintf(stderr, "cascadesim-nccl-bench: no CUDA device\n");
    return 2;
  }
  try {
    keep_nvls_off();
    if (argc >= 2 && std::strcmp(argv[1], "--check") == 0) {
      // --check [GPUS]
      const int gpus = argc >= 3 ? std::atoi(argv[2]) : devices;
      if (gpus < 1 || gpus > devices) {
        std::fprintf(stderr, "cascadesim-nccl-bench: GPUS must be 1..%d\n", devices);
        return 2;
      }
      return run_check(gpus);
    }
    if (argc >= 3 && std::strcmp(argv[1], "--time") == 0) {
      // --time OUT.json [MAX_BYTES [SAMPLES [GPUS]]]
      const std::size_t max_bytes = argc >= 4 ? std::strtoull(argv[3], nullptr, 10) : (std::size_t{1} << 30);
      const int samples = argc >= 5 ? std::atoi(argv[4]) : 20;
      const int gpus = argc >= 6 ? std::atoi(argv[5]) : devices;
      if (max_bytes < 8 || samples < 1 || gpus < 1 || gpus > devices) {
        std::fprintf(stderr, "cascadesim-nccl-bench: MAX_BYTES >= 8, SAMPLES >= 1, GPUS 1..%d\n", devices);
        return 2;
      }
      return run_timing(argv[2], gpus, max_bytes, samples);
    }
    std::fprintf(stderr,
                 "usage: cascadesim-nccl-bench --check [GPUS]\n"
                 "       cascadesim-nccl-bench --time OUT.json [MAX_BYTES [SAMPLES [GPUS]]]\n"
                 "NCCL_NVLS_ENABLE is set to 0 (NVLink multicast stays off); libnccl.so.2 is opened at run time\n"
                 "($CASCADESIM_NCCL_LIB names another).\n");
    return 2;
  } catch (const NcclUnavailable& e) {
    std::fprintf(stderr, "cascadesim-nccl-bench: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cascadesim-nccl-bench: %s\n", e.what());
    return 1;
  }
}
