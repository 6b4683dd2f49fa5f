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
#include "cli/json_text.h"
#include "cli/progress_line.h"
#include "cli/command.h"
#include "util/log.h"

namespace hort::cli {
namespace {

struct BackupFlags {
  std::vector<std::string> paths, tags, excludes, iexcludes, exclude_files, exclude_if_present, files_from;
  std::string host, parent, stdin_filename = "stdin";
  bool exclude_caches = false, one_file_system = false, from_stdin = false, force = false, dry_run = false, with_atime = false;
  std::vector<std::string> stdin_command;
  bool from_command = false;
};

class PrintingObserver : public BackupObserver {
 public:
  explicit PrintingObserver(bool json) : json_(json) {}
  void OnError(const std::string& item, const std::string& during, const Status& s) override {
    counters.errors++;
    std::lock_guard lock(mu_);
    if (json_) {
      nlohmann::json j = {{"message_type", "error"}, {"error", {{"message", s.message()}}}, {"during", during}, {"item", item}};
      std::fprintf(stderr, "%s\n", JsonText(j).c_str());
    } else {
      std::fprintf(stderr, "error: %s\n", s.message().c_str());
    }
  }
  ProgressCounters counters;

  void OnFileDone(const std::string& path, FileChange change, uint64_t bytes) override {
    counters.items_done++;
    counters.bytes_done += bytes;
    counters.SetCurrent(path);
    if (GetLogLevel() < LogLevel::kVerbose || json_) return;
    std::lock_guard lock(mu_);
    const char* what = change == FileChange::kNew ? "new" : change == FileChange::kChanged ? "modified" : "unchanged";
    std::printf("%-9s %s, saved in %s\n", what, path.c_str(), FormatBytes(bytes).c_str());
  }

 private:
  bool json_;
  std::mutex mu_;
};

Status ReadLines(const std::string& path, std::vector<std::string>* out) {
  std::ifstream in(path);
  if (!in) return Status(Code::kInvalidArgument, "cannot read --files-from " + path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    out->push_back(line);
  }
  return Status::Ok();
}

}  // namespace

Command AddBackup(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<BackupFlags>();
  sub.add_option("paths", f->paths, "files and directories to back up");
  sub.add_option("--tag", f->tags, "add tags for the new snapshot (comma-separated or repeated)")->delimiter(',');
  sub.add_option("--host,-H", f->host, "set the hostname for the snapshot");
  sub.add_option("-e,--exclude", f->excludes, "exclude a pattern");
  sub.add_option("--iexclude", f->iexcludes, "exclude a pattern, case-insensitive");
  sub.add_option("--exclude-file", f->exclude_files, "read exclude patterns from a file");
  sub.add_flag("--exclude-caches", f->exclude_caches, "exclude directories that contain a valid CACHEDIR.TAG");
  sub.add_option("--exclude-if-present", f->exclude_if_present, "exclude directories containing this file");
  sub.add_flag("-x,--one-file-system", f->one_file_system, "stay on the file system of each target");
  sub.add_option("--files-from", f->files_from, "read the paths to back up from a file");
  sub.add_flag("--stdin", f->from_stdin, "read the file to back up from stdin");
  sub.add_option("--stdin-filename", f->stdin_filename, "file name to use for --stdin");
  sub.add_flag("--stdin-from-command", f->from_command, "back up the standard output of the command after --");
  sub.add_option("--parent", f->parent, "use this parent snapshot (default: latest with the same host and paths)");
  sub.add_flag("-f,--force", f->force, "read all files, even unchanged ones");
  sub.add_flag("-n,--dry-run", f->dry_run, "do not write anything, only show what would be done");
  sub.add_flag("--with-atime", f->with_atime, "store the atime of files and directories");
  sub.allow_extras();
  // The flags become the engine's options (and bad ones an error) before
  // anything is opened.
  auto options = std::make_shared<BackupOptions>();
  auto validate = [f, options, &sub]() -> Status {
    BackupOptions& opt = *options;
    opt.targets = f->paths;
    for (const auto& file : f->files_from) {
      HORT_RETURN_IF_ERROR(ReadLines(file, &opt.targets));
    }
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
    opt.tags = f->tags;
    opt.force = f->force;
    opt.dry_run = f->dry_run;
    opt.with_atime = f->with_atime;
    if (!f->parent.empty()) opt.parent = f->parent;
    opt.excludes.patterns = f->excludes;
    for (const auto& file : f->exclude_files) {
      HORT_RETURN_IF_ERROR(ReadPatternFile(file, &opt.excludes.patterns));
    }
    for (const auto& p : f->iexcludes) {
      opt.excludes.ipatterns.push_back(LowerCase(p));
    }
    opt.exclude_strings = opt.excludes.patterns;
    opt.excludes.exclude_caches = f->exclude_caches;
    opt.excludes.if_present = f->exclude_if_present;
    opt.excludes.one_file_system = f->one_file_system;
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsRepository(OpenLock::kShared, true); }, [f, options, &g](Opened& o) {
    BackupOptions& opt = *options;
    Repository& repo = o.repo();
    PrintingObserver observer(g.json);
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
      if (result->parent) std::printf("using parent snapshot %s\n\n", result->parent->Short().c_str());
      std::printf("Files:       %5llu new, %5llu changed, %5llu unmodified\n", (unsigned long long)m.files_new,
                  (unsigned long long)m.files_changed, (unsigned long long)m.files_unmodified);
      std::printf("Dirs:        %5llu new, %5llu changed, %5llu unmodified\n", (unsigned long long)m.dirs_new,
                  (unsigned long long)m.dirs_changed, (unsigned long long)m.dirs_unmodified);
      std::printf("%s to the repository: %s (%s stored)\n\n", opt.dry_run ? "Would add" : "Added",
                  FormatBytes(m.data_added).c_str(), FormatBytes(m.data_added_packed).c_str());
      std::printf("processed %llu files, %s in %.2fs\n", (unsigned long long)m.total_files_processed,
                  FormatBytes(m.total_bytes_processed).c_str(), result->seconds);
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
