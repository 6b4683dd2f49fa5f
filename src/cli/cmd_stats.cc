#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "cli/json_text.h"
#include "cli/command.h"
#include "repository/walk.h"

namespace hort::cli {
namespace {
struct StatsFlags {
  std::string mode = "restore-size";
  std::vector<std::string> ids;
};
}  // namespace

Command AddStats(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<StatsFlags>();
  sub.add_option("--mode", f->mode, "restore-size, files-by-contents, raw-data or blobs-per-file");
  sub.add_option("snapshots", f->ids, "snapshots to count (default: all)");
  auto validate = [f]() -> Status {
    if (f->mode != "restore-size" && f->mode != "files-by-contents" && f->mode != "raw-data") {
      return Status(Code::kInvalidArgument, "unknown --mode \"" + f->mode + "\"");
    }
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsRepository(OpenLock::kNone, true); }, [f, &g](Opened& o) {
    Repository& repo = o.repo();
    std::vector<Snapshot> snaps;
    if (f->ids.empty()) {
      auto all = repo.LoadSnapshots();
      if (!all.ok()) return Fail(all.status());
      snaps = *all;
    } else {
      for (const auto& id : f->ids) {
        auto s = repo.FindSnapshot(id);
        if (!s.ok()) return Fail(s.status());
        snaps.push_back(*s);
      }
    }
    uint64_t total_size = 0, file_count = 0, blob_count = 0, uncompressed = 0;
    std::set<std::vector<Id>> contents;
    std::unordered_set<Id, IdHash> blobs;
    for (const Snapshot& s : snaps) {
      std::set<std::pair<uint64_t, uint64_t>> inodes;  // hard links count once, like restic
      if (f->mode == "raw-data" && blobs.insert(s.tree).second) {
        if (auto loc = repo.index().Lookup(s.tree, BlobType::kTree)) {
          total_size += loc->length;
          uncompressed += loc->PlainLength();
        }
      }
      Status st = WalkTree(repo, s.tree, "", [&](const std::string&, const Node& n) {
        if (f->mode == "restore-size") {
          // Every node counts; a hard-linked file's size counts once per snapshot (restic's rule).
          file_count++;
          if (!n.IsFile() || n.links <= 1 || inodes.insert({n.device_id, n.inode}).second) total_size += n.size;
        } else if (f->mode == "files-by-contents") {
          if (n.IsFile() && contents.insert(n.content).second) {
            file_count++;
            total_size += n.size;
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
      if (!st.ok()) return Fail(st);
    }
    blob_count = blobs.size();
    if (g.json) {
      nlohmann::json j = {{"total_size", total_size}, {"snapshots_count", snaps.size()}};
      if (f->mode == "raw-data") {
        j["total_blob_count"] = blob_count;
        j["total_uncompressed_size"] = uncompressed;
        j["compression_ratio"] = total_size ? static_cast<double>(uncompressed) / static_cast<double>(total_size) : 0.0;
      } else {
        j["total_file_count"] = file_count;
      }
      std::printf("%s\n", JsonText(j).c_str());
      return kExitOk;
    }
    std::printf("Stats in %s mode:\n     Snapshots processed:  %zu\n", f->mode.c_str(), snaps.size());
    if (f->mode == "raw-data") {
      std::printf("        Total Blob Count:  %llu\n Total Uncompressed Size:  %s\n              Total Size:  %s\n",
                  (unsigned long long)blob_count, FormatBytes(uncompressed).c_str(), FormatBytes(total_size).c_str());
    } else {
      std::printf("        Total File Count:  %llu\n              Total Size:  %s\n", (unsigned long long)file_count,
                  FormatBytes(total_size).c_str());
    }
    return kExitOk;
  }};
}

}  // namespace hort::cli
