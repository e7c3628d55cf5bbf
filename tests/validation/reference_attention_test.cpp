// The double-precision attention reference against outputs derived by hand, and its block-sparse mask semantics.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "validation/host/random_inputs.hpp"
#include "validation/host/reference_attention.hpp"

using namespace cascadesim::validation;

namespace {
std::vector<Bf16> bf16s(const std::vector<float>& values) {
  std::vector<Bf16> out;
  for (float v : values) out.push_back(to_bf16(v));
  return out;
}
}  // namespace

TEST_CASE("validation: with zero queries every attended key has equal weight: causal rows average V's prefix") {
  // seq 3, head_dim 2. Zero Q is fine here: the reference is not a kernel under test for unwritten outputs.
  const AttentionShape shape{1, 1, 3, 2, true};
  const auto q = bf16s({0, 0, 0, 0, 0, 0});
  const auto k = bf16s({1, 2, -1, 0.5f, 3, -2});
  const auto v = bf16s({1, 2, 3, 4, 5, 9});
  const auto o = reference_attention(shape, q, k, v);
  const std::vector<double> expected = {1, 2, 2, 3, 3, 5};  // means of V rows [0], [0,1], [0,1,2]
  REQUIRE(o.size() == expected.size());
  for (std::size_t i = 0; i < o.size(); ++i) CHECK(o[i] == doctest::Approx(expected[i]));
}

TEST_CASE("validation: softmax weights follow exp of the scaled scores") {
  // head_dim 4: scale 1/2. Query (2,0,0,0) scores keys (1,0,0,0) and (0,1,0,0) at 1 and 0:
  // weights e/(e+1) and 1/(e+1).
  const AttentionShape shape{1, 1, 2, 4, false};
  const auto q = bf16s({2, 0, 0, 0, 0, 0, 0, 0});
  const auto k = bf16s({1, 0, 0, 0, 0, 1, 0, 0});
  const auto v = bf16s({1, 0, 2, -1, 0, 1, 4, 3});
  const auto o = reference_attention(shape, q, k, v);
  const double e = std::exp(1.0);
  const double w0 = e / (e + 1);
  const double w1 = 1 / (e + 1);
  CHECK(o[0] == doctest::Approx(w0 * 1 + w1 * 0));
  CHECK(o[1] == doctest::Approx(w0 * 0 + w1 * 1));
  CHECK(o[2] == doctest::Approx(w0 * 2 + w1 * 4));
  CHECK(o[3] == doctest::Approx(w0 * -1 + w1 * 3));
  // Row 1 (zero query) averages both keys.
  CHECK(o[4] == doctest::Approx(0.5));
  CHECK(o[7] == doctest::Approx(1.0));
}

TEST_CASE("validation: the dense mask reproduces unmasked attention") {
  for (bool causal : {false, true}) {
    const AttentionShape shape{2, 2, 37, 8, causal};
    const std::size_t n = 2 * 2 * 37 * 8;
    const auto q = random_bf16(n, 1, 2.0f), k = random_bf16(n, 2, 2.0f), v = random_bf16(n, 3);
    const BlockCsr dense = dense_block_csr(shape, 16, 8);
    const auto plain = reference_attention(shape, q, k, v);
    const auto masked = reference_attention(shape, q, k, v, &dense);
    for (std::size_t i = 0; i < n; ++i) CHECK(masked[i] == plain[i]);
  }
}

TEST_CASE("validation: a mask restricts each query tile to its listed key tiles, with the causal mask inside them") {
  // seq 4, tiles 2x2, zero Q: rows average the V rows they may attend.
  const AttentionShape shape{1, 1, 4, 1, true};
  const auto q = bf16s({0, 0, 0, 0});
  const auto k = bf16s({1, 1, 1, 1});
  const auto v = bf16s({1, 3, 10, 20});
  BlockCsr mask;
  mask.tile_q = mask.tile_k = 2;
  mask.q_tiles = mask.k_tiles = 2;
  mask.row_offsets = {0, 1, 2};
  mask.col_indices = {0, 1};  // query tile 1 keeps only its diagonal tile
  const auto o = reference_attention(shape, q, k, v, &mask);
  CHECK(o[0] == doctest::Approx(1));
  CHECK(o[1] == doctest::Approx(2));
  CHECK(o[2] == doctest::Approx(10));
  CHECK(o[3] == doctest::Approx(15));
}

TEST_CASE("validation: a query row that attends no key under the mask has a zero output") {
  // tile_q 4, tile_k 2, causal: query tile 0 listing only key tile 1 leaves rows 0 and 1 without keys.
  const AttentionShape shape{1, 1, 4, 1, true};
  const auto ones = bf16s({1, 1, 1, 1});
  const auto v = bf16s({1, 3, 10, 20});
  BlockCsr mask;
  mask.tile_q = 4;
  mask.tile_k = 2;
  mask.q_tiles = 1;
  mask.k_tiles = 2;
  mask.row_offsets = {0, 1};
  mask.col_indices = {1};
  const auto o = reference_attention(shape, ones, ones, v, &mask);
  CHECK(o[0] == 0.0);
  CHECK(o[1] == 0.0);
  CHECK(o[2] == doctest::Approx(10));
  CHECK(o[3] == doctest::Approx(15));
}

TEST_CASE("validation: block maxima are the largest causally visible scaled score of each block") {
  for (bool causal : {false, true}) {
    const AttentionShape shape{1, 2, 21, 4, causal};
    const std::size_t n = 2 * 21 * 4;
    const auto q = random_bf16(n, 5, 2.0f), k = random_bf16(n, 6, 2.0f);
    const int tile_q = 8, tile_k = 4, q_tiles = 3, k_tiles = 6;
    const auto block_max = reference_block_max(shape, q, k, tile_q, tile_k);
    REQUIRE(block_max.size() == static_cast<std::size_t>(2 * q_tiles * k_tiles));
    for (int h = 0; h < 2; ++h) {
      for (int qt = 0; qt < q_tiles; ++qt) {
        for (int kt = 0; kt < k_tiles; ++kt) {
          double expected = -std::numeric_limits<double>::infinity();
          for (int i = qt * tile_q; i < std::min(21, (qt + 1) * tile_q); ++i) {
            for (int j = kt * tile_k; j < std::min(21, (kt + 1) * tile_k); ++j) {
              if (causal && j > i) continue;
              double dot = 0;
              for (int c = 0; c < 4; ++c)
                dot += to_float(q[(h * 21 + i) * 4 + c]) * static_cast<double>(to_float(k[(h * 21 + j) * 4 + c]));
              expected = std::max(expected, dot / 2.0);
            }
          }
          CHECK(block_max[(h * q_tiles + qt) * k_tiles + kt] == static_cast<float>(expected));
        }
      }
    }
  }
}

TEST_CASE("validation: the reference's row log-sum-exp is ln of the summed exponentials of the scaled scores") {
  // As above: query (2,0,0,0) scores its two keys 1 and 0; the zero query scores both 0; causal rows see a prefix.
  const AttentionShape shape{1, 1, 2, 4, true};
  const auto q = bf16s({2, 0, 0, 0, 0, 0, 0, 0});
  const auto k = bf16s({1, 0, 0, 0, 0, 1, 0, 0});
  const auto v = bf16s({1, 0, 2, -1, 0, 1, 4, 3});
  std::vector<double> lse;
  reference_attention(shape, q, k, v, nullptr, &lse);
  REQUIRE(lse.size() == 2);
  CHECK(lse[0] == doctest::Approx(1.0));            // row 0 sees key 0 alone: ln e^1
  CHECK(lse[1] == doctest::Approx(std::log(2.0)));  // row 1: two zero scores
  reference_attention(AttentionShape{1, 1, 2, 4, false}, q, k, v, nullptr, &lse);
  CHECK(lse[0] == doctest::Approx(std::log(std::exp(1.0) + 1.0)));
}
