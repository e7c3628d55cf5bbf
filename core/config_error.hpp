// Configuration errors: each one names the file and the JSON pointer; all are collected, then thrown together.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cascadesim::core {

struct ConfigIssue {
  std::string file;
  std::string pointer;  // RFC 6901 JSON pointer; "" for the document itself
  std::string message;
  std::string line() const;  // "file: /pointer: message"
};

// Thrown once per load with every issue found. what() is one line per issue.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<ConfigIssue> issues);
  const std::vector<ConfigIssue>& issues() const { return issues_; }

 private:
  std::vector<ConfigIssue> issues_;
};

class ConfigErrors {
 public:
  void add(std::string file, std::string pointer, std::string message);
  bool empty() const { return issues_.empty(); }
  std::size_t size() const { return issues_.size(); }
  // Contract: throws ConfigError carrying every issue added so far, if any.
  void throw_if_any() const;

 private:
  std::vector<ConfigIssue> issues_;
};

// RFC 6901 escaping of one reference token ('~' -> "~0", '/' -> "~1").
std::string json_pointer_token(std::string_view key);

// parent + "/" + the escaped key (or array index).
std::string child_pointer(std::string_view parent, std::string_view key);
std::string child_pointer(std::string_view parent, std::size_t index);

// The known key closest to an unknown one, or "" when none is close enough to be a likely typo.
std::string closest_key(std::string_view unknown, const std::vector<std::string_view>& known);

}  // namespace cascadesim::core
