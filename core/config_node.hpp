// A JSON object seen through layers (overrides on top of a preset), that knows the file and JSON pointer of
// every value it hands out and reports unknown keys. Never inserts: all reads go through find().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config_error.hpp"

namespace cascadesim::core {

using Json = nlohmann::json;

struct SourceLocation {
  std::string file;
  std::string pointer;
};

class ConfigNode {
 public:
  struct Layer {
    const Json* object = nullptr;  // a JSON object; not owned, outlives the node
    std::string file;
    std::string pointer;
  };

  // Contract: layers[0] is the topmost (it wins); every layer's object is a JSON object.
  ConfigNode(std::vector<Layer> layers, ConfigErrors& errors);

  // The value of key in the topmost layer that has it, or nullptr; where receives its location.
  const Json* find(std::string_view key, SourceLocation* where = nullptr) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // The object under key, seen through every layer that has one there. Reports an error (and returns an empty
  // node) when the topmost value under key is not an object.
  ConfigNode child(std::string_view key) const;

  // The object the layers stand for: every layer's keys, a higher layer's value winning, objects merged key by key.
  Json resolved() const;

  // Where key is (topmost layer that has it), or where it would go in the topmost layer.
  SourceLocation location_of(std::string_view key) const;
  SourceLocation location() const;

  void error_at(std::string_view key, std::string message) const;
  void error(std::string message) const;  // about the node itself

  // Every key of every layer that is not in known is an error, with a "did you mean" hint.
  void reject_unknown_keys(const std::vector<std::string_view>& known) const;

  ConfigErrors& errors() const { return *errors_; }
  const std::vector<Layer>& layers() const { return layers_; }
  bool empty() const { return layers_.empty(); }

 private:
  std::vector<Layer> layers_;
  ConfigErrors* errors_;
};

// Parses a JSON document. A syntax error records "file: /: invalid JSON at line L, column C: <reason>" and
// returns nothing; a duplicated key (which would silently hide the first value) is recorded with its pointer.
std::optional<Json> parse_json_text(std::string_view text, const std::string& file, ConfigErrors& errors);

// Reads and parses a file; a missing, unreadable or folder path is recorded as an error.
std::optional<Json> load_json_file(const std::string& path, ConfigErrors& errors);

// A short rendering of a JSON value for messages: numbers and literals as written, strings quoted and cut.
std::string describe_value(const Json& value);

}  // namespace cascadesim::core
