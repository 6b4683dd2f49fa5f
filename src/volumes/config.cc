#include "volumes/config.h"

#include <ctime>

#include "volumes/layout.h"

namespace hort::volumes {
namespace {

using OJson = nlohmann::ordered_json;

Status Bad(const std::string& what, const std::string& why) {
  return Status(Code::kCorruption, what + ": " + why);
}

// Go's `,string` int64: a JSON string holding decimal digits (hort also
// takes a plain number). Values above kMaxVolumeSize are refused: no cfg
// Longhorn writes holds one, and every later sum must stay in range.
Result<uint64_t> ReadQuotedInt(const OJson& j, const char* key, const std::string& what) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return uint64_t{0};
  std::string text;
  if (it->is_string()) {
    text = it->get<std::string>();
  } else if (it->is_number_unsigned()) {
    text = std::to_string(it->get<uint64_t>());
  } else {
    return Bad(what, std::string(key) + " is not a decimal string");
  }
  if (text.empty() || text.size() > 19) return Bad(what, std::string(key) + " \"" + text + "\" is not a sane size");
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return Bad(what, std::string(key) + " \"" + text + "\" is not a decimal number");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > kMaxVolumeSize * 16) return Bad(what, std::string(key) + " " + text + " is absurdly large");
  return v;
}

Result<std::string> ReadString(const OJson& j, const char* key, const std::string& what) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Bad(what, std::string(key) + " is not a string");
  return it->get<std::string>();
}

// Go's `,string` on a string field: the value is itself JSON text of a
// string. Longhorn cannot read a singly quoted value; hort can.
Result<std::string> ReadDoubleQuoted(const OJson& j, const char* key, const std::string& what) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Bad(what, std::string(key) + " is not a string");
  const std::string& outer = it->get_ref<const std::string&>();
  if (outer.size() < 2 || outer[0] != '"') return std::string(outer);
  try {
    auto inner = OJson::parse(outer);
    if (inner.is_string()) return inner.get<std::string>();
  } catch (const std::exception&) {
  }
  return Bad(what, std::string(key) + " is not a quoted string");
}

Result<Labels> ReadMap(const OJson& j, const char* key, const std::string& what) {
  Labels out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_object()) return Bad(what, std::string(key) + " is not an object");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return Bad(what, std::string(key) + "." + k + " is not a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<OJson> ParseObject(std::string_view text, const std::string& what) {
  try {
    OJson j = OJson::parse(text);
    if (!j.is_object()) return Bad(what, "not a JSON object");
    return j;
  } catch (const std::exception&) {
    return Bad(what, "not valid JSON (truncated or damaged)");
  }
}

OJson LabelsJson(const Labels& labels) {
  OJson out = OJson::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

std::string DoubleQuote(const std::string& s) { return OJson(s).dump(); }

std::string Dump(const OJson& j) { return j.dump(-1, ' ', false, OJson::error_handler_t::replace); }

}  // namespace

Result<VolumeConfig> ParseVolumeConfig(std::string_view text, const std::string& what) {
  HORT_ASSIGN_OR_RETURN(OJson j, ParseObject(text, what));
  VolumeConfig v;
  HORT_ASSIGN_OR_RETURN(v.name, ReadString(j, "Name", what));
  HORT_ASSIGN_OR_RETURN(v.size, ReadQuotedInt(j, "Size", what));
  if (v.size > kMaxVolumeSize) return Bad(what, "Size " + std::to_string(v.size) + " is absurdly large");
  HORT_ASSIGN_OR_RETURN(v.labels, ReadMap(j, "Labels", what));
  HORT_ASSIGN_OR_RETURN(v.created_time, ReadString(j, "CreatedTime", what));
  HORT_ASSIGN_OR_RETURN(v.last_backup_name, ReadString(j, "LastBackupName", what));
  HORT_ASSIGN_OR_RETURN(v.last_backup_at, ReadString(j, "LastBackupAt", what));
  HORT_ASSIGN_OR_RETURN(v.block_count, ReadQuotedInt(j, "BlockCount", what));
  HORT_ASSIGN_OR_RETURN(v.backing_image_name, ReadDoubleQuoted(j, "BackingImageName", what));
  HORT_ASSIGN_OR_RETURN(v.backing_image_checksum, ReadDoubleQuoted(j, "BackingImageChecksum", what));
  HORT_ASSIGN_OR_RETURN(v.compression_method, ReadDoubleQuoted(j, "CompressionMethod", what));
  HORT_ASSIGN_OR_RETURN(v.storage_class_name, ReadDoubleQuoted(j, "StorageClassName", what));
  HORT_ASSIGN_OR_RETURN(v.data_engine, ReadDoubleQuoted(j, "DataEngine", what));
  for (const auto& [k, val] : j.items()) {
    bool known = false;
    for (const FieldSpec& f : VolumeConfigFields()) known |= k == f.name;
    if (!known) v.unknown[k] = val;
  }
  return v;
}

std::string VolumeConfigJson(const VolumeConfig& v) {
  OJson j = OJson::object();
  j["Name"] = v.name;
  j["Size"] = std::to_string(v.size);
  j["Labels"] = LabelsJson(v.labels);
  j["CreatedTime"] = v.created_time;
  j["LastBackupName"] = v.last_backup_name;
  j["LastBackupAt"] = v.last_backup_at;
  j["BlockCount"] = std::to_string(v.block_count);
  j["BackingImageName"] = DoubleQuote(v.backing_image_name);
  j["BackingImageChecksum"] = DoubleQuote(v.backing_image_checksum);
  j["CompressionMethod"] = DoubleQuote(v.compression_method);
  j["StorageClassName"] = DoubleQuote(v.storage_class_name);
  j["DataEngine"] = DoubleQuote(v.data_engine);
  for (const auto& [k, val] : v.unknown.items()) j[k] = val;
  return Dump(j);
}

Result<BackupConfig> ParseBackupConfig(std::string_view text, const std::string& what) {
  HORT_ASSIGN_OR_RETURN(OJson j, ParseObject(text, what));
  BackupConfig b;
  HORT_ASSIGN_OR_RETURN(b.name, ReadString(j, "Name", what));
  HORT_ASSIGN_OR_RETURN(b.volume_name, ReadString(j, "VolumeName", what));
  HORT_ASSIGN_OR_RETURN(b.snapshot_name, ReadString(j, "SnapshotName", what));
  HORT_ASSIGN_OR_RETURN(b.snapshot_created_at, ReadString(j, "SnapshotCreatedAt", what));
  HORT_ASSIGN_OR_RETURN(b.created_time, ReadString(j, "CreatedTime", what));
  HORT_ASSIGN_OR_RETURN(b.size, ReadQuotedInt(j, "Size", what));
  HORT_ASSIGN_OR_RETURN(b.labels, ReadMap(j, "Labels", what));
  if (auto it = j.find("Parameters"); it != j.end() && !it->is_null()) {
    HORT_ASSIGN_OR_RETURN(b.parameters, ReadMap(j, "Parameters", what));
  }
  if (auto it = j.find("IsIncremental"); it != j.end()) {
    if (!it->is_boolean()) return Bad(what, "IsIncremental is not a bool");
    b.is_incremental = it->get<bool>();
  }
  HORT_ASSIGN_OR_RETURN(b.compression_method, ReadString(j, "CompressionMethod", what));
  HORT_ASSIGN_OR_RETURN(b.newly_uploaded_data_size, ReadQuotedInt(j, "NewlyUploadedDataSize", what));
  HORT_ASSIGN_OR_RETURN(b.re_uploaded_data_size, ReadQuotedInt(j, "ReUploadedDataSize", what));
  if (auto it = j.find("ProcessingBlocks"); it != j.end()) b.processing_blocks_object = it->is_object();
  if (auto it = j.find("Blocks"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Bad(what, "Blocks is not an array");
    b.blocks.reserve(it->size());
    for (const auto& e : *it) {
      auto off = e.is_object() ? e.find("Offset") : e.end();
      auto sum = e.is_object() ? e.find("BlockChecksum") : e.end();
      if (off == e.end() || sum == e.end() || !sum->is_string()) return Bad(what, "a block entry lacks Offset or BlockChecksum");
      if (!off->is_number_unsigned() || off->get<uint64_t>() > kMaxVolumeSize) {
        return Bad(what, "block offset " + off->dump() + " is negative, not an integer or absurdly large");
      }
      BlockRef ref{off->get<uint64_t>(), sum->get<std::string>()};
      if (!IsBlockChecksum(ref.checksum)) return Bad(what, "block checksum \"" + ref.checksum + "\" is not 64 hex digits");
      b.blocks.push_back(std::move(ref));
    }
  }
  if (auto it = j.find("SingleFile"); it != j.end() && it->is_object()) {
    HORT_ASSIGN_OR_RETURN(b.single_file_path, ReadString(*it, "FilePath", what));
  }
  return b;
}

std::string BackupConfigJson(const BackupConfig& b) {
  OJson j = OJson::object();
  j["Name"] = b.name;
  j["VolumeName"] = b.volume_name;
  j["SnapshotName"] = b.snapshot_name;
  j["SnapshotCreatedAt"] = b.snapshot_created_at;
  j["CreatedTime"] = b.created_time;
  j["Size"] = std::to_string(b.size);
  // A placeholder's maps are nil in Go, hence null.
  j["Labels"] = b.InProgress() && b.labels.empty() ? OJson(nullptr) : LabelsJson(b.labels);
  j["Parameters"] = b.parameters ? LabelsJson(*b.parameters) : OJson(nullptr);
  j["IsIncremental"] = b.is_incremental;
  j["CompressionMethod"] = b.compression_method;
  j["NewlyUploadedDataSize"] = std::to_string(b.newly_uploaded_data_size);
  j["ReUploadedDataSize"] = std::to_string(b.re_uploaded_data_size);
  j["ProcessingBlocks"] = b.processing_blocks_object ? OJson::object() : OJson(nullptr);
  if (!b.blocks.empty()) {  // `json:",omitempty"`
    OJson blocks = OJson::array();
    for (const BlockRef& r : b.blocks) blocks.push_back(OJson{{"Offset", r.offset}, {"BlockChecksum", r.checksum}});
    j["Blocks"] = std::move(blocks);
  }
  j["SingleFile"] = OJson{{"FilePath", b.single_file_path}};
  return Dump(j);
}

Result<uint64_t> ParseBlockSize(std::string_view text) {
  if (text.empty() || text == "0") return kDefaultBlockSize;
  uint64_t unit = 1;
  std::string_view digits = text;
  if (text.ends_with("Mi")) {
    unit = uint64_t{1} << 20;
    digits.remove_suffix(2);
  } else if (text.ends_with("Ki")) {
    unit = uint64_t{1} << 10;
    digits.remove_suffix(2);
  }
  uint64_t n = 0;
  if (digits.empty() || digits.size() > 12) return Status(Code::kInvalidArgument, "block size \"" + std::string(text) + "\" is not a size");
  for (char c : digits) {
    if (c < '0' || c > '9') return Status(Code::kInvalidArgument, "block size \"" + std::string(text) + "\" is not a size");
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  n *= unit;
  if (n == 0) return kDefaultBlockSize;
  if (n != kDefaultBlockSize && n != kLargeBlockSize) {
    return Status(Code::kInvalidArgument, "block size " + std::string(text) + " is neither 2 MiB nor 16 MiB");
  }
  return n;
}

Result<uint64_t> BlockSizeOf(const BackupConfig& b) {
  if (!b.parameters) return kDefaultBlockSize;
  auto it = b.parameters->find("backup-block-size");
  if (it == b.parameters->end()) return kDefaultBlockSize;
  auto size = ParseBlockSize(it->second);
  if (!size.ok()) return Status(Code::kCorruption, "backup " + b.name + ": " + size.status().message());
  return size;
}

const std::vector<FieldSpec>& VolumeConfigFields() {
  static const std::vector<FieldSpec> kFields = {
      {"Name", "string"}, {"Size", "string"}, {"Labels", "object"}, {"CreatedTime", "string"},
      {"LastBackupName", "string"}, {"LastBackupAt", "string"}, {"BlockCount", "string"},
      {"BackingImageName", "string"}, {"BackingImageChecksum", "string"}, {"CompressionMethod", "string"},
      {"StorageClassName", "string"}, {"DataEngine", "string"}};
  return kFields;
}

const std::vector<FieldSpec>& BackupConfigFields() {
  static const std::vector<FieldSpec> kFields = {
      {"Name", "string"}, {"VolumeName", "string"}, {"SnapshotName", "string"}, {"SnapshotCreatedAt", "string"},
      {"CreatedTime", "string"}, {"Size", "string"}, {"Labels", "object|null"}, {"Parameters", "object|null"},
      {"IsIncremental", "bool"}, {"CompressionMethod", "string"}, {"NewlyUploadedDataSize", "string"},
      {"ReUploadedDataSize", "string"}, {"ProcessingBlocks", "object|null"}, {"Blocks", "array"},
      {"SingleFile", "object"}};
  return kFields;
}

std::string LonghornTime(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace hort::volumes
