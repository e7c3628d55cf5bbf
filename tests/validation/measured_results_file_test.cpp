// The measured-results file of cascadesim-validate: a record per finished case, rewritten atomically after each, a
// fresh run that refuses to overwrite records, and --resume that keeps an interrupted run's records and refuses
// ones that do not belong to the cases or the device.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/file_size_limit.hpp"
#include "tests/temp_dir.hpp"
#include "validation/host/case_spec.hpp"
#include "validation/host/measured_record.hpp"

namespace cascadesim::validation {
namespace {

using cascadesim::testing::read_text;
using cascadesim::testing::TempDir;

std::vector<CaseSpec> three_cases() {
  return parse_cases(R"({"schema_version": 1, "cases": [
      {"name": "a", "seq_len": 1024, "heads": 4, "head_dim": 64, "repetitions": 20},
      {"name": "b", "seq_len": 2048, "heads": 4, "head_dim": 64, "kernel": "sparse", "top_k": 2, "repetitions": 20},
      {"name": "c", "seq_len": 600, "heads": 2, "head_dim": 64, "tile_q": 64, "tile_k": 64, "kernel": "stack",
       "schedule": "1D+1A+2R", "top_k": 3, "repetitions": 20}]})",
                     "cases.json");
}

DeviceInfo gpu(const std::string& name = "NVIDIA H100 80GB HBM3") {
  DeviceInfo device;
  device.name = name;
  device.sm_count = 132;
  return device;
}

MeasuredRecord record_of(const CaseSpec& spec, double ms) {
  MeasuredRecord r;
  r.spec = spec;
  r.device = gpu();
  r.samples_ms.assign(static_cast<std::size_t>(spec.repetitions), ms);
  r.median_ms = r.p10_ms = r.p90_ms = ms;
  return r;
}

nlohmann::json records_in(const std::filesystem::path& path) {
  return nlohmann::json::parse(read_text(path)).at("records");
}

// The CaseError's text, or "" when constructing the file did not throw one.
std::string open_error(const std::filesystem::path& path, const std::vector<CaseSpec>& cases, const DeviceInfo& d,
                       bool resume) {
  try {
    MeasuredResultsFile file(path.string(), cases, d, resume);
  } catch (const CaseError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("validation: each finished case's record is in the file at once, in case order, with no temporary left") {
  TempDir temp;
  const auto path = temp.path() / "measured.json";
  const auto cases = three_cases();
  MeasuredResultsFile file(path.string(), cases, gpu(), false);
  file.add(1, record_of(cases[1], 2.5));
  CHECK(records_in(path).size() == 1);
  file.add(0, record_of(cases[0], 1.5));
  const auto records = records_in(path);
  REQUIRE(records.size() == 2);
  CHECK(records[0].at("name") == "a");
  CHECK(records[1].at("name") == "b");
  CHECK(records[1].at("median_ms") == 2.5);
  CHECK(records[1].at("device").at("name") == "NVIDIA H100 80GB HBM3");
  CHECK(file.record_count() == 2);
  CHECK_FALSE(std::filesystem::exists(path.string() + ".tmp"));
}

TEST_CASE("validation: a fresh run refuses a file that holds records, --resume keeps them byte for byte") {
  TempDir temp;
  const auto path = temp.path() / "measured.json";
  const auto cases = three_cases();
  {
    MeasuredResultsFile interrupted(path.string(), cases, gpu(), false);
    interrupted.add(0, record_of(cases[0], 1.25));
    interrupted.add(2, record_of(cases[2], 0.75));
  }
  const std::string before = records_in(path)[0].dump();
  CHECK(open_error(path, cases, gpu(), false).find("already holds measured results") != std::string::npos);
  CHECK(records_in(path).size() == 2);  // the refusal wrote nothing

  MeasuredResultsFile resumed(path.string(), cases, gpu(), true);
  CHECK(resumed.measured(0));
  CHECK_FALSE(resumed.measured(1));
  CHECK(resumed.measured(2));
  resumed.add(1, record_of(cases[1], 3.0));
  const auto records = records_in(path);
  REQUIRE(records.size() == 3);
  CHECK(records[0].dump() == before);
  CHECK(records[1].at("name") == "b");
  CHECK(records[2].at("median_ms") == 0.75);
}

TEST_CASE("validation: --resume with no file yet, or any run over an empty one, starts from nothing") {
  TempDir temp;
  const auto cases = three_cases();
  MeasuredResultsFile missing((temp.path() / "none.json").string(), cases, gpu(), true);
  CHECK(missing.record_count() == 0);
  const auto blank = temp.write("blank.json", "\n");
  MeasuredResultsFile fresh(blank.string(), cases, gpu(), false);
  CHECK(fresh.record_count() == 0);
  MeasuredResultsFile resumed_blank(blank.string(), cases, gpu(), true);
  CHECK(resumed_blank.record_count() == 0);
}

TEST_CASE("validation: --resume refuses records of other cases, changed cases, another device, and broken files") {
  TempDir temp;
  const auto path = temp.path() / "measured.json";
  auto cases = three_cases();
  {
    MeasuredResultsFile run(path.string(), cases, gpu(), false);
    run.add(0, record_of(cases[0], 1.0));
    run.add(1, record_of(cases[1], 1.0));
  }
  const std::string p = path.string();

  auto changed = cases;
  changed[1].shape.seq_len = 4096;
  CHECK(open_error(path, changed, gpu(), true) ==
        p + ": /records/1/seq_len: 2048 differs from the case's 4096: the cases changed since; measure them into "
            "another file");

  const std::vector<CaseSpec> without_a(cases.begin() + 1, cases.end());
  CHECK(open_error(path, without_a, gpu(), true) ==
        p + ": /records/0/name: case 'a' is not in the cases being measured");

  CHECK(open_error(path, cases, gpu("NVIDIA H200"), true) ==
        p +
            ": /records/0/device/name: \"NVIDIA H100 80GB HBM3\" is not this device (\"NVIDIA H200\"): records of "
            "one file come from one device\n" +
            p +
            ": /records/1/device/name: \"NVIDIA H100 80GB HBM3\" is not this device (\"NVIDIA H200\"): records of "
            "one file come from one device");

  auto document = nlohmann::json::parse(read_text(path));
  document["records"].push_back(document["records"][0]);
  document["records"][1]["samples_ms"].erase(0);
  temp.write("measured.json", document.dump());
  CHECK(open_error(path, cases, gpu(), true) == p + ": /records/1/samples_ms: must hold the case's 20 samples\n" + p +
                                                    ": /records/2/name: case 'a' has a second record");

  temp.write("measured.json", "{\"schema_version\": 1, \"records\": [{\"name\": ");
  CHECK(open_error(path, cases, gpu(), true).starts_with(p + ": /: invalid JSON ("));
  temp.write("measured.json", "{\"schema_version\": 1}");
  CHECK(open_error(path, cases, gpu(), true) == p + ": /records: must be the list of measured records");
}

TEST_CASE("validation: a write that fails names the file and leaves the earlier records in place") {
  TempDir temp;
  const auto path = temp.path() / "measured.json";
  const auto cases = three_cases();
  MeasuredResultsFile file(path.string(), cases, gpu(), false);
  file.add(0, record_of(cases[0], 1.0));
  const std::string before = read_text(path);
  try {
    // A full disk: the rewrite, longer than the file holding one record, fails.
    const cascadesim::testing::FileSizeLimit full(before.size());
    file.add(1, record_of(cases[1], 2.0));
    FAIL("the write did not fail");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).starts_with(path.string() + ": writing failed: "));
  }
  CHECK(read_text(path) == before);
  CHECK(file.record_count() == 1);
  CHECK_FALSE(file.measured(1));
}

TEST_CASE("validation: records name the implementation that ran and --resume reads older records as fa2-style") {
  TempDir temp;
  const auto path = temp.path() / "measured.json";
  auto cases = three_cases();
  cases[0].implementation = Implementation::kFa3Style;
  cases[0].tile_q = cases[0].tile_k = 128;
  {
    MeasuredResultsFile file(path.string(), cases, gpu(), false);
    file.add(0, record_of(cases[0], 1.5));
    file.add(1, record_of(cases[1], 2.5));
  }
  auto records = records_in(path);
  CHECK(records[0].at("implementation") == "fa3-style");
  CHECK(records[1].at("implementation") == "fa2-style");

  // A file written before the key existed: its records ran the fa2-style kernels and resume as such.
  nlohmann::json document = nlohmann::json::parse(read_text(path));
  for (auto& record : document.at("records")) record.erase("implementation");
  temp.write("measured.json", document.dump());
  CHECK(open_error(path, cases, gpu(), true).find("/records/0/implementation") != std::string::npos);
  cases[0].implementation = Implementation::kFa2Style;
  CHECK(open_error(path, cases, gpu(), true).empty());
  MeasuredResultsFile resumed(path.string(), cases, gpu(), true);
  CHECK(resumed.measured(0));
  CHECK(resumed.measured(1));
}

TEST_CASE(
    "validation: records carry kv_heads and decode splits and --resume reads older records as one K/V head each") {
  TempDir temp;
  const auto path = temp.path() / "measured.json";
  auto cases = three_cases();
  {
    MeasuredResultsFile file(path.string(), cases, gpu(), false);
    file.add(0, record_of(cases[0], 1.5));
  }
  auto records = records_in(path);
  CHECK(records[0].at("kv_heads") == 4);
  CHECK(records[0].at("splits") == 0);
  CHECK(!records[0].contains("decode_splits"));
  // A file written before the keys existed resumes; a case that now has fewer K/V heads does not.
  nlohmann::json document = nlohmann::json::parse(read_text(path));
  for (auto& record : document.at("records")) record.erase("kv_heads"), record.erase("splits");
  temp.write("measured.json", document.dump());
  CHECK(open_error(path, cases, gpu(), true).empty());
  cases[0].kv_heads = 2;
  CHECK(open_error(path, cases, gpu(), true).find("/records/0/kv_heads") != std::string::npos);

  const auto decode = parse_cases(R"({"schema_version": 1, "cases": [{"name": "d", "seq_len": 4096, "batch": 2,
      "heads": 32, "kv_heads": 8, "head_dim": 64, "kernel": "decode", "top_k": 4, "repetitions": 20}]})",
                                  "d.json");
  const auto decode_path = temp.path() / "decode.json";
  MeasuredResultsFile file(decode_path.string(), decode, gpu(), false);
  MeasuredRecord r = record_of(decode[0], 0.1);
  r.decode_splits = 6;
  file.add(0, r);
  records = records_in(decode_path);
  CHECK(records[0].at("kernel") == "decode");
  CHECK(records[0].at("implementation") == "split-kv-decode");
  CHECK(records[0].at("kv_heads") == 8);
  CHECK(records[0].at("tile_k") == 64);
  CHECK(records[0].at("decode_splits") == 6);
  CHECK(open_error(decode_path, decode, gpu(), true).empty());
}

}  // namespace
}  // namespace cascadesim::validation
