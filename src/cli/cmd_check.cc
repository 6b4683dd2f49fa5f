#include <cstdio>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "checker/checker.h"
#include "prune/prune.h"
#include "cli/json_text.h"
#include "cli/command.h"
#include "cli/file_age.h"
#include "cli/progress_line.h"
#include <optional>

namespace hort::cli {
namespace {
// As restic's check: without --with-cache (and without --no-cache) a remote
// repository is read through a cache made fresh for this run and removed
// after it. What is checked is what the repository holds now, and a tree
// pack is still fetched whole once instead of one request per tree: on an
// object store a small range request costs a round trip (44 ms each against
// Ceph RGW's default settings, measured 2026-12-04), and a snapshot has
// thousands of trees.
class TemporaryCache {
 public:
  static std::unique_ptr<TemporaryCache> Make(const std::string& base) {
    std::error_code ec;
    std::string parent = base;
    if (parent.empty()) parent = std::filesystem::temp_directory_path(ec).string();
    if (parent.empty()) parent = "/tmp";
    std::filesystem::create_directories(parent, ec);
    RemoveAbandoned(parent);
    std::string pattern = parent + "/hort-check-cache-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return nullptr;
    return std::unique_ptr<TemporaryCache>(new TemporaryCache(pattern));
  }
  ~TemporaryCache() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    if (ec) std::fprintf(stderr, "warning: cannot remove the temporary cache %s: %s\n", dir_.c_str(), ec.message().c_str());
  }
  const std::string& dir() const { return dir_; }

 private:
  explicit TemporaryCache(std::string dir) : dir_(std::move(dir)) {}

  // The temporary caches of checks killed before they could remove theirs.
  // A running check's folder changes as it fills; a week without a change
  // is a check that is gone (restic leaves its own in the temp folder).
  static void RemoveAbandoned(const std::string& parent) {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(parent, ec)) {
      if (e.path().filename().string().rfind("hort-check-cache-", 0) != 0 || !e.is_directory(ec)) continue;
      if (IsOldPath(e.path().string(), 7)) fs::remove_all(e.path(), ec);
    }
  }

  std::string dir_;
};

struct CheckFlags {
  CheckOptions opt;
  bool with_cache = false;
  std::unique_ptr<TemporaryCache> temporary_cache;  // removed when the command ends
};

// Temporary files of writers killed before their rename (a partial pack of
// a killed backup): harmless to the repository, listed so they do not pile
// up unseen. A store that cannot be listed for them only gets a warning.
std::vector<StagedFile> ListStagedFiles(Backend& backend) {
  std::vector<StagedFile> staged;
  Status st = backend.ListStaged([&](const StagedFile& f) { staged.push_back(f); });
  if (!st.ok()) std::fprintf(stderr, "warning: cannot list temporary files: %s\n", st.message().c_str());
  std::sort(staged.begin(), staged.end(), [](const StagedFile& a, const StagedFile& b) { return a.name < b.name; });
  return staged;
}

void PrintStaged(const std::vector<StagedFile>& staged) {
  uint64_t bytes = 0;
  for (const StagedFile& f : staged) bytes += f.size;
  std::printf("%zu temporary files (%s) were left by interrupted writes; hort prune removes those older than %lld minutes:\n",
              staged.size(), FormatBytes(bytes).c_str(), static_cast<long long>(kStagedFileMinAgeSeconds / 60));
  for (const StagedFile& f : staged) std::printf("  %s\n", f.name.c_str());
}

nlohmann::json StagedJson(const std::vector<StagedFile>& staged) {
  nlohmann::json out = nlohmann::json::array();
  for (const StagedFile& f : staged) out.push_back({{"name", f.name}, {"size", f.size}, {"modified", f.modified}});
  return out;
}
}  // namespace

Command AddCheck(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<CheckFlags>();
  sub.add_flag("--read-data", f->opt.read_data, "read all data blobs");
  sub.add_option("--read-data-subset", f->opt.read_data_subset, "read a subset of data packs: n/m, x% or a size");
  sub.add_flag("--with-cache", f->with_cache, "use the cache");
  // As restic: check reads what the repository holds, not what a local
  // cache remembers of it, unless --with-cache says otherwise.
  auto validate = [f, &g]() -> Status {
    // restic's words; hort read only the subset, a clean result for a full read that never happened.
    if (f->opt.read_data && !f->opt.read_data_subset.empty()) {
      return Status(Code::kInvalidArgument, "check flags --read-data and --read-data-subset cannot be used together");
    }
    if (!f->with_cache && !g.no_cache) {
      auto location = ResolveRepository(g);
      if (location.ok() && IsRemoteLocation(*location)) f->temporary_cache = TemporaryCache::Make(CacheBase(g));
      if (f->temporary_cache) {
        g.cache_dir = f->temporary_cache->dir();
        if (g.verbose > 0 && !g.json) std::printf("using temporary cache in %s\n", g.cache_dir.c_str());
      } else {
        g.no_cache = true;  // a local folder needs none; elsewhere every tree is one request
      }
    }
    // A typo in the subset fails before a password is asked or a lock taken.
    if (!f->opt.read_data_subset.empty()) HORT_RETURN_IF_ERROR(SelectSubset({}, f->opt.read_data_subset).status());
    return Status::Ok();
  };
  auto needs = [f] {
    Needs n = NeedsRepository(OpenLock::kExclusive, false);
    // Reads the first packs while the key is derived (see Repository::Open).
    n.warm_up = [&opt = f->opt](Backend& backend) { ReadFirstPacksAhead(backend, opt); };
    // Reads while the lock's 200 ms second look runs; reports only once it
    // answered (lock.h).
    n.lock_settle = LockSettle::kBehindReads;
    return n;
  };
  return Command{validate, needs, [f, &g](Opened& o) {
    auto progress = [&](const std::string& m) {
      if (!g.quiet && !g.json) std::printf("%s\n", m.c_str());
    };
    ProgressCounters counters;
    f->opt.progress = &counters;
    std::optional<ProgressLine> line;
    JsonStatusTicker json_status(&counters, g.json);
    line.emplace(&counters, "packs", ProgressWanted(g.quiet, g.json) && (f->opt.read_data || !f->opt.read_data_subset.empty()));
    auto result = RunCheck(o.repo(), f->opt, [&](const std::string& m) {
      if (line) line.reset();  // a stage message ends the live line of the previous stage
      progress(m);
      if (m.rfind("read", 0) == 0) line.emplace(&counters, "packs", ProgressWanted(g.quiet, g.json));
    });
    line.reset();
    if (Status confirmed = o.repository.LockConfirmed(); !confirmed.ok()) return Fail(confirmed);
    if (!result.ok()) return Fail(result.status());
    size_t errors = result->ErrorCount();
    const std::vector<StagedFile> staged = ListStagedFiles(o.repo().backend());
    if (g.json) {
      nlohmann::json findings = nlohmann::json::array();
      for (const auto& fd : result->findings) {
        findings.push_back({{"message", fd.message}, {"error", fd.IsError()}, {"pack", fd.pack}, {"blob", fd.blob},
                            {"snapshot", fd.snapshot}, {"path", fd.path}});
      }
      nlohmann::json j = {{"message_type", "summary"}, {"num_errors", errors}, {"findings", findings},
                          {"packs_read", result->packs_read}, {"bytes_read", result->bytes_read},
                          {"temporary_files", StagedJson(staged)}};
      std::printf("%s\n", JsonText(j).c_str());
    } else {
      size_t unreferenced = 0;
      for (const auto& fd : result->findings) {
        if (fd.IsError()) std::fprintf(stderr, "error: %s\n", fd.message.c_str());
        else ++unreferenced;
      }
      if (unreferenced > 0 && !g.quiet) {
        // restic's words; -v names each pack, as restic's Verbosef does.
        for (const auto& fd : result->findings) {
          if (!fd.IsError() && g.verbose >= 1) std::printf("%s\n", fd.message.c_str());
        }
        std::printf("%zu additional files were found in the repo, which likely contain duplicate data.\n"
                    "This is non-critical, you can run `hort prune` to correct this.\n", unreferenced);
      }
      if (!staged.empty() && !g.quiet) PrintStaged(staged);
      if (errors == 0 && !g.quiet) std::printf("no errors were found\n");
    }
    if (errors > 0) {
      return FailLine("repository contains errors");
    }
    return kExitOk;
  }};
}

}  // namespace hort::cli
