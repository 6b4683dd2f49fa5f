// The reference tree decoder reads a tree blob through nlohmann's SAX
// interface: building the DOM first (a std::map per node) cost several times
// the decoding itself. Trees with generic_attributes (newer restic on
// Windows), kept as JSON text, take the DOM path. DecodeTree tries the fast
// decoder (tree_decode_fast.cc) first.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "format/sax_decoder.h"
#include "format/tree_decode.h"
#include "format/tree.h"
#include "util/hex.h"

namespace hort {
namespace {

Status ParseTime(const nlohmann::json& j, const char* key, gojson::Timestamp* t) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return Status(Code::kCorruption, std::string("tree: bad ") + key);
  HORT_ASSIGN_OR_RETURN(*t, gojson::ParseRfc3339(it->get<std::string>()));
  return Status::Ok();
}

template <typename T>
T Get(const nlohmann::json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<T>();
}

Result<Id> ParseId(const nlohmann::json& j) {
  if (!j.is_string()) return Status(Code::kCorruption, "tree: ID is not a string");
  auto id = Id::Parse(j.get<std::string>());
  if (!id) return Status(Code::kCorruption, "tree: invalid ID");
  return *id;
}

Result<Node> DecodeNode(const nlohmann::json& j) {
  Node n;
  HORT_ASSIGN_OR_RETURN(n.name, gojson::UnquoteInner(Get<std::string>(j, "name", "")));
  n.type = Get<std::string>(j, "type", "");
  n.mode = Get<uint32_t>(j, "mode", 0);
  HORT_RETURN_IF_ERROR(ParseTime(j, "mtime", &n.mtime));
  HORT_RETURN_IF_ERROR(ParseTime(j, "atime", &n.atime));
  HORT_RETURN_IF_ERROR(ParseTime(j, "ctime", &n.ctime));
  n.uid = Get<uint32_t>(j, "uid", 0);
  n.gid = Get<uint32_t>(j, "gid", 0);
  n.user = Get<std::string>(j, "user", "");
  n.group = Get<std::string>(j, "group", "");
  n.inode = Get<uint64_t>(j, "inode", 0);
  n.device_id = Get<uint64_t>(j, "device_id", 0);
  n.size = Get<uint64_t>(j, "size", 0);
  n.links = Get<uint64_t>(j, "links", 0);
  n.linktarget = Get<std::string>(j, "linktarget", "");
  if (auto raw = j.find("linktarget_raw"); raw != j.end() && raw->is_string()) {
    auto bytes = Base64Decode(raw->get<std::string>());
    if (!bytes) return Status(Code::kCorruption, "tree: bad linktarget_raw");
    n.linktarget.assign(AsChars(*bytes));
  }
  if (auto xa = j.find("extended_attributes"); xa != j.end() && xa->is_array()) {
    for (const auto& a : *xa) {
      std::string value64 = Get<std::string>(a, "value", "");
      auto value = Base64Decode(value64);
      if (!value) return Status(Code::kCorruption, "tree: bad xattr value");
      n.xattrs.push_back({Get<std::string>(a, "name", ""), std::string(AsChars(*value))});
    }
  }
  if (auto ga = j.find("generic_attributes"); ga != j.end() && !ga->is_null()) {
    n.generic_attributes_json = ga->dump();
  }
  n.device = Get<uint64_t>(j, "device", 0);
  if (auto c = j.find("content"); c != j.end() && c->is_array()) {
    n.content.reserve(c->size());
    for (const auto& id : *c) {
      HORT_ASSIGN_OR_RETURN(Id parsed, ParseId(id));
      n.content.push_back(parsed);
    }
  }
  if (auto st = j.find("subtree"); st != j.end() && !st->is_null()) {
    HORT_ASSIGN_OR_RETURN(Id parsed, ParseId(*st));
    n.subtree = parsed;
  }
  n.error = Get<std::string>(j, "error", "");
  return n;
}

// The whole tree as a DOM: for trees with generic_attributes, which are
// kept as JSON text (re-serialised as nlohmann writes it).
Result<std::vector<Node>> DecodeTreeDom(std::string_view json) {
  // generic_attributes is written back with nlohmann's dump(), which
  // recurses once per level: a crafted blob nested a million levels deep
  // would overflow the stack (issue #25). restic's are two levels deep.
  constexpr int kMaxNesting = 256;
  int nesting = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++nesting > kMaxNesting) return Status(Code::kCorruption, "tree: JSON nested deeper than 256 levels");
    } else if (c == '}' || c == ']') {
      --nesting;
    }
  }
  try {
    auto j = nlohmann::json::parse(json);
    std::vector<Node> nodes;
    auto it = j.find("nodes");
    if (it == j.end() || it->is_null()) return nodes;
    if (!it->is_array()) return Status(Code::kCorruption, "tree: nodes is not an array");
    nodes.reserve(it->size());
    for (const auto& nj : *it) {
      HORT_ASSIGN_OR_RETURN(Node n, DecodeNode(nj));
      nodes.push_back(std::move(n));
    }
    return nodes;
  } catch (const std::exception& e) {
    return Status(Code::kCorruption, std::string("tree: ") + e.what());
  }
}


class TreeDecoder final : public SaxDecoder {
 public:
  explicit TreeDecoder(std::vector<Node>* out) : SaxDecoder("tree"), out_(out) {}

  [[nodiscard]] bool needs_dom() const { return needs_dom_; }

 private:
  enum Ctx : uint8_t { kTop = kOutside, kRoot, kNodes, kNode, kContent, kXattrs, kXattr };

  bool IsIdOrTime() const {
    const std::string& f = field();
    return f == "content" || f == "subtree" || f == "mtime" || f == "atime" || f == "ctime";
  }

  bool OpenObject() override {
    switch (Top()) {
      case kTop: return Enter(kRoot);
      case kNodes:
        out_->emplace_back();
        raw_link_ = false;
        return Enter(kNode);
      case kXattrs:
        out_->back().xattrs.emplace_back();
        return Enter(kXattr);
      case kRoot: return field() == "nodes" ? Fail("nodes is not an array") : Skip();
      case kNode:
        if (field() == "generic_attributes") return NeedDom();
        return IsIdOrTime() ? Fail(field() + " is an object") : Skip();
      case kXattr: return Skip();
      default: return Fail("ID is not a string");
    }
  }

  bool OpenArray() override {
    switch (Top()) {
      case kRoot: return field() == "nodes" ? Enter(kNodes) : Skip();
      case kNode:
        if (field() == "content") return Enter(kContent);
        if (field() == "extended_attributes") return Enter(kXattrs);
        if (field() == "generic_attributes") return NeedDom();
        return IsIdOrTime() ? Fail(field() + " is an array") : Skip();
      case kXattr: return Skip();
      default: return Fail("unexpected array");
    }
  }

  bool Scalar(Kind kind) override {
    switch (Top()) {
      case kRoot:
        if (field() == "nodes" && kind != Kind::kNull) return Fail("nodes is not an array");
        return true;
      case kNodes: return Fail("a node is not an object");
      case kNode: return NodeField(kind);
      case kContent: {
        if (kind != Kind::kString) return Fail("ID is not a string");
        auto id = TextAsId();
        if (!id) return false;
        out_->back().content.push_back(*id);
        return true;
      }
      case kXattrs: return Fail("an extended attribute is not an object");
      case kXattr: return XattrField(kind);
      default: return Fail("not an object");
    }
  }

  bool NodeField(Kind kind) {
    Node& n = out_->back();
    const std::string& k = field();
    if (k == "generic_attributes") return kind == Kind::kNull ? true : NeedDom();
    if (kind == Kind::kNull) return true;  // every field's default
    if (k == "name") {
      if (kind != Kind::kString) return Fail("name is not a string");
      auto name = gojson::UnquoteInner(text());
      if (!name.ok()) return Fail(name.status().message());
      n.name = std::move(*name);
    } else if (k == "type") return String(kind, &n.type);
    else if (k == "mode") return Number(kind, &n.mode);
    else if (k == "mtime") return Time(kind, &n.mtime);
    else if (k == "atime") return Time(kind, &n.atime);
    else if (k == "ctime") return Time(kind, &n.ctime);
    else if (k == "uid") return Number(kind, &n.uid);
    else if (k == "gid") return Number(kind, &n.gid);
    else if (k == "user") return String(kind, &n.user);
    else if (k == "group") return String(kind, &n.group);
    else if (k == "inode") return Number(kind, &n.inode);
    else if (k == "device_id") return Number(kind, &n.device_id);
    else if (k == "size") return Number(kind, &n.size);
    else if (k == "links") return Number(kind, &n.links);
    else if (k == "device") return Number(kind, &n.device);
    else if (k == "error") return String(kind, &n.error);
    else if (k == "linktarget") {
      if (raw_link_) return kind == Kind::kString ? true : Fail("linktarget is not a string");
      return String(kind, &n.linktarget);
    } else if (k == "linktarget_raw") {
      if (kind != Kind::kString) return true;  // only a string carries the raw bytes
      auto bytes = Base64Decode(text());
      if (!bytes) return Fail("bad linktarget_raw");
      n.linktarget.assign(AsChars(*bytes));
      raw_link_ = true;
    } else if (k == "subtree") {
      if (kind != Kind::kString) return Fail("ID is not a string");
      auto id = TextAsId();
      if (!id) return false;
      n.subtree = *id;
    }
    return true;  // content or extended_attributes that are not arrays, or unknown fields
  }

  bool XattrField(Kind kind) {
    ExtendedAttribute& a = out_->back().xattrs.back();
    if (kind == Kind::kNull) return true;
    if (field() == "name") return String(kind, &a.name);
    if (field() == "value") {
      if (kind != Kind::kString) return Fail("xattr value is not a string");
      auto value = Base64Decode(text());
      if (!value) return Fail("bad xattr value");
      a.value.assign(AsChars(*value));
    }
    return true;
  }

  bool String(Kind kind, std::string* out) {
    if (kind != Kind::kString) return Fail(field() + " is not a string");
    out->assign(text());
    return true;
  }
  template <typename T>
  bool Number(Kind kind, T* out) {
    if (kind != Kind::kNumber) return Fail(field() + " is not a number");
    *out = static_cast<T>(number());
    return true;
  }
  bool Time(Kind kind, gojson::Timestamp* out) {
    if (kind != Kind::kString) return Fail("bad " + field());
    auto t = gojson::ParseRfc3339(text());
    if (!t.ok()) return Fail(t.status().message());
    *out = *t;
    return true;
  }
  bool NeedDom() {
    needs_dom_ = true;
    return false;
  }

  std::vector<Node>* out_;
  bool raw_link_ = false;  // linktarget_raw seen: it wins over linktarget
  bool needs_dom_ = false;
};

}  // namespace

Result<std::vector<Node>> DecodeTreeReference(std::string_view json) {
  std::vector<Node> nodes;
  TreeDecoder decoder(&nodes);
  Status parsed = decoder.Parse(json);
  if (decoder.needs_dom()) return DecodeTreeDom(json);
  HORT_RETURN_IF_ERROR(parsed);
  return nodes;
}

Result<std::vector<Node>> DecodeTree(std::string_view json) {
  std::vector<Node> nodes;
  if (DecodeTreeFast(json, &nodes)) return nodes;
  return DecodeTreeReference(json);
}

}  // namespace hort
