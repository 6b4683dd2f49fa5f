// What the restore keeps of every item until it ends. A million small files
// live here at once, so an item holds its own name (not its path: paths are
// rebuilt from the parent chain when a file is touched), its kind as one
// byte, and the fields few items have (link targets, device numbers, xattrs,
// hard-link identity) behind a pointer that is null for plain files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "format/gojson.h"
#include "format/id.h"
#include "format/tree.h"

namespace hort::restore_internal {

enum class Kind : uint8_t { kFile, kDir, kSymlink, kFifo, kBlockDevice, kCharDevice, kOther };

inline Kind KindOf(const std::string& type) {
  if (type == "file") return Kind::kFile;
  if (type == "dir") return Kind::kDir;
  if (type == "symlink") return Kind::kSymlink;
  if (type == "fifo") return Kind::kFifo;
  if (type == "dev") return Kind::kBlockDevice;
  if (type == "chardev") return Kind::kCharDevice;
  return Kind::kOther;  // sockets and irregular files cannot be recreated
}

struct ItemExtra {
  std::string linktarget;
  std::vector<ExtendedAttribute> xattrs;
  uint64_t device = 0;               // device number of block and character devices
  uint64_t inode = 0, device_id = 0;  // identity of a hard-linked file
};

inline constexpr uint32_t kTopLevel = UINT32_MAX;  // parent of the items directly in the target

struct Item {
  std::string name;
  uint32_t parent = kTopLevel;  // index of the directory item holding this one
  Kind kind = Kind::kOther;
  bool failed = false;
  bool created = false;  // files: created by the first write (guarded by a stripe lock)
  // files: some content could not be read or written (a damaged blob, a
  // full disk); the file is removed rather than left at its full size with
  // holes where the data should be (guarded by the same stripe lock).
  bool content_failed = false;
  bool counted = false;  // files: counted as done by the data stage (progress)
  bool metadata_set = false;  // files: set by their last write, through its descriptor
  uint16_t depth = 0;
  int32_t hardlink_of = -1;  // index of the file this one is a hard link to
  uint32_t mode = 0, uid = 0, gid = 0;
  uint32_t links = 0;
  gojson::Timestamp mtime, atime;
  uint64_t size = 0;           // files: the restored length
  uint64_t content_begin = 0;  // files: their blobs are contents[content_begin, + content_count)
  uint32_t content_count = 0;
  std::unique_ptr<ItemExtra> extra;

  [[nodiscard]] bool IsFile() const { return kind == Kind::kFile; }
  [[nodiscard]] bool IsDir() const { return kind == Kind::kDir; }
};

// Every item a restore selected, their blob IDs and where they land. Deques:
// a million items are never copied while the plan grows.
struct ItemTree {
  std::string target;       // absolute
  std::string snap_prefix;  // the snapshot path restored ("" for all of it)
  std::deque<Item> items;
  std::deque<Id> contents;  // every file's blob IDs, back to back

  // Adds the item for `n` (whose fields it takes) inside the item `parent`.
  void Append(Node&& n, uint32_t parent, int depth) {
    Item& it = items.emplace_back();
    it.name = std::move(n.name);
    it.parent = parent;
    it.kind = KindOf(n.type);
    it.depth = static_cast<uint16_t>(std::min(depth, 65535));
    it.mode = n.mode, it.uid = n.uid, it.gid = n.gid;
    it.links = static_cast<uint32_t>(std::min<uint64_t>(n.links, UINT32_MAX));
    it.mtime = n.mtime, it.atime = n.atime;
    it.content_begin = contents.size();
    it.content_count = static_cast<uint32_t>(n.content.size());
    for (const Id& id : n.content) contents.push_back(id);
    if (!n.linktarget.empty() || !n.xattrs.empty() || n.device != 0 || (it.IsFile() && n.links > 1)) {
      it.extra = std::make_unique<ItemExtra>(
          ItemExtra{std::move(n.linktarget), std::move(n.xattrs), n.device, n.inode, n.device_id});
    }
  }

  // "/dir/sub/name" below the target (and below the snapshot's subpath).
  [[nodiscard]] std::string RelativePath(const Item& it) const {
    std::vector<const std::string*> names;
    for (const Item* p = &it;; p = &items[p->parent]) {
      names.push_back(&p->name);
      if (p->parent == kTopLevel) break;
    }
    std::string out;
    for (auto n = names.rbegin(); n != names.rend(); ++n) out.append("/").append(**n);
    return out;
  }
  [[nodiscard]] std::string PathOf(const Item& it) const { return target + RelativePath(it); }
  [[nodiscard]] std::string SnapPath(const Item& it) const { return snap_prefix + RelativePath(it); }
};

}  // namespace hort::restore_internal
