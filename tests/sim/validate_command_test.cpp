// `cascadesim validate --cases-from`: the grid a study stands for, in the format the CUDA runner reads.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "sim/cli/predict_command.hpp"
#include "sim/cli/validate_command.hpp"

using namespace cascadesim;
using namespace cascadesim::sim;

TEST_CASE("validate: the default study gives dense, anchor, sparse and cascade cases per point, and two stacks") {
  CaseGridOptions grid;
  grid.seq_lens = {1024, 8192};
  grid.head_dims = {64, 128};
  grid.top_ks = {1, 5, 64};
  grid.stack_seq_lens = {8192};
  const core::Json document = generate_validation_cases(grid);
  const core::Json& cases = document.at("cases");
  // 2 head dims x (1 dense + 3 anchor + 3 sparse + 3 cascade at 8192, and the same without top_k 64 at 1024, whose
  // 8 key tiles a study's top_k may not exceed), plus 2 head dims x 2 stacks.
  REQUIRE(cases.size() == 2 * (10 + 7) + 2 * 2);
  REQUIRE(document.at("generated_from").at("left_out_top_k") ==
          core::Json::array({{{"seq_len", 1024}, {"top_k", 64}, {"key_tiles", 8}}}));
  std::set<std::string> names;
  for (const core::Json& c : cases) {
    names.insert(c.at("name").get<std::string>());
    CHECK(c.at("heads") == 32);  // llama-3.2-1b
    CHECK(c.at("tile_q") == 128);
    CHECK(c.at("causal") == true);
  }
  CHECK(names.size() == cases.size());
  CHECK(names.count("s8192_d128_cascade_p2_k64") == 1);
  const core::Json& kascade = cases.back();
  CHECK(kascade.at("name") == "stack_s8192_d128_1D+3A+12R");
  CHECK(kascade.at("schedule") == "1D+3A+12R");
  CHECK(kascade.at("top_k") == 5);
  CHECK(cases[cases.size() - 2].at("schedule") == "16D");
}

TEST_CASE("validate: grids the kernels cannot run are refused before anything is written") {
  CaseGridOptions grid;
  grid.head_dims = {96};
  CHECK_THROWS_WITH_AS(generate_validation_cases(grid), doctest::Contains("head_dim 96 has no compiled kernel"),
                       UsageError);
  CHECK_THROWS_AS(parse_validate_args({"--cases-from", "--repetitions", "5"}), UsageError);
  CHECK_THROWS_AS(parse_validate_args({"--cases-from", "--top-k", "0"}), UsageError);
  const ValidateOptions runner = parse_validate_args({"cases.json", "--out", "m.json"});
  CHECK_FALSE(runner.generate);
  CHECK(runner.runner_args.size() == 3);
}
