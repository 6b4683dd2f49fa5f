#include "repository/walk.h"

#include <gtest/gtest.h>

#include "repository/test_init.h"
#include "repository/walk_testing.h"
#include "util/hex.h"

namespace hort {
namespace {

class TreeLoadTest : public ::testing::Test {
 protected:
  void SetUp() override { repo_ = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value()); }

  // Stores the nodes in the given order, as a hostile or broken writer might.
  Id Save(const std::vector<std::string>& names, const std::optional<Id>& subtree = std::nullopt) {
    std::vector<Node> nodes;
    for (const auto& name : names) {
      Node n;
      n.name = name;
      n.type = subtree ? "dir" : "file";
      n.subtree = subtree;
      nodes.push_back(n);
    }
    std::string text = EncodeTree(nodes);
    Id id = Id::Hash(AsBytes(text));
    EXPECT_TRUE(repo_->SaveBlob(BlobType::kTree, id, AsBytes(text)).ok());
    EXPECT_TRUE(repo_->Flush().ok());
    return id;
  }

  std::unique_ptr<Repository> repo_;
};

TEST_F(TreeLoadTest, ChecksNamesUnlessAskedForTheTreeAsStored) {
  for (const std::vector<std::string>& names : std::vector<std::vector<std::string>>{
           {"a", ".."}, {"a/b"}, {""}, {"b", "a"}, {"a", "a"}}) {
    Id tree = Save(names);
    auto checked = LoadTree(*repo_, tree);
    EXPECT_EQ(checked.status().code(), Code::kCorruption) << names.size() << " " << names[0];
    EXPECT_NE(checked.status().message().find("tree " + tree.Short()), std::string::npos);
    auto raw = LoadTree(*repo_, tree, TreeNames::kAsStored);
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(raw->size(), names.size());
  }
  EXPECT_TRUE(LoadTree(*repo_, Save({"a", "b"})).ok());
  EXPECT_NE(LoadTree(*repo_, Save({"a", "a"})).status().message().find("has the name \"a\" twice"), std::string::npos);
  EXPECT_NE(LoadTree(*repo_, Save({"b", "a"})).status().message().find("not sorted by name (\"a\" after \"b\")"),
            std::string::npos);
}

// The repository decides how deep trees go: 20,000 directories walked on
// the call stack overflowed it (issue #25). Now the walk keeps its own stack,
// follows kMaxTreeDepth levels and ends with one error naming the tree.
TEST_F(TreeLoadTest, WalkEndsWithAnErrorBelowTheDepthLimitAndNeverOverflows) {
  auto deep = SaveDeepTree(*repo_, 20000);
  ASSERT_TRUE(deep.ok()) << deep.status().message();
  ASSERT_TRUE(repo_->Flush().ok());
  size_t seen = 0, longest = 0;
  Status s = WalkTree(*repo_, *deep, "", [&](const std::string& path, const Node&) {
    ++seen;
    longest = std::max(longest, path.size());
    return WalkAction::kContinue;
  });
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_NE(s.message().find("lies 4097 directories deep, deeper than the 4096 hort follows"), std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
  EXPECT_EQ(seen, kMaxTreeDepth + 1);  // the directories /d ... down to the one whose tree is too deep
  EXPECT_EQ(longest, 2 * (kMaxTreeDepth + 1));
}

TEST_F(TreeLoadTest, WalkFollowsTreesDownToTheDepthLimit) {
  auto deep = SaveDeepTree(*repo_, kMaxTreeDepth);
  ASSERT_TRUE(deep.ok());
  ASSERT_TRUE(repo_->Flush().ok());
  size_t seen = 0;
  std::vector<Id> parents;
  Status s = WalkTreeIn(*repo_, *deep, "/p", [&](const Id& parent, const std::string& path, const Node& n) {
    if (seen++ == 1) {
      EXPECT_EQ(path, "/p/d/d");
      EXPECT_EQ(parent, *LoadTree(*repo_, *deep)->at(0).subtree);
    }
    EXPECT_TRUE(n.IsDir());
    return WalkAction::kContinue;
  });
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(seen, kMaxTreeDepth);
}

TEST_F(TreeLoadTest, AWalkCanGoOnWithoutTreesItCannotLoad) {
  Id dup = Save({"x", "x"});
  Id root = Save({"a", "b"}, dup);
  std::vector<std::string> seen, skipped;
  std::vector<size_t> loaded;
  WalkOptions options;
  options.go_on_without = [&](const Id& tree, const std::string& dir, const Status& error) {
    EXPECT_EQ(tree, dup);
    EXPECT_NE(error.message().find("twice"), std::string::npos);
    skipped.push_back(dir);
    return true;
  };
  options.loaded = [&](const Id&, const std::string&, const std::vector<Node>& nodes) { loaded.push_back(nodes.size()); };
  Status s = WalkTreeIn(*repo_, root, "", [&](const Id&, const std::string& path, const Node&) {
    seen.push_back(path);
    return WalkAction::kContinue;
  }, options);
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(skipped, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(loaded, std::vector<size_t>{2});
}

TEST_F(TreeLoadTest, WalkRefusesAnUnsafeNameBelowTheRoot) {
  Id bad = Save({".."});
  Id root = Save({"sub"}, bad);
  std::vector<std::string> seen;
  Status s = WalkTree(*repo_, root, "", [&](const std::string& path, const Node&) {
    seen.push_back(path);
    return WalkAction::kContinue;
  });
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_NE(s.message().find("unsafe node name \"..\""), std::string::npos) << s.message();
  EXPECT_EQ(seen, std::vector<std::string>{"/sub"});
}

TEST(SnapshotPath, DropsEmptyAndDotElements) {
  EXPECT_EQ(SnapshotPathElements("/a//./b/"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(CleanSnapshotPath("a/./b"), "/a/b");
  EXPECT_EQ(CleanSnapshotPath("/"), "");
  EXPECT_EQ(CleanSnapshotPath("."), "");
}

}  // namespace
}  // namespace hort
