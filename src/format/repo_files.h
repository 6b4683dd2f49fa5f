// Codecs for the small repository files: config, key files, locks, index.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "format/gojson.h"
#include "format/id.h"
#include "util/status.h"

namespace hort {

struct RepoConfig {
  int version = 2;
  std::string id;  // hex
  uint64_t chunker_polynomial = 0;
};
[[nodiscard]] std::string EncodeConfig(const RepoConfig& c);
[[nodiscard]] Result<RepoConfig> DecodeConfig(std::string_view json);

// keys/<id>: plaintext JSON; `data` is the encrypted master key.
struct KeyFile {
  gojson::Timestamp created;
  std::string username, hostname;
  std::string kdf = "scrypt";
  uint64_t n = 0;
  uint32_t r = 0, p = 0;
  std::vector<uint8_t> salt;
  std::vector<uint8_t> data;
};
[[nodiscard]] std::string EncodeKeyFile(const KeyFile& k);
[[nodiscard]] Result<KeyFile> DecodeKeyFile(std::string_view json);

// The master key JSON inside a key file's `data`.
struct MasterKeyJson {
  std::vector<uint8_t> mac_k, mac_r, encrypt;
};
[[nodiscard]] std::string EncodeMasterKey(const MasterKeyJson& m);
[[nodiscard]] Result<MasterKeyJson> DecodeMasterKey(std::string_view json);

struct LockFile {
  gojson::Timestamp time;
  bool exclusive = false;
  std::string hostname, username;
  int64_t pid = 0;
  uint32_t uid = 0, gid = 0;
  // hort's own field (restic ignores it): the writer's PID namespace on
  // this boot of this machine, "<boot_id>:<inode of /proc/self/ns/pid>";
  // empty when unknown. Only with it does "PID gone" on this host name mean
  // the writer is gone: a container sharing the host name has PIDs of its
  // own, and a second machine of the same name (a clone) the same inodes.
  std::string pid_namespace;
  // hort's own field too: the Kubernetes container the writer ran in,
  // "<pod uid>/<container name>" (HORT_POD_UID, HORT_CONTAINER_NAME, set by
  // the rendered manifests); empty outside one. The kubelet runs one
  // instance of a pod's container at a time, so a lock of this container
  // written in another PID namespace is a previous instance's: dead.
  std::string container;
};
[[nodiscard]] std::string EncodeLock(const LockFile& l);
[[nodiscard]] Result<LockFile> DecodeLock(std::string_view json);

enum class BlobType : uint8_t { kData = 0, kTree = 1 };
[[nodiscard]] const char* BlobTypeName(BlobType t);

struct IndexBlob {
  Id id;
  BlobType type = BlobType::kData;
  uint32_t offset = 0;
  uint32_t length = 0;               // stored (encrypted) length
  uint32_t uncompressed_length = 0;  // 0 = stored uncompressed
  bool operator==(const IndexBlob&) const = default;
};

struct IndexPack {
  Id id;
  std::vector<IndexBlob> blobs;
  bool operator==(const IndexPack&) const = default;
};

struct IndexFile {
  std::vector<Id> supersedes;
  std::vector<IndexPack> packs;
  bool operator==(const IndexFile&) const = default;
};
[[nodiscard]] std::string EncodeIndex(const IndexFile& idx);
// The same text in pieces (one per pack), for writers that compress as they
// go instead of holding the whole text (~150 bytes per blob) at once.
void EncodeIndexPieces(const IndexFile& idx, const std::function<void(std::string_view)>& sink);
[[nodiscard]] Result<IndexFile> DecodeIndex(std::string_view json);

}  // namespace hort
