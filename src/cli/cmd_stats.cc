#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "cli/json_text.h"
#include "cli/command.h"
#include "cli/snapshot_filter.h"
#include "repository/walk.h"

namespace hort::cli {
namespace {
struct StatsFlags {
  std::string mode = "restore-size";
  std::vector<std::string> ids;
  SnapshotFilter filter;
};
}  // namespace

Command AddStats(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<StatsFlags>();
  sub.add_option("--mode", f->mode, "restore-size, files-by-contents, raw-data or blobs-per-file");
  AddFilterFlags(sub, &f->filter);
  sub.add_option("snapshots", f->ids, "snapshots to count (default: all)");
  auto validate = [f]() -> Status {
    if (f->mode != "restore-size" && f->mode != "files-by-contents" && f->mode != "raw-data" &&
        f->mode != "blobs-per-file") {
      return Status(Code::kInvalidArgument, "unknown --mode \"" + f->mode + "\"");
    }
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsRepository(OpenLock::kShared, true); }, [f, &g](Opened& o) {
    Repository& repo = o.repo();
    auto sel = SelectSnapshots(repo, f->filter, f->ids);
    if (!sel.ok()) return Fail(sel.status());
    const std::vector<Snapshot>& snaps = sel->snapshots;
    uint64_t total_size = 0, file_count = 0, blob_count = 0, uncompressed = 0;
    // restic 0.14's statsWalkTree: a node is unique by its content list, so
    // every node without content (directories, symlinks, empty files) is one.
    std::set<std::vector<Id>> contents;
    std::map<std::string, std::set<Id>> file_blobs;  // blobs-per-file: per path
    std::unordered_set<Id, IdHash> blobs;
    for (const Snapshot& s : snaps) {
      std::set<uint64_t> inodes;  // restic's rule: one size per inode and snapshot (0 = unknown)
      if (f->mode == "raw-data" && blobs.insert(s.tree).second) {
        if (auto loc = repo.index().Lookup(s.tree, BlobType::kTree)) {
          total_size += loc->length;
          uncompressed += loc->PlainLength();
        }
      }
      Status st = WalkTree(repo, s.tree, "", [&](const std::string& path, const Node& n) {
        if (f->mode == "restore-size") {
          file_count++;
          if (n.inode == 0 || inodes.insert(n.inode).second) total_size += n.size;
        } else if (f->mode == "files-by-contents") {
          if (contents.insert(n.content).second) {
            file_count++;
            total_size += n.size;
          }
        } else if (f->mode == "blobs-per-file") {
          if (!contents.insert(n.content).second) return WalkAction::kContinue;
          for (const Id& id : n.content) {
            auto [it, new_path] = file_blobs.try_emplace(path);
            if (new_path) file_count++;
            if (!it->second.insert(id).second) continue;
            if (auto loc = repo.index().Lookup(id, BlobType::kData)) total_size += loc->PlainLength();
            blob_count++;
          }
        } else {
          auto add = [&](const Id& id, BlobType t) {
            if (!blobs.insert(id).second) return;
            if (auto loc = repo.index().Lookup(id, t)) {
              total_size += loc->length;
              uncompressed += loc->PlainLength();
            }
          };
          for (const Id& id : n.content) add(id, BlobType::kData);
          if (n.subtree) add(*n.subtree, BlobType::kTree);
        }
        return WalkAction::kContinue;
      });
      if (!st.ok()) return Fail(st.Annotate("snapshot " + s.id.Short()));
    }
    if (f->mode == "raw-data") blob_count = blobs.size();
    if (g.json) {
      // restic 0.14's keys (total_blob_count only when not 0); raw-data adds newer restic's two.
      nlohmann::json j = {{"total_size", total_size}, {"total_file_count", file_count}, {"snapshots_count", snaps.size()}};
      if (blob_count > 0) j["total_blob_count"] = blob_count;
      if (f->mode == "raw-data") {
        j["total_uncompressed_size"] = uncompressed;
        j["compression_ratio"] = total_size ? static_cast<double>(uncompressed) / static_cast<double>(total_size) : 0.0;
      }
      std::printf("%s\n", JsonText(j).c_str());
      return ExitForMissing(*sel, kExitOk);
    }
    std::printf("Stats in %s mode:\n     Snapshots processed:  %zu\n", f->mode.c_str(), snaps.size());
    if (f->mode == "blobs-per-file") {
      std::printf("        Total Blob Count:  %llu\n", (unsigned long long)blob_count);
    }
    if (f->mode == "raw-data") {
      std::printf("        Total Blob Count:  %llu\n Total Uncompressed Size:  %s\n              Total Size:  %s\n",
                  (unsigned long long)blob_count, FormatBytes(uncompressed).c_str(), FormatBytes(total_size).c_str());
    } else {
      std::printf("        Total File Count:  %llu\n              Total Size:  %s\n", (unsigned long long)file_count,
                  FormatBytes(total_size).c_str());
    }
    return ExitForMissing(*sel, kExitOk);
  }};
}

}  // namespace hort::cli
