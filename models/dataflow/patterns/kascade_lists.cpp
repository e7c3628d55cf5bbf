// The ranking Kascade-style patterns draw their lists from.
#include "models/dataflow/patterns/kascade_lists.hpp"

namespace cascadesim::models::dataflow {

void kascade_lists(const PatternSpace& s, std::int64_t head, std::int64_t q, std::int64_t k,
                   std::vector<std::int64_t>& out) {
  out.clear();
  const std::int64_t seen = s.visible(q);
  if (k >= seen) {
    for (std::int64_t j = 0; j < seen; ++j) out.push_back(j);
    return;
  }
  const std::int64_t diagonal = std::min(q, s.key_tiles - 1);
  out.push_back(0);
  if (k > 1 && diagonal != 0) out.push_back(diagonal);
  std::uint64_t state =
      selection_hash(s.anchor_seed ^ selection_hash(static_cast<std::uint64_t>(s.kv_head(head)) * 0x100000001ULL +
                                                    static_cast<std::uint64_t>(q)));
  while (static_cast<std::int64_t>(out.size()) < k) {
    state = selection_hash(state);
    const auto j = static_cast<std::int64_t>(state % static_cast<std::uint64_t>(seen));
    if (std::find(out.begin(), out.end(), j) == out.end()) out.push_back(j);
  }
  std::sort(out.begin(), out.end());
}

}  // namespace cascadesim::models::dataflow
