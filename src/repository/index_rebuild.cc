#include "repository/index_rebuild.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>

#include "repository/pack.h"
#include "repository/pack_reader.h"

namespace hort {
namespace {

// Stores again each blob of `entries` that still decrypts and hashes to its
// ID, reading the pack once in offset order. A blob whose bytes are damaged
// or beyond the end of the file is lost; any other read error (the network)
// fails, so no blob is counted lost for a fault that is not damage.
Result<SalvagedPacks> StoreIntactBlobs(Repository& repo, const Id& pack, uint64_t size, std::vector<PackEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const PackEntry& a, const PackEntry& b) { return a.offset < b.offset; });
  PackReader blobs(repo.backend(), {FileType::kPack, pack.Hex()}, PackRange{0, size, /*stream=*/true, /*hash=*/false});
  SalvagedPacks out{1, 0, 0};
  for (const PackEntry& e : entries) {
    auto stored = blobs.Bytes(e.offset, e.length);
    if (!stored.ok() && stored.status().code() != Code::kCorruption) return stored.status();
    auto plain = stored.ok() ? OpenBlob(*stored, e, repo.key()) : Result<std::vector<uint8_t>>(stored.status());
    if (!plain.ok()) {
      ++out.blobs_lost;
      continue;
    }
    HORT_ASSIGN_OR_RETURN(bool saved, repo.SaveBlob(e.type, e.id, *plain, /*force=*/true));
    out.blobs_stored_again += saved;
  }
  return out;
}

// A pack no index file describes, where it may have been cut short under its
// name (Backend::PacksMayBeCutShort): its header may still read while blobs
// before it are lost. Read through a window once to check that its bytes
// hash to its name (nullopt: they do); if not, as restic's `repair packs`,
// its intact blobs are stored again and the pack is left out.
Result<std::optional<SalvagedPacks>> SalvageIfCut(Repository& repo, const Id& pack, uint64_t size) {
  PackReader whole(repo.backend(), {FileType::kPack, pack.Hex()}, PackRange{0, size, /*stream=*/true});
  HORT_RETURN_IF_ERROR(whole.Finish());
  if (whole.HashMatches(pack)) return std::optional<SalvagedPacks>();
  HORT_ASSIGN_OR_RETURN(auto header, repo.LoadPackHeader(pack, size));  // checks the entries cover the pack
  HORT_ASSIGN_OR_RETURN(SalvagedPacks out, StoreIntactBlobs(repo, pack, size, std::move(header)));
  return std::optional<SalvagedPacks>(out);
}

// A known pack whose header cannot be read and whose size is not what its
// old index entries make: salvaged by those entries, then left out.
Result<SalvagedPacks> SalvageByOldEntries(Repository& repo, const Id& pack, uint64_t size,
                                          const std::vector<IndexBlob>& old) {
  std::vector<PackEntry> entries;
  entries.reserve(old.size());
  for (const IndexBlob& b : old) entries.push_back({b.id, b.type, b.offset, b.length, b.uncompressed_length});
  return StoreIntactBlobs(repo, pack, size, std::move(entries));
}

void Count(const SalvagedPacks& one, SalvagedPacks* total) {
  total->packs += one.packs;
  total->blobs_stored_again += one.blobs_stored_again;
  total->blobs_lost += one.blobs_lost;
}

Status LeftOut(const std::string& why, const SalvagedPacks& s) {
  return Status(Code::kCorruption, why + "; " + std::to_string(s.blobs_stored_again) + " intact blobs stored again, " +
                                       std::to_string(s.blobs_lost) + " lost");
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
  const bool may_be_cut = repo.backend().PacksMayBeCutShort();
  // Blobs stored again may fill packs, and their index files, before the end.
  const size_t written_before = repo.WrittenIndexFiles().size();
  for (const auto& [pack, size] : packs) {
    auto entries = known.find(pack);
    const bool is_known = entries != known.end() && !entries->second.empty();
    Result<std::optional<SalvagedPacks>> cut = std::optional<SalvagedPacks>();
    if (entries == known.end() && may_be_cut) cut = SalvageIfCut(repo, pack, size);
    if (cut.ok() && *cut) {
      Count(**cut, &stats.not_matching);
      if (progress.unreadable) progress.unreadable(pack, LeftOut("its content does not hash to its name (cut short by a crash?)", **cut), false);
      continue;
    }
    auto header = cut.ok() ? repo.LoadPackHeader(pack, size) : Result<std::vector<PackEntry>>(cut.status());
    // Only damage makes a pack unreadable here: any other failure (the store
    // unreachable after retries) stops the rebuild before the old index is
    // touched, or the pack would be left out and the next prune delete it.
    if (!header.ok() && header.status().code() != Code::kCorruption && header.status().code() != Code::kNotFound) {
      return header.status().Annotate("pack " + pack.Short());
    }
    if (!header.ok() && is_known && header.status().code() == Code::kCorruption &&
        size != PackSizeFromIndex(entries->second)) {
      HORT_ASSIGN_OR_RETURN(SalvagedPacks salvaged, SalvageByOldEntries(repo, pack, size, entries->second));
      Count(salvaged, &stats.wrong_size);
      if (progress.unreadable) {
        progress.unreadable(pack, LeftOut(header.status().message() + "; its size, " + std::to_string(size) +
                                              " bytes, is not the " + std::to_string(PackSizeFromIndex(entries->second)) +
                                              " its old index entries make",
                                          salvaged),
                            false);
      }
      continue;
    }
    if (!header.ok()) {
      if (progress.unreadable) progress.unreadable(pack, header.status(), is_known);
      ++stats.packs_unreadable;
      if (is_known) {
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
  HORT_RETURN_IF_ERROR(repo.Flush());  // the blobs stored again, with an index file of their own
  std::vector<Id> written = writer.written();
  const std::vector<Id> flushed = repo.WrittenIndexFiles();
  written.insert(written.end(), flushed.begin() + static_cast<std::ptrdiff_t>(written_before), flushed.end());
  HORT_RETURN_IF_ERROR(RemoveIndexFilesExcept(repo, old_index, written).status());
  stats.index_files_written = written.size();
  stats.old_index_files = old_index.size();
  return stats;
}

}  // namespace hort
