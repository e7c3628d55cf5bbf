// `describe` and the study schema it writes: every attention pattern is listed with an example section that
// builds, and every shipped study uses only keys the schema declares.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "models/dataflow/attention_implementation.hpp"
#include "models/dataflow/pattern.hpp"
#include "models/kernel_families.hpp"
#include "sim/cli/describe_command.hpp"

using namespace cascadesim;

TEST_CASE("describe lists every attention pattern with an example section that builds") {
  const core::Json d = sim::describe_json();
  const auto& registered = models::dataflow::PatternCatalog::instance().entries();
  REQUIRE(d["patterns"].size() == registered.size());
  for (const core::Json& p : d["patterns"]) {
    INFO("pattern " << p["impl"]);
    const core::Json example = p["example"];
    CHECK(example["impl"] == p["impl"]);
    core::ConfigErrors errors;
    const core::ConfigNode node({{&example, "describe", "/workload/pattern"}}, errors);
    CHECK(models::dataflow::make_pattern(node) != nullptr);
    CHECK(errors.empty());
  }
}

TEST_CASE("the study schema declares every workload key the shipped studies use, /workload/pattern included") {
  const core::Json schema = sim::study_json_schema();
  const core::Json& workload = schema["properties"]["workload"];
  const core::Json& pattern_impls = workload["properties"]["pattern"]["properties"]["impl"]["enum"];
  CHECK(pattern_impls.size() == models::dataflow::PatternCatalog::instance().entries().size());
  int studies = 0;
  for (const auto& file : std::filesystem::directory_iterator("configs/studies")) {
    INFO(file.path().string());
    std::ifstream in(file.path());
    const core::Json study = core::Json::parse(in);
    for (const auto& item : study["workload"].items()) {
      const std::string key = item.key();  // a copy, not a structured binding: clang 14 cannot capture those
      CHECK_MESSAGE(workload["properties"].contains(key), "/workload/" << key << " is not in the schema");
      if (key == "pattern")
        CHECK(std::find(pattern_impls.begin(), pattern_impls.end(), item.value()["impl"]) != pattern_impls.end());
    }
    ++studies;
  }
  CHECK(studies >= 9);
}

TEST_CASE("describe lists every attention implementation with its source, and the schema every kernel family") {
  const core::Json d = sim::describe_json();
  REQUIRE(d["attention_implementations"].size() == models::dataflow::attention_implementations().size());
  for (const core::Json& i : d["attention_implementations"]) {
    INFO("implementation " << i["name"]);
    CHECK(models::dataflow::attention_implementation_index(i["name"].get<std::string>()) >= 0);
    CHECK(!i["source"].get<std::string>().empty());
  }
  const core::Json schema = sim::study_json_schema();
  const core::Json& workload = schema["properties"]["workload"];
  CHECK(workload["properties"]["attention_implementation"]["enum"].size() ==
        models::dataflow::attention_implementations().size());
  int objects = 0;
  for (const core::Json& alternative : schema["properties"]["hardware"]["oneOf"])
    if (alternative.contains("properties")) {
      ++objects;
      CHECK(alternative["properties"]["kernel_families"]["properties"].size() == models::kernel_family_count);
    }
  CHECK(objects == 1);  // the hardware object (the other alternative is a preset name)
}
