// Which items a restore takes (restorer/plan_items.h): a subpath, --include,
// and the trees it cannot read or refuses, all before anything is written.
#include "restorer/plan_items.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "backend/forwarding_backend.h"
#include "format/tree.h"
#include "restorer/restore_testing.h"
#include "restorer/restorer.h"
#include "repository/walk_testing.h"

namespace hort {
namespace {

// `restore snapshot:/sub` restores what is below /sub into the target; a
// subpath that is missing is kNotFound naming the snapshot, one that is a
// file says so.
TEST_F(RestoreTest, ASubpathRestoresTheDirectoryBelowIt) {
  std::string payload = "inner";
  Id blob = Id::Hash(AsBytes(payload));
  ASSERT_TRUE(repo_->SaveBlob(BlobType::kData, blob, AsBytes(payload)).ok());
  Node file;
  file.name = "x";
  file.type = "file";
  file.mode = 0644;
  file.size = payload.size();
  file.content = {blob};
  Node dir;
  dir.name = "sub";
  dir.type = "dir";
  dir.mode = 0x80000000u | 0755;
  dir.subtree = SaveTree({file});
  Snapshot snap = SnapshotOf(SaveTree({dir}));
  RestoreOptions opt;
  opt.target = (base_ / "target").string();
  opt.subpath = "./sub/";
  auto result = RunRestore(*repo_, snap, opt, nullptr);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(fs::exists(base_ / "target" / "x"));
  EXPECT_FALSE(fs::exists(base_ / "target" / "sub"));
  for (const char* missing : {"/nope", "/sub/x/y"}) {
    opt.subpath = missing;
    auto r = RunRestore(*repo_, snap, opt, nullptr);
    EXPECT_EQ(r.status().code(), Code::kNotFound) << missing;
    EXPECT_NE(r.status().message().find("not found in snapshot"), std::string::npos) << r.status().message();
  }
  // A file is there: the message says what it is rather than that it is missing.
  opt.subpath = "/sub/x";
  auto file_path = RunRestore(*repo_, snap, opt, nullptr);
  EXPECT_EQ(file_path.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(file_path.status().message(),
            "path \"/sub/x\" in snapshot " + snap.id.Short() + " is a file, not a directory (restore it with --include)");
}

// 30,000 nested directories overflowed restore's call stack while it planned
// (issue #25). It plans on its own stack now and refuses a tree deeper than
// kMaxTreeDepth with one line naming the snapshot and the tree, before it
// creates anything.
TEST_F(RestoreTest, ATreeTooDeepIsRefusedBeforeAnythingIsWritten) {
  Snapshot snap = SnapshotOf(SaveDeepTree(*repo_, 30000).value());
  snap.id = Id::Hash(AsBytes(std::string("deep")));
  RestoreOptions opt;
  opt.target = (base_ / "target").string();
  auto r = RunRestore(*repo_, snap, opt, nullptr);
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_NE(r.status().message().find("snapshot " + snap.id.Short() + ": tree "), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("lies 4097 directories deep"), std::string::npos) << r.status().message();
  EXPECT_FALSE(fs::exists(base_ / "target"));
}
// The snapshot of AnUnreadableTree*: a-good/inner.txt, b-missing (its tree
// never saved), c-damaged (its tree stored under an ID it does not hash
// to), d.txt.
class UnreadableTreeTest : public RestoreTest {
 protected:
  Snapshot Damaged() {
    Node inner = SaveFile("inner.txt", "below a good directory");
    const std::string tree_bytes = EncodeTree({SaveFile("lost.txt", "below a damaged tree")});
    const Id wrong = Id::Hash(AsBytes(std::string("not these bytes")));
    EXPECT_TRUE(repo_->SaveBlob(BlobType::kTree, wrong, AsBytes(tree_bytes)).ok());
    const Id never_saved = Id::Hash(AsBytes(std::string("never saved")));
    return SnapshotOf(SaveTree({DirNode("a-good", SaveTree({inner})), DirNode("b-missing", never_saved),
                                DirNode("c-damaged", wrong), SaveFile("d.txt", "at the top")}));
  }
  Result<RestoreResult> Restore(const Snapshot& snap, std::vector<std::string> includes = {}) {
    RestoreOptions opt;
    opt.target = (base_ / "out").string();
    opt.includes = std::move(includes);
    return RunRestore(*repo_, snap, opt, &errors_);
  }
  struct Errors : RestoreObserver {
    std::vector<std::string> paths;
    void OnError(const std::string& path, const Status& /*s*/) override { paths.push_back(path); }
  } errors_;
};

// A directory whose tree is missing or does not match its ID is made empty
// and named as an error, as restic's restore does; every other file and
// directory is restored (it used to end the whole restore).
TEST_F(UnreadableTreeTest, FailsOnlyItsDirectory) {
  auto result = Restore(Damaged());
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->errors, 2u);
  std::sort(errors_.paths.begin(), errors_.paths.end());
  ASSERT_EQ(errors_.paths.size(), 2u);
  EXPECT_NE(errors_.paths[0].find("b-missing"), std::string::npos) << errors_.paths[0];
  EXPECT_NE(errors_.paths[1].find("c-damaged"), std::string::npos) << errors_.paths[1];
  EXPECT_EQ(result->files_restored, 2u);
  std::ifstream in(base_ / "out" / "a-good" / "inner.txt");
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, "below a good directory");
  EXPECT_TRUE(fs::exists(base_ / "out" / "d.txt"));
  EXPECT_TRUE(fs::is_directory(base_ / "out" / "b-missing"));
  EXPECT_TRUE(fs::is_empty(base_ / "out" / "c-damaged"));
}

// As restic (filter.ChildMatch): a tree no --include could select anything
// below is no loss and no error; one an include could reach is.
TEST_F(UnreadableTreeTest, CountsOnlyWhereAnIncludeCouldReach) {
  const Snapshot snap = Damaged();
  auto narrow = Restore(snap, {"/a-good"});
  ASSERT_TRUE(narrow.ok()) << narrow.status().message();
  EXPECT_EQ(narrow->errors, 0u);
  EXPECT_TRUE(errors_.paths.empty());
  EXPECT_TRUE(fs::exists(base_ / "out" / "a-good" / "inner.txt"));
  EXPECT_FALSE(fs::exists(base_ / "out" / "b-missing"));
  fs::remove_all(base_ / "out");
  auto into_b = Restore(snap, {"/b-missing/lost.txt"});
  ASSERT_TRUE(into_b.ok()) << into_b.status().message();
  EXPECT_EQ(into_b->errors, 1u);
  ASSERT_EQ(errors_.paths.size(), 1u);
  EXPECT_NE(errors_.paths[0].find("b-missing"), std::string::npos) << errors_.paths[0];
}

// A tree the store cannot serve (unreachable, refused) is no damage: the
// restore stops before anything is written, as it always did.
TEST_F(UnreadableTreeTest, AStoreThatCannotServeATreeStopsTheRestore) {
  struct Unavailable final : ForwardingBackend {
    Unavailable() : ForwardingBackend(NewMemBackend()) {}
    Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
      if (h.name == down) return Status(Code::kUnavailable, "the store is down");
      return ForwardingBackend::Load(h, offset, length);
    }
    Status LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out) override {
      if (h.name == down) return Status(Code::kUnavailable, "the store is down");
      return ForwardingBackend::LoadInto(h, offset, out);
    }
    Result<std::vector<uint8_t>> LoadCached(const Handle& h, uint64_t offset, uint64_t length) override {
      if (h.name == down) return Status(Code::kUnavailable, "the store is down");
      return ForwardingBackend::LoadCached(h, offset, length);
    }
    std::string down;
  };
  auto backend = std::make_unique<Unavailable>();
  Unavailable* store = backend.get();
  repo_ = std::move(Repository::Init(std::move(backend), "pw", CheapKdfForTests()).value());
  const Id sub = SaveTree({SaveFile("f.txt", "below")});
  ASSERT_TRUE(repo_->Flush().ok());  // the subtree in a pack of its own
  const Snapshot snap = SnapshotOf(SaveTree({DirNode("sub", sub)}));
  auto where = repo_->index().Lookup(sub, BlobType::kTree);
  ASSERT_TRUE(where.has_value());
  store->down = where->pack.Hex();
  auto result = Restore(snap);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kUnavailable) << result.status().message();
  EXPECT_FALSE(fs::exists(base_ / "out"));
}

// The plan keeps a directory when it is included or something below it is,
// and drops the rest (--include), at any depth.
TEST_F(RestoreTest, IncludesKeepOnlyTheDirectoriesOnTheWay) {
  auto file = [&](const std::string& name) { return SaveFile(name, "x"); };
  Id empty = SaveTree({});
  Id deep = SaveTree({file("keep"), file("skip")});
  Id a = SaveTree({DirNode("deep", deep), DirNode("e", empty), file("y")});
  Id b = SaveTree({file("z")});
  Snapshot snap = SnapshotOf(SaveTree({DirNode("a", a), DirNode("b", b), DirNode("c", empty)}));
  RestoreOptions opt;
  opt.target = (base_ / "target").string();
  opt.includes = {"/a/deep/keep", "/c"};
  auto r = RunRestore(*repo_, snap, opt, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<std::string> got;
  for (auto& e : fs::recursive_directory_iterator(base_ / "target")) got.push_back(fs::relative(e.path(), base_ / "target").string());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"a", "a/deep", "a/deep/keep", "c"}));
}

}  // namespace
}  // namespace hort
