// restic's `cache`: list the local cache folders (one per repository), or
// remove those unused for --max-age days; --cleanup-cache does the latter
// for any command that opens a repository.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "cli/command.h"
#include "cli/file_age.h"
#include "cli/table.h"

namespace hort::cli {
namespace {

namespace fs = std::filesystem;

struct CacheDir {
  std::string name;
  std::time_t mtime = 0;
};

// A repository's cache folder is named by 16 hex digits (backend.cc); the
// volumes' block cache and anything else in the base are not listed.
std::vector<CacheDir> AllCacheDirs(const std::string& base) {
  std::vector<CacheDir> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(base, ec)) {
    std::string name = e.path().filename().string();
    if (name.size() != 16 || !std::all_of(name.begin(), name.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) continue;
    if (!e.is_directory(ec)) continue;
    struct stat st {};
    if (::stat(e.path().c_str(), &st) != 0) continue;
    out.push_back({name, st.st_mtime});
  }
  std::sort(out.begin(), out.end(), [](const CacheDir& a, const CacheDir& b) { return a.mtime < b.mtime; });
  return out;
}

uint64_t DirSize(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

// Removes the old folders; returns how many were removed.
size_t RemoveOld(const std::string& base, unsigned max_age_days) {
  size_t removed = 0;
  for (const CacheDir& d : AllCacheDirs(base)) {
    if (!IsOld(d.mtime, max_age_days)) continue;
    std::error_code ec;
    fs::remove_all(fs::path(base) / d.name, ec);
    if (ec) std::fprintf(stderr, "unable to remove %s/%s: %s\n", base.c_str(), d.name.c_str(), ec.message().c_str());
    else ++removed;
  }
  return removed;
}

struct CacheFlags {
  bool cleanup = false;
  unsigned max_age = 30;
  bool no_size = false;
  std::vector<std::string> args;
};

}  // namespace

void CleanUpOldCaches(const std::string& base, const GlobalOptions& g) {
  if (g.cleanup_cache) {
    size_t n = RemoveOld(base, 30);
    if (n > 0 && g.verbose > 0) std::fprintf(stderr, "removed %zu old cache dirs from %s\n", n, base.c_str());
    return;
  }
  if (g.verbose == 0 || g.json) return;
  size_t old = 0;
  for (const CacheDir& d : AllCacheDirs(base)) old += IsOld(d.mtime, 30) ? 1 : 0;
  if (old > 0) {
    std::fprintf(stderr, "found %zu old cache directories in %s, run `hort cache --cleanup` to remove them\n", old,
                 base.c_str());
  }
}

Command AddCache(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<CacheFlags>();
  sub.add_flag("--cleanup", f->cleanup, "remove old cache directories");
  sub.add_option("--max-age", f->max_age, "max age in days for cache directories to be considered old (default 30)");
  sub.add_flag("--no-size", f->no_size, "do not output the size of the cache directories");
  sub.add_option("args", f->args)->expected(0, -1);
  auto validate = [f, &g]() -> Status {
    if (!f->args.empty()) {
      return Status(Code::kInvalidArgument, "the cache command expects no arguments, only options - please see `hort help cache` for usage and flags");
    }
    if (g.no_cache) return Status(Code::kInvalidArgument, "Refusing to do anything, the cache is disabled");
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsNothing(); }, [f, &g](Opened&) {
    const std::string base = CacheBase(g);
    if (base.empty()) return Fail(Status(Code::kInvalidArgument, "no cache directory: set --cache-dir, HORT_CACHE_DIR or HOME"));
    if (f->cleanup || g.cleanup_cache) {
      size_t n = RemoveOld(base, f->max_age);
      if (g.verbose > 0 || !g.quiet) {
        if (n == 0) std::printf("no old cache dirs found\n");
        else std::printf("removed %zu old cache directories\n", n);
      }
      return kExitOk;
    }
    std::vector<CacheDir> dirs = AllCacheDirs(base);
    if (dirs.empty()) {
      std::printf("no cache dirs found, basedir is %s\n", base.c_str());
      return kExitOk;
    }
    std::vector<std::string> header = {"Repo ID", "Last Used", "Old"};
    if (!f->no_size) header.push_back("Size");
    Table t(header);
    for (const CacheDir& d : dirs) {
      std::vector<std::string> row = {d.name.substr(0, 10),
                                      std::to_string((std::time(nullptr) - d.mtime) / 86400) + " days ago",
                                      IsOld(d.mtime, f->max_age) ? "yes" : ""};
      if (!f->no_size) row.push_back(FormatBytes(DirSize(base + "/" + d.name)));
      t.Row(row);
    }
    std::fputs(t.Render(false).c_str(), stdout);
    std::printf("%zu cache dirs in %s\n", dirs.size(), base.c_str());
    return kExitOk;
  }};
}

}  // namespace hort::cli
