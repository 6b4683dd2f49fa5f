#include "volumes/layout.h"

#include <openssl/sha.h>

#include "crypto/crypto.h"
#include "util/hex.h"

namespace hort::volumes {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool IsNameChar(char c) { return IsNameStart(c) || c == '_' || c == '.' || c == '-'; }
bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

std::string_view Basename(std::string_view key) {
  const size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

// The file name of `key` between `prefix` and `suffix` when its folder is
// `folder` (the component right above the name), else nullopt.
std::optional<std::string> NameBetween(std::string_view key, std::string_view folder, std::string_view prefix,
                                       std::string_view suffix) {
  const std::string_view base = Basename(key);
  if (key.size() < base.size() + folder.size() + 1) return std::nullopt;
  const std::string_view parent = key.substr(0, key.size() - base.size() - 1);
  if (parent.size() < folder.size() || parent.substr(parent.size() - folder.size()) != folder) return std::nullopt;
  if (parent.size() > folder.size() && parent[parent.size() - folder.size() - 1] != '/') return std::nullopt;
  if (base.size() <= prefix.size() + suffix.size() || !base.starts_with(prefix) || !base.ends_with(suffix)) {
    return std::nullopt;
  }
  return std::string(base.substr(prefix.size(), base.size() - prefix.size() - suffix.size()));
}

}  // namespace

bool IsValidName(std::string_view name) {
  if (name.size() < 2 || !IsNameStart(name[0])) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

bool IsValidVolumeName(std::string_view name) { return name.size() <= kMaxVolumeNameLength && IsValidName(name); }

Status CheckVolumeName(std::string_view name) {
  if (IsValidVolumeName(name)) return Status::Ok();
  return Status(Code::kInvalidArgument, "volume name \"" + std::string(name) +
                                            "\" is not a Longhorn volume name (letters, digits, '_', '.', '-'; "
                                            "starting with a letter or digit; 2 to 64 characters)");
}

Status CheckBackupName(std::string_view name) {
  if (IsValidName(name)) return Status::Ok();
  return Status(Code::kInvalidArgument, "backup name \"" + std::string(name) +
                                            "\" is not a Longhorn backup name (letters, digits, '_', '.', '-'; "
                                            "starting with a letter or digit; at least 2 characters)");
}

bool IsBackupFileName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

std::string LonghornChecksum(std::span<const uint8_t> data) {
  uint8_t digest[SHA512_DIGEST_LENGTH];
  SHA512(data.data(), data.size(), digest);
  return HexEncode(std::span<const uint8_t>(digest, kChecksumHexLength / 2));
}

bool IsBlockChecksum(std::string_view s) {
  if (s.size() != kChecksumHexLength) return false;
  for (char c : s) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

std::string GenerateName(std::string_view prefix) {
  uint8_t random[8];
  crypto::RandomBytes(random);
  return std::string(prefix) + "-" + HexEncode(random);
}

VolumeKeys::VolumeKeys(std::string base, std::string volume) : volume_(std::move(volume)) {
  const auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(volume_.data()), volume_.size());
  const std::string h = LonghornChecksum(bytes);
  dir_ = VolumesPrefix(base) + h.substr(0, 2) + "/" + h.substr(2, 2) + "/" + volume_ + "/";
}

std::string VolumeKeys::BackupConfig(std::string_view backup) const {
  return BackupsPrefix() + "backup_" + std::string(backup) + ".cfg";
}

std::string VolumeKeys::Block(std::string_view c) const {
  return BlocksPrefix() + std::string(c.substr(0, 2)) + "/" + std::string(c.substr(2, 2)) + "/" + std::string(c) +
         ".blk";
}

std::string VolumeKeys::Lock(std::string_view lock_name) const { return LocksPrefix() + std::string(lock_name) + ".lck"; }

std::string VolumesPrefix(const std::string& base) { return base + "backupstore/volumes/"; }

std::optional<std::string> BackupNameOfKey(std::string_view key) { return NameBetween(key, "backups", "backup_", ".cfg"); }

std::optional<std::string> BlockChecksumOfKey(std::string_view key) {
  const std::string_view base = Basename(key);
  if (!base.ends_with(".blk")) return std::nullopt;
  auto c = std::optional<std::string>(base.substr(0, base.size() - 4));
  if (!IsBlockChecksum(*c)) return std::nullopt;
  // blocks/<c0c1>/<c2c3>/<c>.blk
  const std::string want = "blocks/" + c->substr(0, 2) + "/" + c->substr(2, 2) + "/" + *c + ".blk";
  if (key.size() < want.size() || key.substr(key.size() - want.size()) != want) return std::nullopt;
  return c;
}

std::optional<std::string> LockNameOfKey(std::string_view key) { return NameBetween(key, "locks", "", ".lck"); }

bool IsTempLeftover(std::string_view key) {
  const std::string_view base = Basename(key);
  const size_t at = base.rfind(".tmp.");
  if (at == std::string_view::npos || at == 0 || at + 5 >= base.size()) return false;
  for (char c : base.substr(at + 5)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace hort::volumes
