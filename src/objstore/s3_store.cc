#include "objstore/s3_store.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "net/xml_values.h"
#include "objstore/s3_client.h"
#include "objstore/s3_upload.h"

namespace hort {
namespace {

std::span<const uint8_t> BytesOf(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// S3's dates: ISO 8601 in listings ("2026-12-05T02:20:59.000Z"), RFC 1123
// in headers ("Sat, 05 Dec 2026 02:20:59 GMT"). nullopt if neither.
std::optional<int64_t> ParseS3Time(const std::string& text) {
  struct tm tm {};
  if (::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr &&
      ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) == nullptr) {
    return std::nullopt;
  }
  return static_cast<int64_t>(::timegm(&tm));
}

// The markers a paged listing was handed. A page that says the listing goes
// on but names no next page, or names one handed out before (a cycle of any
// length), ends the listing with an error: a listing cut short must not pass
// for a whole one (prune reads snapshots and indexes this way), and a cycle
// would be listed for ever, every key reported again.
class PageMarkers {
 public:
  explicit PageMarkers(std::string what) : what_(std::move(what)) {}
  // `marker` names the next page; `more` completes it (an upload ID).
  [[nodiscard]] Status Accept(const std::string& marker, const std::string& more = "") {
    if (marker.empty()) return Status(Code::kIo, what_ + ": the server says the listing goes on but names no next page");
    if (!seen_.insert(marker + '\0' + more).second) {
      return Status(Code::kIo, what_ + ": the server repeated a page of its listing");
    }
    return Status::Ok();
  }

 private:
  std::string what_;
  std::set<std::string> seen_;
};

// A multipart upload a killed writer left is named as a staged file by its
// key and its upload ID.
constexpr const char* kUploadIdMark = "?uploadId=";

class S3Store final : public ObjectStore {
 public:
  explicit S3Store(S3Config cfg)
      : client_(std::move(cfg)),
        parts_(static_cast<uint64_t>(std::max(client_.config().connections, 3)), client_.config().part_size) {}

  std::string Location() const override {
    const S3Config& c = client_.config();
    return "s3:" + c.endpoint + "/" + c.bucket + (c.prefix.empty() ? "" : "/" + c.prefix);
  }
  int Connections() const override { return client_.config().connections; }

  // Creates the bucket if it is missing; S3 has no folders.
  Status Create(std::span<const std::string> /*folders*/) override {
    const S3Config& c = client_.config();
    HORT_ASSIGN_OR_RETURN(auto head, client_.Send("HEAD", "", {}, {}, {}, /*bucket_only=*/true));
    if (head.status == 404) {
      std::string body;
      if (c.region != "us-east-1") {
        body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
               c.region + "</LocationConstraint></CreateBucketConfiguration>";
      }
      HORT_ASSIGN_OR_RETURN(auto put, client_.Send("PUT", "", {}, BytesOf(body), {}, true));
      if (put.status / 100 != 2 && put.status != 409) return S3Error("create bucket " + c.bucket, put);
    } else if (head.status / 100 != 2) {
      return S3Error("bucket " + c.bucket, head);
    }
    return Status::Ok();
  }

  Status Save(const std::string& key, std::span<const uint8_t> data) override {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    const std::string full = client_.FullKey(key);
    HORT_ASSIGN_OR_RETURN(auto r, client_.Send("PUT", full, {}, data, {"Content-Type: application/octet-stream"}));
    if (r.status / 100 != 2) return S3Error("save " + full, r);
    return Status::Ok();
  }

  std::unique_ptr<ObjectUpload> BeginUpload(const std::string& /*folder*/) override {
    return std::make_unique<S3Upload>(&client_, &parts_);
  }

  Status Remove(const std::string& key) override {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    const std::string full = client_.FullKey(key);
    HORT_ASSIGN_OR_RETURN(auto r, client_.Send("DELETE", full, {}, {}, {}));
    if (r.status == 404) return Status(Code::kNotFound, full + " not found");
    if (r.status / 100 != 2) return S3Error("remove " + full, r);
    return Status::Ok();
  }

  Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset, uint64_t length) override {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    const std::string full = client_.FullKey(key);
    HORT_ASSIGN_OR_RETURN(auto r, client_.Send("GET", full, {}, {}, RangeHeader(offset, length)));
    if (r.status == 404) return Status(Code::kNotFound, full + " not found");
    if (r.status == 416) return Status(Code::kCorruption, full + ": requested range beyond the object's end");
    if (r.status / 100 != 2) return S3Error("load " + full, r);
    if (length > 0 && r.body.size() != length) return ShortRead(full, r, offset, length);
    return std::move(r.body);
  }

  Result<uint64_t> Stat(const std::string& key) override {
    HORT_ASSIGN_OR_RETURN(auto header, HeadHeader(key, "content-length"));
    std::optional<uint64_t> length = ParseContentLength(header);
    if (!length) return Status(Code::kIo, "stat " + key + ": invalid Content-Length \"" + header.substr(0, 40) + "\"");
    return *length;
  }

  // Last-Modified of a HEAD.
  Result<int64_t> ModifiedTime(const std::string& key) override {
    HORT_ASSIGN_OR_RETURN(auto header, HeadHeader(key, "last-modified"));
    auto t = ParseS3Time(header);
    if (!t) return Status(Code::kIo, "stat " + client_.FullKey(key) + ": unreadable Last-Modified " + header);
    return *t;
  }

  Status List(const std::string& prefix, const ListFn& fn) override {
    HORT_RETURN_IF_ERROR(ValidatePrefix(prefix));
    return ListObjects(prefix, [&](const std::string& key, uint64_t size, const std::string&) { fn(key, size); });
  }

  // What streamed uploads left when their writer was killed: staged objects
  // never copied to their key, and multipart uploads never completed (they
  // are not listed as objects, yet the bucket keeps and bills their parts).
  Status ListStaged(const StagedFn& fn) override {
    // An unreadable date counts as now: prune then leaves the file alone.
    const auto now = static_cast<int64_t>(std::time(nullptr));
    HORT_RETURN_IF_ERROR(ListObjects(kS3StagingFolder, [&](const std::string& key, uint64_t size, const std::string& when) {
      fn(StagedFile{key, size, ParseS3Time(when).value_or(now)});
    }));
    return ListUploads([&](const std::string& key, const std::string& id, const std::string& when) {
      fn(StagedFile{key + kUploadIdMark + id, 0, ParseS3Time(when).value_or(now)});
    });
  }

  Status RemoveStaged(const std::string& name) override {
    if (name.rfind(kS3StagingFolder, 0) != 0) {
      return Status(Code::kInvalidArgument, name + " is not a staged file of " + Location());
    }
    auto mark = name.find(kUploadIdMark);
    const std::string key = name.substr(0, mark);
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    std::map<std::string, std::string> query;
    if (mark != std::string::npos) query["uploadId"] = name.substr(mark + std::string(kUploadIdMark).size());
    HORT_ASSIGN_OR_RETURN(auto r, client_.Send("DELETE", client_.FullKey(key), query, {}, {}));
    if (r.status / 100 != 2 && r.status != 404) return S3Error("remove " + name, r);
    return Status::Ok();
  }

 private:
  using ListedFn = std::function<void(const std::string& key, uint64_t size, const std::string& modified)>;

  // ListObjectsV2 without a delimiter: every key below the prefix, page by
  // page, relative to the store's prefix.
  Status ListObjects(const std::string& prefix, const ListedFn& fn) {
    const std::string full = client_.FullKey(prefix);
    const size_t base = client_.base().size();
    std::string token;
    PageMarkers markers("list " + full);
    for (;;) {
      std::map<std::string, std::string> q = {
          {"list-type", "2"}, {"prefix", full}, {"max-keys", std::to_string(client_.config().list_page)}};
      if (!token.empty()) q["continuation-token"] = token;
      HORT_ASSIGN_OR_RETURN(auto r, client_.Send("GET", "", q, {}, {}, true));
      if (r.status == 404) return Status(Code::kNotFound, "bucket " + client_.config().bucket + " not found");
      if (r.status / 100 != 2) return S3Error("list " + full, r);
      std::string xml(r.body.begin(), r.body.end());
      auto keys = XmlValues(xml, "Key");
      auto sizes = XmlValues(xml, "Size");
      auto times = XmlValues(xml, "LastModified");
      for (size_t i = 0; i < keys.size() && i < sizes.size(); ++i) {
        // Keys that end in '/' are folder markers other tools leave behind.
        if (keys[i].size() <= base || keys[i].back() == '/') continue;
        std::optional<uint64_t> size = ParseContentLength(sizes[i]);
        if (!size) return Status(Code::kIo, "list " + full + ": invalid size \"" + sizes[i].substr(0, 40) + "\"");
        fn(keys[i].substr(base), *size, i < times.size() ? times[i] : "");
      }
      auto truncated = XmlValues(xml, "IsTruncated");
      auto next = XmlValues(xml, "NextContinuationToken");
      if (truncated.empty() || truncated[0] != "true") break;
      HORT_RETURN_IF_ERROR(markers.Accept(next.empty() ? "" : next[0]));
      token = next[0];
    }
    return Status::Ok();
  }

  // ListMultipartUploads below the staging folder, page by page (a bucket
  // keeps and bills the parts of every upload never completed, so prune
  // must see them all).
  Status ListUploads(const std::function<void(const std::string&, const std::string&, const std::string&)>& fn) {
    const std::string full = client_.FullKey(kS3StagingFolder);
    std::string key_marker, id_marker;
    PageMarkers markers("list uploads " + full);
    for (;;) {
      std::map<std::string, std::string> q = {
          {"uploads", ""}, {"prefix", full}, {"max-uploads", std::to_string(client_.config().list_page)}};
      if (!key_marker.empty()) {
        q["key-marker"] = key_marker;
        q["upload-id-marker"] = id_marker;
      }
      HORT_ASSIGN_OR_RETURN(auto r, client_.Send("GET", "", q, {}, {}, true));
      if (r.status / 100 != 2) return S3Error("list uploads " + full, r);
      std::string xml(r.body.begin(), r.body.end());
      for (const std::string& upload : XmlValues(xml, "Upload", /*unescape=*/false)) {
        auto key = XmlValues(upload, "Key"), id = XmlValues(upload, "UploadId"), when = XmlValues(upload, "Initiated");
        if (key.empty() || id.empty() || key[0].size() <= client_.base().size()) continue;
        fn(key[0].substr(client_.base().size()), id[0], when.empty() ? "" : when[0]);
      }
      auto truncated = XmlValues(xml, "IsTruncated");
      auto next_key = XmlValues(xml, "NextKeyMarker"), next_id = XmlValues(xml, "NextUploadIdMarker");
      if (truncated.empty() || truncated[0] != "true") break;
      const std::string next_id_marker = next_id.empty() ? "" : next_id[0];
      HORT_RETURN_IF_ERROR(markers.Accept(next_key.empty() ? "" : next_key[0], next_id_marker));
      key_marker = next_key[0];
      id_marker = next_id_marker;
    }
    return Status::Ok();
  }

  // One header of a HEAD request (lower-case name).
  Result<std::string> HeadHeader(const std::string& key, const std::string& name) {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    const std::string full = client_.FullKey(key);
    HORT_ASSIGN_OR_RETURN(auto r, client_.Send("HEAD", full, {}, {}, {}));
    if (r.status == 404) return Status(Code::kNotFound, full + " not found");
    if (r.status / 100 != 2) return S3Error("stat " + full, r);
    auto it = r.headers.find(name);
    if (it == r.headers.end()) return Status(Code::kIo, "stat " + full + ": no " + name + " header");
    return it->second;
  }

  S3Client client_;
  UploadParts parts_;  // the part buffers of all streamed uploads at once
};

}  // namespace

std::unique_ptr<ObjectStore> NewS3Store(S3Config config) { return std::make_unique<S3Store>(std::move(config)); }

}  // namespace hort
