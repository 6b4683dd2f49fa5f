#include "checker/checker.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include "checker/affected_files.h"
#include "checker/pack_blobs.h"
#include "checker/short_path.h"
#include "checker/tree_depths.h"
#include "repository/pack_reader.h"
#include "format/tree.h"
#include "repository/walk.h"
#include "util/hex.h"
#include "util/parallel.h"
#include "util/thread_pool.h"

namespace hort {

size_t CheckResult::ErrorCount() const {
  return static_cast<size_t>(std::count_if(findings.begin(), findings.end(), [](const Finding& f) { return f.IsError(); }));
}

namespace {

using checker_internal::ShortPath;

class Checker {
 public:
  Checker(Repository& repo, const CheckOptions& opt, const std::function<void(const std::string&)>& progress)
      : repo_(repo), opt_(opt), progress_(progress) {}

  Result<CheckResult> Run() {
    Say("load indexes");
    HORT_RETURN_IF_ERROR(ListPacks());
    AskForFirstPacks();
    // As restic: a damaged index file ends the check. Going on, every pack
    // only it describes read as "left over from an interrupted backup" and
    // every tree in them as missing, which `repair index` mends at once.
    if (Status s = repo_.LoadIndex(); !s.ok()) {
      // Damage is a finding; the store unreachable after retries is no finding about the repository.
      if (s.code() != Code::kCorruption && s.code() != Code::kNotFound) return s;
      Add({Finding::Kind::kIndexUnreadable, s.message()});
      return std::move(result_);
    }
    Say("check all packs");
    HORT_RETURN_IF_ERROR(CheckPacks());
    Say("check snapshots, trees and blobs");
    if (opt_.read_data || !opt_.read_data_subset.empty()) {
      // Walking the trees needs one core for a moment; reading data keeps
      // every core busy for much longer, so the walk runs beside it.
      std::thread trees([this] { CheckSnapshots(); });
      Status read = ReadData();
      trees.join();
      HORT_RETURN_IF_ERROR(read);
    } else {
      CheckSnapshots();
    }
    if (!bad_blobs_.empty()) {
      checker_internal::ReportAffectedFiles(repo_, bad_blobs_, [this](Finding f) { Add(std::move(f)); });
    }
    return std::move(result_);
  }

 private:
  void Say(const std::string& m) {
    if (progress_) progress_(m);
  }
  void Add(Finding f) {
    std::lock_guard lock(mu_);
    result_.findings.push_back(std::move(f));
  }

  Status ListPacks() {
    return repo_.backend().List(FileType::kPack, [&](const std::string& name, uint64_t size) {
      if (auto id = Id::Parse(name)) stored_[*id] = size;
    });
  }

  // Where every read is a request, the packs a full --read-data starts with
  // (ReadData's order, one per worker) are on their way while the index
  // loads: about 40 ms of one core on RGW for the bench's 21k blobs, with
  // the other idle. A local folder was asked for them during the key's
  // derivation (Repository::Open's warm-up, which runs where range reads
  // are cheap).
  void AskForFirstPacks() {
    if (repo_.backend().CheapRangeReads()) return;
    std::vector<Id> packs;
    for (const auto& [id, size] : stored_) packs.push_back(id);
    ReadFirstPacksAhead(repo_.backend(), opt_, std::move(packs));
  }

  Status CheckPacks() {
    by_pack_ = repo_.index().BlobsByPack();
    for (const auto& [pack, blobs] : by_pack_) {
      auto it = stored_.find(pack);
      if (it == stored_.end()) {
        Add({Finding::Kind::kPackMissing, "pack " + pack.Hex() + " is referenced by the index but missing", pack.Hex()});
        for (const auto& b : blobs) bad_blobs_[b.id] = "pack " + pack.Short() + " is missing";
        continue;
      }
      // The blob that ends last is named: with a damaged index entry it is
      // the one to look at (its length or offset is what is wrong).
      auto end_of = [](const IndexBlob& b) { return uint64_t{b.offset} + b.length; };
      auto last = std::max_element(blobs.begin(), blobs.end(),
                                   [&](const IndexBlob& a, const IndexBlob& b) { return end_of(a) < end_of(b); });
      if (last != blobs.end() && it->second < end_of(*last)) {
        Add({Finding::Kind::kPackHeaderMismatch,
             "pack " + pack.Hex() + " is smaller (" + std::to_string(it->second) + " bytes) than the index says (blob " +
                 last->id.Hex() + " ends at byte " + std::to_string(end_of(*last)) + ")",
             pack.Hex()});
      }
    }
    for (const auto& [pack, size] : stored_) {
      if (!by_pack_.count(pack)) {
        Add({Finding::Kind::kPackUnreferenced, "pack " + pack.Hex() + " is not referenced in any index", pack.Hex()});
      }
    }
    return Status::Ok();
  }

  void CheckSnapshots() {
    std::vector<std::string> names;
    (void)repo_.backend().List(FileType::kSnapshot, [&](const std::string& n, uint64_t) { names.push_back(n); });
    for (const auto& name : names) {
      auto text = repo_.LoadUnpacked(FileType::kSnapshot, name);
      if (!text.ok()) {
        Add({Finding::Kind::kSnapshotUnreadable, "snapshot " + name + ": " + text.status().message(), "", "", name});
        continue;
      }
      auto snap = DecodeSnapshot(*text);
      if (!snap.ok()) {
        Add({Finding::Kind::kSnapshotUnreadable, "snapshot " + name + ": " + snap.status().message(), "", "", name});
        continue;
      }
      result_.snapshots++;
      CheckTrees(snap->tree, name);
    }
  }

  // Every tree of a snapshot not met before in this check: readable, its
  // names as restore demands them (CheckTreeNames), within kMaxTreeDepth,
  // and every blob it names indexed. Problems are findings; the walk goes on.
  void CheckTrees(const Id& root, const std::string& snap) {
    const std::string in = "snapshot " + snap.substr(0, 8) + ": ";
    if (!depths_.WalkAgain(root, 0)) {
      ReportIfTooDeep(root, 0, "/", in, snap);
      return;
    }
    WalkOptions options;
    options.names = TreeNames::kAsStored;  // so the damage below a bad tree is found too
    options.go_on_without = [&](const Id& tree, const std::string& dir, const Status& error) {
      const std::string where = dir.empty() ? "/" : dir;
      Add({Finding::Kind::kTreeUnreadable, in + "tree " + tree.Hex() + " (" + ShortPath(where) + "): " + error.message(),
           "", tree.Hex(), snap, where});
      return true;
    };
    options.loaded = [&](const Id& tree, const std::string& dir, const std::vector<Node>& nodes) {
      result_.trees++;
      depths_.Loaded(tree, DepthOf(dir));
      if (Status names = CheckTreeNames(tree, nodes); !names.ok()) {
        const std::string where = dir.empty() ? "/" : dir;
        Add({Finding::Kind::kTreeInvalid, in + "directory " + ShortPath(where) + ": " + names.message() +
             " (restore, ls and the rest refuse it)", "", tree.Hex(), snap, where});
      }
    };
    (void)WalkTreeIn(repo_, root, "", [&](const Id&, const std::string& p, const Node& n) {
      if (IsUnsafeNodeName(n.name)) return WalkAction::kSkipSubtree;  // reported with its tree
      if (n.IsFile()) {
        for (const Id& id : n.content) {
          if (!repo_.index().Has(id, BlobType::kData)) {
            Add({Finding::Kind::kBlobMissing, "file " + p + ": data blob " + id.Hex() + " not found in index", "", id.Hex(), snap, p});
          }
        }
      } else if (n.IsDir() && !n.subtree) {
        Add({Finding::Kind::kTreeUnreadable, "dir " + p + " has no subtree", "", "", snap, p});
      } else if (n.IsDir()) {
        if (const size_t depth = DepthOf(p); !depths_.WalkAgain(*n.subtree, depth)) {
          ReportIfTooDeep(*n.subtree, depth, p, in, snap);
          return WalkAction::kSkipSubtree;
        }
      }
      return WalkAction::kContinue;
    }, options);  // every problem became a finding
    depths_.WalkEnded();
  }

  static size_t DepthOf(const std::string& path) { return static_cast<size_t>(std::count(path.begin(), path.end(), '/')); }

  // A tree skipped where the walk met it again (tree_depths.h) but whose
  // deepest directory lies beyond kMaxTreeDepth from there.
  void ReportIfTooDeep(const Id& tree, size_t depth, const std::string& where, const std::string& in,
                       const std::string& snap) {
    auto reach = depths_.SkippedTooDeep(tree, depth);
    if (!reach) return;
    Add({Finding::Kind::kTreeUnreadable,
         in + "tree " + tree.Hex() + " (" + ShortPath(where) + "): " + TreeTooDeep(reach->tree, reach->depth).message(),
         "", tree.Hex(), snap, where});
  }

  Status ReadData() {
    std::vector<std::pair<Id, uint64_t>> packs(stored_.begin(), stored_.end());
    std::sort(packs.begin(), packs.end());
    HORT_ASSIGN_OR_RETURN(auto selected, SelectSubset(packs, opt_.read_data_subset));
    Say("read " + (opt_.read_data_subset.empty() ? std::string("all data") : "data subset " + opt_.read_data_subset +
        " (" + std::to_string(selected.size()) + " of " + std::to_string(packs.size()) + " packs)"));
    const int workers = WorkersFor(opt_.workers);
    if (opt_.progress) {
      opt_.progress->items_total = selected.size();
      for (const Id& pack : selected) opt_.progress->bytes_total += stored_[pack];
      opt_.progress->totals_final = true;
    }
    ThreadPool pool(static_cast<size_t>(workers));
    WaitGroup wg;
    // Packs are read in this order, one per worker: each worker hints at the
    // pack it will probably read next, so a local folder's first bytes of it
    // are in the page cache by then instead of stalling a core. Only a hint
    // (nothing where reads are requests): a pack read ahead and held on S3
    // cost CPU and memory for no time (wrappers.h, NewReadAheadStore).
    const size_t ahead = static_cast<size_t>(workers);
    for (size_t i = 0; i < selected.size(); ++i) {
      wg.Add();
      std::optional<Id> next;
      if (i + ahead < selected.size()) next = selected[i + ahead];
      // The first packs were hinted at by no earlier task: ReadPack does it.
      const bool hinted = i >= ahead;
      pool.Submit([this, &wg, pack = selected[i], next, hinted] {
        if (next) repo_.backend().Prefetch({FileType::kPack, next->Hex()}, 0, 0);
        ReadPack(pack, hinted);
        wg.Done();
      });
    }
    wg.Wait();
    return Status::Ok();
  }

  // A pack is read front to back once: its SHA-256 must equal its name, and
  // every blob its header lists must decrypt and hash to its ID. Where range
  // reads are cheap (local folders) the pack streams through a buffer of a
  // few MiB, so memory stays bounded per worker; elsewhere it is one read.
  // `hinted`: an earlier task already gave the pack's Prefetch hint.
  void ReadPack(const Id& pack, bool hinted) {
    std::vector<IndexBlob> indexed;
    if (auto it = by_pack_.find(pack); it != by_pack_.end()) indexed = it->second;
    const Handle handle{FileType::kPack, pack.Hex()};
    const uint64_t size = stored_[pack];
    Backend& backend = repo_.backend();
    const bool stream = backend.CheapRangeReads() && !indexed.empty() && size > kStreamSegment;
    if (stream && !hinted) backend.Prefetch(handle, 0, 0);
    auto mark_all = [&](const std::string& why) {
      std::lock_guard lock(mu_);
      for (const auto& b : indexed) bad_blobs_.try_emplace(b.id, why);
    };
    auto unreadable = [&](const Status& st) {
      Add({Finding::Kind::kPackCorrupt, "pack " + pack.Hex() + ": " + st.message(), pack.Hex()});
      mark_all("pack unreadable");
    };

    PackRange range{0, stream ? size : 0, stream};
    PackReader reader(backend, handle, range);
    if (!stream) {
      if (Status st = reader.ReadAll(); !st.ok()) return unreadable(st);
    }
    if (indexed.empty()) {  // the hash decides before any blob is opened
      if (Status st = reader.Finish(); !st.ok()) return unreadable(st);
      if (!reader.HashMatches(pack)) {
        // No index entry points here: the leftover of an interrupted upload
        // (e.g. a REST server killed mid-write). Harmless; prune removes it.
        Add({Finding::Kind::kPackUnreferenced, "unreferenced pack " + pack.Hex() +
             " is damaged (left over from an interrupted upload; prune removes it)", pack.Hex()});
        CountRead(reader.size());
        return;
      }
    }
    auto tail = reader.Tail();
    if (!tail.ok()) return unreadable(tail.status());
    auto header = DecodePackHeader(*tail, reader.size(), repo_.key());
    if (header.ok()) CompareWithIndex(pack, *header, indexed);
    if (!header.ok()) {
      Add({Finding::Kind::kPackCorrupt, "pack " + pack.Hex() + ": " + header.status().message(), pack.Hex()});
      // Without a header, fall back to the index's view of the blobs.
      header = std::vector<PackEntry>{};
      for (const auto& b : indexed) header->push_back({b.id, b.type, b.offset, b.length, b.uncompressed_length});
    }
    std::sort(header->begin(), header->end(), [](const PackEntry& a, const PackEntry& b) { return a.offset < b.offset; });
    std::vector<PackEntry> inside;
    inside.reserve(header->size());
    for (const PackEntry& e : *header) {
      if (uint64_t{e.offset} + e.length <= reader.size()) {
        inside.push_back(e);
        continue;
      }
      Add({Finding::Kind::kBlobCorrupt, "pack " + pack.Hex() + ", blob " + e.id.Hex() + ": beyond end of pack", pack.Hex(), e.id.Hex()});
      std::lock_guard lock(mu_);
      bad_blobs_.try_emplace(e.id, "beyond end of pack " + pack.Short());
    }
    Status read = checker_internal::CheckPackBlobs(reader, inside, repo_.key(), [&](const PackEntry& e, const Status& why) {
      Add({Finding::Kind::kBlobCorrupt, "pack " + pack.Hex() + ", blob " + e.id.Hex() + ": " + why.message(), pack.Hex(), e.id.Hex()});
      std::lock_guard lock(mu_);
      bad_blobs_.try_emplace(e.id, why.message() + " in pack " + pack.Short());
    });
    if (!read.ok()) return unreadable(read);
    if (Status st = reader.Finish(); !st.ok()) return unreadable(st);
    CountRead(reader.size());
    if (!reader.HashMatches(pack)) {
      Add({Finding::Kind::kPackCorrupt, "pack " + pack.Hex() + ": content does not match its ID (damaged or truncated)", pack.Hex()});
    }
  }

  // As restic's check: each index entry of the pack must be an entry of its
  // header exactly (type, offset, length, uncompressed length). Restore
  // reads by the index, so an entry that says "compressed" for a blob the
  // pack holds uncompressed (or names other bytes) fails there.
  void CompareWithIndex(const Id& pack, const std::vector<PackEntry>& header, const std::vector<IndexBlob>& indexed) {
    std::unordered_multimap<Id, const PackEntry*, IdHash> listed;
    for (const PackEntry& e : header) listed.emplace(e.id, &e);
    for (const IndexBlob& b : indexed) {
      const PackEntry* same_id = nullptr;
      bool exact = false;
      for (auto [it, end] = listed.equal_range(b.id); it != end && !exact; ++it) {
        const PackEntry& e = *it->second;
        exact = e.type == b.type && e.offset == b.offset && e.length == b.length &&
                e.uncompressed_length == b.uncompressed_length;
        same_id = &e;
      }
      if (exact) continue;
      Add({Finding::Kind::kPackHeaderMismatch, "pack " + pack.Hex() + ", blob " + b.id.Hex() + ": the index says " +
           Describe(b.type, b.offset, b.length, b.uncompressed_length) + ", the pack header " +
           (same_id ? "says " + Describe(same_id->type, same_id->offset, same_id->length, same_id->uncompressed_length)
                    : std::string("does not list the blob")), pack.Hex(), b.id.Hex()});
      // Files are affected when restore would read this entry.
      if (auto used = repo_.index().Lookup(b.id, b.type); used && used->pack == pack && used->offset == b.offset) {
        std::lock_guard lock(mu_);
        bad_blobs_.try_emplace(b.id, "its index entry does not match pack " + pack.Short());
      }
    }
  }

  static std::string Describe(BlobType type, uint32_t offset, uint32_t length, uint32_t uncompressed_length) {
    return std::string(BlobTypeName(type)) + " blob at offset " + std::to_string(offset) + ", " + std::to_string(length) +
           " bytes, " + (uncompressed_length ? "compressed (" + std::to_string(uncompressed_length) + " bytes plain)"
                                             : std::string("uncompressed"));
  }

  void CountRead(uint64_t bytes) {
    {
      std::lock_guard lock(mu_);
      result_.packs_read++;
      result_.bytes_read += bytes;
    }
    if (opt_.progress) {
      opt_.progress->items_done++;
      opt_.progress->bytes_done += bytes;
    }
  }

  Repository& repo_;
  const CheckOptions& opt_;
  const std::function<void(const std::string&)>& progress_;
  CheckResult result_;
  std::mutex mu_;
  std::unordered_map<Id, uint64_t, IdHash> stored_;
  std::unordered_map<Id, std::vector<IndexBlob>, IdHash> by_pack_;
  TreeDepths depths_;
  checker_internal::BadBlobs bad_blobs_;
};

}  // namespace

Result<CheckResult> RunCheck(Repository& repo, const CheckOptions& options,
                             const std::function<void(const std::string&)>& progress) {
  Checker c(repo, options, progress);
  return c.Run();
}

}  // namespace hort
