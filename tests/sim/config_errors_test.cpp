// The study loader on bad input: every error names the file and JSON pointer and says what is wrong, with a
// "did you mean" hint for typos, and all errors of a load are reported together.
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "core/config_error.hpp"
#include "sim/config/study_loader.hpp"
#include "study_json.hpp"

namespace cascadesim::sim {
namespace {

using doctest::Contains;
using testing::contains_text;
using testing::issues_of;
using testing::load;
using testing::shipped_preset;
using testing::TempDir;
using testing::valid_study;
using testing::valid_vit_study;
using testing::with;
using testing::without;

core::Json with_schedule(core::Json schedule) { return with(valid_study(), "/workload/schedule", std::move(schedule)); }

core::Json with_cascade(core::Json stages) {
  return with(valid_vit_study(), "/workload/cascade", {{"spatial_dims", 2}, {"stages", std::move(stages)}});
}

core::Json with_exits(core::Json exits) {
  return with(valid_vit_study(), "/workload/early_exit", {{"exits", std::move(exits)}});
}

TEST_CASE("an unknown key is an error at its pointer with a did-you-mean hint") {
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"kernel_lunch_us", 4}})),
                       Contains("study.json: /hardware/kernel_lunch_us: unknown key 'kernel_lunch_us' (did you "
                                "mean 'kernel_launch_us'?)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/seq_lne", 32768)),
                       Contains("study.json: /workload/seq_lne: unknown key 'seq_lne' (did you mean 'seq_len'?)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardwre", "h100-sxm")),
                       Contains("study.json: /hardwre: unknown key 'hardwre' (did you mean 'hardware'?)"),
                       core::ConfigError);
}

TEST_CASE("an unknown key unlike any known key gets no hint") {
  const auto issues = issues_of(with(valid_study(), "/workload/colour", "blue"));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() == "study.json: /workload/colour: unknown key 'colour'");
}

TEST_CASE("a key with '/' or '~' is escaped in the JSON pointer of its error") {
  const auto issues = issues_of(with(valid_study(), "/workload/a~1b~0c", 1));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].pointer == "/workload/a~1b~0c");
  CHECK(issues[0].message == "unknown key 'a/b~c'");
}

TEST_CASE("a value of the wrong type is an error naming the expected type and the value") {
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"clock_GHz", "fast"}})),
                       Contains("study.json: /hardware/clock_GHz: expected a number (got string \"fast\")"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/seq_len", "32768")),
                       Contains("study.json: /workload/seq_len: expected a number (got string \"32768\")"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/model", {{"preset", "llama-3.2-1b"}, {"causal", "yes"}})),
                       Contains("study.json: /model/causal: expected true or false (got string \"yes\")"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/name", 7)), Contains("study.json: /name: expected a string (got 7)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload", "prefill")),
                       Contains("study.json: /workload: expected an object (got string \"prefill\")"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", 5)),
                       Contains("study.json: /hardware: expected a preset name or an object (got 5)"),
                       core::ConfigError);
}

TEST_CASE("a number outside its bounds is an error stating the bound and the value") {
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/seq_len", 0)),
                       Contains("study.json: /workload/seq_len: must be >= 1 (got 0)"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/tile_tokens", 0)),
                       Contains("study.json: /workload/tile_tokens: must be >= 1 (got 0)"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"clock_GHz", -1}})),
                       Contains("study.json: /hardware/clock_GHz: must be > 0 (got -1)"), core::ConfigError);
  CHECK_THROWS_WITH_AS(
      load(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"memory", {{"channel_bandwidth_GBps", -1}}}})),
      Contains("study.json: /hardware/memory/channel_bandwidth_GBps: must be > 0 (got -1)"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"matrix_efficiency", 1.5}})),
                       Contains("study.json: /hardware/matrix_efficiency: must be <= 1 (got 1.5)"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"matrix_efficiency", 0}})),
                       Contains("study.json: /hardware/matrix_efficiency: must be > 0 (got 0)"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/bytes_per_element", 2)),
                       Contains("study.json: /workload/bytes_per_element: no longer a workload field: each tensor has "
                                "its own precision, /workload/precision/{weights,activations,kv_cache,scores}"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/precision", {{"kv_cache", "fp9"}})),
                       Contains("study.json: /workload/precision/kv_cache: must be one of fp32, bf16, fp16"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/precision", {{"kv_cash", "fp8_e4m3"}})),
                       Contains("did you mean 'kv_cache'"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/seq_len", 4294967296.0)),
                       Contains("study.json: /workload/seq_len: must be <= 2147483648 (got 4294967296)"),
                       core::ConfigError);
}

TEST_CASE("top_k above the number of key tiles is an error that shows the tile count") {
  // 32768 tokens / 128-token tiles = 256 key tiles.
  CHECK_THROWS_WITH_AS(
      load(with(valid_study(), "/workload/top_k", 257)),
      Contains("study.json: /workload/top_k: top_k 257 exceeds the 256 key tiles of seq_len 32768 / tile_tokens 128"),
      core::ConfigError);
  CHECK_NOTHROW(load(with(valid_study(), "/workload/top_k", 256)));
}

TEST_CASE("a study that does not fit the HBM is refused with the bytes it needs beside the bytes there are") {
  // LLaMA-3.2-1B keeps 16 layers x 2 x 512 x 2 bytes = 32 KiB of K/V per cached token: 2048 sequences of 128K
  // tokens need 8.8 TB; 16 of them fit the H100's 80 GB.
  core::Json decode = with(with(valid_study(), "/workload/phase", "decode"), "/workload/seq_len", 131072);
  decode = with(std::move(decode), "/workload/schedule", "16D");
  CHECK_THROWS_WITH_AS(load(with(decode, "/workload/batch", 2048)),
                       Contains("study.json: /workload/batch: needs 8798123065344 bytes of HBM (weights 1946157056, "
                                "K/V cache 8796093022208, activations 83886080)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(decode, "/workload/batch", 2048)), Contains("but h100-sxm has 80000000000"),
                       core::ConfigError);
  CHECK_NOTHROW(load(with(decode, "/workload/batch", 16)));
}

TEST_CASE("top_k 0 is an error when the schedule has anchor or reuse layers") {
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/top_k", 0)),
                       Contains("study.json: /workload/top_k: must be >= 1 when the schedule has anchor or reuse "
                                "layers (got 0)"),
                       core::ConfigError);
}

TEST_CASE("a count that is not a whole number is an error") {
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/model", {{"preset", "llama-3.2-1b"}, {"n_layers", 12.5}})),
                       Contains("study.json: /model/n_layers: must be a whole number (got 12.5)"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/batch", 1.5)),
                       Contains("study.json: /workload/batch: must be a whole number (got 1.5)"), core::ConfigError);
}

TEST_CASE("a bad energy figure in a component section names the study file and its pointer") {
  CHECK_THROWS_WITH_AS(
      load(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"memory", {{"read_pJ_per_bit", -3}}}})),
      Contains("study.json: /hardware/memory/read_pJ_per_bit: must be >= 0 (got -3)"), core::ConfigError);
  CHECK_THROWS_WITH_AS(
      load(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"vector_unit", {{"exp_pJ", "five"}}}})),
      Contains("study.json: /hardware/vector_unit/exp_pJ: expected a number (got string \"five\")"), core::ConfigError);
  CHECK_THROWS_WITH_AS(
      load(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"l2", {{"read_pj_per_byte", 1}}}})),
      Contains("study.json: /hardware/l2/read_pj_per_byte: unknown key"), core::ConfigError);
}

TEST_CASE("a value outside an enumeration lists the choices and suggests the closest") {
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/phase", "prefil")),
                       Contains("study.json: /workload/phase: must be one of prefill, decode (got string \"prefil\"); "
                                "did you mean 'prefill'?"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"matrix_dtype", "bf61"}})),
                       Contains("study.json: /hardware/matrix_dtype: must be one of fp32, bf16, fp16, fp8_e4m3"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/workload/attention_kernel", 1)),
                       Contains("study.json: /workload/attention_kernel: must be one of fused, materialized (got 1)"),
                       core::ConfigError);
}

TEST_CASE("a malformed schedule string is an error naming the offending term") {
  CHECK_THROWS_WITH_AS(load(with_schedule("1D+3X+12R")),
                       Contains("study.json: /workload/schedule: term 2 '3X': unknown layer kind 'X'"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with_schedule("1D++12R")),
                       Contains("study.json: /workload/schedule: term 2 '': empty term"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with_schedule("0D+16R")),
                       Contains("study.json: /workload/schedule: term 1 '0D': layer count must be >= 1"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with_schedule("")), Contains("study.json: /workload/schedule: empty layer schedule"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(
      load(with_schedule("99999999999999999999D")),
      Contains("study.json: /workload/schedule: term 1 '99999999999999999999D': layer count too large"),
      core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with_schedule(16)),
                       Contains("study.json: /workload/schedule: expected a schedule string like \"1D+3A+12R\" or a "
                                "list of layer kinds (got 16)"),
                       core::ConfigError);
}

TEST_CASE("a schedule must have exactly the model's layer count") {
  CHECK_THROWS_WITH_AS(load(with_schedule("1D+3A+13R")),
                       Contains("study.json: /workload/schedule: schedule has 17 layers but the model has 16"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with_schedule("1D+3A+11R")),
                       Contains("study.json: /workload/schedule: schedule has 15 layers but the model has 16"),
                       core::ConfigError);
}

TEST_CASE("a reuse layer before any anchor is an error") {
  CHECK_THROWS_WITH_AS(load(with_schedule("1D+12R+3A")),
                       Contains("study.json: /workload/schedule: reuse layer 1 has no anchor layer before it to reuse"),
                       core::ConfigError);
}

TEST_CASE("a bad entry in a schedule list is an error at that entry's pointer") {
  core::Json list = core::Json::array();
  for (const char* kind : {"D", "A", "A", "X"}) list.push_back(kind);
  for (int i = 0; i < 12; ++i) list.push_back("R");
  CHECK_THROWS_WITH_AS(load(with_schedule(list)),
                       Contains("study.json: /workload/schedule/3: unknown layer kind 'X' (expected D/dense, A/anchor "
                                "or R/reuse)"),
                       core::ConfigError);
  list[1] = 2;
  CHECK_THROWS_WITH_AS(load(with_schedule(list)),
                       Contains("study.json: /workload/schedule/1: expected \"D\", \"A\" or \"R\" (got 2)"),
                       core::ConfigError);
}

TEST_CASE("an unknown preset name is an error that lists the available presets") {
  CHECK_THROWS_WITH_AS(
      load(with(valid_study(), "/hardware", "nosuch")),
      Contains("study.json: /hardware: unknown hardware preset 'nosuch'; available: a100-sxm-80gb, b200, "
               "fusemax-like, gb200, h100-hgx-nvswitch, h100-nvlink-ring, h100-pcie5, h100-superpod-ib, h100-sxm, "
               "h100-sxm-pcie5-host, h200, mi300x, spatten-like, t4, tpu-v5e-like, tpu-v5p-like"),
      core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "h100-smx")),
                       Contains("study.json: /hardware: unknown hardware preset 'h100-smx' (did you mean 'h100-sxm'?)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/model", {{"preset", "llama-3.2-8b"}})),
                       Contains("study.json: /model/preset: unknown model preset 'llama-3.2-8b'"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "h100 sxm")),
                       Contains("study.json: /hardware: invalid preset name 'h100 sxm'"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "no/such/preset.json")),
                       Contains("study.json: /hardware: preset file 'no/such/preset.json' does not exist"),
                       core::ConfigError);
}

TEST_CASE("missing required keys are errors at the pointer where the key belongs") {
  CHECK_THROWS_WITH_AS(load(without(valid_study(), "/workload/seq_len")),
                       Contains("study.json: /workload/seq_len: missing required key (sequence length (prefill) or "
                                "KV-cache length (decode), in tokens)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(without(valid_study(), "/workload/phase")),
                       Contains("study.json: /workload/phase: missing required key"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", {{"cores", 100}})),
                       Contains("study.json: /hardware/clock_GHz: missing required key (core clock: the component "
                                "sections' per-cycle rates run at it, in GHz)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", {{"cores", 100}})),
                       Contains("study.json: /hardware/memory: missing section (a {\"impl\": ...} object describing "
                                "the machine's memory"),
                       core::ConfigError);
  const auto issues = issues_of(core::Json::object({{"schema_version", 1}}));
  REQUIRE(issues.size() == 3);
  CHECK(issues[0].line() == "study.json: /hardware: missing required key (a hardware preset name or object)");
  CHECK(issues[1].line() == "study.json: /model: missing required key (a model preset name or object)");
  CHECK(issues[2].line() == "study.json: /workload: missing required key (sequence length, phase, tiling, schedule)");
}

TEST_CASE("a missing or unsupported schema_version is an error") {
  CHECK_THROWS_WITH_AS(load(without(valid_study(), "/schema_version")),
                       Contains("study.json: /schema_version: missing required key (the config format version, 1)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/schema_version", 2)),
                       Contains("study.json: /schema_version: unsupported schema_version 2 (this build reads 1)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/schema_version", "1")),
                       Contains("study.json: /schema_version: unsupported schema_version string \"1\""),
                       core::ConfigError);
}

TEST_CASE("invalid JSON syntax is an error with its line and column") {
  // The column is that of the last character the parser read: the end of the unexpected token.
  const std::string text =
      "{\n  \"schema_version\": 1,\n  \"hardware\": \"h100-sxm\"\n  \"model\": \"llama-3.2-1b\"\n}";
  CHECK_THROWS_WITH_AS(load_study_text(text, "broken.json", {}),
                       Contains("broken.json: /: invalid JSON at line 4, column 9"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load_study_text("{\"a\": 1,\n}", "trailing-comma.json", {}),
                       Contains("trailing-comma.json: /: invalid JSON at line 2, column 1"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load_study_text("", "empty.json", {}),
                       Contains("empty.json: /: invalid JSON at line 1, column 1"), core::ConfigError);
}

TEST_CASE("an invalid JSON message keeps the parser's explanation") {
  // nlohmann: "... parse error at line 1, column 10: syntax error while parsing value - invalid literal;
  // last read: 'tru}'". Only the part after the position should be dropped.
  CHECK_THROWS_WITH_AS(load_study_text("{\"a\": tru}", "literal.json", {}),
                       Contains("literal.json: /: invalid JSON at line 1, column 10: syntax error while parsing value "
                                "- invalid literal"),
                       core::ConfigError);
}

TEST_CASE("a number too large for a double is a config error naming the file") {
  // nlohmann reports 1e400 as out_of_range.406, not as a parse_error.
  const std::string text = R"({"schema_version": 1, "hardware": "h100-sxm", "model": "llama-3.2-1b",
    "workload": {"phase": "prefill", "seq_len": 1e400}})";
  CHECK_THROWS_WITH_AS(load_study_text(text, "overflow.json", {}), Contains("overflow.json: /"), core::ConfigError);
}

TEST_CASE("a duplicated key is an error naming its pointer, not a silent overwrite") {
  const std::string text = R"({"schema_version": 1, "hardware": "h100-sxm", "model": "llama-3.2-1b",
    "workload": {"phase": "prefill", "seq_len": 4096, "seq_len": 8192,
                 "cascade": {"stages": [{"resolution": 1, "exit_fraction": 1, "resolution": 1}]}}})";
  CHECK_THROWS_WITH_AS(load_study_text(text, "twice.json", {}),
                       Contains("twice.json: /workload/seq_len: duplicate key 'seq_len'"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load_study_text(text, "twice.json", {}),
                       Contains("twice.json: /workload/cascade/stages/0/resolution: duplicate key 'resolution'"),
                       core::ConfigError);
}

TEST_CASE("a folder given as a study is reported as a folder") {
  TempDir dir;
  const std::string folder = dir.path().string();
  CHECK_THROWS_WITH_AS(load_study(folder, {}), contains_text(folder + ": /: is a folder, not a JSON file"),
                       core::ConfigError);
}

TEST_CASE("a study that is not a JSON object is an error") {
  CHECK_THROWS_WITH_AS(load_study_text("[1, 2]", "list.json", {}),
                       Contains("list.json: /: expected a JSON object (got an array)"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load_study_text("42", "number.json", {}),
                       Contains("number.json: /: expected a JSON object (got 42)"), core::ConfigError);
}

TEST_CASE("a study holding JSON null is an error, not an empty study") {
  CHECK_THROWS_WITH_AS(load_study_text("null", "null.json", {}),
                       Contains("null.json: /: expected a JSON object (got null)"), core::ConfigError);
}

TEST_CASE("a study file that does not exist is an error naming it") {
  TempDir dir;
  const std::string missing = (dir.path() / "missing.json").string();
  CHECK_THROWS_WITH_AS(load_study(missing, {}), contains_text(missing + ": /: cannot open file"), core::ConfigError);
  CHECK_THROWS_WITH_AS(load_study("builtin:configs/studies/nosuch.json", {}),
                       Contains("builtin:configs/studies/nosuch.json: /: no such built-in config"), core::ConfigError);
}

TEST_CASE("an error in a study file on disk names that file") {
  TempDir dir;
  const auto file = dir.write("study.json", with(valid_study(), "/workload/seq_len", -5));
  CHECK_THROWS_WITH_AS(load_study(file.string(), {}),
                       contains_text(file.string() + ": /workload/seq_len: must be >= 1 (got -5)"), core::ConfigError);
  const auto broken = dir.write("broken.json", std::string("{\n  \"schema_version\": 1,,\n}"));
  CHECK_THROWS_WITH_AS(load_study(broken.string(), {}),
                       contains_text(broken.string() + ": /: invalid JSON at line 2, column 23"), core::ConfigError);
}

TEST_CASE("cascade exit fractions must sum to 1") {
  CHECK_THROWS_WITH_AS(load(with_cascade({{{"resolution", 0.25}, {"exit_fraction", 0.5}},
                                          {{"resolution", 1.0}, {"exit_fraction", 0.4}}})),
                       Contains("study.json: /workload/cascade/stages: exit fractions must sum to 1: every input stops "
                                "somewhere (got 0.9)"),
                       core::ConfigError);
}

TEST_CASE("the last cascade stage must be full resolution") {
  CHECK_THROWS_WITH_AS(load(with_cascade({{{"resolution", 0.25}, {"exit_fraction", 0.5}},
                                          {{"resolution", 0.5}, {"exit_fraction", 0.5}}})),
                       Contains("study.json: /workload/cascade/stages/1/resolution: the last stage must be full "
                                "resolution (1)"),
                       core::ConfigError);
}

TEST_CASE("cascade resolutions must increase from stage to stage") {
  CHECK_THROWS_WITH_AS(load(with_cascade({{{"resolution", 0.5}, {"exit_fraction", 0.3}},
                                          {{"resolution", 0.25}, {"exit_fraction", 0.3}},
                                          {{"resolution", 1.0}, {"exit_fraction", 0.4}}})),
                       Contains("study.json: /workload/cascade/stages/1/resolution: stages must go from coarse to "
                                "fine: resolution must exceed the previous stage's (0.5)"),
                       core::ConfigError);
}

TEST_CASE("cascade stage lists and stage fields are checked") {
  CHECK_THROWS_WITH_AS(load(with_cascade(core::Json::array())),
                       Contains("study.json: /workload/cascade/stages: expected a list of 1 to 8 objects (got an "
                                "array of 0)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with_cascade({{{"resolution", 0}, {"exit_fraction", 1}}})),
                       Contains("study.json: /workload/cascade/stages/0/resolution: must be > 0 (got 0)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with_cascade({{{"resolution", 1}, {"exit_fracton", 1}}})),
                       Contains("study.json: /workload/cascade/stages/0/exit_fracton: unknown key 'exit_fracton' (did "
                                "you mean 'exit_fraction'?)"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load(with(valid_vit_study(), "/workload/cascade",
                                 {{"memory_overhead", 0.5},
                                  {"transition_overhead", 0.5},
                                  {"stages", {{{"resolution", 1}, {"exit_fraction", 1}}}}})),
                       Contains("study.json: /workload/cascade: overhead fractions must sum to less than 1"),
                       core::ConfigError);
}

TEST_CASE("an early exit after a layer the model does not have is an error") {
  CHECK_THROWS_WITH_AS(
      load(with_exits({{{"after_layer", 3}, {"fraction", 0.5}}, {{"after_layer", 13}, {"fraction", 0.5}}})),
      Contains("study.json: /workload/early_exit/exits/1/after_layer: exit after layer 13 but the "
               "model has 12 layers"),
      core::ConfigError);
}

TEST_CASE("early exit fractions must sum to 1") {
  CHECK_THROWS_WITH_AS(
      load(with_exits({{{"after_layer", 3}, {"fraction", 0.5}}, {{"after_layer", 12}, {"fraction", 0.4}}})),
      Contains("study.json: /workload/early_exit/exits: exit fractions must sum to 1: every input exits "
               "somewhere (got 0.9)"),
      core::ConfigError);
}

TEST_CASE("early exits must be in increasing layer order") {
  CHECK_THROWS_WITH_AS(
      load(with_exits({{{"after_layer", 12}, {"fraction", 0.5}}, {{"after_layer", 3}, {"fraction", 0.5}}})),
      Contains("study.json: /workload/early_exit/exits/1/after_layer: exits must be in increasing layer "
               "order"),
      core::ConfigError);
}

TEST_CASE("a figure that moved into a component section is one error naming where it went, citation or not") {
  TempDir dir;
  core::Json preset = shipped_preset("hw", "h100-sxm");
  preset["hbm_bandwidth_GBps"] = 3350;
  preset["source"]["hbm_bandwidth_GBps"] = "datasheet";
  preset["peak_matrix_TFLOPs"] = 989.4;
  const std::string file = dir.write("hw/old.json", preset).string();
  const auto issues = issues_of(with(valid_study(), "/hardware", "old"), LoadOptions{{dir.path().string()}, ""});
  REQUIRE(issues.size() == 2);
  CHECK(issues[0].line() == file +
                                ": /hbm_bandwidth_GBps: no longer a hardware figure: derived from /memory (channels "
                                "x channel_bandwidth_GBps); remove it and its citation");
  CHECK(issues[1].line() == file +
                                ": /peak_matrix_TFLOPs: no longer a hardware figure: derived from /matrix_unit "
                                "(peak MACs per cycle) x cores x clock_GHz x 2; remove it and its citation");
  const auto in_study = issues_of(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"hbm_bytes", 1e9}}));
  REQUIRE(in_study.size() == 1);
  CHECK(in_study[0].line() ==
        "study.json: /hardware/hbm_bytes: no longer a hardware figure: now /memory/bytes; remove it and its citation");
}

TEST_CASE("n_kv_heads must divide n_heads") {
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/model", {{"preset", "llama-3.2-1b"}, {"n_kv_heads", 7}})),
                       Contains("study.json: /model/n_kv_heads: must divide n_heads (32), got 7"), core::ConfigError);
}

TEST_CASE("a preset file without a citation for a figure it sets is an error in that file") {
  TempDir dir;
  core::Json preset = shipped_preset("hw", "h100-sxm");
  preset["source"].erase("memory");
  const std::string file = dir.write("hw/uncited.json", preset).string();
  const LoadOptions options{{dir.path().string()}, ""};
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "uncited"), options),
                       contains_text(file + ": /source: no citation for 'memory'"), core::ConfigError);

  SUBCASE("a preset file with no source at all") {
    preset.erase("source");
    dir.write("hw/uncited.json", preset);
    CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "uncited"), options),
                         contains_text(file + ": /source: missing required key (a citation for each figure)"),
                         core::ConfigError);
  }
  SUBCASE("a citation for a figure the file does not set") {
    preset["source"]["memory"] = "datasheet";
    preset["source"]["topk"] = "a top-k engine this preset lacks";
    dir.write("hw/uncited.json", preset);
    CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "uncited"), options),
                         contains_text(file + ": /source/topk: cites 'topk', which this file does not set"),
                         core::ConfigError);
  }
  SUBCASE("an empty citation") {
    preset["source"]["memory"] = "";
    dir.write("hw/uncited.json", preset);
    CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "uncited"), options),
                         contains_text(file + ": /source/memory: expected a non-empty citation"), core::ConfigError);
  }
}

TEST_CASE("a hand-edited calibration block or device list is an error at its pointer, not a failure where read") {
  TempDir dir;
  core::Json preset = shipped_preset("hw", "h100-sxm");
  preset["measured_device_names"] = {"NVIDIA H100 80GB HBM3", 5};
  preset["calibration"] = {{"base_preset", "h100-sxm"},
                           {"commit", 42},
                           {"training_points", -1},
                           {"measurements", {"a.json"}},
                           {"parameters", {{{"key", "l2_hit_ns"}, {"before", "1.0"}, {"after", 2.0}}, "fitted"}}};
  const std::string file = dir.write("hw/edited.json", preset).string();
  const LoadOptions options{{dir.path().string()}, ""};
  const std::string errors = [&] {
    try {
      load(with(valid_study(), "/hardware", "edited"), options);
    } catch (const core::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  CHECK(errors == file + ": /measured_device_names/1: expected a non-empty device name\n" + file +
                      ": /calibration/commit: expected a string\n" + file +
                      ": /calibration/training_points: expected a count (an integer >= 0)\n" + file +
                      ": /calibration/parameters/0/before: expected a number\n" + file +
                      ": /calibration/parameters/1: expected an object {key, model, how, before, after, meaning}");

  preset["calibration"] = "by hand";
  dir.write("hw/edited.json", preset);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "edited"), options),
                       contains_text(file + ": /calibration: expected the object cascadesim calibrate writes"),
                       core::ConfigError);
}

TEST_CASE("a preset file must carry schema_version 1") {
  TempDir dir;
  core::Json preset = shipped_preset("hw", "t4");
  preset.erase("schema_version");
  const std::string file = dir.write("hw/old.json", preset).string();
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "old"), LoadOptions{{dir.path().string()}, ""}),
                       contains_text(file + ": /schema_version: missing required key"), core::ConfigError);
}

TEST_CASE("a preset file holding JSON null is an error naming that file") {
  TempDir dir;
  const std::string file = dir.write("hw/null.json", std::string("null")).string();
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "null"), LoadOptions{{dir.path().string()}, ""}),
                       contains_text(file + ": /: expected a JSON object (got null)"), core::ConfigError);
}

TEST_CASE("a preset file with invalid JSON is an error naming that file with line and column") {
  TempDir dir;
  const std::string file =
      dir.write("hw/broken.json", std::string("{\n  \"schema_version\": 1\n  \"cores\": 4\n}")).string();
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "broken"), LoadOptions{{dir.path().string()}, ""}),
                       contains_text(file + ": /: invalid JSON at line 3, column 9"), core::ConfigError);
}

TEST_CASE("a preset that names itself is an error, not endless recursion") {
  TempDir dir;
  core::Json preset = shipped_preset("hw", "t4");
  preset["preset"] = "loop";
  dir.write("hw/loop.json", preset);
  CHECK_THROWS_WITH_AS(load(with(valid_study(), "/hardware", "loop"), LoadOptions{{dir.path().string()}, ""}),
                       Contains("presets nest deeper than 8 levels"), core::ConfigError);
}

TEST_CASE("an error inside an override object names the study file and the override's pointer") {
  const auto issues =
      issues_of(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"memory", {{"latency_ns", "fast"}}}}));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].file == "study.json");
  CHECK(issues[0].pointer == "/hardware/memory/latency_ns");
  CHECK(issues[0].message == "expected a number (got string \"fast\")");
}

TEST_CASE("an error inside a preset file names the preset file and the pointer in it") {
  TempDir dir;
  core::Json preset = shipped_preset("hw", "t4");
  preset["cores"] = 0;
  const std::string file = dir.write("hw/zero-cores.json", preset).string();
  const auto issues = issues_of(with(valid_study(), "/hardware", {{"preset", "zero-cores"}, {"kernel_launch_us", 4}}),
                                LoadOptions{{dir.path().string()}, ""});
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].file == file);
  CHECK(issues[0].pointer == "/cores");
  CHECK(issues[0].message == "must be >= 1 (got 0)");
}

TEST_CASE("an error in the --hw preset is reported against it, not the study") {
  CHECK_THROWS_WITH_AS(load(valid_study(), LoadOptions{{}, "nosuch"}),
                       Contains("--hw: /: unknown hardware preset 'nosuch'"), core::ConfigError);
}

TEST_CASE("every error in a study is reported together, one line each") {
  const std::string text = R"({
    "schema_version": 1,
    "hardware": {"preset": "h100-sxm", "hbm_bandwith_GBps": 4000, "cores": 0},
    "model": "llama-3.2-1b",
    "workload": {"phase": "prefil", "seq_len": 32768, "top_k": 5, "schedule": "1D+3A+12R"}
  })";
  try {
    load_study_text(text, "many.json", {});
    FAIL("the study loaded");
  } catch (const core::ConfigError& e) {
    const auto& issues = e.issues();
    CHECK(issues.size() == 3);
    std::string expected;
    for (const core::ConfigIssue& issue : issues) {
      CHECK(issue.file == "many.json");
      expected += (expected.empty() ? "" : "\n") + issue.line();
    }
    CHECK(std::string(e.what()) == expected);
    const std::string what = e.what();
    CHECK(what.find("many.json: /hardware/cores: must be >= 1 (got 0)") != std::string::npos);
    CHECK(what.find("many.json: /hardware/hbm_bandwith_GBps: unknown key") != std::string::npos);
    CHECK(what.find("many.json: /workload/phase: must be one of prefill, decode") != std::string::npos);
  }
}

TEST_CASE("errors in the hardware, model and workload sections are collected in one load") {
  core::Json study = with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"clock_GHz", 0}});
  study = with(study, "/model", {{"preset", "llama-3.2-1b"}, {"d_model", 0}});
  study = with(study, "/workload/seq_len", 0);
  const auto issues = issues_of(study);
  REQUIRE(issues.size() >= 3);
  CHECK(issues[0].pointer == "/hardware/clock_GHz");
  CHECK(issues[1].pointer == "/model/d_model");
  CHECK(issues[2].pointer == "/workload/seq_len");
}

TEST_CASE("a core::ConfigIssue renders as file, pointer and message, with / for the whole document") {
  CHECK(core::ConfigIssue{"a.json", "/hardware/cores", "must be >= 1 (got 0)"}.line() ==
        "a.json: /hardware/cores: must be >= 1 (got 0)");
  CHECK(core::ConfigIssue{"a.json", "", "cannot open file"}.line() == "a.json: /: cannot open file");
  core::ConfigErrors errors;
  CHECK_NOTHROW(errors.throw_if_any());
  errors.add("a.json", "/x", "first");
  errors.add("b.json", "/y", "second");
  CHECK_THROWS_WITH_AS(errors.throw_if_any(), "a.json: /x: first\nb.json: /y: second", core::ConfigError);
}

TEST_CASE("closest_key suggests a near key and nothing for an unrelated one") {
  const std::vector<std::string_view> keys{"seq_len", "tile_tokens", "top_k", "hbm_bandwidth_GBps"};
  CHECK(core::closest_key("seq_lne", keys) == "seq_len");
  CHECK(core::closest_key("SEQ_LEN", keys) == "seq_len");
  CHECK(core::closest_key("hbm_bandwith_GBps", keys) == "hbm_bandwidth_GBps");
  CHECK(core::closest_key("tile", keys) == "tile_tokens");  // a key missing its unit suffix
  CHECK(core::closest_key("bandwidth", keys) == "");        // too far from hbm_bandwidth_GBps to be a typo
  CHECK(core::closest_key("colour", keys) == "");
  CHECK(core::closest_key("anything", {}) == "");
}

TEST_CASE("json_pointer_token escapes '~' and '/' as RFC 6901 requires") {
  CHECK(core::json_pointer_token("plain") == "plain");
  CHECK(core::json_pointer_token("a/b") == "a~1b");
  CHECK(core::json_pointer_token("a~b") == "a~0b");
  CHECK(core::json_pointer_token("~/") == "~0~1");
}

}  // namespace
}  // namespace cascadesim::sim
