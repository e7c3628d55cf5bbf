// Mixed-radix point indexing.
#include "sim/sweep/sweep_points.hpp"

namespace cascadesim::sim::sweep {

PointSpace::PointSpace(std::vector<std::size_t> radices) : radices_(std::move(radices)) {
  for (std::size_t r : radices_) size_ *= r;
}

void PointSpace::digits(std::uint64_t index, std::span<std::size_t> digits) const {
  for (std::size_t a = radices_.size(); a-- > 0;) {
    digits[a] = static_cast<std::size_t>(index % radices_[a]);
    index /= radices_[a];
  }
}

void PointSpace::advance(std::span<std::size_t> digits) const {
  for (std::size_t a = radices_.size(); a-- > 0;) {
    if (++digits[a] < radices_[a]) return;
    digits[a] = 0;
  }
}

std::optional<std::uint64_t> product_of_radices(std::span<const std::size_t> radices, std::uint64_t limit) {
  std::uint64_t product = 1;
  for (std::size_t r : radices) {
    if (r == 0) return std::uint64_t{0};
    if (product > limit / r) return std::nullopt;
    product *= r;
  }
  return product;
}

}  // namespace cascadesim::sim::sweep
