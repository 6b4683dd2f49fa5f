// The fast index decoder: simdjson's DOM parser validates the whole file and
// the walk below reads what restic writes. An index file holds up to 50,000
// blobs (7.8 MB of JSON), and every command that needs the index waits for
// the largest file's decoding before it starts: nlohmann's lexer took about
// 0.1 s of it (2026-12-05).
//
// It mirrors the reference decoder (index_decode.cc) on success: unknown
// fields are ignored, objects or arrays where a scalar belongs are skipped,
// repeated keys behave the same (the last scalar wins, a field counts as
// present once seen, repeated "packs" and "blobs" arrays append). Wherever
// the reference would fail it declines, so every error message comes from
// one place. The parser is one per call, and only files up to
// kFastMaxBytes take this path.
#include <simdjson.h>

#include <cstdint>
#include <string_view>

#include "format/index_decode.h"
#include "format/simdjson_fields.h"

namespace hort {
namespace {

// A DOM costs about 1.5 times its file on top of it while it decodes: for a
// full index file (50,000 blobs, 7.8 MB) 12 MiB more peak in every command
// that loads it, which took the incremental backup on RGW above its memory
// bar (0.82-0.84 of restic's). Larger files go to the reference decoder,
// whose memory is the decoded entries alone.
constexpr size_t kFastMaxBytes = 1u << 20;

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson_fields::ForEachObject;
using simdjson_fields::IsContainer;
using simdjson_fields::ParsedId;

// A non-negative integer that fits 32 bits, as the reference demands
// (whole_unsigned: never a float, never negative).
bool Offset(element v, uint32_t* out) {
  uint64_t n = 0;
  if (v.type() == element_type::INT64) {
    int64_t i = 0;
    if (v.get_int64().get(i) || i < 0) return false;
    n = static_cast<uint64_t>(i);
  } else if (v.type() != element_type::UINT64 || v.get_uint64().get(n)) {
    return false;
  }
  if (n > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(n);
  return true;
}

bool DecodeBlob(simdjson::dom::object fields, IndexBlob* b) {
  constexpr unsigned kId = 1, kType = 2, kOffset = 4, kLength = 8;
  unsigned have = 0;
  for (auto [key, value] : fields) {
    if (IsContainer(value.type())) continue;
    if (key == "id") {
      if (!ParsedId(value, &b->id)) return false;
      have |= kId;
    } else if (key == "type") {
      std::string_view type;
      if (value.get_string().get(type)) return false;
      if (type == "data") b->type = BlobType::kData;
      else if (type == "tree") b->type = BlobType::kTree;
      else return false;
      have |= kType;
    } else if (key == "offset") {
      if (!Offset(value, &b->offset)) return false;
      have |= kOffset;
    } else if (key == "length") {
      if (!Offset(value, &b->length)) return false;
      have |= kLength;
    } else if (key == "uncompressed_length") {
      if (value.type() != element_type::NULL_VALUE && !Offset(value, &b->uncompressed_length)) return false;
    }
  }
  return have == (kId | kType | kOffset | kLength);
}

bool DecodePack(simdjson::dom::object fields, IndexPack* pack) {
  bool id = false, blobs = false;
  for (auto [key, value] : fields) {
    const element_type t = value.type();
    if (key == "id") {
      if (IsContainer(t)) continue;
      if (!ParsedId(value, &pack->id)) return false;
      id = true;
    } else if (key == "blobs") {
      if (t == element_type::NULL_VALUE) {
        blobs = true;  // as restic writes a pack without blobs
        continue;
      }
      blobs = true;
      auto blob = [&](simdjson::dom::object f) { return DecodeBlob(f, &pack->blobs.emplace_back()); };
      if (!ForEachObject(value, blob)) return false;
    }
  }
  return id && blobs;
}

}  // namespace

bool DecodeIndexFast(std::string_view json, IndexFile* out) {
  if (json.size() > kFastMaxBytes) return false;
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(json.data(), json.size()).get_object().get(root)) return false;
  bool packs_seen = false;
  for (auto [key, value] : root) {
    const element_type t = value.type();
    if (key == "supersedes") {
      if (t != element_type::ARRAY) continue;  // anything else is ignored
      simdjson::dom::array ids;
      if (value.get_array().get(ids)) return false;
      for (element id : ids) {
        if (!ParsedId(id, &out->supersedes.emplace_back())) return false;
      }
    } else if (key == "packs") {
      if (t == element_type::NULL_VALUE) {
        packs_seen = true;  // an index of no packs, as Go writes an empty list
        continue;
      }
      packs_seen = true;
      auto pack = [&](simdjson::dom::object f) { return DecodePack(f, &out->packs.emplace_back()); };
      if (!ForEachObject(value, pack)) return false;
    }
  }
  return packs_seen;
}

}  // namespace hort
