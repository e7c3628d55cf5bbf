// libFuzzer target: a measured-results file read back by cascadesim-validate --resume (MeasuredResultsFile), against
// a fixed list of cases and a fixed device. Every input is either resumed or refused with a CaseError whose lines
// each name the file and a JSON pointer; a resumed file must then take a new record and stay readable.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"
#include "validation/host/case_spec.hpp"
#include "validation/host/measured_record.hpp"

namespace {

using namespace cascadesim::validation;

const std::vector<CaseSpec>& fuzz_cases() {
  static const std::vector<CaseSpec> cases = parse_cases(R"({"schema_version": 1, "cases": [
      {"name": "dense", "seq_len": 1024, "heads": 4, "head_dim": 64, "repetitions": 20, "warmup": 1},
      {"name": "sparse", "seq_len": 1000, "heads": 4, "head_dim": 64, "tile_q": 64, "tile_k": 64,
       "kernel": "sparse", "top_k": 3, "repetitions": 20, "warmup": 1},
      {"name": "stack", "seq_len": 600, "heads": 2, "head_dim": 64, "tile_q": 64, "tile_k": 64, "kernel": "stack",
       "schedule": "1D+1A+2R", "top_k": 3, "repetitions": 20, "warmup": 1}]})",
                                                         "fuzz-cases.json");
  return cases;
}

// One file per fuzz target, rewritten for each input and removed when the process ends. Its name holds no process
// id: the name reaches error messages, whose compared bytes libFuzzer feeds back into its mutations, so a name that
// changed from run to run changed the inputs one seed explores (two instances of this target must not run at once).
struct FuzzFile {
  std::string path = (std::filesystem::temp_directory_path() / "cascadesim-resume-fuzz.json").string();
  ~FuzzFile() { std::remove(path.c_str()); }
};

const std::string& fuzz_path() {
  static const FuzzFile file;
  return file.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = fuzz_path();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  DeviceInfo device;
  device.name = "NVIDIA H100 80GB HBM3";
  try {
    MeasuredResultsFile file(path, fuzz_cases(), device, true);
    for (std::size_t i = 0; i < fuzz_cases().size(); ++i) {
      if (file.measured(i)) continue;
      MeasuredRecord record;
      record.spec = fuzz_cases()[i];
      record.device = device;
      record.samples_ms.assign(20, 1.0);
      file.add(i, record);
      // What was written must resume in turn.
      MeasuredResultsFile again(path, fuzz_cases(), device, true);
      if (again.record_count() != file.record_count()) cascadesim::fuzz::finding("records lost on rewrite", 0);
      break;
    }
  } catch (const CaseError& e) {
    std::istringstream lines(e.what());
    for (std::string line; std::getline(lines, line);)
      if (line.rfind(path + ": /", 0) != 0) cascadesim::fuzz::finding("an error line without file and pointer", 0);
  }
  return 0;
}
