// The dataflow description and the analytical costs describe the same work: summed over a layer's kernels,
// the description's FLOPs equal the analytical layer's, for every layer kind, prefill and decode.
#include <doctest/doctest.h>

#include <algorithm>
#include <initializer_list>
#include <vector>

#include "models/dataflow/layer.hpp"
#include "study_builders.hpp"

using namespace cascadesim;
using namespace cascadesim::models;

namespace {
OpCost summed(const std::vector<dataflow::Kernel>& kernels) {
  OpCost total;
  for (const dataflow::Kernel& k : kernels) total += dataflow::kernel_cost(k);
  return total;
}
}  // namespace

TEST_CASE("a layer's kernels, split for the machine, add up to the analytical layer's FLOPs for every kind") {
  for (Phase phase : {Phase::prefill, Phase::decode}) {
    Study st = test::kascade_study(4000, 6);
    st.workload.phase = phase;
    st.workload.batch = 2;
    const LayerShape shape = layer_shape(st.workload);
    for (LayerKind kind : {LayerKind::dense, LayerKind::anchor, LayerKind::reuse}) {
      CAPTURE(static_cast<int>(kind));
      CAPTURE(static_cast<int>(phase));
      const OpCost described = summed(
          dataflow::split_for_cores(dataflow::layer_kernels(st.model, shape, 3, kind, 1), split_machine(st.hardware)));
      const OpCost analytical = layer_cost(st.model, shape, kind, st.hardware).total();
      CHECK(described.matrix_flops == doctest::Approx(analytical.matrix_flops).epsilon(1e-12));
      CHECK(described.vector_flops == doctest::Approx(analytical.vector_flops).epsilon(1e-12));
    }
  }
}

TEST_CASE("the stack has the schedule's layer kinds in order") {
  const Study st = test::kascade_study(2048, 4, "1D+3A+12R");
  const auto kernels = dataflow::stack_kernels(st.model, layer_shape(st.workload), st.workload.schedule);
  int anchors = 0, reuses = 0, selects = 0;
  for (const dataflow::Kernel& k : kernels) {
    if (k.op == Op::attention && k.layer_kind == LayerKind::anchor) ++anchors;
    if (k.op == Op::attention && k.layer_kind == LayerKind::reuse) ++reuses;
    if (k.op == Op::anchor_scoring) ++selects;
  }
  CHECK(anchors == 3);
  CHECK(reuses == 12);
  CHECK(selects == 3);
  CHECK(kernels.front().layer == 0);
  CHECK(kernels.back().layer == 15);
}

TEST_CASE("top-k lists keep the sink and the diagonal, are sorted and distinct, and match the count") {
  dataflow::AttentionWork w;
  w.heads = 32;
  w.kv_heads = 8;
  w.query_tiles = w.key_tiles = 64;
  w.causal = true;
  w.pattern = dataflow::default_pattern();
  w.top_k = 5;
  w.anchor_seed = 7;
  std::vector<std::int64_t> tiles;
  for (std::int64_t q = 0; q < 64; ++q) {
    w.visited_tiles(3, q, tiles);
    REQUIRE(static_cast<std::int64_t>(tiles.size()) == w.visited(3, q));
    CHECK(tiles.front() == 0);
    CHECK(std::find(tiles.begin(), tiles.end(), q) != tiles.end());
    CHECK(std::is_sorted(tiles.begin(), tiles.end()));
    CHECK(std::adjacent_find(tiles.begin(), tiles.end()) == tiles.end());
    CHECK(tiles.back() <= q);
  }
  // Heads of one GQA group (4 query heads per K/V head) share lists; other groups differ.
  std::vector<std::int64_t> same, other;
  w.visited_tiles(0, 40, tiles);
  w.visited_tiles(3, 40, same);
  w.visited_tiles(4, 40, other);
  CHECK(tiles == same);
  CHECK(tiles != other);
}
