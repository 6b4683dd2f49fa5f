// The request side of an S3 bucket: SigV4-signed requests over net's pooled
// HTTP client, path-style or virtual-hosted, with S3's error conventions.
// S3Store (objects) and S3Upload (multipart uploads) both speak through it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "net/http_client.h"
#include "objstore/object_store.h"
#include "objstore/s3_store.h"
#include "util/status.h"

namespace hort {

class S3Client {
 public:
  explicit S3Client(S3Config cfg);

  [[nodiscard]] const S3Config& config() const { return cfg_; }
  // The object key for a store key: the prefix, then the key.
  [[nodiscard]] std::string FullKey(const std::string& key) const { return base_ + key; }
  [[nodiscard]] const std::string& base() const { return base_; }

  // One signed request for `key` (a full key; empty with bucket_only for the
  // bucket itself). `payload_sha256`: the body's SHA-256 when the caller
  // knows it (a pack's name), so a pack is not hashed a second time.
  [[nodiscard]] Result<HttpResponse> Send(const std::string& method, const std::string& key,
                                          const std::map<std::string, std::string>& query,
                                          std::span<const uint8_t> body, std::vector<std::string> headers,
                                          bool bucket_only = false,
                                          const KnownSha256& payload_sha256 = std::nullopt);
  // A PUT whose body is read from a file as it is sent (a part spooled to
  // disk, part_spool.h); its SHA-256 is signed, so it must be known.
  [[nodiscard]] Result<HttpResponse> PutFile(const std::string& key, const std::map<std::string, std::string>& query,
                                             FileBody body, std::vector<std::string> headers,
                                             const crypto::Sha256Digest& payload_sha256);

 private:
  [[nodiscard]] Result<HttpResponse> SendSigned(const std::string& method, const std::string& key,
                                                const std::map<std::string, std::string>& query,
                                                std::vector<std::string> headers, bool bucket_only,
                                                const crypto::Sha256Digest& payload_sha256, HttpRequest body);

  S3Config cfg_;
  HttpClient http_;
  std::string scheme_, host_;
  std::string base_;  // the prefix with its '/', or empty
};

// HttpStatusError plus S3's most common misconfiguration: the region.
[[nodiscard]] Status S3Error(const std::string& what, const HttpResponse& r);

}  // namespace hort
