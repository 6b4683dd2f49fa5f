// S3 backend: restic's object layout in a bucket (with optional prefix),
// SigV4-signed requests over pooled libcurl connections, path-style by default.
#include <cstring>
#include <ctime>
#include <map>

#include "backend/backend.h"
#include "net/http_client.h"
#include "backend/sigv4.h"

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

class S3Backend final : public Backend {
 public:
  S3Backend(S3Config cfg) : cfg_(std::move(cfg)), http_(cfg_.http) {
    auto scheme_end = cfg_.endpoint.find("://");
    scheme_ = cfg_.endpoint.substr(0, scheme_end);
    host_ = cfg_.endpoint.substr(scheme_end + 3);
    while (!host_.empty() && host_.back() == '/') host_.pop_back();
  }

  std::string Location() const override {
    return "s3:" + cfg_.endpoint + "/" + cfg_.bucket + (cfg_.prefix.empty() ? "" : "/" + cfg_.prefix);
  }
  int Connections() const override { return cfg_.connections; }

  Status Create() override {
    auto head = Send("HEAD", "", {}, {}, {}, /*bucket_only=*/true);
    if (!head.ok()) return head.status();
    if (head->status == 404) {
      std::string body;
      if (cfg_.region != "us-east-1") {
        body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
               cfg_.region + "</LocationConstraint></CreateBucketConfiguration>";
      }
      HORT_ASSIGN_OR_RETURN(auto put, Send("PUT", "", {}, AsBytesOf(body), {}, true));
      if (put.status / 100 != 2 && put.status != 409) return S3Error("create bucket " + cfg_.bucket, put);
    } else if (head->status / 100 != 2) {
      return S3Error("bucket " + cfg_.bucket, *head);
    }
    auto cfg = Stat({FileType::kConfig, ""});
    if (cfg.ok()) return Status(Code::kAlreadyExists, "repository at " + Location() + " already exists (config found)");
    if (cfg.status().code() != Code::kNotFound) return cfg.status();
    return Status::Ok();
  }

  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    HORT_ASSIGN_OR_RETURN(auto r, Send("PUT", Key(h), {}, data, {"Content-Type: application/octet-stream"}));
    if (r.status / 100 != 2) return S3Error("save " + Key(h), r);
    return Status::Ok();
  }

  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    std::vector<std::string> headers = RangeHeader(offset, length);
    HORT_ASSIGN_OR_RETURN(auto r, Send("GET", Key(h), {}, {}, headers));
    if (r.status == 404) return Status(Code::kNotFound, Key(h) + " not found");
    if (r.status == 416) return Status(Code::kCorruption, Key(h) + ": requested range beyond the object's end");
    if (r.status / 100 != 2) return S3Error("load " + Key(h), r);
    if (length > 0 && r.body.size() != length) return ShortRead(Key(h), r, offset, length);
    return std::move(r.body);
  }

  Result<uint64_t> Stat(const Handle& h) override {
    HORT_ASSIGN_OR_RETURN(auto r, Send("HEAD", Key(h), {}, {}, {}));
    if (r.status == 404) return Status(Code::kNotFound, Key(h) + " not found");
    if (r.status / 100 != 2) return S3Error("stat " + Key(h), r);
    auto it = r.headers.find("content-length");
    if (it == r.headers.end()) return Status(Code::kIo, "stat " + Key(h) + ": no Content-Length");
    return std::stoull(it->second);
  }

  Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) override {
    std::string prefix = Dir(type);
    std::string token;
    for (;;) {
      std::map<std::string, std::string> q = {{"list-type", "2"}, {"prefix", prefix}, {"max-keys", "1000"}};
      if (!token.empty()) q["continuation-token"] = token;
      HORT_ASSIGN_OR_RETURN(auto r, Send("GET", "", q, {}, {}, true));
      if (r.status == 404) return Status(Code::kNotFound, "bucket " + cfg_.bucket + " not found");
      if (r.status / 100 != 2) return S3Error("list " + prefix, r);
      std::string xml(r.body.begin(), r.body.end());
      auto keys = XmlValues(xml, "Key");
      auto sizes = XmlValues(xml, "Size");
      for (size_t i = 0; i < keys.size() && i < sizes.size(); ++i) {
        std::string name = keys[i].substr(keys[i].rfind('/') + 1);
        if (name.empty()) continue;
        fn(name, std::stoull(sizes[i]));
      }
      auto truncated = XmlValues(xml, "IsTruncated");
      auto next = XmlValues(xml, "NextContinuationToken");
      if (truncated.empty() || truncated[0] != "true" || next.empty()) break;
      token = next[0];
    }
    return Status::Ok();
  }

  Status Remove(const Handle& h) override {
    HORT_ASSIGN_OR_RETURN(auto r, Send("DELETE", Key(h), {}, {}, {}));
    if (r.status == 404) return Status(Code::kNotFound, Key(h) + " not found");
    if (r.status / 100 != 2) return S3Error("remove " + Key(h), r);
    return Status::Ok();
  }

 private:
  static std::span<const uint8_t> AsBytesOf(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }

  std::string Dir(FileType type) const {
    std::string base = cfg_.prefix.empty() ? "" : cfg_.prefix + "/";
    if (type == FileType::kConfig) return base + "config";
    return base + FileTypeDir(type) + "/";
  }

  std::string Key(const Handle& h) const {
    if (h.type == FileType::kConfig) return Dir(h.type);
    if (h.type == FileType::kPack) return Dir(h.type) + h.name.substr(0, 2) + "/" + h.name;
    return Dir(h.type) + h.name;
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
    std::string payload(reinterpret_cast<const char*>(body.data()), body.size());
    sr.payload_hash = sigv4::HexSha256(payload);
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
};

}  // namespace

std::unique_ptr<Backend> NewS3Backend(S3Config config) { return std::make_unique<S3Backend>(std::move(config)); }

}  // namespace hort
