// DecodeTree reads a tree blob through nlohmann's SAX interface: every
// backup, restore and check decodes one tree per directory, and building
// the DOM first (a std::map per node) cost several times the decoding
// itself. Trees with generic_attributes (newer restic on Windows), kept as
// JSON text, take the DOM path.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

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


using json = nlohmann::json;

class TreeHandler : public nlohmann::json_sax<json> {
 public:
  explicit TreeHandler(std::vector<Node>* out) : out_(out) {}

  [[nodiscard]] const Status& status() const { return status_; }
  [[nodiscard]] bool needs_dom() const { return needs_dom_; }
  [[nodiscard]] bool root_seen() const { return root_seen_; }

  bool null() override { return Scalar(Value::kNull); }
  bool boolean(bool) override { return Scalar(Value::kOther); }
  bool number_integer(number_integer_t v) override {
    number_ = static_cast<uint64_t>(v);  // as nlohmann's get<unsigned>() converts
    return Scalar(Value::kNumber);
  }
  bool number_unsigned(number_unsigned_t v) override {
    number_ = v;
    return Scalar(Value::kNumber);
  }
  bool number_float(number_float_t v, const string_t&) override {
    number_ = static_cast<uint64_t>(v);
    return Scalar(Value::kNumber);
  }
  bool string(string_t& s) override {
    string_ = &s;
    return Scalar(Value::kString);
  }
  bool binary(binary_t&) override { return Scalar(Value::kOther); }

  bool start_object(std::size_t) override {
    if (skip_ > 0) return ++skip_, true;
    switch (Top()) {
      case Ctx::kTop:
        root_seen_ = true;
        stack_.push_back(Ctx::kRoot);
        return true;
      case Ctx::kNodes:
        out_->emplace_back();
        raw_link_ = false;
        stack_.push_back(Ctx::kNode);
        return true;
      case Ctx::kXattrs:
        out_->back().xattrs.emplace_back();
        stack_.push_back(Ctx::kXattr);
        return true;
      case Ctx::kRoot:
        if (key_ == "nodes") return Fail("nodes is not an array");
        return ++skip_, true;
      case Ctx::kNode:
        if (key_ == "generic_attributes") return NeedDom();
        if (key_ == "content" || key_ == "subtree" || key_ == "mtime" || key_ == "atime" || key_ == "ctime") {
          return Fail(key_ + " is an object");
        }
        return ++skip_, true;
      case Ctx::kXattr: return ++skip_, true;
      default: return Fail("unexpected object");
    }
  }
  bool end_object() override {
    if (skip_ > 0) return --skip_, true;
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    if (skip_ > 0) return ++skip_, true;
    Ctx ctx = Top();
    if (ctx == Ctx::kRoot && key_ == "nodes") {
      stack_.push_back(Ctx::kNodes);
    } else if (ctx == Ctx::kNode && key_ == "content") {
      stack_.push_back(Ctx::kContent);
    } else if (ctx == Ctx::kNode && key_ == "extended_attributes") {
      stack_.push_back(Ctx::kXattrs);
    } else if (ctx == Ctx::kNode && key_ == "generic_attributes") {
      return NeedDom();
    } else if (ctx == Ctx::kRoot || ctx == Ctx::kNode || ctx == Ctx::kXattr) {
      if (ctx == Ctx::kNode && (key_ == "subtree" || key_ == "mtime" || key_ == "atime" || key_ == "ctime")) {
        return Fail(key_ + " is an array");
      }
      ++skip_;
    } else {
      return Fail("unexpected array");
    }
    return true;
  }
  bool end_array() override {
    if (skip_ > 0) return --skip_, true;
    stack_.pop_back();
    return true;
  }
  bool key(string_t& k) override {
    if (skip_ == 0) key_.assign(k);
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    return Fail("invalid JSON at byte " + std::to_string(position) + ": " + e.what());
  }

 private:
  enum class Ctx : uint8_t { kTop, kRoot, kNodes, kNode, kContent, kXattrs, kXattr };
  enum class Value : uint8_t { kNull, kNumber, kString, kOther };

  Ctx Top() const { return stack_.empty() ? Ctx::kTop : stack_.back(); }

  bool Scalar(Value v) {
    if (skip_ > 0) return true;
    switch (Top()) {
      case Ctx::kRoot:
        if (key_ == "nodes" && v != Value::kNull) return Fail("nodes is not an array");
        return true;
      case Ctx::kNodes: return Fail("a node is not an object");
      case Ctx::kNode: return NodeField(v);
      case Ctx::kContent: {
        if (v != Value::kString) return Fail("ID is not a string");
        auto id = ParseId();
        if (!id) return false;
        out_->back().content.push_back(*id);
        return true;
      }
      case Ctx::kXattrs: return Fail("an extended attribute is not an object");
      case Ctx::kXattr: return XattrField(v);
      default: return Fail("not an object");
    }
  }

  bool NodeField(Value v) {
    Node& n = out_->back();
    if (key_ == "generic_attributes") return v == Value::kNull ? true : NeedDom();
    if (v == Value::kNull) return true;  // every field's default
    const std::string& k = key_;
    if (k == "name") {
      if (v != Value::kString) return Fail("name is not a string");
      auto name = gojson::UnquoteInner(*string_);
      if (!name.ok()) return Fail(name.status().message());
      n.name = std::move(*name);
    } else if (k == "type") return String(v, &n.type);
    else if (k == "mode") return Number(v, &n.mode);
    else if (k == "mtime") return Time(v, &n.mtime);
    else if (k == "atime") return Time(v, &n.atime);
    else if (k == "ctime") return Time(v, &n.ctime);
    else if (k == "uid") return Number(v, &n.uid);
    else if (k == "gid") return Number(v, &n.gid);
    else if (k == "user") return String(v, &n.user);
    else if (k == "group") return String(v, &n.group);
    else if (k == "inode") return Number(v, &n.inode);
    else if (k == "device_id") return Number(v, &n.device_id);
    else if (k == "size") return Number(v, &n.size);
    else if (k == "links") return Number(v, &n.links);
    else if (k == "device") return Number(v, &n.device);
    else if (k == "error") return String(v, &n.error);
    else if (k == "linktarget") {
      if (raw_link_) return v == Value::kString ? true : Fail("linktarget is not a string");
      return String(v, &n.linktarget);
    } else if (k == "linktarget_raw") {
      if (v != Value::kString) return true;  // only a string carries the raw bytes
      auto bytes = Base64Decode(*string_);
      if (!bytes) return Fail("bad linktarget_raw");
      n.linktarget.assign(AsChars(*bytes));
      raw_link_ = true;
    } else if (k == "subtree") {
      if (v != Value::kString) return Fail("ID is not a string");
      auto id = ParseId();
      if (!id) return false;
      n.subtree = *id;
    }
    return true;  // content or extended_attributes that are not arrays, or unknown fields
  }

  bool XattrField(Value v) {
    ExtendedAttribute& a = out_->back().xattrs.back();
    if (v == Value::kNull) return true;
    if (key_ == "name") return String(v, &a.name);
    if (key_ == "value") {
      if (v != Value::kString) return Fail("xattr value is not a string");
      auto value = Base64Decode(*string_);
      if (!value) return Fail("bad xattr value");
      a.value.assign(AsChars(*value));
    }
    return true;
  }

  bool String(Value v, std::string* out) {
    if (v != Value::kString) return Fail(key_ + " is not a string");
    out->assign(*string_);
    return true;
  }
  template <typename T>
  bool Number(Value v, T* out) {
    if (v != Value::kNumber) return Fail(key_ + " is not a number");
    *out = static_cast<T>(number_);
    return true;
  }
  bool Time(Value v, gojson::Timestamp* out) {
    if (v != Value::kString) return Fail("bad " + key_);
    auto t = gojson::ParseRfc3339(*string_);
    if (!t.ok()) return Fail(t.status().message());
    *out = *t;
    return true;
  }
  std::optional<Id> ParseId() {
    auto id = Id::Parse(*string_);
    if (!id) Fail("invalid ID");
    return id;
  }
  bool NeedDom() {
    needs_dom_ = true;
    return false;
  }
  bool Fail(const std::string& why) {
    if (status_.ok()) status_ = Status(Code::kCorruption, "tree: " + why);
    return false;
  }

  std::vector<Node>* out_;
  Status status_;
  std::vector<Ctx> stack_;
  std::string key_;
  const std::string* string_ = nullptr;
  uint64_t number_ = 0;
  bool raw_link_ = false;  // linktarget_raw seen: it wins over linktarget
  bool needs_dom_ = false;
  bool root_seen_ = false;
  int skip_ = 0;  // depth inside a value nobody asked for
};

}  // namespace

Result<std::vector<Node>> DecodeTree(std::string_view json) {
  std::vector<Node> nodes;
  TreeHandler handler(&nodes);
  bool ok = json::sax_parse(json.begin(), json.end(), &handler);
  if (handler.needs_dom()) return DecodeTreeDom(json);
  if (!handler.status().ok()) return handler.status();
  if (!ok || !handler.root_seen()) return Status(Code::kCorruption, "tree: not a JSON object");
  return nodes;
}

}  // namespace hort
