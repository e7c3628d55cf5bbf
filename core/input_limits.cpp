// Bounded reading of input files and a nesting check that runs before any JSON value is built.
#include "core/input_limits.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/config_node.hpp"

namespace cascadesim::core {

std::optional<std::string> read_input_file(const std::string& path, ConfigErrors& errors) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    errors.add(
        path, "",
        errno == ENOENT ? std::string("cannot open file") : "cannot open file: " + std::string(std::strerror(errno)));
    return std::nullopt;
  }
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    ::close(fd);
    errors.add(path, "", "is a folder, not a JSON file");
    return std::nullopt;
  }
  std::string text;
  if (S_ISREG(info.st_mode) && static_cast<std::size_t>(info.st_size) <= max_input_bytes)
    text.reserve(static_cast<std::size_t>(info.st_size));
  std::vector<char> buffer(std::size_t{1} << 16);  // on the heap: frames stay below 64 KiB (scripts/memcheck.sh)
  std::string failure;
  while (failure.empty()) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno != EINTR) failure = "cannot read file: " + std::string(std::strerror(errno));
      continue;
    }
    if (text.size() + static_cast<std::size_t>(n) > max_input_bytes)
      failure = "larger than " + std::to_string(max_input_bytes >> 20) + " MiB, the most an input file may hold";
    else
      text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!failure.empty()) {
    errors.add(path, "", std::move(failure));
    return std::nullopt;
  }
  return text;
}

LineRead read_line(std::istream& in, std::string& line) {
  line.clear();
  std::streambuf* buffer = in.rdbuf();
  for (;;) {
    const int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return line.empty() ? LineRead::end : LineRead::unterminated;
    }
    if (c == '\n') return LineRead::line;
    if (line.size() >= max_line_bytes) return LineRead::too_long;
    line.push_back(static_cast<char>(c));
  }
}

namespace {

// Follows the parser's events, keeping the pointer of the value being read, and stops at the first one that would
// nest deeper than max_json_depth.
class NestingCheck final : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return value_done(); }
  bool boolean(bool) override { return value_done(); }
  bool number_integer(number_integer_t) override { return value_done(); }
  bool number_unsigned(number_unsigned_t) override { return value_done(); }
  bool number_float(number_float_t, const string_t&) override { return value_done(); }
  bool string(string_t&) override { return value_done(); }
  bool binary(binary_t&) override { return value_done(); }
  bool start_object(std::size_t) override { return open(false); }
  bool key(string_t& key) override {
    frames_.back().key = key;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

  const std::optional<std::string>& too_deep_at() const { return too_deep_at_; }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;
  };

  bool open(bool array) {
    if (frames_.size() >= max_json_depth) {
      too_deep_at_ = pointer();
      return false;
    }
    frames_.push_back(Frame{array, 0, {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return value_done();
  }
  bool value_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    return true;
  }
  std::string pointer() const {
    std::string out;
    for (const Frame& f : frames_) out = f.array ? child_pointer(out, f.index) : child_pointer(out, f.key);
    return out;
  }

  std::vector<Frame> frames_;
  std::optional<std::string> too_deep_at_;
};

}  // namespace

std::optional<ConfigIssue> json_nesting_problem(std::string_view text, const std::string& file) {
  NestingCheck check;
  try {
    Json::sax_parse(text.begin(), text.end(), &check);
  } catch (const Json::exception&) {
    // The parser that follows reports the syntax error with its line and column.
  }
  if (!check.too_deep_at()) return std::nullopt;
  return ConfigIssue{
      file, *check.too_deep_at(),
      "nested deeper than " + std::to_string(max_json_depth) + " arrays and objects, the most an input may hold"};
}

}  // namespace cascadesim::core
