#include "backend/backend.h"

#include <algorithm>
#include <cstdlib>

#include "backend/restic_layout.h"
#include "crypto/crypto.h"
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

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string Option(const BackendOptions& o, const std::string& key, const std::string& fallback) {
  auto it = o.extended.find(key);
  return it == o.extended.end() ? fallback : it->second;
}

Result<long> Seconds(const BackendOptions& o, const std::string& key, long fallback) {
  std::string v = Option(o, key, "");
  if (v.empty()) return fallback;
  try {
    long n = std::stol(v);
    if (n > 0) return n;
  } catch (const std::exception&) {
  }
  return Status(Code::kInvalidArgument, key + " must be a positive number of seconds");
}

Result<std::unique_ptr<ObjectStore>> OpenS3(const std::string& rest, const BackendOptions& o) {
  // s3:http(s)://host[:port]/bucket[/prefix]  or  s3:host/bucket[/prefix] (https)
  std::string url = rest;
  std::string scheme = "https";
  if (auto p = url.find("://"); p != std::string::npos) {
    scheme = url.substr(0, p);
    url = url.substr(p + 3);
  }
  if (scheme != "http" && scheme != "https") return Status(Code::kInvalidArgument, "s3: unknown scheme " + scheme);
  auto slash = url.find('/');
  if (slash == std::string::npos || slash + 1 >= url.size()) {
    return Status(Code::kInvalidArgument, "s3: no bucket given (use s3:http(s)://host[:port]/bucket[/prefix])");
  }
  S3Config c;
  c.endpoint = scheme + "://" + url.substr(0, slash);
  std::string path = url.substr(slash + 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  auto ps = path.find('/');
  c.bucket = path.substr(0, ps);
  if (ps != std::string::npos) c.prefix = path.substr(ps + 1);
  // Unset: the default source, the AWS_* variables of this process.
  HORT_ASSIGN_OR_RETURN(c.creds, ResolveCredentials(o.credentials.value_or(CredentialSource{})));
  std::string region_env = Env("AWS_DEFAULT_REGION");
  c.region = Option(o, "s3.region", region_env.empty() ? "us-east-1" : region_env);
  c.virtual_host = Option(o, "s3.bucket-lookup", "path") == "dns";
  try {
    c.connections = std::max(1, std::stoi(Option(o, "s3.connections", "5")));
  } catch (const std::exception&) {
    return Status(Code::kInvalidArgument, "s3.connections must be a number");
  }
  c.http.cacert = !o.cacert.empty() ? o.cacert : Env("AWS_CA_BUNDLE");
  HORT_ASSIGN_OR_RETURN(c.http.stall_timeout_s, Seconds(o, "http.stall-timeout", c.http.stall_timeout_s));
  c.http.insecure_tls = o.insecure_tls;
  return NewS3Store(std::move(c));
}

Result<std::unique_ptr<ObjectStore>> OpenRest(const std::string& rest, const BackendOptions& o) {
  auto p = rest.find("://");
  if (p == std::string::npos) return Status(Code::kInvalidArgument, "rest: use rest:http(s)://[user:pass@]host[:port]/[path]");
  std::string scheme = rest.substr(0, p), after = rest.substr(p + 3);
  HttpOptions http;
  HORT_ASSIGN_OR_RETURN(http.stall_timeout_s, Seconds(o, "http.stall-timeout", http.stall_timeout_s));
  http.cacert = o.cacert;
  http.insecure_tls = o.insecure_tls;
  std::string display_user;
  auto at = after.find('@');
  auto first_slash = after.find('/');
  if (at != std::string::npos && (first_slash == std::string::npos || at < first_slash)) {
    std::string userinfo = after.substr(0, at);
    after = after.substr(at + 1);
    http.basic_auth = userinfo;  // user:pass, percent-decoding not needed for our users
    display_user = userinfo.substr(0, userinfo.find(':')) + "@";
  } else if (!Env("RESTIC_REST_USERNAME").empty()) {
    http.basic_auth = Env("RESTIC_REST_USERNAME") + ":" + Env("RESTIC_REST_PASSWORD");
  }
  // The displayed location never carries the password.
  return AsStore(NewRestBackend(scheme + "://" + after, std::move(http), "rest:" + scheme + "://" + display_user + after));
}

}  // namespace

Result<std::unique_ptr<Backend>> OpenBackend(const std::string& location, const BackendOptions& options) {
  if (location.empty()) return Status(Code::kInvalidArgument, "no repository given (use -r or HORT_REPOSITORY)");
  auto counted = [&](std::unique_ptr<ObjectStore> store) {
    return options.metrics ? NewMetricsStore(std::move(store), options.metrics) : std::move(store);
  };
  if (location.rfind("local:", 0) == 0) return NewResticBackend(counted(NewLocalStore(location.substr(6))));
  std::unique_ptr<ObjectStore> remote;
  if (location.rfind("s3:", 0) == 0) {
    HORT_ASSIGN_OR_RETURN(remote, OpenS3(location.substr(3), options));
  } else if (location.rfind("rest:", 0) == 0) {
    HORT_ASSIGN_OR_RETURN(remote, OpenRest(location.substr(5), options));
  } else {
    auto colon = location.find(':');
    auto slash = location.find('/');
    if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) {
      std::string scheme = location.substr(0, colon);
      if (scheme == "sftp" || scheme == "b2" || scheme == "azure" || scheme == "gs" || scheme == "swift" ||
          scheme == "rclone") {
        return Status(Code::kUnsupported, "backend '" + scheme + "' is not supported (use local, s3 or rest)");
      }
    }
    return NewResticBackend(counted(NewLocalStore(location)));
  }
  remote = counted(std::move(remote));  // every request that reaches the server, retries included
  // Order as restic composes them: retry(limit(backend)).
  int connections = remote->Connections();
  remote = NewLimitStore(std::move(remote), connections);
  if (options.retry) {
    RetryPolicy policy;
    HORT_ASSIGN_OR_RETURN(long max_time, Seconds(options, "retry.max-time", static_cast<long>(policy.max_total.count())));
    policy.max_total = std::chrono::seconds(max_time);
    remote = NewRetryStore(std::move(remote), policy);
  }
  std::unique_ptr<Backend> backend = NewResticBackend(std::move(remote));
  if (!options.cache_dir.empty()) {
    // One cache directory per location (restic keys it by repository ID).
    std::string key = HexEncode(crypto::Sha256(AsBytes(location))).substr(0, 16);
    backend = NewCacheBackend(std::move(backend), options.cache_dir + "/" + key);
  }
  return backend;
}

}  // namespace hort
