// libFuzzer target: model preset files (configs/models/*.json), as a study names them from a config folder.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const cascadesim::fuzz::PresetRoot root("models");
  root.write(std::string_view(reinterpret_cast<const char*>(data), size));
  cascadesim::sim::LoadOptions options;
  options.config_dirs.push_back(root.root());
  cascadesim::fuzz::load_and_check(
      R"({"schema_version": 1, "name": "fuzz", "hardware": "h100-sxm", "model": "fuzz",
          "workload": {"phase": "prefill", "seq_len": 4096, "top_k": 4}})",
      "fuzz-study.json", options);
  return 0;
}
