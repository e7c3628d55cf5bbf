// How often a piece of text occurs in a generated document (non-overlapping), for tests that check documents.
#pragma once

#include <cstddef>
#include <string_view>

namespace cascadesim::testing {

inline std::size_t count_occurrences(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

}  // namespace cascadesim::testing
