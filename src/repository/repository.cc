// The blob store: blobs saved into packs (encoded, sealed, packed, the full
// packs stored in the background and indexed) and loaded from them. This is
// the per-blob path of backup, restore and check, kept in one file so the
// compiler sees all of it (the build has no LTO); what runs once per
// command or per file of the repository is in keys_and_config.cc,
// unpacked_files.cc and snapshots.cc.
#include "repository/repository.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "util/crash_point.h"

namespace hort {
namespace {

constexpr size_t kPackHeaderRoom = 64u << 10;  // the encrypted header appended at the end

}  // namespace

Repository::~Repository() = default;

bool Repository::Compresses(BlobType type, std::span<const uint8_t> plaintext) const {
  const bool compress = config_.version >= 2 && (compression_ != CompressionMode::kOff || type == BlobType::kTree);
  return compress && !(type == BlobType::kData && compression_ == CompressionMode::kAuto && LooksIncompressible(plaintext));
}

std::vector<uint8_t> Repository::Encode(BlobType type, std::span<const uint8_t> plaintext, uint32_t* uncompressed) const {
  *uncompressed = 0;
  if (!Compresses(type, plaintext)) return CopyWithRoom(plaintext, crypto::kIvSize, crypto::kMacSize);
  // Compressed straight into a buffer with room for IV and MAC, then sealed in place.
  *uncompressed = static_cast<uint32_t>(plaintext.size());
  return ZstdCompress(plaintext, compression_ == CompressionMode::kMax ? CompressionMode::kMax : CompressionMode::kAuto,
                      crypto::kIvSize, crypto::kMacSize);
}

uint64_t Repository::StoredSize(BlobType type, std::span<const uint8_t> plaintext) const {
  if (!Compresses(type, plaintext)) return plaintext.size() + crypto::kOverhead + PackEntrySize(false);  // no copy to measure
  uint32_t uncompressed = 0;
  return Encode(type, plaintext, &uncompressed).size() + PackEntrySize(true);
}

Result<bool> Repository::SaveBlob(BlobType type, const Id& id, std::span<const uint8_t> plaintext, bool force,
                                  uint64_t* stored_size) {
  {
    std::lock_guard lock(pending_mu_);
    if ((!force && index_.Has(id, type)) || !pending_.insert(id).second) return false;
  }
  uint32_t uncompressed = 0;
  std::vector<uint8_t> stored = Encode(type, plaintext, &uncompressed);
  key_.SealInPlace(&stored);
  (type == BlobType::kTree ? stats_.tree_blobs : stats_.data_blobs)++;
  stats_.data_added += plaintext.size();
  const uint64_t in_pack = stored.size() + PackEntrySize(uncompressed != 0);
  stats_.data_added_packed += in_pack;
  if (stored_size) *stored_size = in_pack;

  Packer& p = PackerFor(type);
  OpenPack full;
  OpenPack abandoned;  // ended after the packer's lock: its upload may still send a request
  {
    std::lock_guard lock(p.mu);
    // A pack never grows past the target: a blob that does not fit closes
    // the pack and starts the next.
    if (p.pack.size > 0 && p.pack.size + stored.size() > pack_target_size_) std::swap(full, p.pack);
    PackEntry e{id, type, static_cast<uint32_t>(p.pack.size), static_cast<uint32_t>(stored.size()), uncompressed};
    Status appended = AppendToPack(p.pack, type, std::move(stored));
    if (!appended.ok()) {
      // A partly written blob would shift every later offset: the whole
      // open pack is dropped (its temporary file removed) and its blobs
      // forgotten, so nothing can point into it; the caller fails.
      std::lock_guard plock(pending_mu_);
      for (const PackEntry& dropped : p.pack.entries) pending_.erase(dropped.id);
      pending_.erase(id);
      abandoned = std::exchange(p.pack, OpenPack{});
      return appended;
    }
    p.pack.entries.push_back(e);
  }
  if (!full.entries.empty()) HORT_RETURN_IF_ERROR(ClosePack(std::move(full)));
  return true;
}

Repository::Packer& Repository::PackerFor(BlobType type) {
  if (type == BlobType::kTree) return packers_[1];
  if (data_packers_ == 1) return packers_[0];
  // Each thread keeps its lane: threads started one after another (a
  // pool's workers) get different ones.
  static std::atomic<unsigned> next_lane{0};
  thread_local const unsigned lane = next_lane++;
  const size_t data = lane % data_packers_;
  return packers_[data == 0 ? 0 : data + 1];
}

Status Repository::AppendToPack(OpenPack& pack, BlobType type, std::vector<uint8_t> stored) {
  size_t size = stored.size();
  if (pack.size == 0) {
    // Each packer holds blobs of one type, so its first blob says what the pack is.
    if (auto upload = backend_->BeginUpload(FileType::kPack, type == BlobType::kTree)) {
      pack.stream = std::make_unique<PackStream>(std::move(upload));
    }
  }
  if (pack.stream) {
    HORT_RETURN_IF_ERROR(pack.stream->Push(std::move(stored)));
  } else {
    if (pack.data.empty()) pack.data.reserve(std::max<size_t>(pack_target_size_, size) + kPackHeaderRoom);
    pack.data.insert(pack.data.end(), stored.begin(), stored.end());
  }
  pack.size += size;
  return Status::Ok();
}

Status Repository::ClosePack(OpenPack pack) {
  if (pack.stream) {  // Start refuses it after a failed commit
    auto held = std::make_shared<OpenPack>(std::move(pack));  // a std::function must be copyable
    return commits_.Start([this, held] { return FinishPack(std::move(*held)); });
  }
  // After a failed commit nothing more is stored, held in memory or not.
  HORT_RETURN_IF_ERROR(commits_.Failure());
  return FinishPack(std::move(pack));
}

Status Repository::FinishPack(OpenPack pack) {
  auto header = EncodePackHeader(pack.entries, key_);
  Id pack_id;
  if (pack.stream) {
    HORT_ASSIGN_OR_RETURN(pack_id, pack.stream->Finish(header));
  } else {
    pack.data.insert(pack.data.end(), header.begin(), header.end());
    pack_id = Id::Hash(pack.data);
    Handle handle{FileType::kPack, pack_id.Hex()};
    handle.tree_pack = std::any_of(pack.entries.begin(), pack.entries.end(),
                                   [](const PackEntry& e) { return e.type == BlobType::kTree; });
    HORT_RETURN_IF_ERROR(backend_->Save(handle, pack.data));
  }
  CrashPoint("pack:after-save");
  // Only now that the pack is stored may the index point at it.
  const std::vector<PackEntry>& entries = pack.entries;
  IndexPack ip{pack_id, {}};
  for (const PackEntry& e : entries) ip.blobs.push_back({e.id, e.type, e.offset, e.length, e.uncompressed_length});
  index_.AddPack(pack_id, ip.blobs);
  bool write_index = false;
  {
    std::lock_guard lock(pending_mu_);
    for (const PackEntry& e : entries) pending_.erase(e.id);
    if (unwritten_index_.empty()) unwritten_since_ = std::chrono::steady_clock::now();
    unwritten_blobs_ += ip.blobs.size();
    unwritten_index_.push_back(std::move(ip));
    write_index = unwritten_blobs_ >= kIndexFileMaxBlobs ||
                  std::chrono::steady_clock::now() - unwritten_since_ >= index_max_age_;
  }
  if (write_index) return WriteIndex(false);
  return Status::Ok();
}

Status Repository::WriteIndex(bool /*final*/) {
  IndexFile idx;
  {
    std::lock_guard lock(pending_mu_);
    idx.packs.swap(unwritten_index_);
    unwritten_blobs_ = 0;
  }
  if (idx.packs.empty()) return Status::Ok();
  HORT_ASSIGN_OR_RETURN(Id saved, SaveIndexFile(idx));
  std::lock_guard lock(pending_mu_);
  written_index_files_.push_back(saved);
  return Status::Ok();
}

std::vector<Id> Repository::WrittenIndexFiles() const {
  std::lock_guard lock(pending_mu_);
  return written_index_files_;
}

Status Repository::Flush() {
  for (Packer& p : packers_) {
    OpenPack pack;
    {
      std::lock_guard lock(p.mu);
      std::swap(pack, p.pack);
    }
    if (!pack.entries.empty()) HORT_RETURN_IF_ERROR(ClosePack(std::move(pack)));
  }
  HORT_RETURN_IF_ERROR(commits_.Wait());
  return WriteIndex(true);
}

Result<std::vector<PackEntry>> Repository::LoadPackHeader(const Id& pack, uint64_t size) {
  Handle h{FileType::kPack, pack.Hex()};
  if (size == 0) {
    HORT_ASSIGN_OR_RETURN(size, backend_->Stat(h));
  }
  // Most headers fit in the last 16 KiB; read more only if needed.
  uint64_t tail_len = std::min<uint64_t>(size, 16 * 1024);
  HORT_ASSIGN_OR_RETURN(auto tail, backend_->Load(h, size - tail_len, tail_len));
  if (tail.size() >= 4) {
    uint32_t hl = PackHeaderLength(tail);
    if (hl + 4ull > tail_len && hl + 4ull <= size) {
      tail_len = hl + 4ull;
      HORT_ASSIGN_OR_RETURN(tail, backend_->Load(h, size - tail_len, tail_len));
    }
  }
  return DecodePackHeader(tail, size, key_);
}

Result<std::vector<uint8_t>> Repository::LoadBlob(BlobType type, const Id& id) {
  auto loc = index_.Lookup(id, type);
  if (!loc) return Status(Code::kNotFound, std::string(BlobTypeName(type)) + " blob " + id.Short() + " not found in index");
  Handle h{FileType::kPack, loc->pack.Hex()};
  const std::string where = "pack " + loc->pack.Short() + ", blob " + id.Short();
  // Tree packs are worth a local copy (restic caches them too). An entry
  // beyond the end of its pack fails the read without an allocation of its
  // length (a local folder compares the range with the file, a server sends
  // what there is); nor does its uncompressed length size one (ZstdDecompress).
  auto stored = type == BlobType::kTree ? backend_->LoadCached(h, loc->offset, loc->length)
                                        : backend_->Load(h, loc->offset, loc->length);
  if (!stored.ok()) return stored.status().Annotate(where);
  PackEntry e{id, type, loc->offset, loc->length, loc->uncompressed_length};
  auto blob = OpenBlob(*stored, e, key_);
  if (!blob.ok()) return blob.status().Annotate(where);
  return blob;
}

}  // namespace hort
