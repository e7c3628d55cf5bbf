// Limits on what an input may hold, checked where every input file and JSON text is read, so that a hostile input
// is refused with its file and pointer before it can run the stack or the memory out.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

#include "core/config_error.hpp"

namespace cascadesim::core {

// The largest input file read whole: 32 MiB, 25 times the largest shipped one (reports/measured/h100/measured.json).
// Parsed, a JSON file takes up to about 40 times its size in memory.
inline constexpr std::size_t max_input_bytes = std::size_t{32} << 20;

// The deepest nesting of arrays and objects a JSON input may have. Shipped inputs nest at most 6 levels; code that
// walks a value recursively (layer merging, dumping, comparison) then stays far from the end of the stack.
inline constexpr std::size_t max_json_depth = 64;

// The longest line a line-based input (a sweep's rows) may hold: a row is a few hundred bytes, and a file of rows may
// be far larger than max_input_bytes, so it is bounded line by line.
inline constexpr std::size_t max_line_bytes = std::size_t{1} << 20;

enum class LineRead {
  line,          // a line ended by '\n'
  unterminated,  // the input's last line, without its '\n' (a torn line)
  end,           // nothing left
  too_long,      // more than max_line_bytes before its '\n'; line holds its first max_line_bytes
};

// Reads the next line of in into line, without its '\n', holding at most max_line_bytes of it.
LineRead read_line(std::istream& in, std::string& line);

// Reads a whole file of at most max_input_bytes (a pipe or device too, read only up to the limit). A missing,
// unreadable, folder or larger path is recorded as an error at pointer "" and gives nothing.
std::optional<std::string> read_input_file(const std::string& path, ConfigErrors& errors);

// The first value in text nested deeper than max_json_depth, as an issue naming file and that value's pointer;
// nothing when there is none. Syntax errors are left to the parser, which reports them with line and column.
std::optional<ConfigIssue> json_nesting_problem(std::string_view text, const std::string& file);

}  // namespace cascadesim::core
