#include "objstore/s3_store.h"

#include <cstring>
#include <ctime>
#include <map>

#include "crypto/crypto.h"
#include "objstore/sigv4.h"
#include "util/hex.h"

namespace hort {
namespace {

std::string AmzDate() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string XmlUnescape(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : kEntities) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += std::strlen(to)) {
      s.replace(pos, std::strlen(from), to);
    }
  }
  return s;
}

// Values of every <tag>...</tag> inside `xml`, in order.
std::vector<std::string> XmlValues(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  std::string open = "<" + tag + ">", close = "</" + tag + ">";
  for (size_t pos = 0;;) {
    size_t a = xml.find(open, pos);
    if (a == std::string::npos) break;
    size_t b = xml.find(close, a);
    if (b == std::string::npos) break;
    out.push_back(XmlUnescape(xml.substr(a + open.size(), b - a - open.size())));
    pos = b + close.size();
  }
  return out;
}

// HttpStatusError plus S3's most common misconfiguration: the region.
Status S3Error(const std::string& what, const HttpResponse& r) {
  Status s = HttpStatusError(what, r);
  std::string body(r.body.begin(), r.body.end());
  if (r.status == 301 || (r.status == 400 && (body.empty() || body.find("Region") != std::string::npos ||
                                              body.find("AuthorizationHeaderMalformed") != std::string::npos))) {
    return Status(Code::kInvalidArgument, s.message() + ": request rejected, wrong region? (set -o s3.region=... or AWS_DEFAULT_REGION)");
  }
  return s;
}

std::span<const uint8_t> BytesOf(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

class S3Store final : public ObjectStore {
 public:
  explicit S3Store(S3Config cfg) : cfg_(std::move(cfg)), http_(cfg_.http) {
    auto scheme_end = cfg_.endpoint.find("://");
    scheme_ = cfg_.endpoint.substr(0, scheme_end);
    host_ = cfg_.endpoint.substr(scheme_end + 3);
    while (!host_.empty() && host_.back() == '/') host_.pop_back();
    while (!cfg_.prefix.empty() && cfg_.prefix.back() == '/') cfg_.prefix.pop_back();
    if (!cfg_.prefix.empty()) base_ = cfg_.prefix + "/";
  }

  std::string Location() const override {
    return "s3:" + cfg_.endpoint + "/" + cfg_.bucket + (cfg_.prefix.empty() ? "" : "/" + cfg_.prefix);
  }
  int Connections() const override { return cfg_.connections; }

  // Creates the bucket if it is missing; S3 has no folders.
  Status Create(std::span<const std::string> /*folders*/) override {
    HORT_ASSIGN_OR_RETURN(auto head, Send("HEAD", "", {}, {}, {}, /*bucket_only=*/true));
    if (head.status == 404) {
      std::string body;
      if (cfg_.region != "us-east-1") {
        body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
               cfg_.region + "</LocationConstraint></CreateBucketConfiguration>";
      }
      HORT_ASSIGN_OR_RETURN(auto put, Send("PUT", "", {}, BytesOf(body), {}, true));
      if (put.status / 100 != 2 && put.status != 409) return S3Error("create bucket " + cfg_.bucket, put);
    } else if (head.status / 100 != 2) {
      return S3Error("bucket " + cfg_.bucket, head);
    }
    return Status::Ok();
  }

  Status Save(const std::string& key, std::span<const uint8_t> data) override {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    HORT_ASSIGN_OR_RETURN(auto r, Send("PUT", base_ + key, {}, data, {"Content-Type: application/octet-stream"}));
    if (r.status / 100 != 2) return S3Error("save " + base_ + key, r);
    return Status::Ok();
  }

  Status Remove(const std::string& key) override {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    HORT_ASSIGN_OR_RETURN(auto r, Send("DELETE", base_ + key, {}, {}, {}));
    if (r.status == 404) return Status(Code::kNotFound, base_ + key + " not found");
    if (r.status / 100 != 2) return S3Error("remove " + base_ + key, r);
    return Status::Ok();
  }

  Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset, uint64_t length) override {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    const std::string full = base_ + key;
    HORT_ASSIGN_OR_RETURN(auto r, Send("GET", full, {}, {}, RangeHeader(offset, length)));
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

  // Last-Modified of a HEAD, an RFC 1123 date ("Tue, 03 Dec 2026 10:00:00 GMT").
  Result<int64_t> ModifiedTime(const std::string& key) override {
    HORT_ASSIGN_OR_RETURN(auto header, HeadHeader(key, "last-modified"));
    struct tm tm {};
    if (::strptime(header.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) == nullptr) {
      return Status(Code::kIo, "stat " + base_ + key + ": unreadable Last-Modified " + header);
    }
    return static_cast<int64_t>(::timegm(&tm));
  }

  // ListObjectsV2 without a delimiter: every key below the prefix, page by page.
  Status List(const std::string& prefix, const ListFn& fn) override {
    HORT_RETURN_IF_ERROR(ValidatePrefix(prefix));
    const std::string full = base_ + prefix;
    std::string token;
    for (;;) {
      std::map<std::string, std::string> q = {{"list-type", "2"}, {"prefix", full}, {"max-keys", "1000"}};
      if (!token.empty()) q["continuation-token"] = token;
      HORT_ASSIGN_OR_RETURN(auto r, Send("GET", "", q, {}, {}, true));
      if (r.status == 404) return Status(Code::kNotFound, "bucket " + cfg_.bucket + " not found");
      if (r.status / 100 != 2) return S3Error("list " + full, r);
      std::string xml(r.body.begin(), r.body.end());
      auto keys = XmlValues(xml, "Key");
      auto sizes = XmlValues(xml, "Size");
      for (size_t i = 0; i < keys.size() && i < sizes.size(); ++i) {
        // Keys that end in '/' are folder markers other tools leave behind.
        if (keys[i].size() <= base_.size() || keys[i].back() == '/') continue;
        fn(keys[i].substr(base_.size()), std::stoull(sizes[i]));
      }
      auto truncated = XmlValues(xml, "IsTruncated");
      auto next = XmlValues(xml, "NextContinuationToken");
      if (truncated.empty() || truncated[0] != "true" || next.empty()) break;
      token = next[0];
    }
    return Status::Ok();
  }

 private:
  // One header of a HEAD request (lower-case name).
  Result<std::string> HeadHeader(const std::string& key, const std::string& name) {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    const std::string full = base_ + key;
    HORT_ASSIGN_OR_RETURN(auto r, Send("HEAD", full, {}, {}, {}));
    if (r.status == 404) return Status(Code::kNotFound, full + " not found");
    if (r.status / 100 != 2) return S3Error("stat " + full, r);
    auto it = r.headers.find(name);
    if (it == r.headers.end()) return Status(Code::kIo, "stat " + full + ": no " + name + " header");
    return it->second;
  }

  Result<HttpResponse> Send(const std::string& method, const std::string& key,
                            const std::map<std::string, std::string>& query, std::span<const uint8_t> body,
                            std::vector<std::string> headers, bool bucket_only = false) {
    sigv4::Request sr;
    sr.method = method;
    std::string path;
    if (cfg_.virtual_host) {
      sr.host = cfg_.bucket + "." + host_;
      path = "/" + sigv4::UriEncode(key, true);
    } else {
      sr.host = host_;
      path = "/" + cfg_.bucket + (bucket_only ? "" : "/" + sigv4::UriEncode(key, true));
    }
    sr.path = path;
    sr.query = query;
    sr.payload_hash = HexEncode(crypto::Sha256(body));  // hashed in place: a pack is not copied
    std::string date = AmzDate();
    HttpRequest req;
    req.method = method;
    req.url = scheme_ + "://" + sr.host + path;
    std::string q = sigv4::CanonicalQuery(query);
    if (!q.empty()) req.url += "?" + q;
    req.body = body;
    req.headers = std::move(headers);
    req.headers.push_back("x-amz-date: " + date);
    req.headers.push_back("x-amz-content-sha256: " + sr.payload_hash);
    if (!cfg_.creds.session_token.empty()) req.headers.push_back("x-amz-security-token: " + cfg_.creds.session_token);
    req.headers.push_back("Authorization: " + sigv4::Authorization(sr, cfg_.creds, cfg_.region, date));
    return http_.Do(req);
  }

  S3Config cfg_;
  HttpClient http_;
  std::string scheme_, host_;
  std::string base_;  // the prefix with its '/', or empty
};

}  // namespace

std::unique_ptr<ObjectStore> NewS3Store(S3Config config) { return std::make_unique<S3Store>(std::move(config)); }

}  // namespace hort
