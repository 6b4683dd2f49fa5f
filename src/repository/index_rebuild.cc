#include "repository/index_rebuild.h"

#include <algorithm>
#include <map>
#include <unordered_set>
#include <utility>

namespace hort {
namespace {
constexpr size_t kIndexFileMaxBlobs = 50000;  // restic's limit per index file

// A pack no index file describes may be one a power loss cut short after it
// was renamed to its name (a local folder puts the fsync off until an index
// names the pack, objstore/durable_file.h): its header may still read while
// blobs before it are lost. So its bytes must hash to its name first.
Status CheckPackHash(Repository& repo, const Id& pack, uint64_t size) {
  constexpr uint64_t kPiece = 8u << 20;
  const Handle h{FileType::kPack, pack.Hex()};
  crypto::Sha256Hasher hasher;
  for (uint64_t at = 0; at < size; at += kPiece) {
    HORT_ASSIGN_OR_RETURN(auto bytes, repo.backend().Load(h, at, std::min(kPiece, size - at)));
    hasher.Update(bytes);
  }
  Id got;
  got.bytes = hasher.Final();
  if (got != pack) return Status(Code::kCorruption, "its content does not hash to its name (cut short by a crash?)");
  return Status::Ok();
}
}  // namespace

Status IndexFileWriter::Add(IndexPack pack) {
  blobs_ += pack.blobs.size();
  file_.packs.push_back(std::move(pack));
  if (blobs_ >= kIndexFileMaxBlobs) return Flush();
  return Status::Ok();
}

Status IndexFileWriter::Finish() { return Flush(); }

Status IndexFileWriter::Flush() {
  if (file_.packs.empty()) return Status::Ok();
  HORT_ASSIGN_OR_RETURN(Id id, repo_.SaveIndexFile(file_));
  written_.push_back(id);
  file_.packs.clear();
  blobs_ = 0;
  return Status::Ok();
}

Result<size_t> RemoveIndexFilesExcept(Repository& repo, const std::vector<Id>& old, const std::vector<Id>& keep) {
  // `old` may name a file twice: listed in the repository and written by this
  // process (a backup then its retention's prune, in one job).
  std::unordered_set<Id, IdHash> kept(keep.begin(), keep.end());
  size_t removed = 0;
  for (const Id& id : old) {
    if (!kept.insert(id).second) continue;
    HORT_RETURN_IF_ERROR(repo.backend().Remove({FileType::kIndex, id.Hex()}));
    ++removed;
  }
  return removed;
}

Result<IndexRebuildStats> RebuildIndex(Repository& repo, const IndexRebuildProgress& progress) {
  std::vector<std::pair<Id, uint64_t>> packs;
  HORT_RETURN_IF_ERROR(repo.backend().List(FileType::kPack, [&](const std::string& n, uint64_t size) {
    if (auto id = Id::Parse(n)) packs.emplace_back(*id, size);
  }));
  std::vector<Id> old_index;
  HORT_RETURN_IF_ERROR(repo.backend().List(FileType::kIndex, [&](const std::string& n, uint64_t) {
    if (auto id = Id::Parse(n)) old_index.push_back(*id);
  }));
  // What the old index files that still read say about each pack: a pack
  // whose header is damaged keeps these entries (its blobs may be intact;
  // dropping them would make every snapshot using it unrestorable), as
  // restic's rebuild-index does.
  std::map<Id, std::vector<IndexBlob>> known;
  for (const Id& file : old_index) {
    auto text = repo.LoadUnpacked(FileType::kIndex, file.Hex());
    auto idx = text.ok() ? DecodeIndex(*text) : Result<IndexFile>(text.status());
    if (!idx.ok()) continue;  // a damaged index file: its packs are indexed from their headers
    for (IndexPack& p : idx->packs) known.try_emplace(p.id, std::move(p.blobs));
  }
  if (progress.reading) progress.reading(packs.size());
  IndexRebuildStats stats;
  IndexFileWriter writer(repo);
  for (const auto& [pack, size] : packs) {
    auto entries = known.find(pack);
    if (entries == known.end()) {
      if (Status whole = CheckPackHash(repo, pack, size); !whole.ok()) {
        if (progress.unreadable) progress.unreadable(pack, whole, false);
        ++stats.packs_not_matching;
        continue;
      }
    }
    auto header = repo.LoadPackHeader(pack, size);
    if (!header.ok()) {
      const bool kept = entries != known.end() && !entries->second.empty();
      if (progress.unreadable) progress.unreadable(pack, header.status(), kept);
      ++stats.packs_unreadable;
      if (kept) {
        ++stats.packs_kept_from_old_index;
        HORT_RETURN_IF_ERROR(writer.Add({pack, std::move(entries->second)}));
      }
      continue;
    }
    IndexPack ip{pack, {}};
    for (const PackEntry& e : *header) ip.blobs.push_back({e.id, e.type, e.offset, e.length, e.uncompressed_length});
    HORT_RETURN_IF_ERROR(writer.Add(std::move(ip)));
  }
  HORT_RETURN_IF_ERROR(writer.Finish());
  HORT_RETURN_IF_ERROR(RemoveIndexFilesExcept(repo, old_index, writer.written()).status());
  stats.index_files_written = writer.written().size();
  stats.old_index_files = old_index.size();
  return stats;
}

}  // namespace hort
