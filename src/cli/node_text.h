// How restic prints a tree node: Go's FileMode.String() and ls/find's long
// format, shared so both commands read as restic's.
#pragma once

#include <cstdio>
#include <string>

#include "cli/command.h"
#include "format/tree.h"

namespace hort::cli {

// Go's os.FileMode.String(): one letter per type bit in "dalTLDpSugct?", then rwx.
[[nodiscard]] inline std::string GoModeString(uint32_t mode) {
  static constexpr char kTypes[] = "dalTLDpSugct?";
  std::string s;
  for (int i = 0; kTypes[i]; ++i) {
    if (mode & (1u << (31 - i))) s += kTypes[i];
  }
  if (s.empty()) s = "-";
  static constexpr char kRwx[] = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) s += (mode & (1u << (8 - i))) ? kRwx[i] : '-';
  return s;
}

// restic's formatNode(path, node, long=true): mode, uid, gid, size, mtime, path, link target.
[[nodiscard]] inline std::string LongNodeLine(const std::string& path, const Node& n) {
  char head[96];
  std::snprintf(head, sizeof head, "%s %5u %5u %6llu ", GoModeString(n.mode).c_str(), n.uid, n.gid,
                static_cast<unsigned long long>(n.size));
  std::string line = head + FormatLocalTime(n.mtime) + " " + path;
  if (n.type == "symlink") line += " -> " + n.linktarget;
  return line;
}

}  // namespace hort::cli
