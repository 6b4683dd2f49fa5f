// One member of a tar (or zip) archive as hort writes and reads it.
#pragma once

#include <cstdint>
#include <string>

namespace hort {

enum class EntryType { kFile, kDirectory, kSymlink, kOther };

struct ArchiveEntry {
  std::string path;  // as stored: relative, '/'-separated (e.g. "resources/pods/namespaces/a/p.json")
  EntryType type = EntryType::kFile;
  uint64_t size = 0;   // content bytes; files only
  uint32_t mode = 0;   // permission bits (07777)
  int64_t mtime_sec = 0;
  int32_t mtime_nsec = 0;
  int64_t uid = 0, gid = 0;
  std::string user, group;  // empty: not recorded
  std::string symlink;      // target; symlinks only
};

}  // namespace hort
