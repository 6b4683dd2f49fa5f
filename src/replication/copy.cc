#include "replication/copy.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "chunker/chunker.h"
#include "format/tree.h"
#include "repository/walk.h"
#include "util/crash_point.h"
#include "util/hex.h"

namespace hort {
namespace {

class Copier {
 public:
  Copier(Repository& src, Repository& dst, const std::function<void(const std::string&)>& progress)
      : src_(src), dst_(dst), progress_(progress),
        rechunk_(src.config().chunker_polynomial != dst.config().chunker_polynomial) {
    stats_.rechunked = rechunk_;
  }

  Result<CopyStats> Run(const CopyOptions& opt) {
    progress_counters_ = opt.progress;
    HORT_RETURN_IF_ERROR(src_.LoadIndex());
    HORT_RETURN_IF_ERROR(dst_.LoadIndex());
    HORT_ASSIGN_OR_RETURN(auto dst_snaps, dst_.LoadSnapshots());
    std::unordered_map<Id, Id, IdHash> copied;  // identity → destination snapshot
    for (const Snapshot& s : dst_snaps) copied.emplace(s.original.value_or(s.id), s.id);
    HORT_ASSIGN_OR_RETURN(auto src_snaps, src_.LoadSnapshots());
    for (const Snapshot& s : src_snaps) {
      if (opt.select && !opt.select(s)) continue;
      Id identity = s.original.value_or(s.id);
      if (auto it = copied.find(identity); it != copied.end()) {
        Say("skipping snapshot " + s.id.Short() + ", it was already copied to snapshot " + it->second.Short());
        stats_.snapshots_skipped++;
        continue;
      }
      Say("copy snapshot " + s.id.Short() + " of " + (s.paths.empty() ? "" : s.paths[0]) + " at " +
          gojson::FormatRfc3339Nano(s.time));
      HORT_ASSIGN_OR_RETURN(Id tree, CopyTree(s.tree));
      // Everything the snapshot references must be stored before the snapshot.
      HORT_RETURN_IF_ERROR(dst_.Flush());
      Snapshot out = s;
      out.tree = tree;
      out.original = identity;
      HORT_ASSIGN_OR_RETURN(Id id, dst_.SaveUnpacked(FileType::kSnapshot, EncodeSnapshot(out)));
      copied.emplace(identity, id);
      stats_.snapshots_copied++;
      CrashPoint("copy:after-snapshot");
      if (progress_counters_) progress_counters_->items_done++;
    }
    return stats_;
  }

 private:
  void Say(const std::string& m) {
    if (progress_) progress_(m);
  }

  Status CopyBlob(BlobType type, const Id& id) {
    if (dst_.index().Has(id, type)) return Status::Ok();
    HORT_ASSIGN_OR_RETURN(auto data, src_.LoadBlob(type, id));
    HORT_ASSIGN_OR_RETURN(bool fresh, dst_.SaveBlob(type, id, data));
    if (fresh) {
      stats_.blobs_copied++;
      stats_.bytes_copied += data.size();
      if (progress_counters_) progress_counters_->bytes_done += data.size();
    }
    return Status::Ok();
  }

  // Copies a snapshot's trees children first: a tree in the destination
  // implies everything below it is there. On a stack of our own, not the
  // call stack: the repository decides how deep trees go (issue #25).
  Result<Id> CopyTree(const Id& root) {
    struct Frame {
      Id tree;
      std::vector<Node> nodes;
      size_t next = 0;  // a directory node waits here while its subtree is copied
    };
    std::vector<Frame> stack;
    // The tree's ID in the destination when there is nothing to do, else
    // nothing (and the tree is on the stack).
    auto open = [&](const Id& tree) -> Result<std::optional<Id>> {
      if (auto it = tree_map_.find(tree); it != tree_map_.end()) return std::optional<Id>(it->second);
      if (!rechunk_ && dst_.index().Has(tree, BlobType::kTree)) return std::optional<Id>(tree);
      HORT_ASSIGN_OR_RETURN(auto nodes, LoadTree(src_, tree, TreeNames::kAsStored));
      stack.push_back({tree, std::move(nodes)});
      return std::optional<Id>();
    };
    HORT_ASSIGN_OR_RETURN(std::optional<Id> copied, open(root));
    while (!copied) {
      Frame& f = stack.back();
      if (f.next < f.nodes.size()) {
        Node& n = f.nodes[f.next];
        if (n.IsFile()) {
          if (rechunk_) {
            HORT_ASSIGN_OR_RETURN(n.content, Rechunk(n.content));
          } else {
            for (const Id& id : n.content) HORT_RETURN_IF_ERROR(CopyBlob(BlobType::kData, id));
          }
        } else if (n.IsDir() && n.subtree) {
          HORT_ASSIGN_OR_RETURN(std::optional<Id> sub, open(*n.subtree));
          if (!sub) continue;  // pushed: `f` and `n` are invalid; the node is finished when it is done
          n.subtree = *sub;
        }
        ++f.next;
        continue;
      }
      Id out = f.tree;
      if (rechunk_) {
        std::string text = EncodeTree(f.nodes);
        out = Id::Hash(AsBytes(text));
        HORT_RETURN_IF_ERROR(dst_.SaveBlob(BlobType::kTree, out, AsBytes(text)).status());
      } else {
        HORT_RETURN_IF_ERROR(CopyBlob(BlobType::kTree, f.tree));
      }
      tree_map_.emplace(f.tree, out);
      stack.pop_back();
      if (stack.empty()) {
        copied = out;
      } else {
        Frame& parent = stack.back();
        parent.nodes[parent.next++].subtree = out;
      }
    }
    return *copied;
  }

  // Streams a file's content through the destination's chunker.
  Result<std::vector<Id>> Rechunk(const std::vector<Id>& content) {
    if (auto it = content_map_.find(content); it != content_map_.end()) return it->second;
    chunker::Chunker chunker(dst_.chunker_tables());
    std::vector<Id> out;
    std::vector<uint8_t> chunk;
    auto emit = [&]() -> Status {
      Id id = Id::Hash(chunk);
      HORT_ASSIGN_OR_RETURN(bool fresh, dst_.SaveBlob(BlobType::kData, id, chunk));
      if (fresh) {
        stats_.blobs_copied++;
        stats_.bytes_copied += chunk.size();
      }
      out.push_back(id);
      chunk.clear();
      return Status::Ok();
    };
    for (const Id& id : content) {
      HORT_ASSIGN_OR_RETURN(auto data, src_.LoadBlob(BlobType::kData, id));
      size_t pos = 0;
      while (pos < data.size()) {
        bool cut = false;
        size_t n = chunker.Scan(std::span<const uint8_t>(data).subspan(pos), &cut);
        chunk.insert(chunk.end(), data.begin() + static_cast<long>(pos), data.begin() + static_cast<long>(pos + n));
        pos += n;
        if (cut) HORT_RETURN_IF_ERROR(emit());
      }
    }
    if (!chunk.empty()) HORT_RETURN_IF_ERROR(emit());
    content_map_.emplace(content, out);
    return out;
  }

  Repository& src_;
  Repository& dst_;
  const std::function<void(const std::string&)>& progress_;
  bool rechunk_;
  CopyStats stats_;
  ProgressCounters* progress_counters_ = nullptr;
  std::unordered_map<Id, Id, IdHash> tree_map_;
  std::map<std::vector<Id>, std::vector<Id>> content_map_;
};

}  // namespace

Result<CopyStats> CopySnapshots(Repository& src, Repository& dst, const CopyOptions& options,
                                const std::function<void(const std::string&)>& progress) {
  Copier c(src, dst, progress);
  return c.Run(options);
}

}  // namespace hort
