// The reference index decoder reads an index file through nlohmann's SAX
// interface: a repository's index holds an entry per blob (tens of thousands
// per GiB), and building nlohmann's DOM first (a std::map per blob) cost
// three times the decoding itself on every command's start. DecodeIndex
// tries the fast decoder (index_decode_fast.cc) first.
#include <cstdint>
#include <string>

#include "format/index_decode.h"
#include "format/repo_files.h"
#include "format/sax_decoder.h"

namespace hort {
namespace {

class IndexDecoder final : public SaxDecoder {
 public:
  explicit IndexDecoder(IndexFile* out) : SaxDecoder("index"), out_(out) {}

 private:
  enum Ctx : uint8_t { kTop = kOutside, kRoot, kSupersedes, kPacks, kPack, kBlobs, kBlob };
  static constexpr unsigned kId = 1, kType = 2, kOffset = 4, kLength = 8, kBlobsSeen = 16;

  bool OpenObject() override {
    switch (Top()) {
      case kTop: return Enter(kRoot);
      case kPacks:
        out_->packs.emplace_back();
        pack_have_ = 0;
        return Enter(kPack);
      case kBlobs:
        out_->packs.back().blobs.emplace_back();
        blob_have_ = 0;
        return Enter(kBlob);
      case kRoot: return field() == "packs" ? Fail("no packs") : Skip();
      case kPack: return field() == "blobs" ? Fail("blobs is not an array") : Skip();
      case kBlob: return Skip();
      default: return Fail("supersedes holds a non-string");
    }
  }

  bool OpenArray() override {
    switch (Top()) {
      case kRoot:
        if (field() == "supersedes") return Enter(kSupersedes);
        if (field() == "packs") {
          packs_seen_ = true;
          return Enter(kPacks);
        }
        return Skip();
      case kPack:
        if (field() != "blobs") return Skip();
        pack_have_ |= kBlobsSeen;
        return Enter(kBlobs);
      case kBlob: return Skip();
      default: return Fail("unexpected array");
    }
  }

  bool Closed(uint8_t context) override {
    if (context == kRoot && !packs_seen_) return Fail("no packs");
    if (context == kPack && pack_have_ != (kId | kBlobsSeen)) return Fail("pack without id or blobs");
    if (context == kBlob && blob_have_ != (kId | kType | kOffset | kLength)) {
      return Fail("blob without id, type, offset or length");
    }
    return true;
  }

  bool Scalar(Kind kind) override {
    switch (Top()) {
      case kSupersedes: {
        if (kind != Kind::kString) return Fail("supersedes holds a non-string");
        auto id = TextAsId();
        if (!id) return false;
        out_->supersedes.push_back(*id);
        return true;
      }
      case kPacks:
      case kBlobs: return Fail("array element is not an object");
      case kRoot:
        if (field() != "packs") return true;
        if (kind != Kind::kNull) return Fail("no packs");
        packs_seen_ = true;  // null: an index of no packs, as Go writes an empty list
        return true;
      case kPack: return PackField(kind);
      case kBlob: return BlobField(kind);
      default: return Fail("not an object");
    }
  }

  bool PackField(Kind kind) {
    if (field() == "id") {
      if (kind != Kind::kString) return Fail("pack id is not a string");
      auto id = TextAsId();
      if (!id) return false;
      out_->packs.back().id = *id;
      pack_have_ |= kId;
    } else if (field() == "blobs" && kind == Kind::kNull) {
      pack_have_ |= kBlobsSeen;  // as restic writes a pack without blobs
    } else if (field() == "blobs") {
      return Fail("blobs is not an array");
    }
    return true;
  }

  bool BlobField(Kind kind) {
    IndexBlob& b = out_->packs.back().blobs.back();
    const std::string& f = field();
    if (f == "id") {
      if (kind != Kind::kString) return Fail("blob id is not a string");
      auto id = TextAsId();
      if (!id) return false;
      b.id = *id;
      blob_have_ |= kId;
    } else if (f == "type") {
      if (kind != Kind::kString) return Fail("blob type is not a string");
      if (text() == "data") b.type = BlobType::kData;
      else if (text() == "tree") b.type = BlobType::kTree;
      else return Fail("unknown blob type " + text());
      blob_have_ |= kType;
    } else if (f == "offset" || f == "length" || f == "uncompressed_length") {
      if (f == "uncompressed_length" && kind == Kind::kNull) return true;
      if (kind != Kind::kNumber || !whole_unsigned() || number() > UINT32_MAX) {
        return Fail(f + " is not a 32-bit unsigned number");
      }
      uint32_t n = static_cast<uint32_t>(number());
      if (f == "offset") b.offset = n, blob_have_ |= kOffset;
      else if (f == "length") b.length = n, blob_have_ |= kLength;
      else b.uncompressed_length = n;
    }
    return true;
  }

  IndexFile* out_;
  unsigned pack_have_ = 0;  // fields seen in the current pack
  unsigned blob_have_ = 0;  // fields seen in the current blob
  bool packs_seen_ = false;
};

}  // namespace

Result<IndexFile> DecodeIndexReference(std::string_view text) {
  IndexFile idx;
  IndexDecoder decoder(&idx);
  HORT_RETURN_IF_ERROR(decoder.Parse(text));
  return idx;
}

Result<IndexFile> DecodeIndex(std::string_view text) {
  IndexFile idx;
  if (DecodeIndexFast(text, &idx)) return idx;
  return DecodeIndexReference(text);
}

}  // namespace hort
