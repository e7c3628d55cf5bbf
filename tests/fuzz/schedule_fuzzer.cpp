// libFuzzer target: the layer-schedule string ("1D+3A+12R", "DAARRR..."). A schedule that parses reads back
// the same from its compact form.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "models/layer_schedule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cascadesim::models;
  LayerSchedule schedule;
  try {
    schedule = parse_layer_schedule(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const ScheduleError&) {
    return 0;
  }
  if (parse_layer_schedule(schedule.compact()).layers != schedule.layers) {
    std::fprintf(stderr, "fuzz finding: '%s' does not read back\n", schedule.compact().c_str());
    std::abort();
  }
  return 0;
}
