// AWS Signature Version 4 for S3 requests (the S3 store signs every
// request with it).
#pragma once

#include <map>
#include <string>

#include "objstore/credentials.h"

namespace hort::sigv4 {

struct Request {
  std::string method;
  std::string host;                            // value of the Host header (with :port if not default)
  std::string path;                            // already URI-encoded, e.g. "/bucket/data/ab/abcd"
  std::map<std::string, std::string> query;    // decoded key → value
  std::map<std::string, std::string> headers;  // extra headers to sign (lower-case names)
  std::string payload_hash;                    // hex SHA-256 or "UNSIGNED-PAYLOAD"
};

// Returns the Authorization header value; `amz_date` is "YYYYMMDDTHHMMSSZ".
[[nodiscard]] std::string Authorization(const Request& r, const S3Credentials& c, const std::string& region,
                                        const std::string& amz_date, const std::string& service = "s3");

// RFC 3986 encoding as SigV4 wants it; '/' kept when `keep_slash`.
[[nodiscard]] std::string UriEncode(const std::string& s, bool keep_slash);
[[nodiscard]] std::string CanonicalQuery(const std::map<std::string, std::string>& query);
[[nodiscard]] std::string HexSha256(const std::string& data);

}  // namespace hort::sigv4
