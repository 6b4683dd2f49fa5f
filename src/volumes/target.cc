#include "volumes/target.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/env.h"

namespace hort::volumes {
namespace {

Status BadUrl(const std::string& url, const std::string& why) {
  return Status(Code::kInvalidArgument, "store URL " + url + ": " + why);
}

// s3://bucket@region/path or s3://bucket/path (bs s3/s3.go: the bucket is
// the URL's user, the region its host; a path of at least "/" is required).
Result<TargetLocation> ResolveS3(const std::string& url) {
  std::string rest = url.substr(5);
  const size_t slash = rest.find('/');
  if (slash == std::string::npos) return BadUrl(url, "a path is required (s3://bucket@region/path, at least \"/\")");
  const std::string authority = rest.substr(0, slash);
  std::string path = rest.substr(slash + 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string bucket = authority, region;
  if (const size_t at = authority.find('@'); at != std::string::npos) {
    bucket = authority.substr(0, at);
    region = authority.substr(at + 1);
  }
  if (bucket.empty()) return BadUrl(url, "no bucket (s3://bucket@region/path)");
  if (region.empty()) region = Env("AWS_REGION");
  if (region.empty()) region = Env("AWS_DEFAULT_REGION");
  if (region.empty()) region = "us-east-1";
  TargetLocation t;
  std::string endpoint = Env("AWS_ENDPOINTS");
  const std::string vhost = Env("VIRTUAL_HOSTED_STYLE");
  // Longhorn: a custom endpoint means path style unless VIRTUAL_HOSTED_STYLE=true;
  // AWS itself is virtual-hosted unless it is "false".
  bool virtual_host = endpoint.empty() ? vhost != "false" : vhost == "true";
  if (endpoint.empty()) endpoint = "https://s3." + region + ".amazonaws.com";
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (endpoint.find("://") == std::string::npos) endpoint = "https://" + endpoint;
  t.store_location = "s3:" + endpoint + "/" + bucket;
  t.base = path.empty() ? "" : path + "/";
  t.options.extended["s3.region"] = region;
  t.options.extended["s3.bucket-lookup"] = virtual_host ? "dns" : "path";
  t.cacert_pem = Env("AWS_CERT");
  return t;
}

// nfs://server:/export/path and cifs://server/share/path: hort does not
// mount shares; it reads the folder the share is mounted on.
Result<TargetLocation> ResolveShare(const std::string& url, size_t scheme_len, const TargetEnv& env) {
  std::string rest = url.substr(scheme_len);
  if (const size_t q = rest.find('?'); q != std::string::npos) rest = rest.substr(0, q);  // nfsOptions=…
  TargetLocation t;
  if (!env.mount_point.empty()) {
    t.store_location = env.mount_point;
    return t;
  }
  const size_t sep = rest.find_first_of(":/");
  if (sep == 0 || sep == std::string::npos) return BadUrl(url, "no server");
  std::string host = rest.substr(0, sep);
  std::string path = rest.substr(sep);
  if (!path.empty() && path[0] == ':') path = path.substr(1);
  for (char& c : host) {
    if (c == '.') c = '_';
  }
  const std::string mounted = env.mounts_root + "/" + host + path;
  struct stat st {};
  if (::stat(mounted.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return BadUrl(url, "hort does not mount shares: mount it and pass --mount DIR (not found at Longhorn's " + mounted + ")");
  }
  t.store_location = mounted;
  return t;
}

}  // namespace

Result<TargetLocation> ResolveTarget(const std::string& url, const TargetEnv& env) {
  if (url.empty()) return Status(Code::kInvalidArgument, "no store URL given (--store)");
  if (url.rfind("s3://", 0) == 0) return ResolveS3(url);
  if (url.rfind("nfs://", 0) == 0) return ResolveShare(url, 6, env);
  if (url.rfind("cifs://", 0) == 0) return ResolveShare(url, 7, env);
  if (url.rfind("vfs://", 0) == 0) {
    TargetLocation t;
    t.store_location = url.substr(6);
    if (t.store_location.empty() || t.store_location[0] != '/') return BadUrl(url, "vfs:// takes an absolute path (vfs:///path)");
    return t;
  }
  if (const size_t colon = url.find("://"); colon != std::string::npos || url.rfind("s3:", 0) == 0) {
    const std::string kind = colon != std::string::npos ? url.substr(0, colon) : "s3:";
    return BadUrl(url, "unknown kind \"" + kind + "\" (s3://bucket@region/path, nfs://, cifs://, vfs:///path or a folder)");
  }
  TargetLocation t;
  t.store_location = url;
  return t;
}

BackupTarget::~BackupTarget() {
  store.reset();
  if (!cacert_file.empty()) ::unlink(cacert_file.c_str());
}

Result<BackupTarget> OpenTarget(const std::string& url, const StoreOptions& options, const TargetEnv& env) {
  HORT_ASSIGN_OR_RETURN(TargetLocation where, ResolveTarget(url, env));
  StoreOptions merged = options;
  for (const auto& [k, v] : where.options.extended) merged.extended.emplace(k, v);
  BackupTarget target;
  if (!where.cacert_pem.empty() && merged.cacert.empty()) {
    // AWS_CERT holds the PEM itself; the HTTP client takes a file.
    char tmpl[] = "/tmp/hort-aws-cert-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    if (fd < 0) return ErrnoStatus("create a file for AWS_CERT", errno);
    const bool written = ::write(fd, where.cacert_pem.data(), where.cacert_pem.size()) ==
                         static_cast<ssize_t>(where.cacert_pem.size());
    ::close(fd);
    target.cacert_file = tmpl;
    if (!written) return Status(Code::kIo, "cannot write AWS_CERT to " + target.cacert_file);
    merged.cacert = target.cacert_file;
  }
  HORT_ASSIGN_OR_RETURN(target.store, OpenStore(where.store_location, merged));
  target.base = where.base;
  target.url = url;
  if (where.store_location.rfind("s3:", 0) != 0) {
    target.folder = where.store_location.rfind("local:", 0) == 0 ? where.store_location.substr(6) : where.store_location;
  }
  return target;
}

Status RequireStoreFolder(const BackupTarget& target) {
  if (target.folder.empty()) return Status::Ok();
  struct stat st {};
  if (::stat(target.folder.c_str(), &st) != 0) {
    return Status(Code::kNoRepository, "no backupstore at " + target.url + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return Status(Code::kInvalidArgument, "backupstore " + target.url + " is not a folder");
  return Status::Ok();
}

}  // namespace hort::volumes
