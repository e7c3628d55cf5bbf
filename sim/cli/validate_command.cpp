// `cascadesim validate`: the cases generator and the hand-over to the CUDA runner.
#include "sim/cli/validate_command.hpp"

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <sstream>
#include <string_view>

#include "core/atomic_file.hpp"
#include "sim/cli/arguments.hpp"
#include "sim/cli/predict_command.hpp"
#include "validation/host/case_spec.hpp"

namespace cascadesim::sim {

const char* const validate_usage =
    "usage: cascadesim validate --cases-from [STUDY.json] [--seq-len LIST] [--head-dim LIST] [--top-k LIST]\n"
    "                           [--stack-seq-len LIST] [--pool-factor N] [--repetitions N] [--warmup N]\n"
    "                           [--out CASES.json] [--hw PRESET] [--config-dir DIR]\n"
    "       cascadesim validate --check [--seed N]\n"
    "       cascadesim validate CASES.json --out MEASURED.json [--resume]\n"
    "       cascadesim validate --micro --out MICRO.json\n"
    "\n"
    "--cases-from writes the GPU timing cases a study stands for (default: the built-in default study); LIST is\n"
    "comma-separated, e.g. --seq-len 1024,2048,4096. The other forms run the CUDA runner cascadesim-validate\n"
    "(built when CMake finds nvcc; $CASCADESIM_VALIDATE overrides where it is looked for): --check compares\n"
    "every kernel with the CPU references, CASES.json times the cases (MEASURED.json rewritten atomically as\n"
    "each one finishes; a file that already holds records is refused unless --resume, which keeps the records\n"
    "of an interrupted run of the same cases on the same device and measures the rest), --micro measures the\n"
    "calibration micro-benchmarks. Without a GPU they exit 2.\n";

namespace {

std::vector<std::int64_t> parse_list(const std::string& flag, const std::string& text) {
  std::vector<std::int64_t> values;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || v < 1)
      throw UsageError(flag + " takes positive integers separated by commas (got '" + text + "')");
    values.push_back(v);
  }
  if (values.empty()) throw UsageError(flag + " needs at least one value");
  return values;
}

std::int64_t parse_count(const std::string& flag, const std::string& text) {
  const std::vector<std::int64_t> v = parse_list(flag, text);
  if (v.size() != 1) throw UsageError(flag + " takes one value (got '" + text + "')");
  return v[0];
}

bool is_compiled_tile(std::int64_t t) { return t == 64 || t == 128; }

// "<lead><seq_len>_d<head_dim>_" (appended piecewise: GCC 12 warns falsely on "literal" + std::string).
std::string case_prefix(const char* lead, std::int64_t seq_len, std::int64_t head_dim) {
  std::string prefix(lead);
  prefix += std::to_string(seq_len);
  prefix += "_d";
  prefix += std::to_string(head_dim);
  prefix += '_';
  return prefix;
}

}  // namespace

ValidateOptions parse_validate_args(const std::vector<std::string>& args) {
  ValidateOptions o;
  if (args.empty()) throw UsageError("needs --cases-from, --check, --micro or CASES.json --out MEASURED.json");
  if (args[0] != "--cases-from") {
    o.runner_args = args;
    return o;
  }
  o.generate = true;
  CaseGridOptions& g = o.grid;
  const Arguments a(std::vector<std::string>(args.begin() + 1, args.end()),
                    {{"--seq-len", Arity::one},
                     {"--head-dim", Arity::one},
                     {"--top-k", Arity::one},
                     {"--stack-seq-len", Arity::one},
                     {"--pool-factor", Arity::one},
                     {"--repetitions", Arity::one},
                     {"--warmup", Arity::one},
                     {"--out", Arity::one},
                     {"--hw", Arity::one},
                     {"--config-dir", Arity::repeatable}},
                    "study", 1);
  if (a.has("--seq-len")) g.seq_lens = parse_list("--seq-len", a.value("--seq-len"));
  if (a.has("--head-dim")) g.head_dims = parse_list("--head-dim", a.value("--head-dim"));
  if (a.has("--top-k")) g.top_ks = parse_list("--top-k", a.value("--top-k"));
  if (a.has("--stack-seq-len")) g.stack_seq_lens = parse_list("--stack-seq-len", a.value("--stack-seq-len"));
  if (a.has("--pool-factor")) g.pool_factor = parse_count("--pool-factor", a.value("--pool-factor"));
  if (a.has("--repetitions")) g.repetitions = parse_count("--repetitions", a.value("--repetitions"));
  if (a.has("--warmup")) g.warmup = parse_count("--warmup", a.value("--warmup"));
  if (a.has("--out")) g.out_path = a.value("--out");
  g.load.hardware_preset = a.value("--hw");
  g.load.config_dirs = a.values("--config-dir");
  if (!a.positionals().empty()) g.study_path = a.positionals().front();
  if (g.repetitions < 20) throw UsageError("--repetitions must be >= 20 (median of at least 20 runs)");
  return o;
}

core::Json generate_validation_cases(const CaseGridOptions& options) {
  const LoadedStudy loaded = load_study(
      options.study_path.empty() ? "builtin:configs/studies/kascade-llama-3.2-1b-32k.json" : options.study_path,
      options.load);
  const models::Study& study = loaded.study;
  const models::Workload& w = study.workload;
  const std::string& label = loaded.files.front();
  if (w.phase != models::Phase::prefill)
    throw UsageError(label + ": the validation kernels are prefill attention; the study is a decode study");
  const std::int64_t tile = w.tile_tokens;
  if (!is_compiled_tile(tile))
    throw UsageError(label + ": tile_tokens " + std::to_string(tile) + " has no compiled kernel (64 or 128)");
  const bool cascade_ok =
      options.pool_factor >= 2 && tile % options.pool_factor == 0 && is_compiled_tile(tile / options.pool_factor);
  if (!cascade_ok)
    throw UsageError("--pool-factor " + std::to_string(options.pool_factor) + ": coarse tiles of " +
                     std::to_string(tile) + " / " + std::to_string(options.pool_factor) +
                     " tokens have no compiled kernel (64 or 128)");
  const std::vector<std::int64_t> seq_lens = options.seq_lens.empty() ? std::vector{w.seq_len} : options.seq_lens;
  const std::vector<std::int64_t> head_dims =
      options.head_dims.empty() ? std::vector{study.model.head_dim} : options.head_dims;
  const std::vector<std::int64_t> top_ks =
      options.top_ks.empty() ? std::vector{w.top_k > 0 ? w.top_k : std::int64_t{5}} : options.top_ks;
  const std::vector<std::int64_t> stack_seq_lens =
      options.stack_seq_lens.empty() ? std::vector{w.seq_len} : options.stack_seq_lens;
  for (std::int64_t d : head_dims)
    if (d != 64 && d != 128) throw UsageError("head_dim " + std::to_string(d) + " has no compiled kernel (64 or 128)");
  for (std::int64_t s : seq_lens)
    if (s > std::numeric_limits<int>::max()) throw UsageError("seq_len " + std::to_string(s) + " is too large");
  // A case's top_k must be one a study of its shape may have (sim/config/study_checks.cpp: at most the key tiles
  // of its seq_len), or the cases would stand for no study. A grid's pairs beyond that are left out and listed in
  // the document; a top_k that fits no seq_len of the grid is refused.
  const auto key_tiles = [&](std::int64_t seq_len) { return (seq_len + tile - 1) / tile; };
  core::Json left_out = core::Json::array();
  const std::int64_t longest = *std::max_element(seq_lens.begin(), seq_lens.end());
  for (std::int64_t k : top_ks)
    if (k > key_tiles(longest))
      throw UsageError((options.top_ks.empty() ? label + ": /workload/top_k" : std::string("--top-k")) + ": top_k " +
                       std::to_string(k) + " exceeds the " + std::to_string(key_tiles(longest)) +
                       " key tiles of the grid's longest seq_len " + std::to_string(longest) + " / tile_tokens " +
                       std::to_string(tile));

  const models::LayerSchedule schedule =
      w.schedule.layers.empty() ? models::dense_schedule(study.model.n_layers) : w.schedule;
  for (std::int64_t s : seq_lens)
    for (std::int64_t k : top_ks)
      if (k > key_tiles(s)) left_out.push_back({{"seq_len", s}, {"top_k", k}, {"key_tiles", key_tiles(s)}});
  if (schedule.counts().anchor > 0)
    for (std::int64_t s : stack_seq_lens)
      if (w.top_k > key_tiles(s))
        left_out.push_back({{"stack_seq_len", s}, {"top_k", w.top_k}, {"key_tiles", key_tiles(s)}});
  const std::string dense_stack = std::to_string(schedule.layers.size()) + "D";
  core::Json cases = core::Json::array();
  auto add = [&](core::Json c, std::int64_t seq_len, std::int64_t head_dim) {
    c["seq_len"] = seq_len;
    c["heads"] = study.model.n_heads;
    c["head_dim"] = head_dim;
    c["batch"] = w.batch;
    c["causal"] = study.model.causal;
    c["tile_q"] = tile;
    c["tile_k"] = tile;
    c["repetitions"] = options.repetitions;
    c["warmup"] = options.warmup;
    cases.push_back(std::move(c));
  };
  for (std::int64_t s : seq_lens) {
    for (std::int64_t d : head_dims) {
      const std::string prefix = case_prefix("s", s, d);
      add({{"name", prefix + "dense"}, {"kernel", "dense"}}, s, d);
      std::vector<std::int64_t> ks;
      for (std::int64_t k : top_ks)
        if (k <= key_tiles(s)) ks.push_back(k);
      for (std::int64_t k : ks)
        add({{"name", prefix + "anchor_k" + std::to_string(k)}, {"kernel", "anchor"}, {"top_k", k}}, s, d);
      for (std::int64_t k : ks)
        add({{"name", prefix + "sparse_k" + std::to_string(k)}, {"kernel", "sparse"}, {"top_k", k}}, s, d);
      for (std::int64_t k : ks)
        add({{"name", prefix + "cascade_p" + std::to_string(options.pool_factor) + "_k" + std::to_string(k)},
             {"kernel", "cascade"},
             {"pool_factor", options.pool_factor},
             {"top_k", k}},
            s, d);
    }
  }
  for (std::int64_t s : stack_seq_lens) {
    for (std::int64_t d : head_dims) {
      const std::string prefix = case_prefix("stack_s", s, d);
      add({{"name", prefix + dense_stack}, {"kernel", "stack"}, {"schedule", dense_stack}}, s, d);
      if (schedule.counts().anchor > 0 && w.top_k <= key_tiles(s))
        add({{"name", prefix + schedule.compact()},
             {"kernel", "stack"},
             {"schedule", schedule.compact()},
             {"top_k", w.top_k}},
            s, d);
    }
  }
  core::Json generated_from = {{"study", label}, {"name", study.name}};
  if (!left_out.empty()) generated_from["left_out_top_k"] = std::move(left_out);
  core::Json document = {
      {"schema_version", 1}, {"generated_from", std::move(generated_from)}, {"cases", std::move(cases)}};
  // The runner's own parser is the contract: a generated file it would reject is a bug here.
  validation::parse_cases(document.dump(), "generated cases");
  return document;
}

std::string find_validate_runner(const std::string& self_path) {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("CASCADESIM_VALIDATE"); env && *env) {
    if (::access(env, X_OK) == 0) return env;
    throw UsageError(std::string("$CASCADESIM_VALIDATE is '") + env + "', which is not an executable file");
  }
  std::error_code ignored;
  const fs::path self = fs::weakly_canonical(fs::path(self_path), ignored);
  for (const fs::path& candidate : {self.parent_path() / "cascadesim-validate",
                                    self.parent_path().parent_path() / "validation" / "cascadesim-validate"}) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "cascadesim-validate";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  throw UsageError(
      "the CUDA runner cascadesim-validate was not found (it is built only when CMake finds a CUDA compiler; "
      "set CASCADESIM_VALIDATE to its path)");
}

void run_validate(const ValidateOptions& options, std::ostream& out) {
  if (options.generate) {
    const core::Json document = generate_validation_cases(options.grid);
    if (options.grid.out_path.empty()) {
      out << document.dump(2) << '\n';
      return;
    }
    core::write_file_atomically(options.grid.out_path, document.dump(2) + "\n");
    out << "wrote " << document.at("cases").size() << " cases to " << options.grid.out_path << '\n';
    if (const auto left_out = document.at("generated_from").find("left_out_top_k");
        left_out != document.at("generated_from").end())
      out << "left out " << left_out->size()
          << " (seq_len, top_k) pairs whose top_k exceeds the seq_len's key tiles, as a study's may not: "
             "/generated_from/left_out_top_k lists them\n";
    return;
  }
  char self[PATH_MAX] = {};
  const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
  const std::string runner =
      find_validate_runner(length > 0 ? std::string(self, static_cast<std::size_t>(length)) : std::string());
  std::vector<std::string> argv_storage{runner};
  argv_storage.insert(argv_storage.end(), options.runner_args.begin(), options.runner_args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  out.flush();
  std::cout.flush();
  ::execv(runner.c_str(), argv.data());
  throw UsageError("cannot run " + runner + ": " + std::strerror(errno));
}

}  // namespace cascadesim::sim
