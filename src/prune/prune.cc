#include "prune/prune.h"

#include <algorithm>
#include <cmath>
#include <charconv>
#include <ctime>
#include <unordered_map>
#include <unordered_set>

#include "format/tree.h"
#include "repository/index_rebuild.h"
#include "repository/pack.h"
#include "repository/walk.h"
#include "util/byte_size.h"
#include "util/crash_point.h"
#include "util/hex.h"
#include "util/strings.h"

namespace hort {

uint64_t MaxUnused::For(uint64_t used) const {
  if (percent < 0) return bytes;
  const double limit = percent / (100.0 - percent) * static_cast<double>(used);
  return limit >= 1.8e19 ? UINT64_MAX : static_cast<uint64_t>(limit);
}

Result<MaxUnused> ParseMaxUnused(const std::string& given) {
  const std::string text = TrimSpace(given);
  if (text.empty()) return Status(Code::kInvalidArgument, "invalid value for --max-unused: \"" + given + "\"");
  if (text == "unlimited") return MaxUnused{.bytes = UINT64_MAX};
  if (text.back() == '%') {
    const std::string number = text.substr(0, text.size() - 1);
    double p = 0;
    const char* end = number.data() + number.size();
    auto [at, ec] = std::from_chars(number.data() + (!number.empty() && number[0] == '+'), end, p);
    if (number.empty() || ec != std::errc() || at != end || std::isnan(p)) {
      return Status(Code::kInvalidArgument, "invalid percentage \"" + given + "\" passed for --max-unused");
    }
    if (p < 0) return Status(Code::kInvalidArgument, "percentage for --max-unused must be positive");
    if (p >= 100) return Status(Code::kInvalidArgument, "percentage for --max-unused must be below 100%");
    return MaxUnused{.percent = p};
  }
  // restic's parseSizeStr: an optional b/k/m/g/t, a whole number (no
  // fractions, exponents, inf or nan, which std::stod took).
  auto bytes = ParseSize(text);
  if (!bytes.ok()) {
    return Status(Code::kInvalidArgument, "invalid number of bytes \"" + given + "\" for --max-unused");
  }
  return MaxUnused{.bytes = *bytes};
}

Result<uint64_t> ParseRepackSize(const std::string& text) {
  auto bytes = ParseSize(text);
  if (!bytes.ok()) return Status(Code::kInvalidArgument, "invalid number of bytes \"" + text + "\" for --max-repack-size");
  return bytes;
}

namespace {

struct PackInfo {
  Id id;
  uint64_t size = 0;
  uint64_t used_size = 0, unused_size = 0;
  uint32_t used_blobs = 0, unused_blobs = 0;
  bool has_tree = false, has_data = false, uncompressed = false;
  std::vector<IndexBlob> blobs;
};

class Pruner {
 public:
  Pruner(Repository& repo, const PruneOptions& opt, const std::function<void(const std::string&)>& progress)
      : repo_(repo), opt_(opt), progress_(progress) {}

  Result<PruneStats> Run() {
    Say("loading indexes...");
    HORT_RETURN_IF_ERROR(repo_.LoadIndex());
    HORT_RETURN_IF_ERROR(repo_.backend().List(FileType::kIndex, [&](const std::string& n, uint64_t) {
      if (auto id = Id::Parse(n)) old_index_files_.push_back(*id);
    }));
    Say("finding data that is still in use for " + std::to_string(CountSnapshots()) + " snapshots");
    HORT_RETURN_IF_ERROR(FindUsedBlobs());
    Say("searching used packs...");
    HORT_RETURN_IF_ERROR(ClassifyPacks());
    if (!missing_unused_.empty()) {  // restic's lines
      Say("Missing but unneeded pack files are referenced in the index, will be repaired");
      for (const Id& id : missing_unused_) Say("will forget missing pack file " + id.Hex());
    }
    HORT_RETURN_IF_ERROR(Decide());
    if (opt_.dry_run) return stats_;
    HORT_RETURN_IF_ERROR(Repack());
    CrashPoint("prune:after-repack");
    HORT_RETURN_IF_ERROR(RewriteIndex());
    CrashPoint("prune:after-index");
    HORT_RETURN_IF_ERROR(DeletePacks());
    HORT_RETURN_IF_ERROR(RemoveStagedFiles());
    return stats_;
  }

 private:
  void Say(const std::string& m) {
    if (progress_) progress_(m);
  }

  // Tidying only: the prune itself is done, so a staged file that cannot be
  // listed or removed is a warning, never prune's failure.
  Status RemoveStagedFiles() {
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    std::vector<StagedFile> old;
    Status listed = repo_.backend().ListStaged([&](const StagedFile& f) {
      if (now - f.modified >= kStagedFileMinAgeSeconds) old.push_back(f);
    });
    if (!listed.ok()) {
      Say("warning: temporary files of interrupted writes not removed: " + listed.message());
      return Status::Ok();
    }
    if (old.empty()) return Status::Ok();
    Say("removing " + std::to_string(old.size()) + " temporary files left by interrupted writes");
    for (const StagedFile& f : old) {
      Status removed = repo_.backend().RemoveStaged(f.name);
      if (!removed.ok()) {
        Say("warning: " + removed.message());
        continue;
      }
      ++stats_.staged_removed;
      stats_.staged_bytes_removed += f.size;
    }
    return Status::Ok();
  }

  size_t CountSnapshots() {
    size_t n = 0;
    (void)repo_.backend().List(FileType::kSnapshot, [&](const std::string&, uint64_t) { ++n; });
    return n;
  }

  // Every tree and data blob a snapshot reaches. A work list, not
  // recursion: the repository decides how deep trees go (issue #25), and
  // the order does not matter here.
  Status FindUsedBlobs() {
    HORT_ASSIGN_OR_RETURN(auto snaps, repo_.LoadSnapshots());
    std::vector<Id> todo;  // the first snapshot's trees first, as before
    for (auto s = snaps.rbegin(); s != snaps.rend(); ++s) todo.push_back(s->tree);
    while (!todo.empty()) {
      const Id tree = todo.back();
      todo.pop_back();
      if (!used_trees_.insert(tree).second) continue;
      // As stored: prune only follows IDs and must account for every tree.
      auto nodes = LoadTree(repo_, tree, TreeNames::kAsStored);
      if (!nodes.ok()) {
        return nodes.status().Annotate("tree " + tree.Short() + " is needed but unreadable; run check and repair first");
      }
      for (const Node& n : *nodes) {
        if (n.IsFile()) {
          for (const Id& id : n.content) {
            if (!repo_.index().Has(id, BlobType::kData)) {
              return Status(Code::kCorruption, "data blob " + id.Short() +
                                  " is needed but missing; prune aborted (`hort repair snapshots --forget` drops what needs it)");
            }
            used_data_.insert(id);
          }
        } else if (n.IsDir() && n.subtree && !used_trees_.count(*n.subtree)) {
          todo.push_back(*n.subtree);
        }
      }
    }
    return Status::Ok();
  }

  Status ClassifyPacks() {
    std::unordered_map<Id, uint64_t, IdHash> stored;
    HORT_RETURN_IF_ERROR(repo_.backend().List(FileType::kPack, [&](const std::string& n, uint64_t size) {
      if (auto id = Id::Parse(n)) stored[*id] = size;
    }));
    auto by_pack = repo_.index().BlobsByPack();
    // A blob counts as used only once: copies in other packs are unused.
    std::unordered_set<Id, IdHash> counted;
    std::vector<Id> pack_ids;
    for (const auto& [id, blobs] : by_pack) pack_ids.push_back(id);
    std::sort(pack_ids.begin(), pack_ids.end());
    for (const Id& id : pack_ids) {
      auto st = stored.find(id);
      PackInfo info;
      info.id = id;
      info.blobs = by_pack[id];
      for (const IndexBlob& b : info.blobs) {
        bool needed = b.type == BlobType::kTree ? used_trees_.count(b.id) : used_data_.count(b.id);
        bool used = needed && counted.insert(b.id).second;
        (used ? info.used_size : info.unused_size) += b.length;
        (used ? info.used_blobs : info.unused_blobs)++;
        (b.type == BlobType::kTree ? info.has_tree : info.has_data) = true;
        if (b.uncompressed_length == 0) info.uncompressed = true;
      }
      if (st == stored.end()) {
        if (info.used_blobs > 0) {
          return Status(Code::kCorruption, "pack " + id.Short() + " is needed but missing; prune aborted (run check)");
        }
        missing_unused_.push_back(id);
        continue;
      }
      info.size = st->second;
      stored.erase(st);
      // As restic's prune: a needed pack whose size is not what its index
      // entries make is damaged (cut short, or not what the index
      // describes); repacking from it or keeping it would carry that on.
      // An unneeded one is removed below, whatever its size.
      if (const uint64_t expected = PackSizeFromIndex(info.blobs); info.used_blobs > 0 && info.size != expected) {
        return Status(Code::kCorruption, "pack " + id.Short() + ": size " + std::to_string(info.size) +
                                             " bytes does not match the " + std::to_string(expected) +
                                             " bytes its index entries make; prune aborted (run `hort repair index`)");
      }
      packs_.push_back(std::move(info));
    }
    for (const auto& [id, size] : stored) {
      unreferenced_.push_back(id);
      stats_.bytes_freed += size;
    }
    stats_.packs_unreferenced = unreferenced_.size();
    return Status::Ok();
  }

  Status Decide() {
    uint64_t used = 0, unused = 0;
    std::vector<PackInfo*> candidates;
    bool v2 = repo_.config().version >= 2;
    for (PackInfo& p : packs_) {
      used += p.used_size;
      unused += p.unused_size;
      stats_.blobs_used += p.used_blobs;
      stats_.blobs_unused += p.unused_blobs;
      if (p.used_blobs == 0) {
        remove_.push_back(p.id);
        stats_.bytes_freed += p.size;
        continue;
      }
      if (opt_.repack_cacheable_only && !p.has_tree) {  // as restic: only packs a cache holds are repacked
        keep_.push_back(p.id);
        continue;
      }
      bool must_compress = v2 && p.uncompressed && (p.has_tree || opt_.repack_uncompressed);
      bool mixed = p.has_tree && p.has_data;
      if (p.unused_blobs == 0 && !mixed && !must_compress) {
        keep_.push_back(p.id);
        continue;
      }
      candidates.push_back(&p);
    }
    stats_.bytes_used = used;
    stats_.bytes_unused = unused;
    HORT_ASSIGN_OR_RETURN(const MaxUnused limit, ParseMaxUnused(opt_.max_unused));
    const uint64_t max_unused = limit.For(used);
    uint64_t max_repack = UINT64_MAX;
    if (!opt_.max_repack_size.empty()) {
      HORT_ASSIGN_OR_RETURN(max_repack, ParseRepackSize(opt_.max_repack_size));
    }
    // Tree packs first, then by most unused per used byte (restic's order).
    std::stable_sort(candidates.begin(), candidates.end(), [](const PackInfo* a, const PackInfo* b) {
      if (a->has_tree != b->has_tree) return a->has_tree;
      return a->unused_size * (b->used_size + 1) > b->unused_size * (a->used_size + 1);
    });
    uint64_t remaining_unused = unused;
    for (PackInfo* p : candidates) {
      bool must = p->has_tree || (repo_.config().version >= 2 && p->uncompressed && opt_.repack_uncompressed) ||
                  (p->has_tree && p->has_data);
      bool worthwhile = remaining_unused > max_unused;
      if ((must || worthwhile) && stats_.bytes_repack + p->size <= max_repack) {
        repack_.push_back(p);
        stats_.bytes_repack += p->size;
        stats_.bytes_freed += p->unused_size;
        remaining_unused -= std::min(remaining_unused, p->unused_size);
      } else {
        keep_.push_back(p->id);
      }
    }
    stats_.packs_total = packs_.size();
    stats_.packs_keep = keep_.size();
    stats_.packs_repack = repack_.size();
    stats_.packs_remove = remove_.size();
    return Status::Ok();
  }

  Status Repack() {
    if (repack_.empty()) return Status::Ok();
    Say("repacking " + std::to_string(repack_.size()) + " packs");
    if (opt_.progress) {
      opt_.progress->items_total = repack_.size();
      opt_.progress->bytes_total = stats_.bytes_repack;
      opt_.progress->totals_final = true;
    }
    std::unordered_set<Id, IdHash> done;
    for (PackInfo* p : repack_) {
      HORT_ASSIGN_OR_RETURN(auto data, repo_.backend().Load({FileType::kPack, p->id.Hex()}));
      for (const IndexBlob& b : p->blobs) {
        bool needed = b.type == BlobType::kTree ? used_trees_.count(b.id) : used_data_.count(b.id);
        if (!needed || done.count(b.id) || KeptElsewhere(b)) continue;
        if (uint64_t{b.offset} + b.length > data.size()) return Status(Code::kCorruption, "pack " + p->id.Short() + " is truncated");
        PackEntry e{b.id, b.type, b.offset, b.length, b.uncompressed_length};
        auto plain = OpenBlob(std::span<const uint8_t>(data).subspan(b.offset, b.length), e, repo_.key());
        if (!plain.ok()) return plain.status().Annotate("repacking pack " + p->id.Short());
        HORT_ASSIGN_OR_RETURN(bool saved, repo_.SaveBlob(b.type, b.id, *plain, /*force=*/true));
        (void)saved;
        done.insert(b.id);
        stats_.blobs_repacked++;
      }
      if (opt_.progress) {
        opt_.progress->items_done++;
        opt_.progress->bytes_done += p->size;
      }
    }
    return repo_.Flush();
  }

  // A needed blob also stored in a pack we keep needs no new copy.
  bool KeptElsewhere(const IndexBlob& b) {
    if (!kept_blobs_built_) {
      std::unordered_set<Id, IdHash> keep(keep_.begin(), keep_.end());
      for (const PackInfo& p : packs_) {
        if (!keep.count(p.id)) continue;
        for (const IndexBlob& x : p.blobs) kept_blobs_.insert(x.id);
      }
      kept_blobs_built_ = true;
    }
    return kept_blobs_.count(b.id) > 0;
  }

  Status RewriteIndex() {
    Say("rebuilding index");
    std::unordered_set<Id, IdHash> drop(remove_.begin(), remove_.end());
    for (PackInfo* p : repack_) drop.insert(p->id);
    for (const Id& id : missing_unused_) drop.insert(id);
    auto by_pack = repo_.index().BlobsByPack();
    IndexFileWriter writer(repo_);
    for (auto& [pack, list] : by_pack) {
      if (drop.count(pack)) continue;
      HORT_RETURN_IF_ERROR(writer.Add({pack, list}));
    }
    HORT_RETURN_IF_ERROR(writer.Finish());
    CrashPoint("prune:after-new-index");
    stats_.index_files_written = writer.written().size();
    // Only now that the complete new index is stored may the old one go.
    std::vector<Id> old = old_index_files_;
    for (const Id& id : repo_.WrittenIndexFiles()) old.push_back(id);
    HORT_ASSIGN_OR_RETURN(stats_.index_files_removed, RemoveIndexFilesExcept(repo_, old, writer.written()));
    return Status::Ok();
  }

  Status DeletePacks() {
    std::vector<Id> all = remove_;
    for (PackInfo* p : repack_) all.push_back(p->id);
    all.insert(all.end(), unreferenced_.begin(), unreferenced_.end());
    if (!all.empty()) Say("removing " + std::to_string(all.size()) + " old packs");
    for (const Id& id : all) {
      Status s = repo_.backend().Remove({FileType::kPack, id.Hex()});
      if (!s.ok() && s.code() != Code::kNotFound) return s;
      CrashPoint("prune:after-pack-delete");
    }
    return Status::Ok();
  }

  Repository& repo_;
  const PruneOptions& opt_;
  const std::function<void(const std::string&)>& progress_;
  PruneStats stats_;
  std::vector<Id> old_index_files_;
  std::unordered_set<Id, IdHash> used_trees_, used_data_;
  std::vector<PackInfo> packs_;
  std::vector<Id> keep_, remove_, unreferenced_, missing_unused_;
  std::vector<PackInfo*> repack_;
  std::unordered_set<Id, IdHash> kept_blobs_;
  bool kept_blobs_built_ = false;
};

}  // namespace

Status CheckPruneFitsRepository(const Repository& repo, const PruneOptions& options) {
  // restic's two refusals: there is nothing to compress with.
  if (options.repack_uncompressed && repo.compression() == CompressionMode::kOff) {
    return Status(Code::kInvalidArgument, "disabled compression and `--repack-uncompressed` are mutually exclusive");
  }
  if (options.repack_uncompressed && repo.config().version < 2) {
    return Status(Code::kInvalidArgument, "compression requires at least repository format version 2");
  }
  return Status::Ok();
}

Result<PruneStats> RunPrune(Repository& repo, const PruneOptions& options,
                            const std::function<void(const std::string&)>& progress) {
  HORT_RETURN_IF_ERROR(CheckPruneFitsRepository(repo, options));
  Pruner p(repo, options, progress);
  return p.Run();
}

}  // namespace hort
