// Every path of a restore is resolved below its target without following a
// symbolic link on the way (issue #25): a directory swapped for a link while
// the restore runs makes the operations below it fail instead of writing
// where the link points. Each operation goes through a descriptor of the
// item's directory, opened from the target's descriptor with openat2(2)
// (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), or with one openat(O_NOFOLLOW) per
// component where the kernel lacks openat2; the item's own name is then used
// with the *at calls, none of which follows a link at the end.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "restorer/restore_item.h"
#include "util/status.h"

namespace hort::restore_internal {

// Owns one file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  [[nodiscard]] int get() const { return fd_; }
  void Reset();

 private:
  int fd_ = -1;
};

class TargetRoot {
 public:
  // Opens the target (which may itself be a link, as restic allows).
  [[nodiscard]] Status Open(const std::string& target);
  [[nodiscard]] int fd() const { return root_.get(); }
  // Opens the directory `rel` ("a/b", never empty) below the target as an
  // O_PATH descriptor into `out`. Returns 0 or the errno: ELOOP, ENOTDIR or
  // EXDEV when a component is not a directory.
  [[nodiscard]] int OpenDir(const std::string& rel, Fd* out) const;
  // Tests: resolve one component at a time, as on a kernel without openat2.
  void ForceWalkForTests() { walk_only_ = true; }

 private:
  int Walk(const std::string& rel, Fd* out) const;
  Fd root_;
  bool walk_only_ = false;
};

// The directory descriptor of the items' parent, kept while the next items
// share it (each thread or loop has its own: one open per directory run
// instead of one per item).
class DirCursor {
 public:
  DirCursor(const TargetRoot& root, const ItemTree& tree) : root_(root), tree_(tree) {}
  // The descriptor of the directory holding `it`; the error names the
  // directory and says that nothing is written below it.
  [[nodiscard]] Result<int> DirOf(const Item& it);

 private:
  const TargetRoot& root_;
  const ItemTree& tree_;
  uint32_t parent_ = kTopLevel;
  Fd fd_;
};

// The item operations of a restore, each relative to the item's directory
// descriptor `dir`; `tree` gives the item's full path for messages (built
// only when there is one: these run once per item of a million).
[[nodiscard]] Status MakeDirAt(int dir, const Item& it, const ItemTree& tree);
// Symlinks, FIFOs and devices, replacing whatever is at the name.
[[nodiscard]] Status MakeSpecialAt(int dir, const Item& it, const ItemTree& tree);
// Owner, mode, extended attributes and times; each failure goes to `fail`.
// Files and directories through a descriptor opened without following the
// name (one open, then calls on the descriptor, which resolve no path);
// other items, and items that cannot be opened for reading, by name.
void SetMetadataAt(int dir, const Item& it, const ItemTree& tree, const std::function<void(const Status&)>& fail);
// The same through a descriptor of the item itself (a file just written).
void SetMetadataOn(int fd, const Item& it, const ItemTree& tree, const std::function<void(const Status&)>& fail);

}  // namespace hort::restore_internal
