// Amdahl's law, its limit and its inverse.
#include <doctest/doctest.h>

#include <initializer_list>

#include <cmath>

#include "models/amdahl.hpp"

using namespace cascadesim::models;

TEST_CASE("Amdahl speedup is 1 when nothing is sped up or nothing is skippable") {
  CHECK(amdahl_speedup(0.0, 10.0) == 1.0);
  CHECK(amdahl_speedup(0.7, 1.0) == doctest::Approx(1.0));
}

TEST_CASE("Amdahl speedup of a fully parallel part equals the part's speedup") {
  CHECK(amdahl_speedup(1.0, 7.0) == doctest::Approx(7.0));
}

TEST_CASE("Amdahl speedup grows with s toward 1/(1-f)") {
  double previous = 0;
  for (double s : {1.0, 2.0, 4.0, 8.0, 1e3, 1e9}) {
    const double speedup = amdahl_speedup(0.75, s);
    CHECK(speedup > previous);
    CHECK(speedup <= amdahl_limit(0.75) + 1e-12);
    previous = speedup;
  }
  CHECK(amdahl_limit(0.75) == doctest::Approx(4.0));
  CHECK(std::isinf(amdahl_limit(1.0)));
}

TEST_CASE("required part speedup inverts Amdahl") {
  for (double f : {0.3, 0.5, 0.667}) {
    for (double s : {1.5, 3.0, 10.0}) CHECK(required_part_speedup(f, amdahl_speedup(f, s)) == doctest::Approx(s));
  }
  // f = 2/3 needs s = 4 for 2x: 1/2 = 1/3 + (2/3)/4.
  CHECK(required_part_speedup(2.0 / 3.0, 2.0) == doctest::Approx(4.0));
}

TEST_CASE("a target at or beyond the Amdahl limit needs an infinite speedup") {
  CHECK(std::isinf(required_part_speedup(0.5, 2.0)));
  CHECK(std::isinf(required_part_speedup(0.5, 3.0)));
}
