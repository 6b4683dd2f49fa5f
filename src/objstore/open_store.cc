#include "objstore/open_store.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <set>
#include <vector>

#include "objstore/s3_store.h"
#include "util/env.h"
#include "util/lexical_path.h"
#include "util/secret.h"

namespace hort {
namespace {

// Reads a remote store keeps ahead at most (read_ahead_store.cc): a restore
// asks for two per worker, check for one (a worker per core unless --workers
// says otherwise); asks beyond these are dropped.
constexpr size_t kReadsAhead = 4;

std::string Option(const StoreOptions& o, const std::string& key, const std::string& fallback) {
  auto it = o.extended.find(key);
  return it == o.extended.end() ? fallback : it->second;
}

Result<long> Seconds(const StoreOptions& o, const std::string& key, long fallback) {
  std::string v = Option(o, key, "");
  if (v.empty()) return fallback;
  try {
    long n = std::stol(v);
    if (n > 0) return n;
  } catch (const std::exception&) {
  }
  return Status(Code::kInvalidArgument, key + " must be a positive number of seconds");
}

// -o s3.part-size=MiB: S3 wants every part but the last to be 5 MiB or more.
Result<uint64_t> PartSize(const StoreOptions& o) {
  auto given = o.extended.find("s3.part-size");
  if (given == o.extended.end()) return S3Config{}.part_size;
  const std::string& v = given->second;
  const Status bad(Code::kInvalidArgument, "s3.part-size must be a number of MiB from 5 to 1024");
  if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos) return bad;
  uint64_t mib = std::stoull(v);
  if (mib < 5 || mib > 1024) return bad;
  return mib << 20;
}

// A URL path without "." and ".." segments and empty ones, as libcurl sends
// it (RFC 3986's remove_dot_segments; ".." stops at the root): signed as
// typed, `bucket/./prefix` was refused by the server as a bad signature.
std::string DotSegmentsRemoved(const std::string& path) {
  std::string out;
  for (const std::string& seg : CleanComponents(path)) out += (out.empty() ? "" : "/") + seg;
  return out;
}

Result<std::unique_ptr<ObjectStore>> OpenS3(const std::string& rest, const StoreOptions& o) {
  HORT_ASSIGN_OR_RETURN(S3Location where, ParseS3Location(rest));
  S3Config c;
  c.endpoint = std::move(where.endpoint);
  c.bucket = std::move(where.bucket);
  c.prefix = std::move(where.prefix);
  // Unset: the default source, the AWS_* variables of this process.
  HORT_ASSIGN_OR_RETURN(c.creds, ResolveCredentials(o.credentials.value_or(CredentialSource{})));
  std::string region_env = Env("AWS_DEFAULT_REGION");
  c.region = Option(o, "s3.region", region_env.empty() ? "us-east-1" : region_env);
  const std::string lookup = Option(o, "s3.bucket-lookup", "path"), connections = Option(o, "s3.connections", "5");
  HORT_RETURN_IF_ERROR(CheckStoreOption("s3.bucket-lookup", lookup));
  HORT_RETURN_IF_ERROR(CheckStoreOption("s3.connections", connections));
  c.virtual_host = lookup == "dns";  // "auto" is path-style
  std::from_chars(connections.data(), connections.data() + connections.size(), c.connections);
  HORT_ASSIGN_OR_RETURN(c.part_size, PartSize(o));
  HORT_ASSIGN_OR_RETURN(c.http, HttpOptionsFrom(o));
  if (c.http.cacert.empty()) c.http.cacert = Env("AWS_CA_BUNDLE");  // as the AWS SDKs do
  return NewS3Store(std::move(c));
}

}  // namespace

// s3:http(s)://host[:port]/bucket[/prefix]  or  s3:host/bucket[/prefix] (https)
Result<S3Location> ParseS3Location(const std::string& rest) {
  std::string url = rest;
  std::string scheme = "https";
  if (auto p = url.find("://"); p != std::string::npos) {
    scheme = url.substr(0, p);
    url = url.substr(p + 3);
  }
  if (scheme != "http" && scheme != "https") return Status(Code::kInvalidArgument, "s3: unknown scheme " + scheme);
  url = url.substr(0, url.find_first_of("?#"));  // as restic's url.Parse: a query or fragment names nothing
  auto slash = url.find('/');
  if (slash == std::string::npos || slash + 1 >= url.size()) {
    return Status(Code::kInvalidArgument, "s3: no bucket given (use s3:http(s)://host[:port]/bucket[/prefix])");
  }
  url = url.substr(0, slash + 1) + DotSegmentsRemoved(url.substr(slash + 1));
  if (slash + 1 >= url.size()) {
    return Status(Code::kInvalidArgument, "s3: no bucket given (use s3:http(s)://host[:port]/bucket[/prefix])");
  }
  S3Location l;
  l.endpoint = scheme + "://" + url.substr(0, slash);
  std::string path = url.substr(slash + 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  auto ps = path.find('/');
  l.bucket = path.substr(0, ps);
  if (ps != std::string::npos) l.prefix = path.substr(ps + 1);
  return l;
}

Status CheckStoreOption(const std::string& key, const std::string& value) {
  constexpr int kMaxConnections = 128;
  static const std::set<std::string> kKnown = {
      "s3.region", "s3.bucket-lookup", "s3.connections", "s3.part-size", "s3.storage-class", "s3.layout",
      "s3.list-objects-v1", "rest.connections", "local.connections", "local.layout", "retry.max-time",
      "http.stall-timeout"};
  if (!kKnown.count(key)) return Status(Code::kInvalidArgument, "option " + key + " is not known");
  if (key.ends_with(".connections")) {
    int n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n <= 0) {
      return Status(Code::kInvalidArgument, "invalid value \"" + value + "\" for option " + key +
                                                ": capacity must be a positive number");
    }
    // Each connection is a thread of hort's (restic's are a semaphore's
    // slots): thousands of them starve the machine and gain nothing.
    if (n > kMaxConnections) {
      return Status(Code::kInvalidArgument, "invalid value \"" + value + "\" for option " + key + ": at most " +
                                                std::to_string(kMaxConnections) + " connections");
    }
  }
  if (key == "s3.bucket-lookup" && value != "auto" && value != "path" && value != "dns") {
    return Status(Code::kInvalidArgument, "bad bucket-lookup style \"" + value + "\" must be \"auto\", \"path\" or \"dns\"");
  }
  // The values read only when a remote store opens, checked here too: a
  // bad one passed every local command and a catalog's config check.
  StoreOptions one;
  one.extended[key] = value;
  if (key == "retry.max-time" || key == "http.stall-timeout") return Seconds(one, key, 0).status();
  if (key == "s3.part-size") return PartSize(one).status();
  return Status::Ok();
}

Result<HttpOptions> HttpOptionsFrom(const StoreOptions& options) {
  HttpOptions http;
  http.fail_fast_until_answered = true;  // a repository's server: a wrong address fails at once
  HORT_ASSIGN_OR_RETURN(http.stall_timeout_s, Seconds(options, "http.stall-timeout", http.stall_timeout_s));
  http.cacert = options.cacert;
  http.insecure_tls = options.insecure_tls;
  if (!options.tls_client_cert.empty()) {
    // One file holds both, as restic's: OpenSSL picks the certificate and the
    // key each out of the same PEM text.
    HORT_ASSIGN_OR_RETURN(std::string pem, ReadSecretFile(options.tls_client_cert, "TLS client certificate file"));
    if (pem.find("PRIVATE KEY-----") == std::string::npos || pem.find("BEGIN CERTIFICATE") == std::string::npos) {
      return Status(Code::kInvalidArgument, "--tls-client-cert " + options.tls_client_cert +
                                                " must hold a PEM certificate and its private key");
    }
    http.client_cert_pem = pem;
    http.client_key_pem = std::move(pem);
  }
  return http;
}

Result<std::unique_ptr<ObjectStore>> WrapRemoteStore(std::unique_ptr<ObjectStore> store, const StoreOptions& options) {
  if (options.metrics) store = NewMetricsStore(std::move(store), options.metrics);
  const int connections = store->Connections();
  store = NewLimitStore(std::move(store), connections);
  // Inside retry: a read ahead is tried once (a store that ends, or a
  // restore that stops, never waits out retries for bytes nobody takes);
  // the Load it was for retries as any other.
  store = NewReadAheadStore(std::move(store), kReadsAhead);
  if (!options.retry) return store;
  RetryPolicy policy;
  HORT_ASSIGN_OR_RETURN(long max_time, Seconds(options, "retry.max-time", static_cast<long>(policy.max_total.count())));
  policy.max_total = std::chrono::seconds(max_time);
  return NewRetryStore(std::move(store), policy);
}

Result<std::unique_ptr<ObjectStore>> OpenStore(const std::string& location, const StoreOptions& options) {
  if (location.rfind("s3:", 0) == 0) {
    HORT_ASSIGN_OR_RETURN(auto s3, OpenS3(location.substr(3), options));
    return WrapRemoteStore(std::move(s3), options);
  }
  if (location.rfind("rest:", 0) == 0) {
    return Status(Code::kUnsupported, "rest: is restic's REST protocol, not an object store");
  }
  std::string path = location.rfind("local:", 0) == 0 ? location.substr(6) : location;
  auto local = NewLocalStore(path);
  if (options.metrics) local = NewMetricsStore(std::move(local), options.metrics);
  return local;
}

}  // namespace hort
