// The key-addressed object store: the storage seam under every format hort
// writes. restic's repository layout (backend/), Velero's tarballs and
// Longhorn's backupstore are each a mapping from their own names to keys on
// one ObjectStore, so a local folder, an S3 bucket and the wrappers (retry,
// limit, metrics, fault) are written once for all of them.
//
// Keys are relative, '/'-separated paths such as `data/ab/abcd…` or
// `backupstore/volumes/ab/cd/vol/volume.cfg`: no leading '/', no empty, `.`
// or `..` component (ValidateKey). Save replaces an object atomically:
// readers see the old bytes or the new ones, never a mix, never a prefix.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.h"
#include "util/status.h"

namespace hort {

// The SHA-256 of an object's bytes when its writer already knows it (a
// pack is named by it): a store that must send one (S3's signed payload
// hash) then does not hash the object again.
using KnownSha256 = std::optional<crypto::Sha256Digest>;

// An object written piece by piece and named only when complete (a pack,
// whose name is the hash of its content): nothing is visible under any key
// before Commit, and an upload dropped without Commit leaves nothing behind.
class ObjectUpload {
 public:
  virtual ~ObjectUpload() = default;
  [[nodiscard]] virtual Status Append(std::span<const uint8_t> data) = 0;
  [[nodiscard]] virtual Status Commit(const std::string& key, const KnownSha256& sha256) = 0;
  // False when the next Append only buffers (S3 below a part): the limit
  // wrapper then lets it through without waiting for a connection.
  [[nodiscard]] virtual bool NextAppendSends() const { return true; }
};

// Called once per listed object with its key and size.
using ListFn = std::function<void(const std::string& key, uint64_t size)>;

// A file a writer stages before it becomes an object (a local folder's
// `.hort-tmp-*`): a writer killed before its rename leaves it behind, and
// only check (lists) and prune (removes the old ones) ever see it.
struct StagedFile {
  std::string name;      // relative to the store, e.g. "data/3f/.hort-tmp-0123abcd"
  uint64_t size = 0;
  int64_t modified = 0;  // Unix seconds by the store's clock
};
using StagedFn = std::function<void(const StagedFile&)>;

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Properties -------------------------------------------------------------
  // A short description for messages, never containing credentials.
  [[nodiscard]] virtual std::string Location() const = 0;
  // How many requests may usefully run at once.
  [[nodiscard]] virtual int Connections() const { return 2; }
  // True when a saved object is listed by every later List() (a local POSIX
  // filesystem). restic's lock protocol then needs no settle time.
  [[nodiscard]] virtual bool ListsConsistently() const { return false; }
  // True when reading part of an object costs no more than its share of the
  // whole (a local folder): readers may then stream an object in pieces.
  // Object stores answer every range with a request of its own.
  [[nodiscard]] virtual bool CheapRangeReads() const { return false; }
  // How many data packs a backup fills at once: see Backend::DataPacksAtOnce.
  [[nodiscard]] virtual int DataPacksAtOnce() const { return 1; }
  // True when a streamed upload is visible at Commit but durable only later
  // (a local folder's SyncBatch): see Backend::PacksMayBeCutShort.
  [[nodiscard]] virtual bool PacksMayBeCutShort() const { return false; }
  // A hint that these bytes will be read soon (local: the kernel starts
  // reading them into the page cache); it holds no memory of hort's and does
  // nothing where there is no such cache. Never fails; length 0: to the end.
  virtual void Prefetch(const std::string& /*key*/, uint64_t /*offset*/, uint64_t /*length*/) {}
  // These bytes will be read once, soon: fetched now and held for that read
  // where every read is a request (NewReadAheadStore), else Prefetch. See
  // Backend::ReadAhead.
  virtual void ReadAhead(const std::string& key, uint64_t offset, uint64_t length) { Prefetch(key, offset, length); }

  // Writing ----------------------------------------------------------------
  // Makes the store usable: creates the folder or bucket if it is missing
  // (no error if it exists) and, where the store has real folders, the
  // `folders` below it (restic expects data/00…data/ff in a local folder).
  [[nodiscard]] virtual Status Create(std::span<const std::string> folders) = 0;
  // Stores `data` under `key` atomically, replacing an existing object.
  [[nodiscard]] virtual Status Save(const std::string& key, std::span<const uint8_t> data) = 0;
  // Streaming writes where the store takes them without holding the whole
  // object in memory (local folders); nullptr: use Save. `folder` is where
  // the key will be (e.g. "data"), so a local store stages the object on
  // the filesystem it ends on.
  [[nodiscard]] virtual std::unique_ptr<ObjectUpload> BeginUpload(const std::string& /*folder*/) { return nullptr; }
  // Makes every committed upload durable where Commit only made it visible
  // (a local folder's SyncBatch, durable_file.h). Whoever saves or removes an
  // object that names an upload or relies on one calls this first (the
  // restic layout: before anything but a lock); a store whose Commit is
  // durable has nothing to do. Wrappers pass it on (ForwardingStore).
  [[nodiscard]] virtual Status SyncUploads() { return Status::Ok(); }
  // Removes an object. A missing one is kNotFound where the store can tell
  // (local, mem); S3 answers success, so callers must not rely on either.
  [[nodiscard]] virtual Status Remove(const std::string& key) = 0;

  // Reading ----------------------------------------------------------------
  // Reads `length` bytes from `offset`; length 0 means to the end. A missing
  // object is kNotFound, a range past its end kCorruption.
  [[nodiscard]] virtual Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset = 0,
                                                          uint64_t length = 0) = 0;
  // Reads exactly out.size() bytes from `offset` into the caller's buffer: a
  // reader streaming a pack through one buffer then gets no fresh, zeroed
  // allocation per piece. kCorruption when the object is shorter.
  [[nodiscard]] virtual Status LoadInto(const std::string& key, uint64_t offset, std::span<uint8_t> out);
  // Size of an object; kNotFound if missing.
  [[nodiscard]] virtual Result<uint64_t> Stat(const std::string& key) = 0;
  // When the object was last written, in Unix seconds by the store's clock
  // (a file's mtime, S3's Last-Modified): Longhorn's lock files expire by it.
  // kUnsupported where the store keeps no time (memory).
  [[nodiscard]] virtual Result<int64_t> ModifiedTime(const std::string& /*key*/) {
    return Status(Code::kUnsupported, "this store keeps no modification times");
  }
  // Calls fn(key, size) for every object whose key starts with `prefix`, at
  // any depth, in no particular order. Nothing found is not an error.
  [[nodiscard]] virtual Status List(const std::string& prefix, const ListFn& fn) = 0;

  // Staged files ---------------------------------------------------------
  // Calls fn for every staged file left in the store. Stores that stage
  // nothing visible (S3 multipart uploads, memory) have none.
  [[nodiscard]] virtual Status ListStaged(const StagedFn& /*fn*/) { return Status::Ok(); }
  // Removes one file ListStaged named; kInvalidArgument for any other name.
  [[nodiscard]] virtual Status RemoveStaged(const std::string& name) {
    return Status(Code::kInvalidArgument, name + " is not a staged file of " + Location());
  }
};

// kInvalidArgument unless `key` is a relative '/'-separated path without
// empty, `.` or `..` components. Every store checks the keys it is given,
// so a bad name can never reach outside the store's folder or prefix.
[[nodiscard]] Status ValidateKey(std::string_view key);
// Like ValidateKey for List's prefixes, which may also be empty or end in '/'.
[[nodiscard]] Status ValidatePrefix(std::string_view prefix);

// A folder on a POSIX filesystem, with durable writes (temporary file →
// fsync → read-only → rename → fsync of the folder; a streamed upload is
// renamed at Commit and fsynced in a batch before the store's next write or
// removal, SyncBatch); folders are created as needed.
[[nodiscard]] std::unique_ptr<ObjectStore> NewLocalStore(const std::string& path);
// In memory, for tests of the layers above storage.
[[nodiscard]] std::unique_ptr<ObjectStore> NewMemStore();

}  // namespace hort
