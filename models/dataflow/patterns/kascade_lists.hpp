// The list drawing Kascade-style patterns share (kascade_topk, per_head_topk, per_layer_topk): they differ only
// in how many tiles a (layer, head) keeps.
#pragma once

#include <array>

#include "models/dataflow/pattern.hpp"

namespace cascadesim::models::dataflow {

// The first min(k, visible(q)) tiles of the anchor's ranking for query tile q of head's GQA group: the sink, the
// own tile, then tiles drawn without repetition by a hash of (anchor_seed, K/V head, q); ascending. A smaller k
// keeps a prefix of the same ranking.
void kascade_lists(const PatternSpace& s, std::int64_t head, std::int64_t q, std::int64_t k,
                   std::vector<std::int64_t>& out);

}  // namespace cascadesim::models::dataflow
