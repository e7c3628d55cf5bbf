// The points of a sweep: the cartesian product of its axes (a zip counts as one axis), indexed 0..N-1 in mixed
// radix with the last axis fastest, so a point's values depend only on its index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace cascadesim::sim::sweep {

class PointSpace {
 public:
  // Contract: every radix >= 1 and their product fits point_count (see product_of_radices).
  explicit PointSpace(std::vector<std::size_t> radices);

  std::uint64_t size() const { return size_; }
  std::size_t axes() const { return radices_.size(); }

  // The entry of each axis at point index. Contract: index < size(), digits.size() == axes().
  void digits(std::uint64_t index, std::span<std::size_t> digits) const;

  // Steps digits to the next point's (the last axis fastest), as digits(index + 1) would give.
  void advance(std::span<std::size_t> digits) const;

 private:
  std::vector<std::size_t> radices_;
  std::uint64_t size_ = 1;
};

// The product of the radices, or nothing when it exceeds limit.
std::optional<std::uint64_t> product_of_radices(std::span<const std::size_t> radices, std::uint64_t limit);

}  // namespace cascadesim::sim::sweep
