#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_set>

#include "cli/json_text.h"
#include "cli/command.h"
#include "cli/snapshot_filter.h"
#include "repository/walk.h"

namespace hort::cli {
namespace {
struct DiffFlags {
  std::vector<std::string> ids;  // as given; validate takes them apart
  std::string a, b;
  bool metadata = false;
};

// restic's DiffStat for one side.
struct Counts {
  uint64_t files = 0, dirs = 0, others = 0, data_blobs = 0, tree_blobs = 0, bytes = 0;
  void Add(const Node& n) {
    if (n.IsFile()) files++;
    else if (n.IsDir()) dirs++;
    else others++;
  }
};

using BlobSet = std::set<std::pair<Id, BlobType>>;

bool SameInstant(const gojson::Timestamp& a, const gojson::Timestamp& b) { return a.sec == b.sec && a.nsec == b.nsec; }

// restic's Node.Equals: every field, times as instants.
bool NodesEqual(const Node& x, const Node& y) {
  return x.name == y.name && x.type == y.type && x.mode == y.mode && SameInstant(x.mtime, y.mtime) &&
         SameInstant(x.atime, y.atime) && SameInstant(x.ctime, y.ctime) && x.uid == y.uid && x.gid == y.gid &&
         x.user == y.user && x.group == y.group && x.inode == y.inode && x.device_id == y.device_id &&
         x.size == y.size && x.links == y.links && x.linktarget == y.linktarget && x.device == y.device &&
         x.content == y.content && x.xattrs == y.xattrs && x.subtree == y.subtree;
}

void AddBlobs(BlobSet& set, const Node& n) {
  if (n.IsFile()) {
    for (const Id& id : n.content) set.insert({id, BlobType::kData});
  } else if (n.IsDir() && n.subtree) {
    set.insert({*n.subtree, BlobType::kTree});
  }
}

// restic 0.14's Comparer (cmd_diff.go), so the changes and the statistics
// are restic's: only content changes count as changed files, tree blobs and
// the bytes of every blob (data and tree) count.
class Comparer {
 public:
  Comparer(Repository& repo, bool metadata, std::function<void(const char*, const std::string&)> emit)
      : repo_(repo), metadata_(metadata), emit_(std::move(emit)) {}

  BlobSet before, after, common;
  Counts added, removed;
  uint64_t changed_files = 0;

  // restic's recursion, kept on a stack of our own: the repository
  // decides the depth (issue #25). Pre-order as restic prints it; a subtree
  // that cannot be loaded is reported and skipped, as restic does; one
  // deeper than kMaxTreeDepth ends the diff.
  Status DiffTree(const std::string& prefix, const Id& a, const Id& b) {
    HORT_ASSIGN_OR_RETURN(auto ta, LoadTree(repo_, a));
    HORT_ASSIGN_OR_RETURN(auto tb, LoadTree(repo_, b));
    stack_.push_back(Frame{.kind = Frame::kDiff, .prefix = prefix, .a = std::move(ta), .b = std::move(tb)});
    stack_.back().Pair();
    while (!stack_.empty()) {
      Frame& f = stack_.back();
      if (f.next == (f.kind == Frame::kDiff ? f.pairs.size() : f.a.size())) {
        stack_.pop_back();
        continue;
      }
      const size_t i = f.next++;
      Status s = f.kind == Frame::kDiff ? DiffStep(f.pairs[i].first, f.pairs[i].second, f.prefix)
                                        : ListStep(f.a[i], f.prefix, f.kind, f.mod, f.counts, f.blobs);
      if (!s.ok()) {
        stack_.clear();
        return s;
      }
    }
    return Status::Ok();
  }

  // restic's updateBlobs: counts and plaintext bytes of the blobs in `set`.
  void CountBlobs(const BlobSet& set, Counts& c) {
    for (const auto& [id, type] : set) {
      (type == BlobType::kData ? c.data_blobs : c.tree_blobs)++;
      if (auto loc = repo_.index().Lookup(id, type)) c.bytes += loc->PlainLength();
    }
  }

 private:
  // One directory being compared (kDiff: both sides, merged by name), listed
  // as added or removed (kPrint), or whose blobs are collected (kCollect).
  struct Frame {
    enum Kind { kDiff, kPrint, kCollect } kind;
    std::string prefix;
    std::vector<Node> a, b;
    std::vector<std::pair<const Node*, const Node*>> pairs;  // kDiff; into a and b (stable when moved)
    size_t next = 0;
    const char* mod = nullptr;
    Counts* counts = nullptr;
    BlobSet* blobs = nullptr;
    // Both lists are sorted by name (LoadTree checks it).
    void Pair() {
      size_t i = 0, j = 0;
      while (i < a.size() || j < b.size()) {
        if (j == b.size() || (i < a.size() && a[i].name < b[j].name)) pairs.emplace_back(&a[i++], nullptr);
        else if (i == a.size() || b[j].name < a[i].name) pairs.emplace_back(nullptr, &b[j++]);
        else pairs.emplace_back(&a[i++], &b[j++]);
      }
    }
  };

  // Opens a subtree below `f`: its nodes, or the error restic prints and
  // skips. Too deep is the end of the diff.
  Result<std::optional<std::vector<Node>>> Open(const Id& tree) {
    if (stack_.size() > kMaxTreeDepth) return TreeTooDeep(tree, stack_.size());
    auto nodes = LoadTree(repo_, tree);
    if (!nodes.ok()) {
      std::fprintf(stderr, "error: %s\n", nodes.status().message().c_str());
      return std::optional<std::vector<Node>>();
    }
    return std::optional<std::vector<Node>>(std::move(*nodes));
  }

  Status DiffStep(const Node* n1, const Node* n2, const std::string& prefix) {
    if (n1) AddBlobs(before, *n1);
    if (n2) AddBlobs(after, *n2);
    std::string path = prefix + (n1 ? n1 : n2)->name;
    if (n1 && n2) {
      std::string mod;
      if (n1->type != n2->type) mod += "T";
      if (n2->IsDir()) path += "/";
      if (n1->IsFile() && n2->IsFile() && n1->content != n2->content) {
        mod += "M";
        changed_files++;
      } else if (metadata_ && !NodesEqual(*n1, *n2)) {
        mod += "U";
      }
      if (!mod.empty()) emit_(mod.c_str(), path);
      if (!(n1->IsDir() && n2->IsDir() && n1->subtree && n2->subtree)) return Status::Ok();
      if (*n1->subtree == *n2->subtree) return Push(Frame{.kind = Frame::kCollect, .blobs = &common}, *n1->subtree);
      HORT_ASSIGN_OR_RETURN(auto ta, Open(*n1->subtree));
      if (!ta) return Status::Ok();
      HORT_ASSIGN_OR_RETURN(auto tb, Open(*n2->subtree));
      if (!tb) return Status::Ok();
      stack_.push_back(Frame{.kind = Frame::kDiff, .prefix = path, .a = std::move(*ta), .b = std::move(*tb)});
      stack_.back().Pair();
      return Status::Ok();
    }
    const Node* n = n1 ? n1 : n2;
    const char* mod = n1 ? "-" : "+";
    Counts& counts = n1 ? removed : added;
    if (n->IsDir()) path += "/";
    emit_(mod, path);
    counts.Add(*n);
    if (!n->IsDir() || !n->subtree) return Status::Ok();
    return Push(Frame{.kind = Frame::kPrint, .prefix = path, .mod = mod, .counts = &counts, .blobs = n1 ? &before : &after},
                *n->subtree);
  }

  // One node of a directory listed whole (kPrint) or collected (kCollect).
  Status ListStep(const Node& n, const std::string& prefix, Frame::Kind kind, const char* mod, Counts* counts,
                  BlobSet* blobs) {
    AddBlobs(*blobs, n);
    std::string path;
    if (kind == Frame::kPrint) {
      path = prefix + n.name + (n.IsDir() ? "/" : "");
      emit_(mod, path);
      counts->Add(n);
    }
    if (!n.IsDir() || !n.subtree) return Status::Ok();
    return Push(Frame{.kind = kind, .prefix = path, .mod = mod, .counts = counts, .blobs = blobs}, *n.subtree);
  }

  // Pushes `f` with the nodes of `tree` (kPrint, kCollect).
  Status Push(Frame f, const Id& tree) {
    HORT_ASSIGN_OR_RETURN(auto nodes, Open(tree));
    if (!nodes) return Status::Ok();
    f.a = std::move(*nodes);
    stack_.push_back(std::move(f));
    return Status::Ok();
  }

  std::vector<Frame> stack_;
  Repository& repo_;
  bool metadata_;
  std::function<void(const char*, const std::string&)> emit_;
};

nlohmann::json CountsJson(const Counts& c) {
  return {{"files", c.files}, {"dirs", c.dirs}, {"others", c.others}, {"data_blobs", c.data_blobs},
          {"tree_blobs", c.tree_blobs}, {"bytes", c.bytes}};
}
}  // namespace

Command AddDiff(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<DiffFlags>();
  sub.add_option("snapshots", f->ids, "the two snapshots compared, first the older");
  sub.add_flag("--metadata", f->metadata, "also report metadata-only changes");
  // restic's words for one argument or three, not a flag parser's name.
  auto validate = [f]() -> Status {
    if (f->ids.size() != 2) return Status(Code::kInvalidArgument, "specify two snapshot IDs");
    f->a = f->ids[0];
    f->b = f->ids[1];
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsRepository(OpenLock::kShared, true); }, [f, &g](Opened& o) {
    Repository& repo = o.repo();
    auto sa = FindSnapshotRef(repo, SnapshotFilter{}, f->a);
    if (!sa.ok()) return Fail(sa.status());
    auto sb = FindSnapshotRef(repo, SnapshotFilter{}, f->b);
    if (!sb.ok()) return Fail(sb.status());
    if (!g.json && !g.quiet) std::printf("comparing snapshot %s to %s:\n\n", sa->id.Short().c_str(), sb->id.Short().c_str());
    Comparer c(repo, f->metadata, [&](const char* mod, const std::string& path) {
      if (g.quiet) return;
      if (g.json) {
        nlohmann::ordered_json j = {{"message_type", "change"}, {"path", path}, {"modifier", mod}};
        std::printf("%s\n", JsonText(j).c_str());
      } else {
        std::printf("%-5s%s\n", mod, path.c_str());
      }
    });
    c.before.insert({sa->tree, BlobType::kTree});
    c.after.insert({sb->tree, BlobType::kTree});
    Status s = c.DiffTree("/", sa->tree, sb->tree);
    if (!s.ok()) return Fail(s.Annotate("snapshot " + sa->id.Short() + " or " + sb->id.Short()));
    BlobSet only_before, only_after;
    for (const auto& k : c.before) if (!c.after.count(k) && !c.common.count(k)) only_before.insert(k);
    for (const auto& k : c.after) if (!c.before.count(k) && !c.common.count(k)) only_after.insert(k);
    c.CountBlobs(only_before, c.removed);
    c.CountBlobs(only_after, c.added);
    const Counts &added = c.added, &removed = c.removed;
    if (g.json) {
      // restic prints the arguments as given ("latest" stays "latest").
      nlohmann::json j = {{"message_type", "statistics"}, {"source_snapshot", f->a}, {"target_snapshot", f->b},
                          {"changed_files", c.changed_files}, {"added", CountsJson(added)}, {"removed", CountsJson(removed)}};
      std::printf("%s\n", JsonText(j).c_str());
    } else if (!g.quiet) {
      std::printf("\nFiles:       %5llu new, %5llu removed, %5llu changed\n", (unsigned long long)added.files,
                  (unsigned long long)removed.files, (unsigned long long)c.changed_files);
      std::printf("Dirs:        %5llu new, %5llu removed\n", (unsigned long long)added.dirs, (unsigned long long)removed.dirs);
      std::printf("Others:      %5llu new, %5llu removed\n", (unsigned long long)added.others, (unsigned long long)removed.others);
      std::printf("Data Blobs:  %5llu new, %5llu removed\n", (unsigned long long)added.data_blobs, (unsigned long long)removed.data_blobs);
      std::printf("Tree Blobs:  %5llu new, %5llu removed\n", (unsigned long long)added.tree_blobs, (unsigned long long)removed.tree_blobs);
      std::printf("  Added:   %-5s\n  Removed: %-5s\n", FormatBytes(added.bytes).c_str(), FormatBytes(removed.bytes).c_str());
    }
    return kExitOk;
  }};
}

}  // namespace hort::cli
