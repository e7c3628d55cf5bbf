// `cascadesim validate`: generates GPU timing cases from a study, and hands checks and timing runs to the CUDA
// runner `cascadesim-validate` (a separate target so that it can be built for sm_90 and carried to a GPU machine).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/config_node.hpp"
#include "sim/config/study_loader.hpp"

namespace cascadesim::sim {

// The grid of cases a study stands for. Empty lists take the study's own value.
struct CaseGridOptions {
  std::string study_path;  // empty: the built-in default study
  std::vector<std::int64_t> seq_lens;
  std::vector<std::int64_t> head_dims;
  std::vector<std::int64_t> top_ks;
  std::vector<std::int64_t> stack_seq_lens;  // the layer stacks (study schedule and all dense); empty: study seq_len
  std::int64_t pool_factor = 2;              // cascade stage: coarse tiles of tile_tokens / pool_factor
  std::int64_t repetitions = 30;
  std::int64_t warmup = 5;
  std::string out_path;  // empty: stdout
  LoadOptions load;
};

struct ValidateOptions {
  bool generate = false;  // --cases-from: generate a cases file; otherwise run the CUDA runner
  CaseGridOptions grid;
  std::vector<std::string> runner_args;  // passed to cascadesim-validate unchanged
};

extern const char* const validate_usage;
ValidateOptions parse_validate_args(const std::vector<std::string>& args);

// The cases document for cascadesim-validate: per sequence length and head_dim, dense; per top_k, anchor, sparse
// and the cascade stage; per stack sequence length, the study's schedule and the all-dense stack of the same depth.
// Heads, batch, causality and tiles come from the study (one K/V head per query head: the kernels have no GQA).
// Throws ConfigError (bad study) or UsageError (a grid the kernels cannot run).
core::Json generate_validation_cases(const CaseGridOptions& options);

// Where the CUDA runner is: $CASCADESIM_VALIDATE, else next to this executable or in ../validation/ from it, else
// on PATH. Throws UsageError when there is none (a build without a CUDA compiler).
std::string find_validate_runner(const std::string& self_path);

// Generates (writing the file or to out) or replaces this process with the runner; returns only after generating.
void run_validate(const ValidateOptions& options, std::ostream& out);

}  // namespace cascadesim::sim
