// Reading a filesystem entry's metadata into a restic Node.
#pragma once

#include <sys/stat.h>

#include <string>

#include "format/tree.h"
#include "util/status.h"

namespace hort {

// Fills everything but content/subtree from `st` and the path (xattrs, link
// target, user and group names), the way restic records it. Without
// `with_atime` the access time is recorded as the modification time (restic's
// default), so reading a tree does not change its tree ID.
[[nodiscard]] Status NodeFromStat(const std::string& path, const std::string& name, const struct stat& st,
                                  bool with_atime, Node* node);
// The same without the xattrs (node->xattrs is left as it is), and the
// xattrs alone: a backup takes an unchanged file's xattrs from its parent
// node instead of listing them again (see Backup::ProcessEntry).
[[nodiscard]] Status NodeFromStatWithoutXattrs(const std::string& path, const std::string& name,
                                               const struct stat& st, bool with_atime, Node* node);
[[nodiscard]] Status ReadXattrs(const std::string& path, Node* node);

[[nodiscard]] std::string UserName(uint32_t uid);
[[nodiscard]] std::string GroupName(uint32_t gid);

}  // namespace hort
