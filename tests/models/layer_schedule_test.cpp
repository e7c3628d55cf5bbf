// Layer schedule parsing ("1D+3A+12R" and explicit lists) and its checks against a model.
#include <doctest/doctest.h>

#include <initializer_list>

#include "models/layer_schedule.hpp"

using namespace cascadesim::models;

TEST_CASE("the seed's schedule 1D+3A+12R expands to 16 layers in order") {
  const LayerSchedule s = parse_layer_schedule("1D+3A+12R");
  REQUIRE(s.layers.size() == 16);
  CHECK(s.layers[0] == LayerKind::dense);
  CHECK(s.layers[1] == LayerKind::anchor);
  CHECK(s.layers[3] == LayerKind::anchor);
  CHECK(s.layers[4] == LayerKind::reuse);
  CHECK(s.layers[15] == LayerKind::reuse);
  const LayerCounts c = s.counts();
  CHECK(c.dense == 1);
  CHECK(c.anchor == 3);
  CHECK(c.reuse == 12);
  CHECK(s.compact() == "1D+3A+12R");
}

TEST_CASE("schedule terms may repeat kinds, omit a count of one and carry spaces") {
  const LayerSchedule s = parse_layer_schedule(" D + A + 3R + A + 2R ");
  CHECK(s.layers.size() == 8);
  CHECK(s.compact() == "1D+1A+3R+1A+2R");
}

TEST_CASE("malformed schedules name the offending term") {
  CHECK_THROWS_WITH_AS(parse_layer_schedule("1D+3X+12R"), doctest::Contains("term 2 '3X'"), ScheduleError);
  CHECK_THROWS_WITH_AS(parse_layer_schedule("1D++12R"), doctest::Contains("empty term"), ScheduleError);
  CHECK_THROWS_WITH_AS(parse_layer_schedule("0D+16R"), doctest::Contains(">= 1"), ScheduleError);
  CHECK_THROWS_WITH_AS(parse_layer_schedule(""), doctest::Contains("empty layer schedule"), ScheduleError);
  CHECK_THROWS_WITH_AS(parse_layer_schedule("12"), doctest::Contains("expected a count and one of"), ScheduleError);
  CHECK_THROWS_WITH_AS(parse_layer_schedule("99999999999999999999D"), doctest::Contains("too large"), ScheduleError);
}

TEST_CASE("a schedule must cover exactly the model's layers") {
  CHECK_NOTHROW(check_layer_schedule(parse_layer_schedule("1D+3A+12R"), 16));
  CHECK_THROWS_WITH_AS(check_layer_schedule(parse_layer_schedule("1D+3A+13R"), 16),
                       doctest::Contains("17 layers but the model has 16"), ScheduleError);
  CHECK_THROWS_WITH_AS(check_layer_schedule(parse_layer_schedule("1D+3A+11R"), 16),
                       doctest::Contains("15 layers but the model has 16"), ScheduleError);
}

TEST_CASE("a reuse layer needs an anchor before it") {
  CHECK_THROWS_WITH_AS(check_layer_schedule(parse_layer_schedule("2D+1R+1A"), 4),
                       doctest::Contains("reuse layer 2 has no anchor"), ScheduleError);
}

TEST_CASE("explicit layer kinds accept letters and words") {
  CHECK(parse_layer_kind("D") == LayerKind::dense);
  CHECK(parse_layer_kind("anchor") == LayerKind::anchor);
  CHECK(parse_layer_kind("reuse") == LayerKind::reuse);
  CHECK_THROWS_AS(parse_layer_kind("x"), ScheduleError);
}
