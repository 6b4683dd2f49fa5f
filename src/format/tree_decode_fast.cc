// The fast tree decoder: simdjson's DOM parser validates the whole document
// (structure, UTF-8, escapes, numbers) and the walk below reads the fields
// restic writes. nlohmann's lexer took about 15 % of a check's CPU on a
// folder of small files (one tree per directory; perf, 2026-12-05).
//
// It mirrors the reference decoder (tree_decode.cc) field by field on
// success: null is every field's default, unknown fields and objects or
// arrays where a scalar belongs are ignored as the reference skips them,
// repeated keys behave the same (the last scalar wins, repeated "nodes" and
// "content" arrays append). Wherever the reference would fail, or take its
// DOM path (generic_attributes), this one declines instead, so every error
// message comes from one place.
#include <simdjson.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

#include "format/simdjson_fields.h"
#include "format/tree_decode.h"
#include "util/hex.h"

namespace hort {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson_fields::ForEachObject;
using simdjson_fields::IsContainer;
using simdjson_fields::ParsedId;

// A parser's buffers take about 15 bytes per byte of the largest document
// it has read (tape, structural indexes, strings). Trees up to kKeptMaxBytes
// (a few hundred files) use a parser each thread keeps, so at most about
// 1 MiB stays per thread; larger ones get a parser of their own, freed with
// the call; beyond kFastMaxBytes (a directory of thousands of files) the
// reference decoder, which needs no such buffers, decides.
constexpr size_t kKeptMaxBytes = 64u << 10;
constexpr size_t kFastMaxBytes = 512u << 10;

enum class Field : uint8_t {
  kOther, kName, kType, kMode, kMtime, kAtime, kCtime, kUid, kGid, kUser, kGroup, kInode, kDeviceId, kSize,
  kLinks, kLinktarget, kLinktargetRaw, kXattrs, kGenericAttributes, kDevice, kContent, kSubtree, kError
};

Field FieldOf(std::string_view key) {
  static constexpr std::array<std::pair<std::string_view, Field>, 22> kFields{{
      {"name", Field::kName}, {"type", Field::kType}, {"mode", Field::kMode}, {"mtime", Field::kMtime},
      {"atime", Field::kAtime}, {"ctime", Field::kCtime}, {"uid", Field::kUid}, {"gid", Field::kGid},
      {"user", Field::kUser}, {"group", Field::kGroup}, {"inode", Field::kInode},
      {"device_id", Field::kDeviceId}, {"size", Field::kSize}, {"links", Field::kLinks},
      {"linktarget", Field::kLinktarget}, {"linktarget_raw", Field::kLinktargetRaw},
      {"extended_attributes", Field::kXattrs}, {"generic_attributes", Field::kGenericAttributes},
      {"device", Field::kDevice}, {"content", Field::kContent}, {"subtree", Field::kSubtree},
      {"error", Field::kError},
  }};
  for (const auto& [name, field] : kFields) {
    if (name == key) return field;
  }
  return Field::kOther;
}

bool String(element v, std::string* out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out->assign(s);
  return true;
}

// As SaxDecoder converts numbers: an integer as it is (a negative one
// wrapped, as nlohmann's get<unsigned>() does), a float truncated where 64
// bits hold it; anything else is no number.
template <typename T>
bool Number(element v, T* out) {
  uint64_t n = 0;
  switch (v.type()) {
    case element_type::INT64: {
      int64_t i = 0;
      if (v.get_int64().get(i)) return false;
      n = static_cast<uint64_t>(i);
      break;
    }
    case element_type::UINT64:
      if (v.get_uint64().get(n)) return false;
      break;
    case element_type::DOUBLE: {
      double d = 0;
      if (v.get_double().get(d)) return false;
      if (!std::isfinite(d) || d <= -9.2e18 || d >= 1.8e19) return false;
      n = d >= 0 ? static_cast<uint64_t>(d) : static_cast<uint64_t>(static_cast<int64_t>(d));
      break;
    }
    default: return false;
  }
  *out = static_cast<T>(n);
  return true;
}

bool Time(element v, gojson::Timestamp* out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  auto t = gojson::ParseRfc3339(s);
  if (!t.ok()) return false;
  *out = *t;
  return true;
}

bool Base64(element v, std::string* out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  auto bytes = Base64Decode(s);
  if (!bytes) return false;
  out->assign(AsChars(*bytes));
  return true;
}

bool Xattr(simdjson::dom::object attr, ExtendedAttribute* x) {
  for (auto [key, value] : attr) {
    const element_type t = value.type();
    if (t == element_type::NULL_VALUE || IsContainer(t)) continue;
    if (key == "name" && !String(value, &x->name)) return false;
    if (key == "value" && !Base64(value, &x->value)) return false;
  }
  return true;
}

bool DecodeNode(simdjson::dom::object fields, Node* n) {
  bool raw_link = false;  // linktarget_raw seen: it wins over linktarget
  for (auto [key, value] : fields) {
    const element_type t = value.type();
    if (t == element_type::NULL_VALUE) continue;
    const Field f = FieldOf(key);
    if (IsContainer(t)) {
      switch (f) {
        case Field::kContent: {
          simdjson::dom::array ids;
          if (value.get_array().get(ids)) return false;
          for (element id : ids) {
            if (!ParsedId(id, &n->content.emplace_back())) return false;
          }
          continue;
        }
        case Field::kXattrs: {
          auto attr = [&](simdjson::dom::object f) { return Xattr(f, &n->xattrs.emplace_back()); };
          if (t == element_type::ARRAY && !ForEachObject(value, attr)) return false;
          continue;
        }
        case Field::kGenericAttributes:
        case Field::kSubtree:
        case Field::kMtime:
        case Field::kAtime:
        case Field::kCtime: return false;
        default: continue;
      }
    }
    bool ok = true;
    switch (f) {
      case Field::kName: {
        std::string_view s;
        if (value.get_string().get(s)) return false;
        auto name = gojson::UnquoteInner(s);
        if (!name.ok()) return false;
        n->name = std::move(*name);
        break;
      }
      case Field::kType: ok = String(value, &n->type); break;
      case Field::kMode: ok = Number(value, &n->mode); break;
      case Field::kMtime: ok = Time(value, &n->mtime); break;
      case Field::kAtime: ok = Time(value, &n->atime); break;
      case Field::kCtime: ok = Time(value, &n->ctime); break;
      case Field::kUid: ok = Number(value, &n->uid); break;
      case Field::kGid: ok = Number(value, &n->gid); break;
      case Field::kUser: ok = String(value, &n->user); break;
      case Field::kGroup: ok = String(value, &n->group); break;
      case Field::kInode: ok = Number(value, &n->inode); break;
      case Field::kDeviceId: ok = Number(value, &n->device_id); break;
      case Field::kSize: ok = Number(value, &n->size); break;
      case Field::kLinks: ok = Number(value, &n->links); break;
      case Field::kDevice: ok = Number(value, &n->device); break;
      case Field::kError: ok = String(value, &n->error); break;
      case Field::kLinktarget: ok = raw_link ? t == element_type::STRING : String(value, &n->linktarget); break;
      case Field::kLinktargetRaw:
        if (t != element_type::STRING) break;  // only a string carries the raw bytes
        ok = Base64(value, &n->linktarget);
        raw_link = true;
        break;
      case Field::kSubtree: ok = ParsedId(value, &n->subtree.emplace()); break;
      case Field::kGenericAttributes: return false;
      default: break;  // content or extended_attributes that are no arrays, or unknown fields
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool DecodeTreeFast(std::string_view json, std::vector<Node>* out) {
  if (json.size() > kFastMaxBytes) return false;
  thread_local simdjson::dom::parser kept;
  std::optional<simdjson::dom::parser> own;
  simdjson::dom::parser& parser = json.size() <= kKeptMaxBytes ? kept : own.emplace();
  simdjson::dom::object root;
  if (parser.parse(json.data(), json.size()).get_object().get(root)) return false;
  for (auto [key, value] : root) {
    if (key != "nodes") continue;  // other fields are ignored, whatever they hold
    const element_type t = value.type();
    if (t == element_type::NULL_VALUE) continue;
    auto node = [&](simdjson::dom::object f) { return DecodeNode(f, &out->emplace_back()); };
    if (!ForEachObject(value, node)) return false;
  }
  return true;
}

}  // namespace hort
