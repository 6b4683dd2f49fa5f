// RunRestore's stages: the plan (plan_items.cc, and the data's in
// content_writer.cc), the directories made and the files counted, the data
// written (content_writer.cc), links, special files and metadata, and the
// optional verify.
#include "restorer/restorer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <map>
#include <set>
#include <mutex>
#include <optional>
#include <thread>

#include "restorer/beneath.h"
#include "restorer/content_writer.h"
#include "restorer/plan_items.h"
#include "restorer/restore_item.h"
#include "util/parallel.h"

namespace hort {
namespace {

using restore_internal::ContentWriter;
using restore_internal::DirCursor;
using restore_internal::Item;
using restore_internal::ItemExtra;
using restore_internal::Kind;
using restore_internal::ItemTree;
using restore_internal::kTopLevel;

class Restore {
 public:
  Restore(Repository& repo, const Snapshot& snap, const RestoreOptions& opt, RestoreObserver* obs)
      : repo_(repo), snap_(snap), opt_(opt), obs_(obs) {}

  Result<RestoreResult> Run() {
    auto start = std::chrono::steady_clock::now();
    ContentWriter writer(repo_, opt_, tree_, root_, [this](Item& it, const Status& s) { Fail(it, s); });
    {
      ScopedStageTimer t(&result_.stage_times, "plan");
      HORT_RETURN_IF_ERROR(restore_internal::PlanItems(repo_, snap_, opt_, tree_, unreadable_trees_));
      if (!opt_.dry_run) writer.Plan();
    }
    if (!opt_.dry_run) ReadFirstPiecesAhead(writer);
    if (opt_.before_writing) HORT_RETURN_IF_ERROR(opt_.before_writing());
    ReportUnreadableTrees();
    if (!opt_.dry_run) {
      {
        ScopedStageTimer t(&result_.stage_times, "create");
        HORT_RETURN_IF_ERROR(CreateDirsAndFiles());
      }
      StageDone("create");
      {
        ScopedStageTimer t(&result_.stage_times, "fetch+decrypt+write");
        writer.WriteFiles();
        writer.RemovePartialFiles();
        if (!opt_.Cancelled()) writer.CreateUnwrittenFiles();
      }
      StageDone("fetch+decrypt+write");
      if (opt_.Cancelled()) return Status(Code::kCancelled, "restore interrupted");
      {
        ScopedStageTimer t(&result_.stage_times, "metadata");
        RestoreOthersAndMetadata();
      }
      StageDone("metadata");
      if (opt_.verify) {
        ScopedStageTimer t(&result_.stage_times, "verify");
        Verify();
      }
    }
    CountRestored();
    result_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(result_);
  }

 private:
  // The data stage starts with the first pieces of its plan (the packs of
  // the first files in tree order). Where a read is a request, two per
  // worker are asked for now, exactly the ranges those tasks read, while
  // the lock's second look runs (about 0.15 s of an S3 restore spent
  // waiting, 2026-12-06): with one per worker both were there within 0.1 s
  // and the machine still sat idle; with two, 1 GiB from RGW took 2.32
  // instead of 2.38 s (medians of 5) and peaked at 110-122 instead of
  // 99-105 MiB (restic: 170-183). Where range reads are cheap a piece
  // larger than the stream window is hinted at as it is reached and a
  // smaller one read when needed (ContentWriter::RestorePack).
  void ReadFirstPiecesAhead(const ContentWriter& writer) {
    Backend& backend = repo_.backend();
    if (backend.CheapRangeReads()) return;
    const size_t want = 2 * static_cast<size_t>(WorkersFor(opt_.workers));
    for (const ContentWriter::PackPiece& p : writer.FirstPieces(want)) {
      backend.ReadAhead({FileType::kPack, p.pack.Hex()}, p.begin, p.end - p.begin);
    }
  }

  // The directories whose trees could not be read, named once the lock's
  // second look has answered (a restore that stops there reports nothing).
  void ReportUnreadableTrees() {
    for (const auto& [path, status] : unreadable_trees_) {
      std::lock_guard lock(err_mu_);
      ReportErrorLocked(path, status, /*new_error=*/true);
    }
  }

  void StageDone(const char* stage) {
    if (obs_) obs_->OnStageDone(stage);
  }

  Status CreateDirsAndFiles() {
    // The target and its missing parents are created, as restic does (0700:
    // nothing restored is readable by others before its metadata is set).
    for (size_t slash = 1; slash != std::string::npos;) {
      slash = tree_.target.find('/', slash + 1);
      const std::string part = tree_.target.substr(0, slash);
      if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("create target " + part, errno);
    }
    HORT_RETURN_IF_ERROR(root_.Open(tree_.target));
    DirCursor cursor(root_, tree_);
    std::map<std::pair<uint64_t, uint64_t>, int> first_link;
    std::set<std::pair<uint64_t, uint64_t>> sized_below_failed;
    for (size_t i = 0; i < tree_.items.size(); ++i) {
      Item& it = tree_.items[i];
      // Nothing goes below a directory that could not be made as a real
      // directory: the path may be a symlink to anywhere (issue #25).
      if (it.parent != kTopLevel && tree_.items[it.parent].failed) {
        it.failed = true;
        it.content_failed = it.IsFile();
        // Still counted with its size: the summary says what the snapshot
        // holds beside what the target got.
        if (it.IsFile()) {
          result_.files++;
          // A further name of a hard-linked file adds no bytes, as below. Its
          // own set: first_link must name only files that are restored.
          const bool further_link =
              it.links > 1 && it.extra && !sized_below_failed.insert({it.extra->device_id, it.extra->inode}).second;
          if (!further_link) result_.bytes += IndexedSize(it);
        }
        result_.dirs += it.IsDir();
        result_.others += !it.IsFile() && !it.IsDir() && it.kind != Kind::kOther;
        continue;
      }
      if (it.IsDir()) {
        auto dir = cursor.DirOf(it);
        Status s = dir.ok() ? restore_internal::MakeDirAt(*dir, it, tree_) : dir.status();
        if (!s.ok()) Fail(it, s);
        result_.dirs++;
        result_.dirs_restored += s.ok();
        continue;
      }
      if (!it.IsFile()) {
        result_.others += it.kind != Kind::kOther;  // sockets cannot be recreated: restic skips them too
        continue;
      }
      if (it.links > 1 && it.extra) {
        auto key = std::make_pair(it.extra->device_id, it.extra->inode);
        auto [pos, fresh] = first_link.try_emplace(key, static_cast<int>(i));
        if (!fresh) it.hardlink_of = pos->second;
      }
      result_.files++;
      if (it.hardlink_of >= 0) continue;
      std::optional<Id> missing;
      it.size = IndexedSize(it, &missing);
      if (missing) {
        Fail(it, Status(Code::kNotFound, "data blob " + missing->Short() + " is missing from the index"));
        it.content_failed = true;
      }
      result_.bytes += it.size;
      // Files are created by their first write, in pack order, not here in
      // tree order: creating 100k files in one burst before any data made
      // ext4 (without a journal) rescan recently freed inodes on every
      // create — measured 31.9 s against 5.6 s for the same restore.
    }
    if (opt_.progress) {
      opt_.progress->items_total = result_.files;
      opt_.progress->bytes_total = result_.bytes;
      opt_.progress->totals_final = true;
    }
    return Status::Ok();
  }

  void RestoreOthersAndMetadata() {
    DirCursor cursor(root_, tree_), first_cursor(root_, tree_);
    for (Item& it : tree_.items) {
      if (it.failed && it.parent != kTopLevel && tree_.items[it.parent].failed) continue;  // below a directory not made
      if (it.IsFile() && it.hardlink_of >= 0) {
        const std::string path = tree_.PathOf(it);
        const Item& first = tree_.items[static_cast<size_t>(it.hardlink_of)];
        // Not made, or its path may lead outside the target: never link to it.
        // A file whose content is whole but whose metadata failed (set by its
        // last write, before this stage) is linked as before.
        if (first.content_failed || !first.created) {
          Fail(it, Status(Code::kIo, "link " + path + ": the file it links to was not restored"));
          continue;
        }
        auto dir = cursor.DirOf(it);
        auto first_dir = first_cursor.DirOf(first);
        if (!dir.ok() || !first_dir.ok()) {
          Fail(it, dir.ok() ? first_dir.status() : dir.status());
          continue;
        }
        ::unlinkat(*dir, it.name.c_str(), 0);
        if (::linkat(*first_dir, first.name.c_str(), *dir, it.name.c_str(), 0) != 0) {
          Fail(it, ErrnoStatus("link " + path, errno));
        }
        continue;
      }
      if (it.IsFile() || it.IsDir() || it.kind == Kind::kOther) continue;  // sockets cannot be recreated
      auto dir = cursor.DirOf(it);
      Status s = dir.ok() ? restore_internal::MakeSpecialAt(*dir, it, tree_) : dir.status();
      if (!s.ok()) {
        Fail(it, s);
        continue;
      }
      result_.others_restored++;
    }
    // Owner, mode and times of the files their last write did not set
    // (empty and all-zero files, others that are not files): spread over
    // the cores in blocks of consecutive items.
    std::atomic<size_t> next{0};
    auto set_files = [&] {
      constexpr size_t kBlock = 256;
      DirCursor cursor(root_, tree_);
      for (size_t begin = next.fetch_add(kBlock); begin < tree_.items.size(); begin = next.fetch_add(kBlock)) {
        for (size_t i = begin; i < std::min(tree_.items.size(), begin + kBlock); ++i) {
          Item& it = tree_.items[i];
          if (!it.IsDir() && !it.failed && it.hardlink_of < 0 && it.kind != Kind::kOther && !it.metadata_set) {
            SetMetadata(it, cursor);
          }
          // Files with content were counted by the data stage when written.
          if (opt_.progress && it.IsFile() && !it.counted && !it.content_failed) opt_.progress->items_done++;
        }
      }
    };
    RunParallel(std::clamp(std::thread::hardware_concurrency(), 1u, 8u), [&](unsigned) { set_files(); });
    // Directories last and deepest first: writing into them changes their mtime.
    std::vector<Item*> dirs;
    for (Item& it : tree_.items) if (it.IsDir() && !it.failed) dirs.push_back(&it);
    std::stable_sort(dirs.begin(), dirs.end(), [](Item* a, Item* b) { return a->depth > b->depth; });
    DirCursor dir_cursor(root_, tree_);
    for (Item* d : dirs) SetMetadata(*d, dir_cursor);
  }

  void SetMetadata(Item& it, DirCursor& cursor) {
    auto dir = cursor.DirOf(it);
    if (!dir.ok()) return Fail(it, dir.status());
    restore_internal::SetMetadataAt(*dir, it, tree_, [&](const Status& s) { Fail(it, s); });
  }

  void Verify() {
    DirCursor cursor(root_, tree_);
    for (Item& it : tree_.items) {
      if (!it.IsFile() || it.failed) continue;
      const std::string path = tree_.PathOf(it);
      auto dir = cursor.DirOf(it);
      if (!dir.ok()) {
        Fail(it, dir.status());
        continue;
      }
      int fd = ::openat(*dir, it.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        Fail(it, ErrnoStatus("verify: open " + path, errno));
        continue;
      }
      uint64_t offset = 0;
      for (uint64_t c = it.content_begin; c < it.content_begin + it.content_count; ++c) {
        const Id& id = tree_.contents[c];
        auto loc = repo_.index().Lookup(id, BlobType::kData);
        if (!loc) break;
        std::vector<uint8_t> buf(loc->PlainLength());
        ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
        if (n != static_cast<ssize_t>(buf.size()) || Id::Hash(buf) != id) {
          Fail(it, Status(Code::kCorruption, "verify: " + path + " differs from the snapshot at offset " +
                                                 std::to_string(offset)));
          break;
        }
        offset += buf.size();
      }
      ::close(fd);
      result_.verified_files++;
    }
  }

  // What is really in the target: files whose content was restored
  // completely (a hard link counts when its file does), and their bytes.
  void CountRestored() {
    if (opt_.dry_run) {
      result_.files_restored = result_.files;
      result_.bytes_restored = result_.bytes;
      result_.dirs_restored = result_.dirs;
      result_.others_restored = result_.others;
      return;
    }
    for (const Item& it : tree_.items) {
      if (!it.IsFile() || it.content_failed) continue;
      if (it.hardlink_of >= 0 && (it.failed || tree_.items[static_cast<size_t>(it.hardlink_of)].content_failed)) continue;
      result_.files_restored++;
      result_.bytes_restored += it.size;
    }
  }

  // The plain size of a file's content as the index knows it; a blob it
  // lacks counts nothing, and the first one goes to `*missing`.
  uint64_t IndexedSize(const Item& it, std::optional<Id>* missing = nullptr) const {
    uint64_t size = 0;
    for (uint64_t c = it.content_begin; c < it.content_begin + it.content_count; ++c) {
      if (auto loc = repo_.index().Lookup(tree_.contents[c], BlobType::kData)) {
        size += loc->PlainLength();
      } else if (missing && !*missing) {
        *missing = tree_.contents[c];
      }
    }
    return size;
  }

  void Fail(Item& it, const Status& s) {
    std::lock_guard lock(err_mu_);
    ReportErrorLocked(tree_.SnapPath(it), s, /*new_error=*/!it.failed);
    it.failed = true;
  }
  // Names the error and counts it on the progress line; `new_error` also
  // counts it in the result (an item counts once, however often it fails).
  void ReportErrorLocked(const std::string& snap_path, const Status& s, bool new_error) {
    if (new_error) result_.errors++;
    if (opt_.progress) opt_.progress->errors++;
    if (obs_) obs_->OnError(snap_path, s);
  }

  Repository& repo_;
  const Snapshot& snap_;
  const RestoreOptions& opt_;
  RestoreObserver* obs_;
  ItemTree tree_;
  restore_internal::UnreadableTrees unreadable_trees_;  // snapshot path, why
  restore_internal::TargetRoot root_;  // opened once the target exists
  RestoreResult result_;
  std::mutex err_mu_;
};

}  // namespace

Result<RestoreResult> RunRestore(Repository& repo, const Snapshot& snapshot, const RestoreOptions& options,
                                 RestoreObserver* observer) {
  if (options.target.empty()) return Status(Code::kInvalidArgument, "please specify a target directory (--target)");
  Restore r(repo, snapshot, options, observer);
  return r.Run();
}

}  // namespace hort
