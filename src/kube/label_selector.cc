#include "kube/label_selector.h"

#include <algorithm>
#include <cctype>

#include "kube/object_names.h"

namespace hort::kube {
namespace {

std::string Trim(std::string s) {
  size_t a = s.find_first_not_of(' ');
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(' ') - a + 1);
}

// Splits on commas outside parentheses: "a in (x,y),b" is two requirements.
std::vector<std::string> SplitTopLevel(const std::string& text) {
  std::vector<std::string> parts;
  std::string cur;
  int depth = 0;
  for (char ch : text) {
    if (ch == '(') ++depth;
    if (ch == ')') --depth;
    if (ch == ',' && depth == 0) {
      parts.push_back(Trim(cur));
      cur.clear();
    } else {
      cur.push_back(ch);
    }
  }
  parts.push_back(Trim(cur));
  return parts;
}

}  // namespace

Result<LabelSelector> LabelSelector::Parse(const std::string& text) {
  LabelSelector s;
  if (Trim(text).empty()) return s;
  for (const std::string& part : SplitTopLevel(text)) {
    const Status bad(Code::kInvalidArgument, "unable to parse requirement \"" + part + "\" of label selector \"" + text + "\"");
    if (part.empty()) return bad;
    LabelRequirement r;
    size_t pos;
    if (part[0] == '!') {
      r.key = Trim(part.substr(1));
      r.op = LabelRequirement::Op::kNotExists;
    } else if ((pos = part.find("!=")) != std::string::npos) {
      r = {Trim(part.substr(0, pos)), LabelRequirement::Op::kNotEquals, {Trim(part.substr(pos + 2))}};
    } else if ((pos = part.find("==")) != std::string::npos) {
      r = {Trim(part.substr(0, pos)), LabelRequirement::Op::kEquals, {Trim(part.substr(pos + 2))}};
    } else if ((pos = part.find('=')) != std::string::npos) {
      r = {Trim(part.substr(0, pos)), LabelRequirement::Op::kEquals, {Trim(part.substr(pos + 1))}};
    } else if (auto open = part.find('('); open != std::string::npos) {
      if (part.back() != ')') return bad;
      std::string head = Trim(part.substr(0, open));
      bool notin = head.size() > 6 && head.compare(head.size() - 6, 6, " notin") == 0;
      bool in = !notin && head.size() > 3 && head.compare(head.size() - 3, 3, " in") == 0;
      if (!in && !notin) return bad;
      r.key = Trim(head.substr(0, head.size() - (notin ? 6 : 3)));
      r.op = notin ? LabelRequirement::Op::kNotIn : LabelRequirement::Op::kIn;
      for (const auto& v : SplitTopLevel(part.substr(open + 1, part.size() - open - 2))) r.values.push_back(v);
    } else {
      r.key = part;
      r.op = LabelRequirement::Op::kExists;
    }
    if (r.key.empty() || r.key.find(' ') != std::string::npos) return bad;
    // The API refuses what no label can be (400), as labels.Parse does.
    if (!IsLabelKey(r.key)) {
      return Status(Code::kInvalidArgument, "invalid label key \"" + r.key + "\" in label selector \"" + text + "\"");
    }
    for (const std::string& v : r.values) {
      if (!v.empty() && !IsLabelValue(v)) {
        return Status(Code::kInvalidArgument, "invalid label value \"" + v + "\" in label selector \"" + text + "\"");
      }
    }
    s.requirements_.push_back(std::move(r));
  }
  return s;
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    const bool has = it != labels.end();
    const bool listed = has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    switch (r.op) {
      case LabelRequirement::Op::kEquals: case LabelRequirement::Op::kIn: if (!listed) return false; break;
      case LabelRequirement::Op::kNotEquals: case LabelRequirement::Op::kNotIn: if (listed) return false; break;
      case LabelRequirement::Op::kExists: if (!has) return false; break;
      case LabelRequirement::Op::kNotExists: if (has) return false; break;
    }
  }
  return true;
}

bool IsLabelKey(std::string_view key) {
  // [prefix/]name: the prefix a DNS-1123 subdomain (at most 253), the name
  // like a value but never empty.
  const size_t slash = key.find('/');
  const std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  if (name.empty() || !IsLabelValue(name)) return false;
  if (slash == std::string_view::npos) return true;
  const std::string prefix(key.substr(0, slash));
  return !prefix.empty() && NameProblem(prefix, "").empty();  // a DNS-1123 subdomain, as object names are
}

bool IsLabelValue(std::string_view v) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (v.empty() || v.size() > 63 || !alnum(v.front()) || !alnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

}  // namespace hort::kube
