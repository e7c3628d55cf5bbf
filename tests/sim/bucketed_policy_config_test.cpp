// The bucketed batch policy and the exit rule in a study: read, written back, and refused with file and pointer
// when given where they are not read; predict's JSON sets seed 000's table rows beside the study.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "sim/cli/predict_command.hpp"
#include "sim/config/study_loader.hpp"
#include "study_json.hpp"

namespace cascadesim::sim {
namespace {

using testing::issues_of;
using testing::load;
using testing::valid_vit_study;
using testing::with;

core::Json bucketed_cascade_doc(core::Json cascade_fields) {
  cascade_fields["stages"] = {{{"resolution", 0.25}, {"exit_fraction", 0.5}},
                              {{"resolution", 1.0}, {"exit_fraction", 0.5}}};
  return with(with(valid_vit_study(), "/workload/batch", 8), "/workload/cascade", std::move(cascade_fields));
}

TEST_CASE("a bucketed cascade reads its bucket size and writes it back") {
  const LoadedStudy loaded = load(bucketed_cascade_doc({{"batch_policy", "bucketed"}, {"bucket_size", 2}}));
  REQUIRE(loaded.study.workload.cascade.has_value());
  CHECK(loaded.study.workload.cascade->batch_policy == models::BatchPolicy::bucketed);
  CHECK(loaded.study.workload.cascade->bucket_size == 2);
  const core::Json back = study_to_json(loaded.study);
  CHECK(back["workload"]["cascade"]["batch_policy"] == "bucketed");
  CHECK(back["workload"]["cascade"]["bucket_size"] == 2);
  CHECK(load_study_text(back.dump(), "back.json", {}).study.workload.cascade->bucket_size == 2);
}

TEST_CASE("bucketed without a bucket size is one error at the missing key") {
  const auto issues = issues_of(bucketed_cascade_doc({{"batch_policy", "bucketed"}}));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "study.json: /workload/cascade/bucket_size: missing required key (the slots of one bucket, needed by "
        "batch_policy bucketed)");
}

TEST_CASE("a bucket size under another policy is refused, not ignored") {
  const auto issues = issues_of(bucketed_cascade_doc({{"batch_policy", "compact"}, {"bucket_size", 4}}));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "study.json: /workload/cascade/bucket_size: bucket_size is read only with batch_policy bucketed (give that "
        "policy, or drop bucket_size)");
  // The written-back study of another policy has no bucket_size, so that it reads back.
  const core::Json back = study_to_json(load(bucketed_cascade_doc({{"batch_policy", "compact"}})).study);
  CHECK_FALSE(back["workload"]["cascade"].contains("bucket_size"));
  CHECK_FALSE(back["workload"]["cascade"].contains("exit_rule"));
}

TEST_CASE("an exit rule without a confidence threshold is refused") {
  const auto issues = issues_of(bucketed_cascade_doc({{"exit_rule", "geometric"}}));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line() ==
        "study.json: /workload/cascade/exit_rule: exit_rule is read only with a confidence_threshold (it spreads "
        "the threshold's early-stopping rate over the stages; these stages give their own exit_fraction)");
}

TEST_CASE("a geometric exit rule at 90% gives a 3-stage cascade a third of the inputs at each stage") {
  const core::Json doc = with(valid_vit_study(), "/workload/cascade",
                              {{"confidence_threshold", 0.9},
                               {"exit_rule", "geometric"},
                               {"stages", {{{"resolution", 0.125}}, {{"resolution", 0.25}}, {{"resolution", 1.0}}}}});
  const LoadedStudy loaded = load(doc);
  for (const models::CascadeStage& s : loaded.study.workload.cascade->stages)
    CHECK(s.exit_fraction == doctest::Approx(1.0 / 3).epsilon(1e-12));
  const models::BothAccountings both = models::predict_both(loaded.study);
  const core::Json j = prediction_to_json(loaded, both.exact, both.seed);
  CHECK(j["cascade"]["exit_rule"] == "geometric");
  // The batch table's 3-stage row for one input, then the 90% row beside the exact figure.
  REQUIRE(j["cascade"]["seed000_tables"].size() == 2);
  CHECK(j["cascade"]["seed000_tables"][0]["row"] == "1");
  CHECK(j["cascade"]["seed000_tables"][0]["stages"] == 3);
  const core::Json& row = j["cascade"]["seed000_tables"][1];
  CHECK(row["table"] == "confidence threshold");
  CHECK(row["row"] == "90%");
  CHECK(row["exact_speedup"].get<double>() == both.exact.cascade->practical_speedup);
  // 1/64 + 1/16 + (1 - 5/64) / 3 of the full pass at one input: 38.54% -> 2.595x.
  CHECK(row["seed_arithmetic_one_input"].get<double>() ==
        doctest::Approx(1.0 / (5.0 / 64 + 59.0 / 64 / 3)).epsilon(1e-12));
}

}  // namespace
}  // namespace cascadesim::sim
