// Longhorn's backup target URLs on hort's object stores (longhorn/backupstore
// s3/s3.go, nfs/nfs.go, vfs/vfs.go), with Longhorn's credential keys taken
// from the environment, as the BackupTarget's credential Secret supplies them
// to Longhorn's pods:
//   s3://bucket@region/path  s3://bucket/path   S3 (AWS_ENDPOINTS for MinIO, RGW, …)
//   nfs://server:/export/path, cifs://server/share/path   the share where it is mounted
//   vfs:///abs/path, /abs/path, rel/path                   a local folder
#pragma once

#include <memory>
#include <string>

#include "objstore/object_store.h"
#include "objstore/open_store.h"
#include "util/status.h"

namespace hort::volumes {

// Where a target lives on hort's stores.
struct TargetLocation {
  std::string store_location;  // for OpenStore: a folder, or s3:<endpoint>/<bucket>
  std::string base;            // the key prefix before "backupstore/": "" or "path/"
  StoreOptions options;        // region, bucket lookup, CA from AWS_CERT
  std::string cacert_pem;      // AWS_CERT's PEM text, written to a private file when opened
};

struct TargetEnv {
  // nfs:// and cifs://: the folder the share is mounted on; empty: Longhorn's
  // own mount point /var/lib/longhorn-backupstore-mounts/<host, '.'→'_'>/<path>.
  std::string mount_point;
  std::string mounts_root = "/var/lib/longhorn-backupstore-mounts";
};

// Parses a target URL; AWS_REGION, AWS_ENDPOINTS, VIRTUAL_HOSTED_STYLE and
// AWS_CERT are read from the environment. kInvalidArgument with one line
// for an unknown kind of URL (azblob://, http://, …) or a malformed one.
[[nodiscard]] Result<TargetLocation> ResolveTarget(const std::string& url, const TargetEnv& env = {});

// An opened target: the store, the key prefix, and a description for
// messages (never holding a credential).
struct BackupTarget {
  std::unique_ptr<ObjectStore> store;
  std::string base;
  std::string url;
  std::string cacert_file;  // removed when the target is closed
  std::string folder;       // the local folder of a file-system target ("" for S3)
  BackupTarget() = default;
  BackupTarget(BackupTarget&&) = default;
  BackupTarget& operator=(BackupTarget&&) = default;
  ~BackupTarget();
};

// Opens the target; S3 keys come from AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) unless `options` names
// another source. cacert/insecure from `options` are kept.
[[nodiscard]] Result<BackupTarget> OpenTarget(const std::string& url, const StoreOptions& options,
                                              const TargetEnv& env = {});

// Only a backup makes a file-system store: whatever reads one refuses a
// folder that is not there (kNoRepository, as a missing repository) or not
// a folder, where an empty listing would read as a healthy, empty store.
[[nodiscard]] Status RequireStoreFolder(const BackupTarget& target);

}  // namespace hort::volumes
