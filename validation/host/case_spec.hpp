// Timing cases for cascadesim-validate, read from JSON. Unknown keys and invalid values are collected and
// reported together with their JSON paths (conventions.md, "Configuration").
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "validation/host/block_sparse.hpp"

namespace cascadesim::validation {

class CaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class KernelKind { kDense, kAnchor, kSparse };

const char* kernel_kind_name(KernelKind kind);

// One measured configuration. kDense runs every visible tile; kAnchor runs the dense pass that also writes block
// maxima, then the top-k selection; kSparse runs the top_k tiles per query tile that the anchor selected.
struct CaseSpec {
  std::string name;
  AttentionShape shape;
  int tile_q = 128;
  int tile_k = 128;
  KernelKind kernel = KernelKind::kDense;
  int top_k = 0;  // required (>= 1) for kAnchor and kSparse, absent or 0 for kDense
  int repetitions = 30;
  int warmup = 5;
};

// Document: {"schema_version": 1, "cases": [{"name", "seq_len", "heads", "head_dim", "causal", "batch",
// "tile_q", "tile_k", "kernel", "top_k", "repetitions", "warmup"}, ...]}. `source` names the document in errors.
// Throws CaseError listing every problem, one per line: "<source>: /cases/1/head_dim: must be >= 1 (got 0)".
std::vector<CaseSpec> parse_cases(const std::string& json_text, const std::string& source);
std::vector<CaseSpec> load_cases(const std::string& path);

}  // namespace cascadesim::validation
