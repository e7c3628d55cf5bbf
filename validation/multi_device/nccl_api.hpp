// NCCL opened at run time (dlopen), as cuBLAS is by the micro-benchmarks: the binaries build against nccl.h alone and
// run wherever a libnccl.so.2 is found (the CUDA toolkit's, or the nvidia-nccl wheel's lib folder on
// LD_LIBRARY_PATH, or $CASCADESIM_NCCL_LIB). One process drives every GPU (ncclCommInitAll): the collectives of one
// step are issued between ncclGroupStart and ncclGroupEnd, as nccl-tests does with -g.
#pragma once

#include <nccl.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "validation/kernels/dynamic_library.hpp"

namespace cascadesim::validation {

// NVLink multicast (NVLS) stays off: a program using it can put the host's shared GPUs out of service (the device
// machines' rule). Set before the first communicator is made; a value already set to anything but 0 is refused.
inline void keep_nvls_off() {
  const char* value = std::getenv("NCCL_NVLS_ENABLE");
  if (value && std::string(value) != "0")
    throw std::runtime_error("NCCL_NVLS_ENABLE=" + std::string(value) +
                             ": NVLink multicast must stay off (set it to 0)");
  setenv("NCCL_NVLS_ENABLE", "0", 1);
}

// No NCCL library could be opened: the runners exit 2 (unavailable, as without a device), naming what was tried.
class NcclUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct NcclApi {
  std::string library;
  decltype(&ncclGetVersion) get_version = nullptr;
  decltype(&ncclCommInitAll) comm_init_all = nullptr;
  decltype(&ncclCommDestroy) comm_destroy = nullptr;
  decltype(&ncclGetErrorString) error_string = nullptr;
  decltype(&ncclGroupStart) group_start = nullptr;
  decltype(&ncclGroupEnd) group_end = nullptr;
  decltype(&ncclAllReduce) all_reduce = nullptr;
  decltype(&ncclAllGather) all_gather = nullptr;
  decltype(&ncclReduceScatter) reduce_scatter = nullptr;
  decltype(&ncclSend) send = nullptr;
  decltype(&ncclRecv) recv = nullptr;

  void check(ncclResult_t result, const char* what, const char* file, int line) const {
    if (result == ncclSuccess) return;
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + what + ": " +
                             (error_string ? error_string(result) : "NCCL error " + std::to_string(result)));
  }
  // "2.28.9"
  std::string version_text() const {
    int code = 0;
    if (!get_version || get_version(&code) != ncclSuccess) return "unknown";
    const int major = code / 10000, minor = (code / 100) % 100, patch = code % 100;
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  }
};
#define CASCADESIM_NCCL(api, call) (api).check((call), #call, __FILE__, __LINE__)

// Fills api from $CASCADESIM_NCCL_LIB, else libnccl.so.2, else libnccl.so; throws NcclUnavailable with the dlerror
// texts when none opens, std::runtime_error when a symbol is missing. The library stays mapped until the process exits.
inline NcclApi load_nccl() {
  NcclApi api;
  std::string errors;
  void* library =
      open_first_library({std::getenv("CASCADESIM_NCCL_LIB"), "libnccl.so.2", "libnccl.so"}, api.library, errors);
  if (!library) throw NcclUnavailable("cannot open NCCL: " + errors);
  std::string missing;
  resolve_symbol(library, "ncclGetVersion", api.get_version, true, missing);
  resolve_symbol(library, "ncclCommInitAll", api.comm_init_all, true, missing);
  resolve_symbol(library, "ncclCommDestroy", api.comm_destroy, true, missing);
  resolve_symbol(library, "ncclGetErrorString", api.error_string, true, missing);
  resolve_symbol(library, "ncclGroupStart", api.group_start, true, missing);
  resolve_symbol(library, "ncclGroupEnd", api.group_end, true, missing);
  resolve_symbol(library, "ncclAllReduce", api.all_reduce, true, missing);
  resolve_symbol(library, "ncclAllGather", api.all_gather, true, missing);
  resolve_symbol(library, "ncclReduceScatter", api.reduce_scatter, true, missing);
  resolve_symbol(library, "ncclSend", api.send, true, missing);
  resolve_symbol(library, "ncclRecv", api.recv, true, missing);
  if (!missing.empty()) throw std::runtime_error(api.library + ": " + missing);
  return api;
}

}  // namespace cascadesim::validation
