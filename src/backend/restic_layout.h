// restic's repository layout on an object store: the one place where a
// restic file (type + ID) becomes a key and back. Local folders, S3 buckets
// and memory hold restic repositories through it, and the store wrappers
// (retry, limit, metrics, fault) serve restic's REST backend through it too.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"
#include "objstore/object_store.h"

namespace hort {

inline constexpr FileType kAllFileTypes[] = {FileType::kConfig, FileType::kKey,  FileType::kSnapshot,
                                             FileType::kIndex,  FileType::kLock, FileType::kPack};

// "config", "keys/<id>", "snapshots/<id>", "index/<id>", "locks/<id>",
// "data/<first two hex digits>/<id>".
[[nodiscard]] std::string ResticKey(const Handle& h);
// The inverse of ResticKey; nullopt for keys that are no restic file.
[[nodiscard]] std::optional<Handle> ResticHandle(std::string_view key);
// What List(type) lists below: "config" or the type's folder with its '/'.
[[nodiscard]] std::string ResticPrefix(FileType type);
// The folders restic's init creates in a local repository, and restic
// expects there: keys, snapshots, index, locks, data, data/00 … data/ff.
[[nodiscard]] const std::vector<std::string>& ResticFolders();

// restic's layout on `store`.
[[nodiscard]] std::unique_ptr<Backend> NewResticBackend(std::unique_ptr<ObjectStore> store);

// The store under a backend: when `backend` is restic's layout on a store,
// that store (taken out, so nothing is mapped twice); otherwise `backend`
// seen as a store through ResticKey/ResticHandle (REST, test doubles).
[[nodiscard]] std::unique_ptr<ObjectStore> AsStore(std::unique_ptr<Backend> backend);
// `backend` seen as a store (for AsStore); keys outside restic's layout are
// kInvalidArgument, and it offers no streaming uploads.
[[nodiscard]] std::unique_ptr<ObjectStore> NewResticFilesStore(std::unique_ptr<Backend> backend);

}  // namespace hort
