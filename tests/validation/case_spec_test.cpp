// Timing-case files: valid documents, every error reported at once with its JSON path, and the example file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/temp_dir.hpp"
#include "validation/host/case_spec.hpp"
#include "validation/host/measured_record.hpp"
#include "validation/host/micro_result.hpp"

using namespace cascadesim::validation;

TEST_CASE("validation: a valid case document parses with defaults for optional keys") {
  const auto cases = parse_cases(R"({"schema_version": 1, "cases": [
      {"name": "a", "seq_len": 4096, "heads": 32, "head_dim": 128},
      {"name": "b", "seq_len": 1024, "heads": 8, "head_dim": 64, "causal": false, "tile_q": 64,
       "kernel": "sparse", "top_k": 5, "batch": 2, "repetitions": 50}]})",
                                 "inline");
  REQUIRE(cases.size() == 2);
  CHECK(cases[0].shape.causal);
  CHECK(cases[0].kernel == KernelKind::kDense);
  CHECK(cases[0].tile_q == 128);
  CHECK(cases[0].repetitions >= 20);
  CHECK(cases[1].shape.batch == 2);
  CHECK(cases[1].kernel == KernelKind::kSparse);
  CHECK(cases[1].top_k == 5);
  CHECK(cases[1].tile_q == 64);
  CHECK(cases[1].tile_k == 128);
}

TEST_CASE("validation: unknown keys are errors with a did-you-mean hint") {
  CHECK_THROWS_WITH_AS(
      parse_cases(R"({"schema_version": 1, "cases": [{"name": "a", "seq_len": 8, "heads": 1, "head_dim": 64,
                     "tile_kk": 64}]})",
                  "x.json"),
      doctest::Contains("x.json: /cases/0/tile_kk: unknown key (did you mean \"tile_k\"?)"), CaseError);
}

TEST_CASE("validation: every error is reported together, each with its path") {
  try {
    parse_cases(R"({"schema_version": 1, "cases": [{"name": "a", "heads": 0, "head_dim": 64, "kernel": "fast"},
                   {"name": "a", "seq_len": 8, "heads": 1, "head_dim": 64, "top_k": 3, "repetitions": 5}]})",
                "x.json");
    FAIL("expected a CaseError");
  } catch (const CaseError& e) {
    const std::string message = e.what();
    CHECK(message.find("x.json: /cases/0/seq_len: is required") != std::string::npos);
    CHECK(message.find("x.json: /cases/0/heads: must be >= 1 (got 0)") != std::string::npos);
    CHECK(message.find("x.json: /cases/0/kernel: must be \"dense\", \"anchor\", \"sparse\", \"cascade\", \"stack\" or "
                       "\"decode\"") != std::string::npos);
    CHECK(message.find("x.json: /cases/1/top_k: must be absent or 0 for kernel \"dense\"") != std::string::npos);
    CHECK(message.find("x.json: /cases/1/repetitions: must be >= 20 (got 5)") != std::string::npos);
    CHECK(message.find("x.json: /cases/1/name: duplicate name \"a\"") != std::string::npos);
  }
}

TEST_CASE("validation: malformed documents name the file") {
  CHECK_THROWS_WITH_AS(parse_cases("{", "bad.json"), doctest::Contains("bad.json: not valid JSON"), CaseError);
  // A number too large for a double is the parser's out_of_range, not a parse_error: refused the same way.
  CHECK_THROWS_WITH_AS(parse_cases(R"({"schema_version": 1, "cases": [{"name": "s", "seq_len": 1e400}]})", "big.json"),
                       doctest::Contains("big.json: not valid JSON"), CaseError);
  CHECK_THROWS_WITH_AS(parse_cases(R"({"cases": []})", "e.json"),
                       doctest::Contains("e.json: /cases: must be a non-empty array"), CaseError);
  CHECK_THROWS_WITH_AS(parse_cases(R"({"schema_version": 1, "cases": [{"name": "s", "seq_len": 8, "heads": 1,
                                     "head_dim": 64, "kernel": "anchor"}]})",
                                   "a.json"),
                       doctest::Contains("a.json: /cases/0/top_k: must be >= 1 for kernel \"anchor\""), CaseError);
  CHECK_THROWS_WITH_AS(load_cases("/nonexistent/cases.json"), doctest::Contains("cannot open"), CaseError);
}

TEST_CASE("validation: the smoke cases file loads") {
  const auto cases = load_cases(std::string(CASCADESIM_SOURCE_DIR) + "/validation/cases/smoke.json");
  CHECK(cases.size() >= 3);
  for (const auto& c : cases) {
    CHECK(c.shape.heads == 32);
    CHECK(c.shape.seq_len >= 1024);
    CHECK(c.shape.seq_len <= 8192);
  }
}

TEST_CASE("validation: percentiles use the nearest rank") {
  CHECK(percentile({5, 1, 4, 2, 3}, 0.5) == 3);
  CHECK(percentile({5, 1, 4, 2, 3}, 0.1) == 1);
  CHECK(percentile({5, 1, 4, 2, 3}, 0.9) == 5);
}

TEST_CASE("validation: cascade and stack cases carry their pool factor and layer schedule") {
  const auto cases = parse_cases(R"({"schema_version": 1, "cases": [
      {"name": "c", "seq_len": 8192, "heads": 32, "head_dim": 128, "kernel": "cascade", "pool_factor": 2,
       "top_k": 8},
      {"name": "s", "seq_len": 8192, "heads": 32, "head_dim": 128, "kernel": "stack", "schedule": "1D+3A+12R",
       "top_k": 5},
      {"name": "d", "seq_len": 8192, "heads": 32, "head_dim": 128, "kernel": "stack", "schedule": "16D"}]})",
                                 "inline");
  REQUIRE(cases.size() == 3);
  CHECK(cases[0].kernel == KernelKind::kCascade);
  CHECK(cases[0].pool_factor == 2);
  CHECK(cases[1].kernel == KernelKind::kStack);
  CHECK(cases[1].schedule.layers.size() == 16);
  CHECK(cases[1].schedule.counts().anchor == 3);
  CHECK(cases[2].schedule.counts().dense == 16);
  CHECK(cases[2].top_k == 0);
}

TEST_CASE("validation: cascade and stack cases reject inconsistent keys with their paths") {
  try {
    parse_cases(R"({"schema_version": 1, "cases": [
        {"name": "a", "seq_len": 64, "heads": 1, "head_dim": 64, "kernel": "cascade", "top_k": 2},
        {"name": "b", "seq_len": 64, "heads": 1, "head_dim": 64, "kernel": "cascade", "top_k": 2, "pool_factor": 3},
        {"name": "c", "seq_len": 64, "heads": 1, "head_dim": 64, "kernel": "stack", "schedule": "2R+1A",
         "top_k": 2},
        {"name": "d", "seq_len": 64, "heads": 1, "head_dim": 64, "kernel": "stack", "schedule": "1D+1A"},
        {"name": "e", "seq_len": 64, "heads": 1, "head_dim": 64, "kernel": "dense", "schedule": "4D",
         "pool_factor": 2}]})",
                "x.json");
    FAIL("expected a CaseError");
  } catch (const CaseError& e) {
    const std::string message = e.what();
    CHECK(message.find("x.json: /cases/0/pool_factor: must be >= 2 for kernel \"cascade\" (got 0)") !=
          std::string::npos);
    CHECK(message.find("x.json: /cases/1/pool_factor: must divide tile_q and tile_k (got 3 for 128 x 128)") !=
          std::string::npos);
    CHECK(message.find("x.json: /cases/2/schedule: ") != std::string::npos);
    CHECK(message.find("x.json: /cases/3/top_k: must be >= 1 for kernel \"stack\" (got 0)") != std::string::npos);
    CHECK(message.find("x.json: /cases/4/schedule: applies to kernel \"stack\" only") != std::string::npos);
    CHECK(message.find("x.json: /cases/4/pool_factor: applies to kernel \"cascade\" only") != std::string::npos);
  }
}

TEST_CASE("validation: micro-benchmark results are written with their device and parameters as an object") {
  const cascadesim::testing::TempDir dir;
  const std::string path = (dir.path() / "micro.json").string();
  DeviceInfo device;
  device.name = "Test GPU";
  device.sm_count = 132;
  MicroBenchResult copy;
  copy.name = "hbm_copy";
  copy.metric = "GB_per_s";
  copy.median = 3000;
  copy.samples_ms = {1.0, 1.1};
  copy.parameters = {{"bytes_read", 1e9}, {"bytes_written", 1e9}};
  MicroBenchResult skipped;
  skipped.name = "cublas_gemm_bf16";
  skipped.note = "skipped: no library";
  write_micro_results_atomically(path, device, {copy, skipped});
  std::ifstream in(path);
  const nlohmann::json document = nlohmann::json::parse(in);
  CHECK(document.at("device").at("name") == "Test GPU");
  REQUIRE(document.at("results").size() == 2);
  CHECK(document.at("results")[0].at("parameters").at("bytes_written") == 1e9);
  CHECK(document.at("results")[0].at("samples_ms").size() == 2);
  CHECK(document.at("results")[1].at("samples_ms").empty());
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove(path);
}

TEST_CASE("validation: the cases file of the H100 grid, as generated from the default study, loads") {
  const auto cases = load_cases(std::string(CASCADESIM_SOURCE_DIR) + "/reports/measured/h100/cases.json");
  CHECK(cases.size() == 272);
}

TEST_CASE(
    "validation: cases name their implementation: fa3-style takes 128 x 128 tiles, cascades of one K/V head pooled "
    "by 2") {
  const auto cases = parse_cases(R"({"schema_version": 1, "cases": [
      {"name": "a", "seq_len": 8192, "heads": 32, "head_dim": 128},
      {"name": "b", "seq_len": 8192, "heads": 32, "head_dim": 128, "implementation": "fa3-style"},
      {"name": "c", "seq_len": 8192, "heads": 32, "head_dim": 64, "implementation": "fa3-style", "kernel": "sparse",
       "top_k": 2},
      {"name": "d", "seq_len": 8192, "heads": 32, "head_dim": 64, "implementation": "fa3-style", "kernel": "cascade",
       "top_k": 2, "pool_factor": 2}]})",
                                 "x.json");
  REQUIRE(cases.size() == 4);
  CHECK(cases[0].implementation == Implementation::kFa2Style);
  CHECK(cases[1].implementation == Implementation::kFa3Style);
  CHECK(cases[2].implementation == Implementation::kFa3Style);
  CHECK(cases[3].implementation == Implementation::kFa3Style);
  CHECK(std::string(implementation_name(cases[1].implementation)) == "fa3-style");
  try {
    parse_cases(R"({"schema_version": 1, "cases": [
        {"name": "a", "seq_len": 64, "heads": 1, "head_dim": 64, "implementation": "fa4"},
        {"name": "b", "seq_len": 64, "heads": 1, "head_dim": 64, "implementation": "fa3-style", "tile_q": 64},
        {"name": "c", "seq_len": 64, "heads": 4, "kv_heads": 2, "head_dim": 64, "implementation": "fa3-style",
         "kernel": "cascade", "top_k": 1, "pool_factor": 2},
        {"name": "d", "seq_len": 256, "heads": 1, "head_dim": 64, "implementation": "fa3-style",
         "kernel": "cascade", "top_k": 1, "pool_factor": 4}]})",
                "y.json");
    FAIL("expected CaseError");
  } catch (const CaseError& e) {
    const std::string message = e.what();
    CHECK(message.find("y.json: /cases/0/implementation: must be \"fa2-style\" or \"fa3-style\" (got \"fa4\")") !=
          std::string::npos);
    CHECK(message.find("y.json: /cases/1/implementation: \"fa3-style\" runs tiles of 128 x 128 only (got 64 x 128)") !=
          std::string::npos);
    CHECK(message.find("y.json: /cases/2/kv_heads: must equal heads for kernel \"cascade\"") != std::string::npos);
    CHECK(message.find("y.json: /cases/3/pool_factor: must be 2 for a \"fa3-style\" cascade (its coarse tiles are "
                       "64 x 64; got 4)") != std::string::npos);
  }
}

TEST_CASE("validation: cases take kv_heads (grouped-query attention, fa3-style only) and decode steps") {
  const auto cases = parse_cases(R"({"schema_version": 1, "cases": [
      {"name": "a", "seq_len": 8192, "heads": 32, "head_dim": 128},
      {"name": "b", "seq_len": 8192, "heads": 32, "kv_heads": 8, "head_dim": 64, "implementation": "fa3-style",
       "kernel": "anchor", "top_k": 5},
      {"name": "c", "seq_len": 32768, "batch": 8, "heads": 32, "kv_heads": 8, "head_dim": 128, "kernel": "decode"},
      {"name": "d", "seq_len": 32768, "batch": 8, "heads": 32, "kv_heads": 8, "head_dim": 128, "kernel": "decode",
       "top_k": 64, "splits": 3, "implementation": "split-kv-decode"}]})",
                                 "x.json");
  REQUIRE(cases.size() == 4);
  CHECK(cases[0].kv_head_count() == 32);
  CHECK(cases[1].kv_head_count() == 8);
  CHECK(cases[2].kernel == KernelKind::kDecode);
  CHECK(cases[2].implementation == Implementation::kSplitKvDecode);
  CHECK(cases[2].top_k == 0);
  CHECK(cases[2].splits == 0);
  CHECK(cases[2].tile_q == 1);
  CHECK(cases[2].tile_k == kDecodeCaseTileKeys);
  CHECK(cases[3].top_k == 64);
  CHECK(cases[3].splits == 3);
  CHECK(std::string(kernel_kind_name(cases[3].kernel)) == "decode");
  CHECK(std::string(implementation_name(cases[3].implementation)) == "split-kv-decode");
  try {
    parse_cases(R"({"schema_version": 1, "cases": [
        {"name": "a", "seq_len": 64, "heads": 32, "kv_heads": 5, "head_dim": 64, "implementation": "fa3-style"},
        {"name": "b", "seq_len": 64, "heads": 32, "kv_heads": 8, "head_dim": 64},
        {"name": "c", "seq_len": 64, "heads": 8, "head_dim": 64, "kernel": "decode", "tile_k": 128},
        {"name": "d", "seq_len": 64, "heads": 8, "head_dim": 64, "kernel": "decode", "causal": false,
         "implementation": "fa3-style"},
        {"name": "e", "seq_len": 64, "heads": 8, "head_dim": 64, "splits": 2},
        {"name": "f", "seq_len": 64, "heads": 8, "head_dim": 64, "kernel": "decode", "kv_head": 2}]})",
                "y.json");
    FAIL("expected CaseError");
  } catch (const CaseError& e) {
    const std::string message = e.what();
    CHECK(message.find("y.json: /cases/0/kv_heads: must divide heads (got 5 for 32 heads)") != std::string::npos);
    CHECK(message.find("y.json: /cases/1/kv_heads: differs from heads, which needs \"implementation\": "
                       "\"fa3-style\"") != std::string::npos);
    CHECK(message.find("y.json: /cases/2/tile_k: does not apply to kernel \"decode\"") != std::string::npos);
    CHECK(message.find("y.json: /cases/3/causal: must be true for kernel \"decode\"") != std::string::npos);
    CHECK(message.find("y.json: /cases/3/implementation: kernel \"decode\" runs \"split-kv-decode\" only") !=
          std::string::npos);
    CHECK(message.find("y.json: /cases/4/splits: applies to kernel \"decode\" only") != std::string::npos);
    CHECK(message.find("y.json: /cases/5/kv_head: unknown key (did you mean \"kv_heads\"?)") != std::string::npos);
  }
}

TEST_CASE("validation: the decode-study cases file loads") {
  const auto cases = load_cases(std::string(CASCADESIM_SOURCE_DIR) + "/validation/cases/decode_study.json");
  CHECK(std::any_of(cases.begin(), cases.end(), [](const CaseSpec& c) { return c.kernel == KernelKind::kDecode; }));
  CHECK(std::all_of(cases.begin(), cases.end(), [](const CaseSpec& c) { return c.kv_head_count() == 8; }));
}
