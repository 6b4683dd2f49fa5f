#include "repository/index_rebuild.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <unordered_set>
#include <utility>

namespace hort {
namespace {
constexpr size_t kIndexFileMaxBlobs = 50000;  // restic's limit per index file

// A pack no index file describes, read whole where it may have been cut
// short under its name (Backend::PacksMayBeCutShort): its header may still
// read while blobs before it are lost.
struct ReadPack {
  std::vector<PackEntry> header;
  bool whole = true;  // its bytes hash to its name
  // When not whole: the blobs that still decrypt and hash to their IDs.
  std::vector<std::pair<PackEntry, std::vector<uint8_t>>> intact;
  size_t lost = 0;
};

Result<ReadPack> ReadUnknownPack(Repository& repo, const Id& pack) {
  HORT_ASSIGN_OR_RETURN(auto bytes, repo.backend().Load({FileType::kPack, pack.Hex()}, 0, 0));
  if (bytes.size() < 4) return Status(Code::kCorruption, "pack is too short to hold a header");
  ReadPack out;
  HORT_ASSIGN_OR_RETURN(out.header, DecodePackHeader(bytes, bytes.size(), repo.key()));
  out.whole = Id::Hash(bytes) == pack;
  if (out.whole) return out;
  for (const PackEntry& e : out.header) {
    Result<std::vector<uint8_t>> plain = Status(Code::kCorruption, "beyond the end of the pack");
    if (uint64_t{e.offset} + e.length <= bytes.size()) {
      plain = OpenBlob(std::span<const uint8_t>(bytes).subspan(e.offset, e.length), e, repo.key());
    }
    if (plain.ok()) {
      out.intact.emplace_back(e, std::move(*plain));
    } else {
      ++out.lost;
    }
  }
  return out;
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
  for (const auto& [pack, size] : packs) {
    auto entries = known.find(pack);
    Result<std::vector<PackEntry>> header = Status(Code::kInternal, "not read");
    if (entries == known.end() && may_be_cut) {
      auto read = ReadUnknownPack(repo, pack);
      if (read.ok() && !read->whole) {
        // As restic's `repair packs`: what is intact is stored again, in new
        // packs, and the damaged pack is left out (prune removes it).
        for (auto& [e, plain] : read->intact) HORT_RETURN_IF_ERROR(repo.SaveBlob(e.type, e.id, plain, true).status());
        ++stats.packs_not_matching;
        stats.blobs_stored_again += read->intact.size();
        stats.blobs_lost += read->lost;
        if (progress.unreadable) {
          progress.unreadable(pack, Status(Code::kCorruption, "its content does not hash to its name (cut short by a crash?); " +
                                                                  std::to_string(read->intact.size()) + " intact blobs stored again, " +
                                                                  std::to_string(read->lost) + " lost"), false);
        }
        continue;
      }
      header = read.ok() ? Result<std::vector<PackEntry>>(std::move(read->header)) : read.status();
    } else {
      header = repo.LoadPackHeader(pack, size);
    }
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
  const size_t written_before = repo.WrittenIndexFiles().size();
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
