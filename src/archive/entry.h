// One member of a tar (or zip) archive as hort writes and reads it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hort {

// Fifos and devices go into a tar; a zip has no such types.
enum class EntryType { kFile, kDirectory, kSymlink, kFifo, kCharDevice, kBlockDevice, kOther };

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
  uint64_t rdev = 0;        // devices only: the device number as stat(2) gives it
  // Extended attributes (name, value): a tar carries them in pax headers
  // (SCHILY.xattr.NAME, as restic's dump and GNU tar write them); a zip
  // has no place for them.
  std::vector<std::pair<std::string, std::string>> xattrs;
};

}  // namespace hort
