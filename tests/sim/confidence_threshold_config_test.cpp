// A cascade given a confidence threshold: the loader derives the stages' exit fractions from seed 000's table,
// refuses thresholds outside it, and refuses a threshold together with exit fractions.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/config_error.hpp"
#include "sim/cli/predict_command.hpp"
#include "sim/config/study_loader.hpp"
#include "study_json.hpp"

namespace cascadesim::sim {
namespace {

using doctest::Contains;
using testing::issues_of;
using testing::load;
using testing::valid_vit_study;
using testing::with;

core::Json with_threshold(double threshold, core::Json stages) {
  return with(valid_vit_study(), "/workload/cascade",
              {{"confidence_threshold", threshold}, {"stages", std::move(stages)}});
}

TEST_CASE("a 90% threshold gives a 2-stage cascade exit fractions of 50% and 50%") {
  const models::Study st = load(with_threshold(0.9, {{{"resolution", 0.25}}, {{"resolution", 1.0}}})).study;
  REQUIRE(st.workload.cascade.has_value());
  CHECK(st.workload.cascade->confidence_threshold == 0.9);
  CHECK(st.workload.cascade->stages[0].exit_fraction == 0.5);
  CHECK(st.workload.cascade->stages[1].exit_fraction == 0.5);
}

TEST_CASE("an 85% threshold shares its 70% early stops equally over a 3-stage cascade's coarse stages") {
  const models::Study st =
      load(with_threshold(0.85, {{{"resolution", 0.125}}, {{"resolution", 0.25}}, {{"resolution", 1.0}}})).study;
  CHECK(st.workload.cascade->stages[0].exit_fraction == doctest::Approx(0.35));
  CHECK(st.workload.cascade->stages[1].exit_fraction == doctest::Approx(0.35));
  CHECK(st.workload.cascade->stages[2].exit_fraction == doctest::Approx(0.30));
}

TEST_CASE("a threshold outside seed 000's table is refused rather than extrapolated") {
  const auto issues = issues_of(with_threshold(0.8, {{{"resolution", 0.25}}, {{"resolution", 1.0}}}));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "study.json: /workload/cascade/confidence_threshold: confidence_threshold 0.8 is outside seed 000's table "
        "(0.85 to 0.95, 'Confidence-Based Early Stopping'); the early-stopping rate is not extrapolated");
}

TEST_CASE("a threshold and exit fractions together are an error at each stage that gives one") {
  const auto issues =
      issues_of(with_threshold(0.9, {{{"resolution", 0.25}, {"exit_fraction", 0.5}}, {{"resolution", 1.0}}}));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "study.json: /workload/cascade/stages/0/exit_fraction: give either the cascade's confidence_threshold or "
        "each stage's exit_fraction, not both (the threshold derives the fractions)");
}

TEST_CASE("without a threshold every stage needs its exit fraction") {
  const core::Json doc = with(valid_vit_study(), "/workload/cascade",
                              {{"stages", {{{"resolution", 0.25}, {"exit_fraction", 0.5}}, {{"resolution", 1.0}}}}});
  const auto issues = issues_of(doc);
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "study.json: /workload/cascade/stages/1/exit_fraction: missing required key (fraction of all inputs that "
        "stop after this stage; or give the cascade a confidence_threshold to derive the fractions)");
}

TEST_CASE("a threshold needs a coarse stage to stop at") {
  CHECK_THROWS_WITH_AS(load(with_threshold(0.9, {{{"resolution", 1.0}}})),
                       Contains("study.json: /workload/cascade/stages: a confidence_threshold needs at least 2 stages"),
                       core::ConfigError);
}

TEST_CASE("predict shows the exit fractions a threshold derives") {
  const LoadedStudy loaded = load(with_threshold(0.95, {{{"resolution", 0.25}}, {{"resolution", 1.0}}}));
  const models::BothAccountings both = models::predict_both(loaded.study);
  const core::Json j = prediction_to_json(loaded, both.exact, both.seed);
  CHECK(j["cascade"]["confidence_threshold"] == 0.95);
  CHECK(j["cascade"]["early_stopping_rate"] == 0.30);
  CHECK(j["cascade"]["stages"][0]["exit_fraction"].get<double>() == doctest::Approx(0.30));
  CHECK(j["cascade"]["stages"][1]["exit_fraction"].get<double>() == doctest::Approx(0.70));
  // The resolved config keeps the threshold and leaves the derived fractions out, so that it reads back.
  CHECK(j["config"]["workload"]["cascade"]["confidence_threshold"] == 0.95);
  CHECK_FALSE(j["config"]["workload"]["cascade"]["stages"][0].contains("exit_fraction"));
  const models::Study back = load_study_text(j["config"].dump(), "back.json", {}).study;
  CHECK(back.workload.cascade->stages[0].exit_fraction == doctest::Approx(0.30));
}

}  // namespace
}  // namespace cascadesim::sim
