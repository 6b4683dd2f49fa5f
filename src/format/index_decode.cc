// DecodeIndex reads an index file through nlohmann's SAX interface: a
// repository's index holds an entry per blob (tens of thousands per GiB),
// and building the DOM first (a std::map per blob) cost three times the
// decoding itself on every command's start.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "format/repo_files.h"

namespace hort {
namespace {

using json = nlohmann::json;

class IndexHandler : public nlohmann::json_sax<json> {
 public:
  explicit IndexHandler(IndexFile* out) : out_(out) {}

  [[nodiscard]] const Status& status() const { return status_; }
  [[nodiscard]] bool root_seen() const { return root_seen_; }

  bool null() override { return Scalar(Value::kNull); }
  bool boolean(bool) override { return Scalar(Value::kOther); }
  bool number_integer(number_integer_t v) override {
    if (v < 0) return Scalar(Value::kOther);
    number_ = static_cast<uint64_t>(v);
    return Scalar(Value::kNumber);
  }
  bool number_unsigned(number_unsigned_t v) override {
    number_ = v;
    return Scalar(Value::kNumber);
  }
  bool number_float(number_float_t, const string_t&) override { return Scalar(Value::kOther); }
  bool string(string_t& s) override {
    string_ = &s;
    return Scalar(Value::kString);
  }
  bool binary(binary_t&) override { return Scalar(Value::kOther); }

  bool start_object(std::size_t) override {
    if (skip_ > 0 || !Wanted(Value::kObject)) return ++skip_, true;
    switch (Top()) {
      case Ctx::kTop:
        root_seen_ = true;
        stack_.push_back(Ctx::kRoot);
        break;
      case Ctx::kPacks:
        out_->packs.emplace_back();
        pack_have_ = 0;
        stack_.push_back(Ctx::kPack);
        break;
      case Ctx::kBlobs:
        out_->packs.back().blobs.emplace_back();
        blob_have_ = 0;
        stack_.push_back(Ctx::kBlob);
        break;
      default: return Fail("unexpected object");
    }
    return true;
  }
  bool end_object() override {
    if (skip_ > 0) return --skip_, true;
    Ctx done = Top();
    stack_.pop_back();
    if (done == Ctx::kRoot && !packs_seen_) return Fail("no packs");
    if (done == Ctx::kPack && pack_have_ != (kId | kBlobsSeen)) return Fail("pack without id or blobs");
    if (done == Ctx::kBlob && blob_have_ != (kId | kType | kOffset | kLength)) {
      return Fail("blob without id, type, offset or length");
    }
    return true;
  }
  bool start_array(std::size_t) override {
    if (skip_ > 0 || !Wanted(Value::kArray)) return ++skip_, true;
    Ctx ctx = Top();
    if (ctx == Ctx::kRoot && key_ == "supersedes") {
      stack_.push_back(Ctx::kSupersedes);
    } else if (ctx == Ctx::kRoot && key_ == "packs") {
      packs_seen_ = true;
      stack_.push_back(Ctx::kPacks);
    } else if (ctx == Ctx::kPack && key_ == "blobs") {
      pack_have_ |= kBlobsSeen;
      stack_.push_back(Ctx::kBlobs);
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
  enum class Ctx : uint8_t { kTop, kRoot, kSupersedes, kPacks, kPack, kBlobs, kBlob };
  enum class Value : uint8_t { kNull, kNumber, kString, kOther, kObject, kArray };
  static constexpr unsigned kId = 1, kType = 2, kOffset = 4, kLength = 8, kBlobsSeen = 16;

  Ctx Top() const { return stack_.empty() ? Ctx::kTop : stack_.back(); }

  // Whether an object or array at this place is part of the index (else it
  // is an unknown field's value and skipped whole).
  bool Wanted(Value v) const {
    switch (Top()) {
      case Ctx::kTop: return v == Value::kObject;
      case Ctx::kRoot: return v == Value::kArray && (key_ == "supersedes" || key_ == "packs");
      case Ctx::kPack: return v == Value::kArray && key_ == "blobs";
      case Ctx::kPacks:
      case Ctx::kBlobs: return true;  // elements must be objects; Scalar/start_array reject others
      default: return false;
    }
  }

  bool Scalar(Value v) {
    if (skip_ > 0) return true;
    switch (Top()) {
      case Ctx::kSupersedes: {
        if (v != Value::kString) return Fail("supersedes holds a non-string");
        auto id = ParseId();
        if (!id) return false;
        out_->supersedes.push_back(*id);
        return true;
      }
      case Ctx::kPacks:
      case Ctx::kBlobs: return Fail("array element is not an object");
      case Ctx::kRoot:
        if (key_ != "packs") return true;
        if (v != Value::kNull) return Fail("no packs");
        packs_seen_ = true;  // null: an index of no packs, as Go writes an empty list
        return true;
      case Ctx::kPack: return PackField(v);
      case Ctx::kBlob: return BlobField(v);
      default: return Fail("not an object");
    }
  }

  bool PackField(Value v) {
    if (key_ == "id") {
      if (v != Value::kString) return Fail("pack id is not a string");
      auto id = ParseId();
      if (!id) return false;
      out_->packs.back().id = *id;
      pack_have_ |= kId;
    } else if (key_ == "blobs" && v == Value::kNull) {
      pack_have_ |= kBlobsSeen;  // as restic writes a pack without blobs
    } else if (key_ == "blobs") {
      return Fail("blobs is not an array");
    }
    return true;
  }

  bool BlobField(Value v) {
    IndexBlob& b = out_->packs.back().blobs.back();
    if (key_ == "id") {
      if (v != Value::kString) return Fail("blob id is not a string");
      auto id = ParseId();
      if (!id) return false;
      b.id = *id;
      blob_have_ |= kId;
    } else if (key_ == "type") {
      if (v != Value::kString) return Fail("blob type is not a string");
      if (*string_ == "data") b.type = BlobType::kData;
      else if (*string_ == "tree") b.type = BlobType::kTree;
      else return Fail("unknown blob type " + *string_);
      blob_have_ |= kType;
    } else if (key_ == "offset" || key_ == "length" || key_ == "uncompressed_length") {
      if (key_ == "uncompressed_length" && v == Value::kNull) return true;
      if (v != Value::kNumber || number_ > UINT32_MAX) return Fail(key_ + " is not a 32-bit unsigned number");
      uint32_t n = static_cast<uint32_t>(number_);
      if (key_ == "offset") b.offset = n, blob_have_ |= kOffset;
      else if (key_ == "length") b.length = n, blob_have_ |= kLength;
      else b.uncompressed_length = n;
    }
    return true;
  }

  std::optional<Id> ParseId() {
    auto id = Id::Parse(*string_);
    if (!id) Fail("invalid ID");
    return id;
  }

  bool Fail(const std::string& why) {
    if (status_.ok()) status_ = Status(Code::kCorruption, "index: " + why);
    return false;
  }

  IndexFile* out_;
  Status status_;
  std::vector<Ctx> stack_;
  std::string key_;
  const std::string* string_ = nullptr;
  uint64_t number_ = 0;
  unsigned pack_have_ = 0;  // fields seen in the current pack
  unsigned blob_have_ = 0;  // fields seen in the current blob
  bool root_seen_ = false;
  bool packs_seen_ = false;
  int skip_ = 0;  // depth inside a value nobody asked for
};

}  // namespace

Result<IndexFile> DecodeIndex(std::string_view text) {
  IndexFile idx;
  IndexHandler handler(&idx);
  bool ok = json::sax_parse(text.begin(), text.end(), &handler);
  if (!handler.status().ok()) return handler.status();
  if (!ok || !handler.root_seen()) return Status(Code::kCorruption, "index: not a JSON object");
  return idx;
}

}  // namespace hort
