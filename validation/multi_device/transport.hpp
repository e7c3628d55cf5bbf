// How ring attention's K/V blocks (or fetched tiles) move between ranks: NCCL send/recv between distinct GPUs, or
// device copies between buffer sets of emulated ranks on one GPU (NCCL refuses two ranks on one device), so that the
// same schedule is checked on one GPU.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "validation/multi_device/nccl_api.hpp"

namespace cascadesim::validation {

struct Transfer {
  int from = 0, to = 0;  // ranks
  const void* src = nullptr;
  void* dst = nullptr;
  std::size_t bytes = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual std::string name() const = 0;
  // Enqueues one step's transfers, each after the work already on its ranks' comm streams (the sender's for the
  // data, the receiver's for the destination being free); comm_streams[r] is rank r's.
  virtual void exchange(const std::vector<Transfer>& transfers, const std::vector<cudaStream_t>& comm_streams) = 0;
};

// Emulated ranks on one GPU (which share one comm stream, so that transfers run in enqueue order): device copies on
// the receiver's comm stream.
class LoopbackTransport : public Transport {
 public:
  std::string name() const override { return "loopback"; }
  void exchange(const std::vector<Transfer>& transfers, const std::vector<cudaStream_t>& comm_streams) override;
};

// Rank r on device r (ncclCommInitAll over devices 0..P-1, made once and kept for every layer run over P ranks);
// each step's sends and receives as one group.
class NcclTransport : public Transport {
 public:
  NcclTransport(const NcclApi& api, int ranks);
  ~NcclTransport() override;
  NcclTransport(const NcclTransport&) = delete;
  NcclTransport& operator=(const NcclTransport&) = delete;
  std::string name() const override { return "nccl"; }
  int ranks() const { return static_cast<int>(comms_.size()); }
  void exchange(const std::vector<Transfer>& transfers, const std::vector<cudaStream_t>& comm_streams) override;

 private:
  const NcclApi& api_;
  std::vector<ncclComm_t> comms_;
};

}  // namespace cascadesim::validation
