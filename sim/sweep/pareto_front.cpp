// Streaming Pareto front: each offered row is compared with the kept ones only.
#include "sim/sweep/pareto_front.hpp"

#include <algorithm>

namespace cascadesim::sim::sweep {

namespace {
// a dominates b: no worse in every cost and better in at least one.
bool dominates(std::span<const double> a, std::span<const double> b) {
  bool better = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    better = better || a[i] < b[i];
  }
  return better;
}
}  // namespace

ParetoFront::ParetoFront(std::vector<std::size_t> minimize, std::vector<std::size_t> maximize)
    : minimize_(std::move(minimize)), maximize_(std::move(maximize)) {}

void ParetoFront::offer(std::span<const double> values, std::string_view row) {
  costs_.clear();
  for (std::size_t i : minimize_) costs_.push_back(values[i]);
  for (std::size_t i : maximize_) costs_.push_back(-values[i]);
  for (const Entry& e : entries_)
    if (dominates(e.costs, costs_)) return;
  std::erase_if(entries_, [&](const Entry& e) { return dominates(costs_, e.costs); });
  entries_.push_back(Entry{costs_, std::string(row)});
}

std::vector<std::string_view> ParetoFront::rows() const {
  std::vector<std::string_view> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(e.row);
  return out;
}

}  // namespace cascadesim::sim::sweep
