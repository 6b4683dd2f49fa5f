#include "repository/walk.h"

#include <gtest/gtest.h>

#include "repository/test_init.h"
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
