// Tree blobs: directory listings as restic writes them. Encoding is
// byte-identical to restic's so both tools produce the same tree IDs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "format/gojson.h"
#include "format/id.h"
#include "util/status.h"

namespace hort {

// Go os.FileMode bits that restic stores in `mode`.
namespace gomode {
inline constexpr uint32_t kDir = 1u << 31;
inline constexpr uint32_t kSymlink = 1u << 27;
inline constexpr uint32_t kDevice = 1u << 26;
inline constexpr uint32_t kNamedPipe = 1u << 25;
inline constexpr uint32_t kSocket = 1u << 24;
inline constexpr uint32_t kSetuid = 1u << 23;
inline constexpr uint32_t kSetgid = 1u << 22;
inline constexpr uint32_t kCharDevice = 1u << 21;
inline constexpr uint32_t kSticky = 1u << 20;
inline constexpr uint32_t kIrregular = 1u << 19;
inline constexpr uint32_t kPerm = 0777;
}  // namespace gomode

[[nodiscard]] uint32_t GoModeFromPosix(uint32_t st_mode);
[[nodiscard]] uint32_t PosixPermFromGoMode(uint32_t go_mode);  // perm + suid/sgid/sticky

struct ExtendedAttribute {
  std::string name;
  std::string value;  // raw bytes
  bool operator==(const ExtendedAttribute&) const = default;
};

struct Node {
  std::string name;  // raw bytes, unquoted
  std::string type;  // file, dir, symlink, dev, chardev, fifo, socket, irregular
  uint32_t mode = 0;
  gojson::Timestamp mtime, atime, ctime;
  uint32_t uid = 0, gid = 0;
  std::string user, group;
  uint64_t inode = 0, device_id = 0, size = 0, links = 0;
  std::string linktarget;
  std::vector<ExtendedAttribute> xattrs;
  std::string generic_attributes_json;  // kept verbatim from newer restic versions
  uint64_t device = 0;
  std::vector<Id> content;  // files only; encoded as [] for files, null otherwise
  std::optional<Id> subtree;
  std::string error;

  bool operator==(const Node&) const = default;
  [[nodiscard]] bool IsFile() const { return type == "file"; }
  [[nodiscard]] bool IsDir() const { return type == "dir"; }
};

// Appends the node as Go's json.Marshal of restic's Node would.
void EncodeNode(const Node& node, std::string* out);
// `{"nodes":[...]}\n` — nodes must already be sorted by name.
[[nodiscard]] std::string EncodeTree(const std::vector<Node>& nodes);
[[nodiscard]] Result<std::vector<Node>> DecodeTree(std::string_view json);

// A node name that could escape the restore target or is not a single path element.
[[nodiscard]] bool IsUnsafeNodeName(std::string_view name);

// Every name a single safe path element and the names strictly sorted (no
// duplicates), else kCorruption naming `tree`. What restore, ls, find, diff
// and the rest demand of a tree (LoadTree's TreeNames::kChecked), and what
// check reports, so check finds what restore refuses (issue #25).
[[nodiscard]] Status CheckTreeNames(const Id& tree, const std::vector<Node>& nodes);

}  // namespace hort
