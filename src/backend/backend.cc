#include "backend/backend.h"

#include <algorithm>
#include <cstdlib>

#include "backend/restic_layout.h"
#include "crypto/crypto.h"
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

Status Backend::LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out) {
  if (out.empty()) return Status::Ok();
  HORT_ASSIGN_OR_RETURN(auto bytes, Load(h, offset, out.size()));
  if (bytes.size() != out.size()) return Status(Code::kCorruption, "short read of " + h.name);
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return Status::Ok();
}

std::string LocationWithoutPassword(const std::string& location) {
  if (location.rfind("rest:", 0) != 0) return location;
  auto p = location.find("://");
  if (p == std::string::npos) return location;
  std::string after = location.substr(p + 3);
  auto at = after.find('@');
  auto first_slash = after.find('/');
  if (at == std::string::npos || (first_slash != std::string::npos && at > first_slash)) return location;
  std::string userinfo = after.substr(0, at);
  return location.substr(0, p + 3) + userinfo.substr(0, userinfo.find(':')) + after.substr(at);
}

namespace {

Result<std::unique_ptr<Backend>> OpenRest(const std::string& rest, const BackendOptions& o) {
  auto p = rest.find("://");
  if (p == std::string::npos) return Status(Code::kInvalidArgument, "rest: use rest:http(s)://[user:pass@]host[:port]/[path]");
  std::string scheme = rest.substr(0, p), after = rest.substr(p + 3);
  HORT_ASSIGN_OR_RETURN(HttpOptions http, HttpOptionsFrom(o));
  auto at = after.find('@');
  auto first_slash = after.find('/');
  if (at != std::string::npos && (first_slash == std::string::npos || at < first_slash)) {
    std::string userinfo = after.substr(0, at);
    after = after.substr(at + 1);
    http.basic_auth = userinfo;  // user:pass, percent-decoding not needed for our users
  } else if (!Env("RESTIC_REST_USERNAME").empty()) {
    http.basic_auth = Env("RESTIC_REST_USERNAME") + ":" + Env("RESTIC_REST_PASSWORD");
  }
  return NewRestBackend(scheme + "://" + after, std::move(http), LocationWithoutPassword("rest:" + rest));
}

}  // namespace

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
