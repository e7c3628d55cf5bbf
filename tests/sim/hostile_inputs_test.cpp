// Hostile inputs of each class issue 21 names, generated here: values nested tens of thousands deep at typed keys,
// inputs past the size limit, outputs aimed at existing files, links, folders, devices and the inputs themselves,
// a full disk, a second writer of a folder, non-finite results and command lines with empty, missing or repeated
// values. Each must be one refusal naming the file (or option) and the pointer, and leave every file as it was.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/atomic_file.hpp"
#include "core/finite_result.hpp"
#include "core/folder_lock.hpp"
#include "core/input_limits.hpp"
#include "sim/calibration/measured_points.hpp"
#include "sim/cli/calibrate_command.hpp"
#include "sim/cli/describe_command.hpp"
#include "sim/cli/predict_command.hpp"
#include "sim/cli/report_command.hpp"
#include "sim/cli/simulate_command.hpp"
#include "sim/cli/sweep_command.hpp"
#include "sim/cli/validate_command.hpp"
#include "sim/sweep/sweep_axes.hpp"
#include "sim/sweep/sweep_spec.hpp"
#include "study_json.hpp"
#include "tests/file_size_limit.hpp"
#include "validation/host/case_spec.hpp"

namespace cascadesim::sim {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr std::size_t deep = 60000;  // far past any stack, far below what libFuzzer's short inputs reach

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The message of the one ConfigError (or CaseError) f throws.
template <typename F>
std::string refusal_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  FAIL("no refusal");
  return {};
}

TEST_CASE("a value nested 60,000 arrays deep at a typed key of any input is one line naming the file and pointer") {
  const std::string value = nested_arrays(deep);
  const core::Json study = testing::valid_study();
  std::string text = study.dump();
  text.replace(text.find("\"seq_len\":") + 10,
               text.find(',', text.find("\"seq_len\":")) - text.find("\"seq_len\":") - 10, value);
  std::string message = refusal_of([&] { load_study_text(text, "deep.json", {}); });
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.starts_with("deep.json: /workload/seq_len/0/"));
  CHECK(message.ends_with("nested deeper than 64 arrays and objects, the most an input may hold"));

  message = refusal_of([&] {
    sweep::load_sweep_spec_text(
        R"({"schema_version": 1, "name": "x", "study": "configs/studies/kascade-llama-3.2-1b-32k.json", "axes": [{"path": "/workload/top_k", "values": )" +
            value + "}]}",
        "deep-sweep.json");
  });
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.starts_with("deep-sweep.json: /axes/0/values/0/"));

  message = refusal_of(
      [&] { load_measured_text(R"({"schema_version": 1, "records": )" + value + "}", "deep-measured.json"); });
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.starts_with("deep-measured.json: /records/0/"));

  message = refusal_of(
      [&] { validation::parse_cases(R"({"schema_version": 1, "cases": )" + value + "}", "deep-cases.json"); });
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.starts_with("deep-cases.json: /cases/0/"));

  // Objects nest as deep as arrays.
  std::string objects;
  for (std::size_t i = 0; i < deep; ++i) objects += "{\"a\":";
  objects += '1';
  objects.append(deep, '}');
  CHECK(core::json_nesting_problem(objects, "o.json")->pointer.starts_with("/a/a/a/"));
  CHECK_FALSE(core::json_nesting_problem(nested_arrays(core::max_json_depth), "ok.json"));
  CHECK(core::json_nesting_problem(nested_arrays(core::max_json_depth + 1), "no.json"));
}

TEST_CASE("an input file past the size limit, or an endless one, is refused naming it before it is read whole") {
  TempDir temp;
  const fs::path big = temp.path() / "big.json";
  {
    std::ofstream out(big, std::ios::binary);
    out << "{\"schema_version\": 1" << std::string(core::max_input_bytes, ' ') << "}";
  }
  core::ConfigErrors errors;
  CHECK_FALSE(core::read_input_file(big.string(), errors));
  const std::string too_large = big.string() + ": /: larger than 32 MiB, the most an input file may hold";
  CHECK_THROWS_WITH_AS(errors.throw_if_any(), too_large.c_str(), core::ConfigError);
  core::ConfigErrors endless;
  CHECK_FALSE(core::read_input_file("/dev/zero", endless));
  CHECK_THROWS_WITH_AS(endless.throw_if_any(), doctest::Contains("/dev/zero: /: larger than 32 MiB"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(load_study(big.string(), {}), doctest::Contains("larger than 32 MiB"), core::ConfigError);
  CHECK_THROWS_WITH_AS(validation::load_cases(big.string()), doctest::Contains("larger than 32 MiB"),
                       validation::CaseError);
}

TEST_CASE("a sweep spec's axes together may expand to a bounded number of values, checked before expanding") {
  core::ConfigErrors errors;
  const core::Json axis = {{"path", "/workload/top_k"}, {"range", {{"from", 1}, {"to", 11}, {"step", 1}}}};
  CHECK(sweep::read_column(axis, "s.json", "/axes/1", errors, 11));
  CHECK(errors.empty());
  CHECK_FALSE(sweep::read_column(axis, "s.json", "/axes/1", errors, 10));
  CHECK_THROWS_WITH_AS(errors.throw_if_any(),
                       "s.json: /axes/1/range: /workload/top_k: gives 11 values, more than 10 (the 16777216 values a "
                       "spec's axes may have together, less the earlier axes')",
                       core::ConfigError);
  // One axis past the limit is refused before a value is expanded: in well under the time expanding would take.
  const std::string spec =
      R"({"schema_version": 1, "name": "x", "study": "configs/studies/kascade-llama-3.2-1b-32k.json", "axes": [)"
      R"({"path": "/workload/seq_len", "range": {"from": 1, "to": 1e15, "step": 1}}]})";
  CHECK_THROWS_WITH_AS(sweep::load_sweep_spec_text(spec, "huge.json"),
                       doctest::Contains("huge.json: /axes/0/range: /workload/seq_len: gives 1e+15 values, more than "
                                         "16777216"),
                       core::ConfigError);
}

TEST_CASE("a refusal quotes a huge value by its kind and a long string cut, never the whole value") {
  core::Json huge = core::Json::array();
  for (int i = 0; i < 100000; ++i) huge.push_back(i);
  CHECK(core::describe_value(huge) == "an array");
  const std::string cut = core::describe_value(core::Json(std::string(1 << 20, 'x')));
  CHECK(cut.size() < 60);
  CHECK(cut.ends_with("..."));
  // A cut inside a UTF-8 sequence is rendered, not thrown.
  CHECK_NOTHROW(core::describe_value(core::Json(std::string(159, 'x') + "\xc3\xa9" + std::string(10, 'y'))));
}

TEST_CASE("an output replaces its target whole through a fresh temporary, never through an existing file or link") {
  TempDir temp;
  const fs::path target = temp.write("out.json", std::string("old"));
  const fs::path victim = temp.write("victim.txt", std::string("precious"));
  // The names an older writer would have used, planted as links to the victim: never followed.
  fs::create_symlink(victim, temp.path() / "out.json.tmp");
  fs::create_symlink(victim, temp.path() / ".out.json.tmp");
  core::write_file_atomically(target.string(), "new");
  CHECK(file_text(target) == "new");
  CHECK(file_text(victim) == "precious");

  // A link as the target is replaced by the file; what it pointed to is left alone.
  const fs::path link = temp.path() / "link.json";
  fs::create_symlink(victim, link);
  core::write_file_atomically(link.string(), "through no link");
  CHECK_FALSE(fs::is_symlink(link));
  CHECK(file_text(link) == "through no link");
  CHECK(file_text(victim) == "precious");

  // Folders and devices are refused, not replaced.
  CHECK_THROWS_WITH_AS(core::write_file_atomically(temp.path().string(), "x"), doctest::Contains("is a folder"),
                       core::OutputError);
  CHECK_THROWS_WITH_AS(core::write_file_atomically("/dev/null", "x"),
                       "/dev/null: is not a regular file, so it cannot be replaced by an output", core::OutputError);
  CHECK(fs::is_character_file("/dev/null"));

  // An output abandoned before commit() leaves the target as it was and no temporary behind.
  {
    core::OutputFile out(target.string());
    out.write("half");
  }
  CHECK(file_text(target) == "new");
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(temp.path()))
    files += entry.path().filename().string().find(".tmp-") == std::string::npos ? 0 : 1;
  CHECK(files == 0);
}

TEST_CASE("an output on a full disk fails naming it, and the earlier file stays whole") {
  TempDir temp;
  const fs::path target = temp.write("out.json", std::string("the earlier result"));
  {
    const cascadesim::testing::FileSizeLimit full(1000);
    const std::string failed = target.string() + ": writing failed: File too large";
    CHECK_THROWS_WITH_AS(core::write_file_atomically(target.string(), std::string(5000, 'x')), failed.c_str(),
                         core::OutputError);
  }
  CHECK(file_text(target) == "the earlier result");
  for (const auto& entry : fs::directory_iterator(temp.path())) CHECK(entry.path() == target);
}

TEST_CASE("an output that names an input of the command, directly or through a link, is refused") {
  TempDir temp;
  const fs::path study = temp.write("study.json", std::string("{}"));
  const fs::path link = temp.path() / "link.json";
  fs::create_symlink(study, link);
  CHECK_THROWS_WITH_AS(core::refuse_output_over_inputs(link.string(), {"builtin:x", study.string()}, "--trace"),
                       doctest::Contains(("--trace " + link.string() + ": is the input " + study.string()).c_str()),
                       core::OutputError);
  CHECK_NOTHROW(core::refuse_output_over_inputs((temp.path() / "new.json").string(), {study.string()}, "--out"));
}

TEST_CASE("a folder being written is locked: a second writer is refused and told who holds it") {
  TempDir temp;
  {
    const core::FolderLock first(temp.path().string());
    const std::string holder =
        temp.path().string() + ": being written by process " + std::to_string(::getpid()) + " on ";
    CHECK_THROWS_WITH_AS(core::FolderLock(temp.path().string()), doctest::Contains(holder.c_str()), core::OutputError);
  }
  CHECK_NOTHROW(core::FolderLock(temp.path().string()));
  // A link planted under the lock's name is not followed.
  TempDir other;
  const fs::path victim = other.write("victim.txt", std::string("precious"));
  fs::remove(temp.path() / ".cascadesim.lock");
  fs::create_symlink(victim, temp.path() / ".cascadesim.lock");
  CHECK_THROWS_AS(core::FolderLock(temp.path().string()), core::OutputError);
  CHECK(file_text(victim) == "precious");
}

TEST_CASE("a result with a figure that is not finite is refused naming the input and the figure") {
  const core::Json result = {{"a", 1.0},
                             {"b", {{"c", std::vector<double>{1.0, std::numeric_limits<double>::infinity()}}}}};
  CHECK(core::first_non_finite(result) == "/b/c/1");
  CHECK_FALSE(core::first_non_finite(core::Json{{"a", 1.0}, {"n", nullptr}}));
  CHECK_THROWS_WITH_AS(core::require_finite_result(result, "study.json"),
                       "study.json: /: the result /b/c/1 is infinite: the input's values are too extreme to compute "
                       "it; nothing was written",
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(core::require_finite_result(core::Json{{"x", std::nan("")}}, "s.json"),
                       doctest::Contains("the result /x is not a number"), core::ConfigError);
}

// Every option of every command, each with a value missing, empty, replaced by the next option, or given twice.
struct CommandOptions {
  const char* command;
  std::vector<std::string> required;  // what the command needs besides the option under test
  std::vector<const char*> valued;
  std::vector<const char*> flags;
  void (*parse)(const std::vector<std::string>&);
};

TEST_CASE("every option of every command with an empty, missing or repeated value is refused by name") {
  const std::vector<CommandOptions> commands = {
      {"predict", {}, {"--accounting", "--hw"}, {"--json"}, [](const auto& a) { parse_predict_args(a); }},
      {"simulate", {}, {"--trace", "--hw"}, {"--json", "--every-layer"}, [](const auto& a) { parse_simulate_args(a); }},
      {"sweep", {"s.json"}, {"--out", "--jobs", "-j"}, {"--resume"}, [](const auto& a) { parse_sweep_args(a); }},
      {"describe", {}, {"--schema"}, {"--json"}, [](const auto& a) { parse_describe_args(a); }},
      {"calibrate",
       {},
       {"--hw", "--out", "--max-iterations", "--commit"},
       {},
       [](const auto& a) { parse_calibrate_args(a); }},
      {"report",
       {},
       {"--hw", "--base-hw", "--study", "--out", "--sweep"},
       {"--no-simulate-study"},
       [](const auto& a) { parse_report_args(a); }},
      {"validate --cases-from",
       {"--cases-from"},
       {"--seq-len", "--head-dim", "--top-k", "--stack-seq-len", "--pool-factor", "--repetitions", "--warmup", "--out",
        "--hw"},
       {},
       [](const auto& a) { parse_validate_args(a); }},
  };
  for (const CommandOptions& c : commands) {
    for (const char* option : c.valued) {
      CAPTURE(c.command);
      CAPTURE(option);
      auto args = [&](std::vector<std::string> more) {
        std::vector<std::string> all = c.required;
        all.insert(all.end(), more.begin(), more.end());
        return all;
      };
      const std::string o = option;
      const std::string missing = o + " needs a value";
      const std::string empty = o + " needs a value (got an empty one)";
      const std::string next = o + " needs a value (got the option '--bogus-next')";
      CHECK_THROWS_WITH_AS(c.parse(args({o})), missing.c_str(), UsageError);
      CHECK_THROWS_WITH_AS(c.parse(args({o, ""})), empty.c_str(), UsageError);
      CHECK_THROWS_WITH_AS(c.parse(args({o, "--bogus-next"})), next.c_str(), UsageError);
      CHECK_THROWS_WITH_AS(c.parse(args({o, "1", o, "2"})), doctest::Contains(" given twice"), UsageError);
    }
    for (const char* flag : c.flags) {
      CAPTURE(c.command);
      CAPTURE(flag);
      std::vector<std::string> all = c.required;
      all.insert(all.end(), {flag, flag});
      const std::string twice = std::string(flag) + " given twice";
      CHECK_THROWS_WITH_AS(c.parse(all), twice.c_str(), UsageError);
    }
  }
  // Repeatable options still repeat; a list option takes several values once.
  CHECK(parse_predict_args({"--config-dir", "a", "--config-dir", "b"}).load.config_dirs ==
        std::vector<std::string>{"a", "b"});
  CHECK_THROWS_WITH_AS(parse_predict_args({"--config-dir", ""}), "--config-dir needs a value (got an empty one)",
                       UsageError);
  CHECK(parse_calibrate_args({"--hw", "h", "--measured", "a", "b", "--out", "o"}).calibrate.measured_paths ==
        std::vector<std::string>{"a", "b"});
  CHECK_THROWS_WITH_AS(parse_calibrate_args({"--hw", "h", "--measured", "a", "--measured", "b", "--out", "o"}),
                       "--measured given twice", UsageError);
  CHECK_THROWS_WITH_AS(parse_predict_args({""}), doctest::Contains("an empty argument"), UsageError);
}

TEST_CASE("a component section that is not an object is one line naming the file and the section's pointer") {
  for (const core::Json& value : {core::Json(5), core::Json("hbm"), core::Json::array({1}), core::Json(nullptr)}) {
    CAPTURE(value.dump());
    core::Json study = testing::valid_study();
    study["hardware"] = {{"preset", "h100-sxm"}, {"memory", value}};
    const std::vector<core::ConfigIssue> issues = testing::issues_of(study);
    REQUIRE(issues.size() == 1);
    CHECK(issues[0].file == "study.json");
    CHECK(issues[0].pointer == "/hardware/memory");
    CHECK(issues[0].message.starts_with("expected an object (got "));
  }
}

TEST_CASE("validate --cases-from writes no case whose top_k a study of its shape could not have") {
  CHECK_THROWS_WITH_AS(
      generate_validation_cases(parse_validate_args({"--cases-from", "--seq-len", "1024", "--top-k", "9"}).grid),
      "--top-k: top_k 9 exceeds the 8 key tiles of the grid's longest seq_len 1024 / tile_tokens 128", UsageError);
  const core::Json document = generate_validation_cases(
      parse_validate_args({"--cases-from", "--seq-len", "1024,2048", "--top-k", "8,9", "--head-dim", "64"}).grid);
  for (const core::Json& c : document.at("cases"))
    if (c.contains("top_k"))
      CHECK(c.at("top_k").get<std::int64_t>() <= (c.at("seq_len").get<std::int64_t>() + 127) / 128);
  CHECK(document.at("generated_from").at("left_out_top_k") ==
        core::Json::array({{{"seq_len", 1024}, {"top_k", 9}, {"key_tiles", 8}}}));
}

}  // namespace
}  // namespace cascadesim::sim
