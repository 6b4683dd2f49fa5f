#include "objstore/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/crypto.h"
#include "util/hex.h"

namespace hort::sigv4 {
namespace {
std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}
}  // namespace

std::string HexSha256(const std::string& data) { return HexEncode(crypto::Sha256(AsBytes(data))); }

std::string UriEncode(const std::string& s, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string CanonicalQuery(const std::map<std::string, std::string>& query) {
  std::map<std::string, std::string> encoded;
  for (const auto& [k, v] : query) encoded[UriEncode(k, false)] = UriEncode(v, false);
  std::string out;
  for (const auto& [k, v] : encoded) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

std::string Authorization(const Request& r, const S3Credentials& c, const std::string& region,
                          const std::string& amz_date, const std::string& service) {
  std::map<std::string, std::string> headers = r.headers;
  headers["host"] = r.host;
  headers["x-amz-date"] = amz_date;
  headers["x-amz-content-sha256"] = r.payload_hash;
  if (!c.session_token.empty()) headers["x-amz-security-token"] = c.session_token;
  std::string canonical_headers, signed_headers;
  for (const auto& [k, v] : headers) {
    canonical_headers += k + ":" + v + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + k;
  }
  std::string canonical = r.method + "\n" + r.path + "\n" + CanonicalQuery(r.query) + "\n" + canonical_headers + "\n" +
                          signed_headers + "\n" + r.payload_hash;
  std::string date = amz_date.substr(0, 8);
  std::string scope = date + "/" + region + "/" + service + "/aws4_request";
  std::string to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + HexSha256(canonical);
  std::string key = Hmac(Hmac(Hmac(Hmac("AWS4" + c.secret_key, date), region), service), "aws4_request");
  std::string sig = HexEncode(AsBytes(Hmac(key, to_sign)));
  return "AWS4-HMAC-SHA256 Credential=" + c.access_key + "/" + scope + ", SignedHeaders=" + signed_headers +
         ", Signature=" + sig;
}

}  // namespace hort::sigv4
