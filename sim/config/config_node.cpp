// Layered, location-aware access to JSON configs.
#include "sim/config/config_node.hpp"

#include <fstream>
#include <sstream>

namespace cascadesim::sim {

ConfigNode::ConfigNode(std::vector<Layer> layers, ConfigErrors& errors)
    : layers_(std::move(layers)), errors_(&errors) {}

const Json* ConfigNode::find(std::string_view key, SourceLocation* where) const {
  for (const Layer& layer : layers_) {
    const auto it = layer.object->find(key);
    if (it == layer.object->end()) continue;
    if (where) *where = SourceLocation{layer.file, layer.pointer + "/" + json_pointer_token(key)};
    return &*it;
  }
  return nullptr;
}

ConfigNode ConfigNode::child(std::string_view key) const {
  std::vector<Layer> nested;
  bool topmost = true;
  for (const Layer& layer : layers_) {
    const auto it = layer.object->find(key);
    if (it == layer.object->end()) continue;
    const std::string pointer = layer.pointer + "/" + json_pointer_token(key);
    if (!it->is_object()) {
      // A non-object below an object override is shadowed; only the topmost value matters.
      if (topmost) errors_->add(layer.file, pointer, "expected an object (got " + describe_value(*it) + ")");
      break;
    }
    nested.push_back(Layer{&*it, layer.file, pointer});
    topmost = false;
  }
  return ConfigNode(std::move(nested), *errors_);
}

SourceLocation ConfigNode::location_of(std::string_view key) const {
  SourceLocation where;
  if (find(key, &where)) return where;
  where = location();
  where.pointer += "/" + json_pointer_token(key);
  return where;
}

SourceLocation ConfigNode::location() const {
  if (layers_.empty()) return SourceLocation{"<config>", ""};
  return SourceLocation{layers_.front().file, layers_.front().pointer};
}

void ConfigNode::error_at(std::string_view key, std::string message) const {
  SourceLocation where = location_of(key);
  errors_->add(std::move(where.file), std::move(where.pointer), std::move(message));
}

void ConfigNode::error(std::string message) const {
  SourceLocation where = location();
  errors_->add(std::move(where.file), std::move(where.pointer), std::move(message));
}

void ConfigNode::reject_unknown_keys(const std::vector<std::string_view>& known) const {
  for (const Layer& layer : layers_) {
    for (const auto& [key, value] : layer.object->items()) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || k == key;
      if (ok) continue;
      std::string message = "unknown key '" + key + "'";
      const std::string hint = closest_key(key, known);
      if (!hint.empty()) message += " (did you mean '" + hint + "'?)";
      errors_->add(layer.file, layer.pointer + "/" + json_pointer_token(key), std::move(message));
    }
  }
}

Json parse_json_text(std::string_view text, const std::string& file, ConfigErrors& errors) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // Byte offset -> line and column for the message.
    std::size_t line = 1, column = 1;
    const std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    for (std::size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    const auto colon = what.rfind(": ");
    if (colon != std::string::npos) what = what.substr(colon + 2);
    errors.add(file, "", "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
                             ": " + what);
    return Json();
  }
}

Json load_json_file(const std::string& path, ConfigErrors& errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.add(path, "", "cannot open file");
    return Json();
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    errors.add(path, "", "cannot read file");
    return Json();
  }
  return parse_json_text(text.str(), path, errors);
}

std::string describe_value(const Json& value) {
  std::string text = value.dump();
  constexpr std::size_t max_chars = 40;
  if (text.size() > max_chars) text = text.substr(0, max_chars - 3) + "...";
  if (value.is_string()) return "string " + text;
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  return text;
}

}  // namespace cascadesim::sim
