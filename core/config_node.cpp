// Layered, location-aware access to JSON configs.
#include "core/config_node.hpp"

#include "core/input_limits.hpp"

#include <algorithm>
#include <functional>
#include <set>

namespace cascadesim::core {

ConfigNode::ConfigNode(std::vector<Layer> layers, ConfigErrors& errors)
    : layers_(std::move(layers)), errors_(&errors) {}

const Json* ConfigNode::find(std::string_view key, SourceLocation* where) const {
  for (const Layer& layer : layers_) {
    const auto it = layer.object->find(key);
    if (it == layer.object->end()) continue;
    if (where) *where = SourceLocation{layer.file, child_pointer(layer.pointer, key)};
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
    const std::string pointer = child_pointer(layer.pointer, key);
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

namespace {
void merge_into(Json& base, const Json& top) {
  for (const auto& [key, value] : top.items()) {
    if (value.is_object() && base.contains(key) && base[key].is_object())
      merge_into(base[key], value);
    else
      base[key] = value;
  }
}
}  // namespace

Json ConfigNode::resolved() const {
  Json out = Json::object();
  for (auto layer = layers_.rbegin(); layer != layers_.rend(); ++layer) merge_into(out, *layer->object);
  return out;
}

SourceLocation ConfigNode::location_of(std::string_view key) const {
  SourceLocation where;
  if (find(key, &where)) return where;
  where = location();
  where.pointer = child_pointer(where.pointer, key);
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
      errors_->add(layer.file, child_pointer(layer.pointer, key), std::move(message));
    }
  }
}

namespace {

// Tracks where the parser is, so that a duplicated key (which nlohmann would silently overwrite) is reported
// with its JSON pointer.
class DuplicateKeyCheck {
 public:
  DuplicateKeyCheck(const std::string& file, ConfigErrors& errors) : file_(file), errors_(errors) {}

  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        frames_.push_back(Frame{false, 0, {}, {}});
        break;
      case Json::parse_event_t::array_start:
        frames_.push_back(Frame{true, 0, {}, {}});
        break;
      case Json::parse_event_t::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.seen.insert(f.key).second) errors_.add(file_, pointer(), "duplicate key '" + f.key + "'");
        break;
      }
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        frames_.pop_back();
        element_done();
        break;
      case Json::parse_event_t::value:
        element_done();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;
    std::set<std::string> seen;
  };

  void element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }

  std::string pointer() const {
    std::string out;
    for (const Frame& f : frames_) out = f.array ? child_pointer(out, f.index) : child_pointer(out, f.key);
    return out;
  }

  const std::string& file_;
  ConfigErrors& errors_;
  std::vector<Frame> frames_;
};

std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  const std::size_t end = std::min<std::size_t>(byte == 0 ? 0 : byte - 1, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// nlohmann's what() reads "[json.exception.parse_error.101] parse error at line 1, column 10: <reason>";
// keep only the reason.
std::string parser_reason(const std::string& what) {
  const auto column = what.find("column ");
  const auto colon = what.find(": ", column == std::string::npos ? 0 : column);
  if (colon != std::string::npos) return what.substr(colon + 2);
  const auto bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

}  // namespace

std::optional<Json> parse_json_text(std::string_view text, const std::string& file, ConfigErrors& errors) {
  if (std::optional<ConfigIssue> deep = json_nesting_problem(text, file)) {
    errors.add(std::move(deep->file), std::move(deep->pointer), std::move(deep->message));
    return std::nullopt;
  }
  try {
    DuplicateKeyCheck check(file, errors);
    return Json::parse(text.begin(), text.end(), std::ref(check));
  } catch (const Json::parse_error& e) {
    const auto [line, column] = line_and_column(text, e.byte);
    errors.add(file, "",
               "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                   parser_reason(e.what()));
  } catch (const Json::exception& e) {
    errors.add(file, "", "invalid JSON: " + parser_reason(e.what()));
  }
  return std::nullopt;
}

std::optional<Json> load_json_file(const std::string& path, ConfigErrors& errors) {
  const std::optional<std::string> text = read_input_file(path, errors);
  if (!text) return std::nullopt;
  return parse_json_text(*text, path, errors);
}

std::string describe_value(const Json& value) {
  // Containers are named, never dumped: a value may be large (and dumping recurses), and only its kind matters.
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  constexpr std::size_t max_chars = 40;
  // A string is cut before it is quoted; a cut inside a UTF-8 sequence is rendered as a replacement character.
  std::string text = value.is_string() ? Json(value.get_ref<const std::string&>().substr(0, 4 * max_chars))
                                             .dump(-1, ' ', false, Json::error_handler_t::replace)
                                       : value.dump();
  if (text.size() > max_chars) text = text.substr(0, max_chars - 3) + "...";
  if (value.is_string()) return "string " + text;
  return text;
}

}  // namespace cascadesim::core
