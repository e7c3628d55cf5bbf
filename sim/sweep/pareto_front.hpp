// The non-dominated rows of a sweep, kept while the rows stream by, so memory is the size of the front.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cascadesim::sim::sweep {

class ParetoFront {
 public:
  // minimize, maximize: indices into the objective values offered. Contract: at least one index in all.
  ParetoFront(std::vector<std::size_t> minimize, std::vector<std::size_t> maximize);

  // Keeps row unless a kept row dominates it (at least as good in every objective, better in one); drops the
  // kept rows it dominates. Rows equal in every objective are all kept. Contract: values covers every index.
  void offer(std::span<const double> values, std::string_view row);

  // The kept rows, in the order they were offered.
  std::vector<std::string_view> rows() const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::vector<double> costs;  // each objective as a cost: maximized ones negated
    std::string row;
  };
  std::vector<std::size_t> minimize_, maximize_;
  std::vector<Entry> entries_;
  std::vector<double> costs_;  // scratch for the row being offered
};

}  // namespace cascadesim::sim::sweep
