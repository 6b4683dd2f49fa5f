#include "backend/backend.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "backend/restic_layout.h"
#include "crypto/crypto.h"
#include "objstore/open_store.h"
#include "util/env.h"
#include "util/hex.h"

namespace hort {

const char* FileTypeDir(FileType t) {
  switch (t) {
    case FileType::kConfig: return "";
    case FileType::kKey: return "keys";
    case FileType::kSnapshot: return "snapshots";
    case FileType::kIndex: return "index";
    case FileType::kLock: return "locks";
    case FileType::kPack: return "data";
  }
  return "";
}

bool IsRepositoryFileName(FileType type, std::string_view name) {
  if (type == FileType::kConfig) return true;
  uint8_t id[32];
  return HexDecodeInto(name, id);
}

Status Backend::LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out) {
  if (out.empty()) return Status::Ok();
  HORT_ASSIGN_OR_RETURN(auto bytes, Load(h, offset, out.size()));
  if (bytes.size() != out.size()) return Status(Code::kCorruption, "short read of " + h.name);
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return Status::Ok();
}

namespace {
// The userinfo of a rest: location, "user:pass" as written (percent-encoded),
// and where it ends; as Go's url.Parse, the last '@' before the path ends it,
// so an unencoded '@' in the password still works.
struct RestUserinfo {
  size_t begin = 0, end = 0;  // [begin, end) in the location; begin == end: none
};
RestUserinfo FindUserinfo(const std::string& location) {
  const size_t p = location.find("://");
  if (location.rfind("rest:", 0) != 0 || p == std::string::npos) return {};
  const size_t begin = p + 3;
  const size_t slash = location.find('/', begin);
  const size_t at = location.rfind('@', slash == std::string::npos ? std::string::npos : slash);
  if (at == std::string::npos || at < begin) return {};
  return {begin, at};
}

// Go's url.PathUnescape for userinfo: %XX decoded; a '%' without two hex
// digits refuses the URL, as Go's url.Parse does (sent as it was, it only
// came back as a 401). The message does not quote it: it is the password's.
Result<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (s[i] == '%') {
      if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) {
        return Status(Code::kInvalidArgument, "rest: the user or password in the location has an invalid URL escape "
                                              "(a '%' not followed by two hex digits; write '%' itself as %25)");
      }
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}
}  // namespace

// restic's StripPassword: the password of a rest: location shown as "***".
std::string LocationWithoutPassword(const std::string& location) {
  const RestUserinfo u = FindUserinfo(location);
  if (u.begin == u.end) return location;
  const size_t colon = location.find(':', u.begin);
  if (colon == std::string::npos || colon > u.end) return location;
  return location.substr(0, colon + 1) + "***" + location.substr(u.end);
}

namespace {

Result<std::unique_ptr<Backend>> OpenRest(const std::string& rest, const BackendOptions& o) {
  auto p = rest.find("://");
  if (p == std::string::npos) return Status(Code::kInvalidArgument, "rest: use rest:http(s)://[user:pass@]host[:port]/[path]");
  std::string scheme = rest.substr(0, p), after = rest.substr(p + 3);
  HORT_ASSIGN_OR_RETURN(HttpOptions http, HttpOptionsFrom(o));
  const std::string location = "rest:" + rest;
  if (const RestUserinfo u = FindUserinfo(location); u.begin != u.end) {
    // Decoded as Go decodes them: a password with '@', ':' or '/' is written percent-encoded.
    const std::string userinfo = location.substr(u.begin, u.end - u.begin);
    const size_t colon = userinfo.find(':');
    HORT_ASSIGN_OR_RETURN(std::string user, PercentDecode(userinfo.substr(0, colon)));
    HORT_ASSIGN_OR_RETURN(std::string password,
                          PercentDecode(colon == std::string::npos ? std::string_view() : userinfo.substr(colon + 1)));
    http.basic_auth = user + ":" + password;
    after = location.substr(u.end + 1);
  } else if (!Env("RESTIC_REST_USERNAME").empty()) {
    http.basic_auth = Env("RESTIC_REST_USERNAME") + ":" + Env("RESTIC_REST_PASSWORD");
  }
  return NewRestBackend(scheme + "://" + after, std::move(http), LocationWithoutPassword("rest:" + rest));
}

}  // namespace

namespace {
// "scheme://host[:port]/path" with the scheme and host in lower case.
std::string LowerSchemeAndHost(std::string url) {
  const size_t p = url.find("://");
  if (p == std::string::npos) return url;
  const size_t end = std::min(url.find('/', p + 3), url.size());
  std::transform(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(end), url.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return url;
}
}  // namespace

std::string RemoteLocationKey(const std::string& location) {
  if (location.rfind("s3:", 0) == 0) {
    auto l = ParseS3Location(location.substr(3));
    if (!l.ok()) return location;
    return "s3:" + LowerSchemeAndHost(l->endpoint) + "/" + l->bucket + "/" + l->prefix;
  }
  if (location.rfind("rest:", 0) == 0) {
    const RestUserinfo u = FindUserinfo(location);
    std::string url = u.begin == u.end ? location.substr(5) : location.substr(5, u.begin - 5) + location.substr(u.end + 1);
    if (url.empty() || url.back() != '/') url += '/';
    return "rest:" + LowerSchemeAndHost(std::move(url));
  }
  return location;
}

bool IsRemoteLocation(const std::string& location) {
  return location.rfind("s3:", 0) == 0 || location.rfind("rest:", 0) == 0;
}

Result<std::unique_ptr<Backend>> OpenBackend(const std::string& location, const BackendOptions& options) {
  if (location.empty()) return Status(Code::kInvalidArgument, "no repository given (use -r or HORT_REPOSITORY)");
  const bool remote = IsRemoteLocation(location);
  std::unique_ptr<ObjectStore> store;
  if (location.rfind("rest:", 0) == 0) {
    // REST speaks restic's types itself; the store wrappers see it through the layout.
    HORT_ASSIGN_OR_RETURN(auto rest, OpenRest(location.substr(5), options));
    HORT_ASSIGN_OR_RETURN(store, WrapRemoteStore(AsStore(std::move(rest)), options));
  } else {
    auto colon = location.find(':');
    auto slash = location.find('/');
    if (!remote && colon != std::string::npos && (slash == std::string::npos || colon < slash)) {
      std::string scheme = location.substr(0, colon);
      if (scheme == "sftp" || scheme == "b2" || scheme == "azure" || scheme == "gs" || scheme == "swift" ||
          scheme == "rclone") {
        return Status(Code::kUnsupported, "backend '" + scheme + "' is not supported (use local, s3 or rest)");
      }
    }
    HORT_ASSIGN_OR_RETURN(store, OpenStore(location, options));
  }
  std::unique_ptr<Backend> backend = NewResticBackend(std::move(store));
  if (options.limit_upload_kib > 0 || options.limit_download_kib > 0) {
    // Below the cache, as restic: what the cache answers costs no bandwidth.
    backend = NewRateLimitBackend(std::move(backend), uint64_t(options.limit_upload_kib) * 1024,
                                  uint64_t(options.limit_download_kib) * 1024);
  }
  if (remote && !options.cache_dir.empty()) {
    // One cache directory per location (restic keys it by repository ID).
    std::string key = HexEncode(crypto::Sha256(AsBytes(location))).substr(0, 16);
    backend = NewCacheBackend(std::move(backend), options.cache_dir + "/" + key);
  }
  return backend;
}

}  // namespace hort
