// libFuzzer target: study configs (configs/studies/*.json), presets by built-in name, overrides inline.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cascadesim::fuzz::load_and_check(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz-study.json", {});
  return 0;
}
