// volume.cfg and backup_<name>.cfg, Longhorn's two JSON files (Go structs
// Volume and Backup of longhorn/backupstore backupstore.go), read from any
// Longhorn version and written as Go writes them: fields in declaration
// order, int64 `,string` fields as decimal strings, and Volume's string
// `,string` fields JSON-encoded twice ("\"lz4\"").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace hort::volumes {

using Labels = std::map<std::string, std::string>;

struct VolumeConfig {
  std::string name;
  uint64_t size = 0;
  Labels labels;
  std::string created_time, last_backup_name, last_backup_at;
  uint64_t block_count = 0;
  std::string backing_image_name, backing_image_checksum, compression_method, storage_class_name, data_engine;
  // Keys this version does not know (a newer Longhorn's LinkedCloneSource…),
  // written back unchanged after the known ones so a rewrite loses nothing.
  nlohmann::ordered_json unknown = nlohmann::ordered_json::object();
};

struct BlockRef {
  uint64_t offset = 0;
  std::string checksum;
};

struct BackupConfig {
  std::string name, volume_name, snapshot_name, snapshot_created_at;
  std::string created_time;  // empty: a placeholder written when a backup starts
  uint64_t size = 0;         // blocks × block size
  Labels labels;
  std::optional<Labels> parameters;  // null in backups older than Longhorn 1.7
  bool is_incremental = false;
  std::string compression_method;
  uint64_t newly_uploaded_data_size = 0, re_uploaded_data_size = 0;
  // Longhorn leaks its in-memory ProcessingBlocks: {} in a full backup, null otherwise.
  bool processing_blocks_object = false;
  std::vector<BlockRef> blocks;  // the whole volume's map at this backup, sorted by offset
  std::string single_file_path;

  [[nodiscard]] bool InProgress() const { return created_time.empty(); }
};

// Parses a cfg; kCorruption with one line naming `what` (the key) when the
// JSON is damaged (a truncated file), a field has the wrong type, a number
// is absurd (sizes above kMaxVolumeSize) or a checksum is not 64 hex.
[[nodiscard]] Result<VolumeConfig> ParseVolumeConfig(std::string_view text, const std::string& what);
[[nodiscard]] Result<BackupConfig> ParseBackupConfig(std::string_view text, const std::string& what);
[[nodiscard]] std::string VolumeConfigJson(const VolumeConfig& v);
[[nodiscard]] std::string BackupConfigJson(const BackupConfig& b);

// The block size of a backup: Parameters["backup-block-size"] as decimal
// bytes ("2097152", what mgr writes) or a Kubernetes quantity ("2Mi",
// "16Mi"); absent, empty or zero means 2 MiB. Only 2 MiB and 16 MiB are
// accepted (mgr refuses other sizes too).
[[nodiscard]] Result<uint64_t> BlockSizeOf(const BackupConfig& b);
[[nodiscard]] Result<uint64_t> ParseBlockSize(std::string_view text);

// The documented field lists (docs/cli.md, "Volumes"), in Go's order, with
// the JSON type of each: what the format test compares hort's output with.
struct FieldSpec {
  const char* name;
  const char* json_type;  // "string", "object", "bool", "array", "object|null"
};
[[nodiscard]] const std::vector<FieldSpec>& VolumeConfigFields();
[[nodiscard]] const std::vector<FieldSpec>& BackupConfigFields();

// RFC 3339 in UTC with seconds, as Longhorn's util.Now() writes times.
[[nodiscard]] std::string LonghornTime(int64_t unix_seconds);

}  // namespace hort::volumes
