// Decode on the host: the key-tile lists, the compulsory bytes, the float64 reference, and K/V heads repeated for
// the grouped-query references.
#include <doctest/doctest.h>

#include <set>
#include <stdexcept>
#include <vector>

#include "validation/host/decode_reference.hpp"
#include "validation/host/reference_attention.hpp"

using namespace cascadesim::validation;

TEST_CASE("validation: decode lists hold every tile, or top_k distinct ascending tiles the seed fixes") {
  const DecodeShape shape{2, 8, 2, 1000, 64};  // 16 tiles of 64 keys, the last of 40
  const BlockCsr dense = decode_lists(shape, 0, 64, 1);
  REQUIRE(dense.rows() == 4);
  CHECK(dense.col_indices.size() == 4 * 16);
  CHECK(decode_listed_keys(shape, dense, 64) == doctest::Approx(4 * 1000.0));
  const BlockCsr top = decode_lists(shape, 5, 64, 7);
  REQUIRE(top.rows() == 4);
  for (int r = 0; r < 4; ++r) {
    REQUIRE(top.row_offsets[r + 1] - top.row_offsets[r] == 5);
    std::set<int> distinct;
    for (int e = top.row_offsets[r]; e < top.row_offsets[r + 1]; ++e) {
      CHECK(top.col_indices[e] >= 0);
      CHECK(top.col_indices[e] < 16);
      if (e > top.row_offsets[r]) CHECK(top.col_indices[e] > top.col_indices[e - 1]);
      distinct.insert(top.col_indices[e]);
    }
    CHECK(distinct.size() == 5);
  }
  CHECK(decode_lists(shape, 5, 64, 7).col_indices == top.col_indices);
  CHECK(decode_lists(shape, 99, 64, 7).col_indices == dense.col_indices);  // top_k above the tile count: every tile
  CHECK_THROWS_AS(decode_lists(DecodeShape{1, 6, 4, 100, 64}, 0, 64, 1), std::invalid_argument);
}

TEST_CASE("validation: decode compulsory bytes count listed K and V rows, Q, O and the lists once") {
  const DecodeShape shape{1, 4, 2, 100, 64};  // tiles of 64 and 36 keys; rows of 128 bytes
  const BlockCsr lists = decode_lists(shape, 0, 64, 1);
  CHECK(decode_compulsory_bytes(shape, lists, 64) ==
        doctest::Approx(2 * 100 * 128.0 * 2 + 2 * 4 * 128.0 + 4.0 * (3 + 4)));
}

TEST_CASE("validation: the decode reference averages V over equal scores and shares a K/V head within a group") {
  // Two query heads over one K/V head, context 2 with equal keys: each output is the mean of the two V rows.
  const DecodeShape shape{1, 2, 1, 2, 2};
  const std::vector<Bf16> q{to_bf16(1.0f), to_bf16(-0.5f), to_bf16(0.25f), to_bf16(2.0f)};
  const std::vector<Bf16> k{to_bf16(0.5f), to_bf16(0.5f), to_bf16(0.5f), to_bf16(0.5f)};
  const std::vector<Bf16> v{to_bf16(1.0f), to_bf16(2.0f), to_bf16(3.0f), to_bf16(-4.0f)};
  const std::vector<double> out = reference_decode(shape, q, k, v, decode_lists(shape, 0, 64, 1), 64);
  REQUIRE(out.size() == 4);
  CHECK(out[0] == doctest::Approx(2.0));
  CHECK(out[1] == doctest::Approx(-1.0));
  CHECK(out[2] == doctest::Approx(2.0));
  CHECK(out[3] == doctest::Approx(-1.0));
  // A list of only the second key tile (tile size 1 here) gives that V row exactly.
  BlockCsr second;
  second.row_offsets = {0, 1};
  second.col_indices = {1};
  const std::vector<double> one = reference_decode(shape, q, k, v, second, 1);
  CHECK(one[0] == doctest::Approx(3.0));
  CHECK(one[1] == doctest::Approx(-4.0));
}

TEST_CASE("validation: K/V heads are repeated to the query heads that read them") {
  const AttentionShape shape{2, 4, 1, 1, false};  // 2 sequences, 4 query heads over 2 K/V heads, one value each
  const std::vector<Bf16> kv{to_bf16(1), to_bf16(2), to_bf16(3), to_bf16(4)};
  const std::vector<Bf16> out = repeat_kv_heads(shape, 2, kv);
  const float expected[] = {1, 1, 2, 2, 3, 3, 4, 4};
  REQUIRE(out.size() == 8);
  for (int i = 0; i < 8; ++i) CHECK(to_float(out[i]) == expected[i]);
  CHECK_THROWS_AS(repeat_kv_heads(shape, 3, kv), std::invalid_argument);
}
