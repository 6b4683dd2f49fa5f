// Opening an object store from a location string and options (restic's
// -o key=value, --cacert, --insecure-tls), with the wrappers composed in
// one place as restic does: retry(limit(metrics(store))), with hort's
// read-ahead between retry and limit (wrappers.h). restic's OpenBackend
// opens its local and S3 repositories through it, and so can any other
// format that keeps its files on a store.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "net/http_client.h"
#include "objstore/credentials.h"
#include "objstore/object_store.h"
#include "objstore/wrappers.h"

namespace hort {

struct StoreOptions {
  std::map<std::string, std::string> extended;  // e.g. s3.region, s3.connections, s3.bucket-lookup
  std::string cacert;
  std::string tls_client_cert;  // PEM file with the client certificate and its private key (restic's --tls-client-cert)
  bool insecure_tls = false;
  bool retry = true;  // wrap remote stores in the retrying wrapper
  StoreMetrics* metrics = nullptr;  // when set, requests are counted here
  // Where S3 keys come from; unset: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
  // and AWS_SESSION_TOKEN from the process environment.
  std::optional<CredentialSource> credentials;
};

// Opens `location`: a path, `local:PATH`, or
// `s3:http(s)://host[:port]/bucket[/prefix]` (`s3:host/bucket` is https).
[[nodiscard]] Result<std::unique_ptr<ObjectStore>> OpenStore(const std::string& location,
                                                             const StoreOptions& options = {});

// Where an `s3:` location (without "s3:") points, as OpenStore reads it:
// the scheme defaults to https; a query or fragment, "." and ".." segments
// and trailing slashes of the path are dropped.
struct S3Location {
  std::string endpoint;  // scheme://host[:port]
  std::string bucket, prefix;
};
[[nodiscard]] Result<S3Location> ParseS3Location(const std::string& rest);

// The wrappers of a remote store: metrics (every request that reaches the
// server, retries included), the connection limit and, unless
// options.retry is false, retries within -o retry.max-time.
[[nodiscard]] Result<std::unique_ptr<ObjectStore>> WrapRemoteStore(std::unique_ptr<ObjectStore> store,
                                                                   const StoreOptions& options);

// The HTTP settings every remote store shares: -o http.stall-timeout,
// --cacert, --insecure-tls.
[[nodiscard]] Result<HttpOptions> HttpOptionsFrom(const StoreOptions& options);

// One -o key=value: hort's keys, and restic 0.14's for the backends hort
// speaks, so a restic script's options are taken; an unknown key, a
// *.connections that is no positive number, an s3.bucket-lookup that is no
// style are refused in restic's words. Of restic's keys hort reads
// s3.region, s3.bucket-lookup and s3.connections; the others have no effect.
[[nodiscard]] Status CheckStoreOption(const std::string& key, const std::string& value);

}  // namespace hort
