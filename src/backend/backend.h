// restic's storage seam: the repository reads and writes typed files
// (config, keys, snapshots, index, locks, packs) through a Backend. Local
// folders, S3 and memory are restic's layout on an ObjectStore
// (backend/restic_layout.h); REST speaks restic's types itself. Names are
// content hashes, so an object, once saved, is never changed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.h"
#include "objstore/credentials.h"
#include "objstore/open_store.h"
#include "objstore/s3_store.h"
#include "objstore/wrappers.h"
#include "util/status.h"

namespace hort {

enum class FileType { kConfig, kKey, kSnapshot, kIndex, kLock, kPack };

[[nodiscard]] const char* FileTypeDir(FileType t);  // "keys", "data", ...

// Whether a file of `type` with this name belongs to the repository: the
// config, or a name restic's ParseID takes (64 hex digits). Backend::List
// passes on only these.
[[nodiscard]] bool IsRepositoryFileName(FileType type, std::string_view name);

struct Handle {
  FileType type;
  std::string name;  // hex ID; empty for the config file
  // A pack of tree blobs being saved: a local cache keeps a copy, so the
  // next backup's parent trees need no download (restic's IsMetadata).
  bool tree_pack = false;
};

// A file written piece by piece and named only when complete (packs, whose
// name is the hash of their content): nothing is visible under any name
// before Commit, and an upload dropped without Commit leaves nothing behind.
class BackendUpload {
 public:
  virtual ~BackendUpload() = default;
  [[nodiscard]] virtual Status Append(std::span<const uint8_t> data) = 0;
  [[nodiscard]] virtual Status Commit(const Handle& h) = 0;
  // False when the next Append only buffers and reaches no store (S3 below
  // a part; ObjectUpload::NextAppendSends).
  [[nodiscard]] virtual bool NextAppendSends() const { return true; }
};

class Backend {
 public:
  virtual ~Backend() = default;

  // A short description for messages, never containing credentials.
  [[nodiscard]] virtual std::string Location() const = 0;
  // How many requests may usefully run at once.
  [[nodiscard]] virtual int Connections() const { return 2; }
  // True when a saved file is listed by every later List() (a local POSIX
  // filesystem). Lock acquisition then needs no settle time before it
  // looks for racing locks; object stores and REST servers get restic's 200 ms.
  [[nodiscard]] virtual bool ListsConsistently() const { return false; }
  // True when reading part of a file costs no more than its share of the
  // whole (a local folder): readers may then stream a pack in pieces instead
  // of holding it whole. Object stores and REST servers answer every range
  // with a request of its own, so there one whole read is cheaper.
  [[nodiscard]] virtual bool CheapRangeReads() const { return false; }
  // True when a pack can be visible under its name before its bytes are
  // durable (a local folder fsyncs packs in a batch before the index file
  // that names them): after a power loss one no index names may be cut
  // short, so repair index verifies such a pack before it trusts it.
  [[nodiscard]] virtual bool PacksMayBeCutShort() const { return false; }
  // How many data packs a backup fills at once. A local folder's packs are
  // each written by a thread of their own that waits for the disk, so two
  // fill while either waits; an object store's upload holds its parts in
  // memory, so its one open pack is what the memory bound counts.
  [[nodiscard]] virtual int DataPacksAtOnce() const { return 1; }
  // A hint that these bytes will be read soon: a local folder's kernel
  // starts reading them into the page cache while the caller still works on
  // what it has. It holds no memory of hort's, and where there is no such
  // cache (object stores, REST servers) it does nothing, so callers may give
  // it freely. Never fails; length 0 means to the end.
  virtual void Prefetch(const Handle& /*h*/, uint64_t /*offset*/, uint64_t /*length*/) {}
  // These bytes will be read once, soon: where every read is a request they
  // are fetched now, on a thread of their own, and held in memory until that
  // read takes them (objstore/wrappers.h, NewReadAheadStore); elsewhere this
  // is Prefetch. Each one held is memory, so callers ask for a few, where
  // they would otherwise wait. Never fails; length 0 means to the end.
  virtual void ReadAhead(const Handle& h, uint64_t offset, uint64_t length) { Prefetch(h, offset, length); }
  // Streaming writes, where the storage can take them without holding the
  // whole file in memory (local folders, S3); nullptr: use Save.
  // `tree_pack`: a pack of tree blobs, which a local cache wants whole
  // (Handle::tree_pack), so it may answer nullptr for those.
  [[nodiscard]] virtual std::unique_ptr<BackendUpload> BeginUpload(FileType /*type*/, bool /*tree_pack*/) {
    return nullptr;
  }

  // Creates the repository layout; fails with kAlreadyExists if a config exists.
  virtual Status Create() = 0;
  // Stores `data` under `h` atomically: readers see all of it or nothing.
  virtual Status Save(const Handle& h, std::span<const uint8_t> data) = 0;
  // Reads `length` bytes from `offset`; length 0 means to the end.
  // A missing object is kNotFound.
  virtual Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset = 0,
                                            uint64_t length = 0) = 0;
  // Size of a stored object; kNotFound if missing.
  virtual Result<uint64_t> Stat(const Handle& h) = 0;
  // Calls fn(name, size) for every object of the type whose name is an ID
  // (IsRepositoryFileName): restic's repository skips other names (its List
  // drops what ParseID refuses), so a stray "index/README" or
  // "snapshots/<id>.orig" is no part of the repository for either tool.
  virtual Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) = 0;
  virtual Status Remove(const Handle& h) = 0;
  // Reads exactly out.size() bytes from `offset` into `out`: a reader that
  // streams a file through one buffer (a pack, 4 MiB at a time) then does
  // not get a fresh, zero-filled allocation per piece. Corruption when the
  // object is shorter.
  virtual Status LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out);
  // Like Load, for data worth keeping locally (tree packs): a caching
  // backend fetches and keeps the whole object. Others just Load.
  virtual Result<std::vector<uint8_t>> LoadCached(const Handle& h, uint64_t offset, uint64_t length) {
    return Load(h, offset, length);
  }
  // The files writers killed before their rename left behind
  // (objstore/object_store.h StagedFile); none where nothing is staged
  // visibly (S3, REST: rclone's own temporaries are its business).
  [[nodiscard]] virtual Status ListStaged(const StagedFn& /*fn*/) { return Status::Ok(); }
  [[nodiscard]] virtual Status RemoveStaged(const std::string& name) {
    return Status(Code::kInvalidArgument, name + " is not a staged file of " + Location());
  }
};

// The request counters of one location (objstore/wrappers.h).
using BackendMetrics = StoreMetrics;

// Options that shape how a location is opened (restic's -o key=value,
// --cacert, --insecure-tls, the credential source: objstore/open_store.h),
// plus the local cache.
struct BackendOptions : StoreOptions {
  std::string cache_dir;  // remote backends: local cache of index, snapshots, tree packs ("" = none)
  // restic's --limit-upload/--limit-download in KiB/s (0 = unlimited), for every backend.
  int64_t limit_upload_kib = 0;
  int64_t limit_download_kib = 0;
};

// Opens a backend from a restic-style location: a path, `local:PATH`,
// `s3:http(s)://host[:port]/bucket[/prefix]`, `rest:http(s)://[user:pass@]host[:port]/[path]`.
// The location as messages may show it: a REST URL's password left out
// (rest:https://user@host/path), everything else as given.
[[nodiscard]] std::string LocationWithoutPassword(const std::string& location);

// One spelling of a remote location's place, to tell whether two locations
// are one repository: s3: as OpenStore parses it (https by default, no
// trailing '/'), rest: without user and password and with the one trailing
// '/' the REST backend sends; scheme and host in lower case, as DNS ignores
// case. Anything else, or a location that does not parse, comes back as given.
[[nodiscard]] std::string RemoteLocationKey(const std::string& location);

// S3 and REST locations: read over the network, cached locally (OpenBackend).
[[nodiscard]] bool IsRemoteLocation(const std::string& location);
[[nodiscard]] Result<std::unique_ptr<Backend>> OpenBackend(const std::string& location,
                                                           const BackendOptions& options = {});

// restic's layout on a local folder, in memory, in an S3 bucket.
[[nodiscard]] std::unique_ptr<Backend> NewLocalBackend(const std::string& path);
[[nodiscard]] std::unique_ptr<Backend> NewMemBackend();
[[nodiscard]] std::unique_ptr<Backend> NewS3Backend(S3Config config);
[[nodiscard]] std::unique_ptr<Backend> NewRestBackend(const std::string& base_url, HttpOptions http,
                                                      const std::string& display);

// The store wrappers (objstore/wrappers.h) around a backend: restic's layout
// over the wrapped store when `inner` is one (no double mapping), else over
// `inner` seen as a store (REST).
[[nodiscard]] std::unique_ptr<Backend> NewRetryBackend(std::unique_ptr<Backend> inner, RetryPolicy policy = {});
[[nodiscard]] std::unique_ptr<Backend> NewLimitBackend(std::unique_ptr<Backend> inner, int connections);
[[nodiscard]] std::unique_ptr<Backend> NewMetricsBackend(std::unique_ptr<Backend> inner, BackendMetrics* metrics);
[[nodiscard]] std::unique_ptr<Backend> NewFaultBackend(std::unique_ptr<Backend> inner, double rate, uint32_t seed);

// At most `upload`/`download` bytes per second through the backend, each a
// token bucket holding one second's worth (restic's static limiter); 0 = unlimited.
[[nodiscard]] std::unique_ptr<Backend> NewRateLimitBackend(std::unique_ptr<Backend> inner, uint64_t upload,
                                                           uint64_t download);

// Keeps index files, snapshots and tree packs of a remote repository in `dir`.
[[nodiscard]] std::unique_ptr<Backend> NewCacheBackend(std::unique_ptr<Backend> inner, const std::string& dir);

}  // namespace hort
