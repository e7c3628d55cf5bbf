// libFuzzer target: hardware preset files (configs/hw/*.json), as a study names them from a config folder.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const cascadesim::fuzz::PresetRoot root("hw");
  root.write(std::string_view(reinterpret_cast<const char*>(data), size));
  cascadesim::sim::LoadOptions options;
  options.config_dirs.push_back(root.root());
  cascadesim::fuzz::load_and_check(
      R"({"schema_version": 1, "name": "fuzz", "hardware": "fuzz", "model": "llama-3.2-1b",
          "workload": {"phase": "prefill", "seq_len": 4096, "top_k": 4, "schedule": "1D+3A+12R"}})",
      "fuzz-study.json", options);
  return 0;
}
