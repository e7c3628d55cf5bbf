// `cascadesim predict` as a library: argument parsing, and run_predict's JSON and table on the built-in study.
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/config_error.hpp"
#include "sim/cli/predict_command.hpp"

namespace cascadesim::sim {
namespace {

using Args = std::vector<std::string>;

std::string predict_output(const Args& args) {
  std::ostringstream out;
  run_predict(parse_predict_args(args), out);
  return out.str();
}

TEST_CASE("predict with no arguments chooses the built-in study, exact accounting and the table") {
  const PredictOptions o = parse_predict_args({});
  CHECK(o.study_path.empty());
  CHECK(o.accounting == models::Accounting::exact);
  CHECK(!o.json);
  CHECK(o.load.hardware_preset.empty());
  CHECK(o.load.config_dirs.empty());
}

TEST_CASE("predict options are parsed in any order") {
  const PredictOptions o = parse_predict_args(
      {"--json", "study.json", "--accounting", "seed", "--hw", "t4", "--config-dir", "a", "--config-dir", "b"});
  CHECK(o.study_path == "study.json");
  CHECK(o.accounting == models::Accounting::seed);
  CHECK(o.json);
  CHECK(o.load.hardware_preset == "t4");
  CHECK(o.load.config_dirs == Args{"a", "b"});
}

TEST_CASE("malformed predict command lines are usage errors") {
  CHECK_THROWS_WITH_AS(parse_predict_args({"--bogus"}), "unknown option '--bogus'", UsageError);
  CHECK_THROWS_WITH_AS(parse_predict_args({"--hw"}), "--hw needs a value", UsageError);
  CHECK_THROWS_WITH_AS(parse_predict_args({"--accounting"}), "--accounting needs a value", UsageError);
  CHECK_THROWS_WITH_AS(parse_predict_args({"--accounting", "fast"}), "--accounting must be seed or exact (got 'fast')",
                       UsageError);
  CHECK_THROWS_WITH_AS(parse_predict_args({"a.json", "b.json"}), "more than one study given ('a.json' and 'b.json')",
                       UsageError);
}

TEST_CASE("predict --json prints one JSON object with the prediction, the resolved config and the files read") {
  const core::Json j = core::Json::parse(predict_output({"--json"}));
  CHECK(j.at("accounting") == "exact");
  CHECK(j.at("study") == "kascade-llama-3.2-1b-32k");
  CHECK(j.at("hardware") == "h100-sxm");
  CHECK(j.at("model") == "llama-3.2-1b");
  for (const char* key : {"attention_fraction", "effective_attention_speedup", "amdahl_speedup", "anchor_cost",
                          "reuse_cost", "roofline", "differences", "other_accounting"}) {
    INFO("key: ", key);
    CHECK(j.contains(key));
  }
  // Seed 002 §4: 32768 / 128 = 256 tiles per side, causal dense blocks T(T+1)/2 = 32,896.
  CHECK(j.at("tiles").at("dense_per_head") == 256 * 257 / 2);
  CHECK(j.at("layers") == core::Json{{"dense", 1}, {"anchor", 3}, {"reuse", 12}});
  CHECK(j.at("config").at("schema_version") == 1);
  CHECK(j.at("files").at(0) == "builtin:configs/studies/kascade-llama-3.2-1b-32k.json");
  CHECK(j.at("other_accounting").at("accounting") == "seed");
}

TEST_CASE("predict --accounting seed reproduces seed 002's Amdahl speedup") {
  const core::Json j = core::Json::parse(predict_output({"--json", "--accounting", "seed"}));
  // Seed 002 §2: f = 2S / (2S + 4d + 3 d_MLP) = 65536 / (65536 + 8192 + 24576) = 2/3. §3: anchors cost a dense
  // layer and reuse layers k/T = 5/256, so s = 16 / (1 + 3 + 12 * 5/256).
  const double f = 2.0 * 32768 / (2.0 * 32768 + 4.0 * 2048 + 3.0 * 8192);
  const double s = 16.0 / (1.0 + 3.0 + 12.0 * 5.0 / 256.0);
  CHECK(j.at("attention_fraction").get<double>() == doctest::Approx(f));
  CHECK(j.at("effective_attention_speedup").get<double>() == doctest::Approx(s));
  CHECK(j.at("amdahl_speedup").get<double>() == doctest::Approx(1.0 / ((1.0 - f) + f / s)));
  CHECK(predict_output({"--accounting", "seed"}).find("1.962x") != std::string::npos);
}

TEST_CASE("predict --hw replaces the study's hardware") {
  const core::Json j = core::Json::parse(predict_output({"--json", "--hw", "t4"}));
  CHECK(j.at("hardware") == "t4");
  CHECK(j.at("config").at("hardware").at("memory").at("bytes") == 16e9);
}

TEST_CASE("predict prints the table with the effective attention speedup") {
  const std::string table = predict_output({});
  CHECK(table.find("cascadesim predict: kascade-llama-3.2-1b-32k") != std::string::npos);
  CHECK(table.find("effective attention speedup") != std::string::npos);
  CHECK(table.find("Layers: 1 dense, 3 anchor, 12 reuse") != std::string::npos);
}

TEST_CASE("predict on a missing study throws a core::ConfigError naming the file") {
  CHECK_THROWS_WITH_AS(predict_output({"no/such/study.json"}), "no/such/study.json: /: cannot open file",
                       core::ConfigError);
}

}  // namespace
}  // namespace cascadesim::sim
