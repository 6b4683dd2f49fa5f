#include "deploy/yaml_out.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

namespace hort::deploy {
namespace {

using kube::Json;

// Whether YAML 1.1 or 1.2 could read the plain scalar as a non-string; kept
// conservative: anything number-like or a boolean/null word is quoted.
bool LooksTyped(const std::string& s) {
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* w : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}) {
    if (lower == w) return true;
  }
  char c = s[0];
  if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-') return false;
  return s.find_first_not_of("0123456789abcdefABCDEFxXoO._:+-") == std::string::npos;
}

bool Plain(const std::string& s) {
  if (s.empty() || LooksTyped(s)) return false;
  if (!std::isalnum(static_cast<unsigned char>(s[0])) && s[0] != '/' && s[0] != '.' && s[0] != '_') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (std::isalnum(c) || std::string_view("._/-@+=").find(static_cast<char>(c)) != std::string_view::npos) continue;
    if (c == ':' && i + 1 < s.size() && s[i + 1] != ' ') continue;
    return false;
  }
  return true;
}

// A literal block keeps every character when the text is printable lines.
bool LiteralOk(const std::string& s) {
  if (s.find('\n') == std::string::npos || s[0] == '\n') return false;
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\n' && c != '\t') return false;
  }
  return true;
}

void Scalar(const Json& v, int indent, std::string& out) {
  if (!v.is_string()) {
    out += v.dump();  // numbers, booleans, null: JSON's spelling is YAML's
    return;
  }
  const std::string& s = v.get_ref<const std::string&>();
  if (Plain(s)) {
    out += s;
  } else if (LiteralOk(s)) {
    // Chomping: "|-" no final newline, "|" exactly one, "|+" several. An
    // indentation indicator when the first line starts with a space.
    size_t end = s.size();
    std::string chomp = s.back() != '\n' ? "-" : (s.size() > 1 && s[s.size() - 2] == '\n' ? "+" : "");
    out += "|" + std::string(s[0] == ' ' ? "2" : "") + chomp + "\n";
    std::string pad(indent + 2, ' ');
    size_t start = 0;
    while (start < end) {
      size_t nl = s.find('\n', start);
      if (nl == std::string::npos) nl = end;
      std::string line = s.substr(start, nl - start);
      out += (line.empty() ? "" : pad + line) + "\n";
      start = nl + 1;
    }
    out.pop_back();  // the caller ends the line
  } else {
    out += v.dump();  // a JSON string is a valid YAML double-quoted scalar
  }
}

bool Inline(const Json& v) { return !(v.is_object() || v.is_array()) || v.empty(); }

void Emit(const Json& v, int indent, std::string& out);

void EmitValueAfterKey(const Json& v, int indent, std::string& out) {
  if (Inline(v)) {
    out += " ";
    if (v.is_object()) out += "{}";
    else if (v.is_array()) out += "[]";
    else Scalar(v, indent, out);
    out += "\n";
  } else {
    out += "\n";
    Emit(v, v.is_array() ? indent : indent + 2, out);
  }
}

void Emit(const Json& v, int indent, std::string& out) {
  std::string pad(indent, ' ');
  if (v.is_object()) {
    for (const auto& [k, item] : v.items()) {
      out += pad;
      Scalar(Json(k), indent, out);
      out += ":";
      EmitValueAfterKey(item, indent, out);
    }
  } else if (v.is_array()) {
    for (const Json& item : v) {
      out += pad + "-";
      if (Inline(item)) {
        EmitValueAfterKey(item, indent, out);
      } else if (item.is_object()) {
        // The first key on the dash's line, the rest aligned under it.
        std::string nested;
        Emit(item, indent + 2, nested);
        out += " " + nested.substr(indent + 2);
      } else {
        out += "\n";
        Emit(item, indent + 2, out);
      }
    }
  } else {
    out += pad;
    Scalar(v, indent, out);
    out += "\n";
  }
}

Json FromNode(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      Json o = Json::object();
      for (const auto& kv : n) o[kv.first.Scalar()] = FromNode(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      Json a = Json::array();
      for (const auto& item : n) a.push_back(FromNode(item));
      return a;
    }
    case YAML::NodeType::Scalar: return n.Scalar();
    default: return nullptr;
  }
}

}  // namespace

std::string ToYaml(const Json& value) {
  std::string out;
  if (Inline(value)) {
    Scalar(value.is_object() ? Json("{}") : value, 0, out);
    return out + "\n";
  }
  Emit(value, 0, out);
  return out;
}

Result<Json> YamlToJson(const std::string& text, const std::string& what) {
  try {
    return FromNode(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    return Status(Code::kInvalidArgument, what + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace hort::deploy
