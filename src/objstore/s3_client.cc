#include "objstore/s3_client.h"

#include <algorithm>
#include <ctime>

#include "net/xml_values.h"
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

}  // namespace

Status S3Error(const std::string& what, const HttpResponse& r) {
  std::string body(r.body.begin(), r.body.end());
  if (r.status != 301 && !(r.status == 400 && (body.empty() || body.find("Region") != std::string::npos ||
                                               body.find("AuthorizationHeaderMalformed") != std::string::npos))) {
    return HttpStatusError(what, r);
  }
  // A bucket of another region: S3 names its region (a header, or <Region>
  // in the error). HttpStatusError's redirect hint would send the user to
  // the bucket's own host name, which is no endpoint for hort's URL.
  std::string region;
  if (auto it = r.headers.find("x-amz-bucket-region"); it != r.headers.end()) region = it->second;
  if (auto in_body = XmlValues(body, "Region"); region.empty() && !in_body.empty()) region = in_body[0];
  const bool plausible = !region.empty() && region.size() <= 32 &&
                         std::all_of(region.begin(), region.end(), [](char c) {
                           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                         });
  const auto codes = XmlValues(body, "Code");
  const std::string code = codes.empty() || codes[0].size() > 64 ? "" : " (" + codes[0] + ")";
  return Status(Code::kInvalidArgument,
                what + ": HTTP " + std::to_string(r.status) + code + ": request rejected, " +
                    (plausible ? "the bucket is in region " + region + " (set -o s3.region=" + region + ")"
                               : "wrong region? (set -o s3.region=... or AWS_DEFAULT_REGION)"));
}

S3Client::S3Client(S3Config cfg) : cfg_(std::move(cfg)), http_(cfg_.http) {
  auto scheme_end = cfg_.endpoint.find("://");
  scheme_ = cfg_.endpoint.substr(0, scheme_end);
  host_ = cfg_.endpoint.substr(scheme_end + 3);
  while (!host_.empty() && host_.back() == '/') host_.pop_back();
  while (!cfg_.prefix.empty() && cfg_.prefix.back() == '/') cfg_.prefix.pop_back();
  if (!cfg_.prefix.empty()) base_ = cfg_.prefix + "/";
}

Result<HttpResponse> S3Client::Send(const std::string& method, const std::string& key,
                                    const std::map<std::string, std::string>& query, std::span<const uint8_t> body,
                                    std::vector<std::string> headers, bool bucket_only,
                                    const KnownSha256& payload_sha256) {
  HttpRequest req;
  req.body = body;
  return SendSigned(method, key, query, std::move(headers), bucket_only,
                    payload_sha256 ? *payload_sha256 : crypto::Sha256(body), std::move(req));
}

Result<HttpResponse> S3Client::PutFile(const std::string& key, const std::map<std::string, std::string>& query,
                                       FileBody body, std::vector<std::string> headers,
                                       const crypto::Sha256Digest& payload_sha256) {
  HttpRequest req;
  req.file_body = body;
  return SendSigned("PUT", key, query, std::move(headers), false, payload_sha256, std::move(req));
}

// `req` comes with its body; the rest is filled here.
Result<HttpResponse> S3Client::SendSigned(const std::string& method, const std::string& key,
                                          const std::map<std::string, std::string>& query,
                                          std::vector<std::string> headers, bool bucket_only,
                                          const crypto::Sha256Digest& payload_sha256, HttpRequest req) {
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
  // x-amz-* headers (a copy's source) are signed, as S3 asks of them.
  for (const std::string& h : headers) {
    auto colon = h.find(':');
    if (colon == std::string::npos || h.compare(0, 6, "x-amz-") != 0) continue;
    const size_t value = h.find_first_not_of(' ', colon + 1);
    sr.headers[h.substr(0, colon)] = value == std::string::npos ? "" : h.substr(value);
  }
  // The signed payload hash: the server refuses a body that does not match
  // it, so a pack named by its SHA-256 is also checked against its name.
  sr.payload_hash = HexEncode(payload_sha256);
  std::string date = AmzDate();
  req.method = method;
  req.url = scheme_ + "://" + sr.host + path;
  std::string q = sigv4::CanonicalQuery(query);
  if (!q.empty()) req.url += "?" + q;
  req.headers = std::move(headers);
  req.headers.push_back("x-amz-date: " + date);
  req.headers.push_back("x-amz-content-sha256: " + sr.payload_hash);
  if (!cfg_.creds.session_token.empty()) req.headers.push_back("x-amz-security-token: " + cfg_.creds.session_token);
  req.headers.push_back("Authorization: " + sigv4::Authorization(sr, cfg_.creds, cfg_.region, date));
  return http_.Do(req);
}

}  // namespace hort
