// libFuzzer target: measured-record and micro-benchmark files (reports/measured/*/measured.json, micro.json).
#include <cstddef>
#include <cstdint>

#include "sim/calibration/measured_points.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    cascadesim::sim::load_measured_text(std::string_view(reinterpret_cast<const char*>(data), size),
                                        "fuzz-measured.json");
  } catch (const cascadesim::core::ConfigError& e) {
    if (e.issues().empty()) cascadesim::fuzz::finding("a ConfigError without issues", 0);
  }
  return 0;
}
