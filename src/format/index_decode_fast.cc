// The fast index decoder: one pass over the text for the shape restic and
// hort write, building nothing but the entries. An index file holds up to
// 50,000 blobs (7.8 MB of JSON), and every command that needs the index waits
// for the largest file's decoding before it starts: nlohmann's lexer took
// about 0.1 s of it (2026-12-05), and a DOM (simdjson's, kept for files up to
// 1 MiB until then) costs 1.5 times the file in memory while it decodes.
//
// It reads only this shape, with any JSON whitespace and any order of keys:
//   {"supersedes":[ID...], "packs":[PACK...] | null}
//   PACK = {"id":ID, "blobs":[BLOB...] | null}
//   BLOB = {"id":ID, "type":"data"|"tree", "offset":N, "length":N,
//           "uncompressed_length":N | null}
// where N is a plain unsigned 32-bit integer. Anything else (an unknown or
// repeated key, an escape in a string, a sign, fraction or exponent) makes it
// decline, and the reference decoder (index_decode.cc) decides, so every
// error message comes from one place. Whatever this accepts is valid JSON that
// the reference decodes the same: format_test and fuzz/index compare them.
#include <cstdint>
#include <string_view>

#include "format/index_decode.h"

namespace hort {
namespace {

class IndexScanner {
 public:
  explicit IndexScanner(std::string_view json) : p_(json.data()), end_(json.data() + json.size()) {}

  bool File(IndexFile* out) {
    bool packs_seen = false;
    bool ok = Members([&](std::string_view key, unsigned* seen) {
      if (key == "supersedes") {
        return Once(seen, 1) && Elements([&] { return IdValue(&out->supersedes.emplace_back()); });
      }
      if (key == "packs") {
        packs_seen = true;
        return Once(seen, 2) && (Null() || Elements([&] { return Pack(&out->packs.emplace_back()); }));
      }
      return false;
    });
    SkipSpace();
    return ok && packs_seen && p_ == end_;
  }

 private:
  bool Pack(IndexPack* pack) {
    unsigned seen = 0;
    bool ok = Members([&](std::string_view key, unsigned* s) {
      if (key == "id") return Once(s, 1) && IdValue(&pack->id);
      if (key == "blobs") {
        return Once(s, 2) && (Null() || Elements([&] { return Blob(&pack->blobs.emplace_back()); }));
      }
      return false;
    }, &seen);
    return ok && seen == 3;
  }

  bool Blob(IndexBlob* b) {
    unsigned seen = 0;
    bool ok = Members([&](std::string_view key, unsigned* s) {
      if (key == "id") return Once(s, 1) && IdValue(&b->id);
      if (key == "type") {
        std::string_view type;
        if (!Once(s, 2) || !String(&type)) return false;
        if (type == "data") b->type = BlobType::kData;
        else if (type == "tree") b->type = BlobType::kTree;
        else return false;
        return true;
      }
      if (key == "offset") return Once(s, 4) && Number(&b->offset);
      if (key == "length") return Once(s, 8) && Number(&b->length);
      if (key == "uncompressed_length") return Once(s, 16) && (Null() || Number(&b->uncompressed_length));
      return false;
    }, &seen);
    return ok && (seen & 15) == 15;
  }

  static bool Once(unsigned* seen, unsigned bit) {
    if (*seen & bit) return false;
    *seen |= bit;
    return true;
  }

  // { } or { "key": value, ... }; `member` reads the value of each key.
  template <typename Member>
  bool Members(Member&& member, unsigned* seen = nullptr) {
    unsigned local = 0;
    if (!seen) seen = &local;
    if (!Take('{')) return false;
    if (Take('}')) return true;
    do {
      std::string_view key;
      if (!String(&key) || !Take(':') || !member(key, seen)) return false;
    } while (Take(','));
    return Take('}');
  }

  // [ ] or [ element, ... ].
  template <typename Element>
  bool Elements(Element&& element) {
    if (!Take('[')) return false;
    if (Take(']')) return true;
    do {
      if (!element()) return false;
    } while (Take(','));
    return Take(']');
  }

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Take(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  bool Null() {
    SkipSpace();
    if (end_ - p_ < 4 || std::string_view(p_, 4) != "null") return false;
    p_ += 4;
    return true;
  }

  // A string without escapes or control characters (a key, an ID, a type).
  bool String(std::string_view* out) {
    if (!Take('"')) return false;
    const char* start = p_;
    while (p_ < end_ && *p_ != '"') {
      if (*p_ == '\\' || static_cast<unsigned char>(*p_) < 0x20) return false;
      ++p_;
    }
    if (p_ == end_) return false;
    *out = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;
    return true;
  }

  bool IdValue(Id* out) {
    std::string_view hex;
    if (!String(&hex)) return false;
    auto id = Id::Parse(hex);
    if (!id) return false;
    *out = *id;
    return true;
  }

  // Digits only, no leading zero, at most UINT32_MAX, not followed by a
  // fraction or an exponent.
  bool Number(uint32_t* out) {
    SkipSpace();
    const char* start = p_;
    uint64_t n = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      n = n * 10 + static_cast<uint64_t>(*p_ - '0');
      if (n > UINT32_MAX) return false;
      ++p_;
    }
    const size_t digits = static_cast<size_t>(p_ - start);
    if (digits == 0 || (digits > 1 && *start == '0')) return false;
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    *out = static_cast<uint32_t>(n);
    return true;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

bool DecodeIndexFast(std::string_view json, IndexFile* out) { return IndexScanner(json).File(out); }

}  // namespace hort
