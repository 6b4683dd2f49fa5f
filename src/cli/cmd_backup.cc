#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <nlohmann/json.hpp>

#include "archiver/archiver.h"
#include "archiver/scanner.h"
#include "archiver/targets.h"
#include "cli/json_text.h"
#include "cli/progress_line.h"
#include "cli/snapshot_filter.h"
#include "cli/command.h"
#include "util/log.h"

namespace hort::cli {
namespace {

struct BackupFlags {
  std::vector<std::string> paths, tags, excludes, iexcludes, exclude_files, iexclude_files, exclude_if_present;
  std::vector<std::string> files_from, files_from_verbatim, files_from_raw;
  std::string host, parent, stdin_filename = "stdin", larger_than, time;
  bool exclude_caches = false, one_file_system = false, from_stdin = false, force = false, dry_run = false, with_atime = false;
  bool ignore_ctime = false, ignore_inode = false;
  std::vector<std::string> stdin_command;
  bool from_command = false;
};

class PrintingObserver : public BackupObserver {
 public:
  PrintingObserver(bool json, bool quiet, int verbose) : json_(json), quiet_(quiet), verbose_(verbose) {}
  void OnWarning(const std::string& message) override {
    std::lock_guard lock(mu_);
    std::fprintf(stderr, "%s\n", message.c_str());
  }
  // As restic, before the file list: which snapshot unchanged files are taken from.
  void OnParent(const std::optional<Id>& parent) override {
    if (json_ || quiet_) return;
    std::lock_guard lock(mu_);
    if (parent) {
      std::printf("using parent snapshot %s\n", parent->Short().c_str());
    } else {
      std::printf("no parent snapshot found, will read all files\n");
    }
    std::fflush(stdout);
  }
  void OnError(const std::string& item, const std::string&, const Status& s) override {
    counters.errors++;
    std::lock_guard lock(mu_);
    if (json_) {
      // restic's keys in its order; restic says "archival" for every error of a backup.
      nlohmann::ordered_json j = {{"message_type", "error"}, {"error", {{"message", s.message()}}}, {"during", "archival"}, {"item", item}};
      std::fprintf(stderr, "%s\n", JsonText(j).c_str());
    } else {
      std::fprintf(stderr, "error: %s\n", s.message().c_str());
    }
  }
  ProgressCounters counters;

  void OnItemDone(const ItemDone& item) override {
    if (!item.dir) {
      counters.items_done++;
      counters.bytes_done += item.size;
      counters.SetCurrent(item.path);
    }
    if (verbose_ < 2 || json_ || quiet_) return;
    // restic's -vv lines (ui/backup/text.go).
    std::lock_guard lock(mu_);
    if (item.change == FileChange::kUnmodified) {
      std::printf("unchanged %s\n", item.path.c_str());
      return;
    }
    const char* what = item.change == FileChange::kNew ? "new      " : "modified ";
    if (item.dir) {
      // A directory's own data is none: restic's "added" and "stored" (DataSize, DataSizeInRepo) are both
      // that, its "metadata" the tree's bytes in the pack.
      std::printf("%s %s, saved in %.3fs (%s added, %s stored, %s metadata)\n", what, item.path.c_str(), item.seconds,
                  FormatBytes(item.added).c_str(), FormatBytes(item.added).c_str(), FormatBytes(item.metadata).c_str());
    } else {
      std::printf("%s %s, saved in %.3fs (%s added)\n", what, item.path.c_str(), item.seconds,
                  FormatBytes(item.added).c_str());
    }
  }

 private:
  bool json_, quiet_;
  int verbose_;
  std::mutex mu_;
};

}  // namespace

Command AddBackup(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<BackupFlags>();
  sub.add_option("paths", f->paths, "files and directories to back up");
  sub.add_option("--tag", f->tags, "add tags for the new snapshot (comma-separated or repeated)")->delimiter(',');
  sub.add_option("--host,-H", f->host, "set the hostname for the snapshot");
  sub.add_option("-e,--exclude", f->excludes, "exclude a pattern");
  sub.add_option("--iexclude", f->iexcludes, "exclude a pattern, case-insensitive");
  sub.add_option("--exclude-file", f->exclude_files, "read exclude patterns from a file");
  sub.add_option("--iexclude-file", f->iexclude_files, "same as --exclude-file but ignores the case of names");
  sub.add_flag("--exclude-caches", f->exclude_caches,
               "exclude the contents of directories holding a valid CACHEDIR.TAG (except the tag itself)");
  sub.add_option("--exclude-if-present", f->exclude_if_present,
                 "filename[:header]: exclude the contents of directories holding this file (except the file itself)");
  sub.add_option("--exclude-larger-than", f->larger_than, "leave out files larger than this size (suffixes k, m, g, t)");
  sub.add_flag("-x,--one-file-system", f->one_file_system, "stay on the file system of each target");
  sub.add_option("--files-from", f->files_from, "read the paths to back up from a file (glob patterns, # comments)");
  sub.add_option("--files-from-verbatim", f->files_from_verbatim, "read the paths to back up from a file, one a line, as they are");
  sub.add_option("--files-from-raw", f->files_from_raw, "read NUL-terminated paths to back up from a file");
  sub.add_flag("--stdin", f->from_stdin, "read the file to back up from stdin");
  sub.add_option("--stdin-filename", f->stdin_filename, "file name to use for --stdin");
  sub.add_flag("--stdin-from-command", f->from_command, "back up the standard output of the command after --");
  sub.add_option("--parent", f->parent, "use this parent snapshot (default: latest with the same host and paths)");
  sub.add_flag("-f,--force", f->force, "read all files, even unchanged ones");
  sub.add_flag("-n,--dry-run", f->dry_run, "do not write anything, only show what would be done");
  sub.add_flag("--with-atime", f->with_atime, "store the atime of files and directories");
  sub.add_flag("--ignore-ctime", f->ignore_ctime, "ignore ctime changes when checking for modified files");
  sub.add_flag("--ignore-inode", f->ignore_inode, "ignore inode number changes when checking for modified files");
  sub.add_option("--time", f->time, "time of the backup, local, e.g. '2012-11-01 22:08:41' (default: now)");
  sub.allow_extras();
  // The flags become the engine's options (and bad ones an error) before
  // anything is opened.
  auto options = std::make_shared<BackupOptions>();
  auto validate = [f, options, &sub]() -> Status {
    BackupOptions& opt = *options;
    opt.targets.clear();
    // restic's checks and words, before any list is read (a list named "-"
    // would read the data meant for the backup).
    if (f->from_stdin || f->from_command) {
      const std::string mode = f->from_command ? "--stdin-from-command" : "--stdin";
      for (const auto& [flag, lists] : {std::pair{"--files-from", &f->files_from},
                                        {"--files-from-verbatim", &f->files_from_verbatim},
                                        {"--files-from-raw", &f->files_from_raw}}) {
        if (!lists->empty()) return Status(Code::kInvalidArgument, mode + " and " + flag + " cannot be used together");
      }
      if (f->from_stdin && !f->paths.empty()) {
        return Status(Code::kInvalidArgument, "--stdin was specified and files/dirs were listed as arguments");
      }
    }
    std::vector<std::string> warnings;
    HORT_RETURN_IF_ERROR(CollectTargets({.files_from = f->files_from, .files_from_verbatim = f->files_from_verbatim,
                                         .files_from_raw = f->files_from_raw, .args = f->paths},
                                        &opt.targets, &warnings));
    for (const auto& w : warnings) std::fprintf(stderr, "%s\n", w.c_str());
    if (f->from_command) {
      opt.stdin_command = sub.remaining();
      if (!opt.stdin_command.empty() && opt.stdin_command[0] == "--") opt.stdin_command.erase(opt.stdin_command.begin());
      // CLI11 may have taken the command words as positional paths.
      if (opt.stdin_command.empty()) opt.stdin_command = opt.targets;
      opt.targets.clear();
      if (opt.stdin_command.empty()) return Status(Code::kInvalidArgument, "--stdin-from-command needs a command after --");
      opt.from_stdin = true;
    } else if (!sub.remaining().empty()) {
      for (auto r : sub.remaining()) if (r != "--") opt.targets.push_back(r);
    }
    if (f->from_stdin) opt.from_stdin = true;
    opt.stdin_filename = f->stdin_filename;
    if (opt.from_stdin && !opt.targets.empty()) {
      return Status(Code::kInvalidArgument, "--stdin and --stdin-from-command take no paths");
    }
    if (!opt.from_stdin && opt.targets.empty()) return Status(Code::kInvalidArgument, "nothing to back up, please specify target files/dirs");
    opt.host = f->host;
    opt.tags = SplitCommaList(f->tags);
    opt.force = f->force;
    opt.dry_run = f->dry_run;
    opt.with_atime = f->with_atime;
    // As in restic 0.14: --ignore-inode implies --ignore-ctime, which a FUSE
    // mount that makes up inodes does not keep either.
    opt.ignore_ctime = f->ignore_ctime || f->ignore_inode;
    opt.ignore_inode = f->ignore_inode;
    if (!f->time.empty()) {
      HORT_ASSIGN_OR_RETURN(opt.time, ParseBackupTime(f->time));
    }
    if (!f->larger_than.empty()) {
      HORT_ASSIGN_OR_RETURN(opt.excludes.larger_than, ParseSize(f->larger_than));
    }
    if (!f->parent.empty()) opt.parent = f->parent;
    // A bad pattern is blamed on the flag that brought it, files first, in
    // restic's order (then --iexclude, --exclude in Validate).
    std::vector<std::string> from_files, ifrom_files;
    for (const auto& file : f->exclude_files) HORT_RETURN_IF_ERROR(ReadPatternFile(file, &from_files));
    HORT_RETURN_IF_ERROR(ValidatePatterns("--exclude-file", from_files));
    for (const auto& file : f->iexclude_files) HORT_RETURN_IF_ERROR(ReadPatternFile(file, &ifrom_files));
    HORT_RETURN_IF_ERROR(ValidatePatterns("--iexclude-file", ifrom_files));
    opt.excludes.patterns = f->excludes;
    opt.excludes.patterns.insert(opt.excludes.patterns.end(), from_files.begin(), from_files.end());
    std::vector<std::string> ipatterns = f->iexcludes;
    ipatterns.insert(ipatterns.end(), ifrom_files.begin(), ifrom_files.end());
    for (const auto& p : ipatterns) opt.excludes.ipatterns.push_back(LowerCase(p));
    // As restic, the snapshot records the --exclude patterns only.
    opt.exclude_strings = f->excludes;
    opt.excludes.exclude_caches = f->exclude_caches;
    opt.excludes.if_present = f->exclude_if_present;
    opt.excludes.one_file_system = f->one_file_system;
    return opt.excludes.Validate();
  };
  auto needs = [] {
    Needs n = NeedsRepositoryLocked(OpenLock::kShared, true);
    // The index, the parent's trees and the files are read while the lock's
    // 200 ms second look runs; the first pack waits for its answer (lock.h).
    n.lock_settle = LockSettle::kBehindReads;
    return n;
  };
  return Command{validate, needs, [f, options, &g](Opened& o) {
    BackupOptions& opt = *options;
    Repository& repo = o.repo();
    PrintingObserver observer(g.json, g.quiet, g.verbose);
    std::optional<JsonStatusTicker> ticker;
    ticker.emplace(&observer.counters, g.json);
    // On a terminal: a live line, with totals from a scanner running beside the backup.
    bool live = ProgressWanted(g.quiet, g.json) && !opt.from_stdin;
    bool scan = (live || g.json) && !opt.from_stdin;
    std::atomic<bool> stop_scan{false};
    std::thread scanner;
    if (scan) scanner = std::thread([&] { ScanTargets(opt.targets, opt.excludes, &observer.counters, &stop_scan); });
    std::optional<ProgressLine> line;
    if (live) line.emplace(&observer.counters, "files", true);
    auto result = RunBackup(repo, opt, &observer);
    stop_scan = true;
    if (scanner.joinable()) scanner.join();
    line.reset();
    ticker.reset();
    if (!result.ok()) return Fail(result.status());
    const SnapshotSummary& m = result->summary;
    if (g.json) {
      nlohmann::json j = {{"message_type", "summary"},
                          {"files_new", m.files_new}, {"files_changed", m.files_changed},
                          {"files_unmodified", m.files_unmodified}, {"dirs_new", m.dirs_new},
                          {"dirs_changed", m.dirs_changed}, {"dirs_unmodified", m.dirs_unmodified},
                          {"data_blobs", m.data_blobs}, {"tree_blobs", m.tree_blobs},
                          {"data_added", m.data_added}, {"data_added_packed", m.data_added_packed},
                          {"total_files_processed", m.total_files_processed},
                          {"total_bytes_processed", m.total_bytes_processed},
                          {"total_duration", result->seconds}};
      if (!opt.dry_run) j["snapshot_id"] = result->snapshot_id.Hex();
      if (opt.dry_run) j["dry_run"] = true;
      std::printf("%s\n", JsonText(j).c_str());
    } else if (!g.quiet) {
      std::printf("\nFiles:       %5llu new, %5llu changed, %5llu unmodified\n", (unsigned long long)m.files_new,
                  (unsigned long long)m.files_changed, (unsigned long long)m.files_unmodified);
      std::printf("Dirs:        %5llu new, %5llu changed, %5llu unmodified\n", (unsigned long long)m.dirs_new,
                  (unsigned long long)m.dirs_changed, (unsigned long long)m.dirs_unmodified);
      if (g.verbose > 0) {
        std::printf("Data Blobs:  %5llu new\n", (unsigned long long)m.data_blobs);
        std::printf("Tree Blobs:  %5llu new\n", (unsigned long long)m.tree_blobs);
      }
      // restic's text: sizes at least 5 wide ("0 B  "), the time as [h:]mm:ss.
      std::printf("%s to the repository: %-5s (%-5s stored)\n\n", opt.dry_run ? "Would add" : "Added",
                  FormatBytes(m.data_added).c_str(), FormatBytes(m.data_added_packed).c_str());
      std::printf("processed %llu files, %s in %s\n", (unsigned long long)m.total_files_processed,
                  FormatBytes(m.total_bytes_processed).c_str(), ClockText(result->seconds).c_str());
      if (!opt.dry_run) std::printf("snapshot %s saved\n", result->snapshot_id.Short().c_str());
      if (g.verbose > 0) {
        for (const auto& [stage, ns] : result->stage_times.Snapshot()) {
          std::printf("  stage %-20s %8.3fs\n", stage.c_str(), static_cast<double>(ns.count()) / 1e9);
        }
      }
    }
    if (result->errors > 0) {
      std::fprintf(stderr, "Warning: at least one source file could not be read\n");
      return kExitPartial;
    }
    return kExitOk;
  }};
}

}  // namespace hort::cli
