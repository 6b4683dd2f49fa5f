// Restore must never write outside its target, whatever a tree contains.
#include "restorer/restorer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "format/tree.h"
#include "repository/test_init.h"
#include "util/hex.h"

namespace hort {
namespace {

namespace fs = std::filesystem;

class UnsafeTreeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("hort-unsafe-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "victim");
    repo_ = std::move(Repository::Init(NewLocalBackend((base_ / "repo").string()), "pw", CheapKdfForTests()).value());
  }
  void TearDown() override {
    repo_.reset();
    for (auto& e : fs::recursive_directory_iterator(base_)) fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(base_);
  }

  // A snapshot whose tree holds `evil` next to a harmless file, optionally one level down.
  Snapshot Craft(const std::string& evil, bool nested) {
    std::string payload = "owned";
    Id blob = Id::Hash(AsBytes(payload));
    EXPECT_TRUE(repo_->SaveBlob(BlobType::kData, blob, AsBytes(payload)).ok());
    Node bad;
    bad.name = evil;
    bad.type = "file";
    bad.mode = 0644;
    bad.size = payload.size();
    bad.content = {blob};
    Node good = bad;
    good.name = "zz-good";
    std::vector<Node> nodes = {bad, good};
    std::sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) { return a.name < b.name; });
    std::string tree = EncodeTree(nodes);
    Id tree_id = Id::Hash(AsBytes(tree));
    EXPECT_TRUE(repo_->SaveBlob(BlobType::kTree, tree_id, AsBytes(tree)).ok());
    if (nested) {
      Node dir;
      dir.name = "sub";
      dir.type = "dir";
      dir.mode = 0x80000000u | 0755;
      dir.subtree = tree_id;
      tree = EncodeTree({dir});
      tree_id = Id::Hash(AsBytes(tree));
      EXPECT_TRUE(repo_->SaveBlob(BlobType::kTree, tree_id, AsBytes(tree)).ok());
    }
    EXPECT_TRUE(repo_->Flush().ok());
    Snapshot s;
    s.tree = tree_id;
    s.paths = {"/x"};
    return s;
  }

  fs::path base_;
  std::unique_ptr<Repository> repo_;
};

TEST_P(UnsafeTreeTest, RefusesAndWritesNothingOutside) {
  for (bool nested : {false, true}) {
    Snapshot snap = Craft(GetParam(), nested);
    RestoreOptions opt;
    opt.target = (base_ / "victim" / "target").string();
    auto result = RunRestore(*repo_, snap, opt, nullptr);
    ASSERT_FALSE(result.ok()) << "restored a tree with node name '" << GetParam() << "'";
    EXPECT_EQ(result.status().code(), Code::kCorruption);
    EXPECT_NE(result.status().message().find("unsafe"), std::string::npos);
    // Nothing may appear next to the target or above it.
    std::vector<std::string> names;
    for (auto& e : fs::directory_iterator(base_ / "victim")) names.push_back(e.path().filename().string());
    EXPECT_TRUE(names.empty() || (names.size() == 1 && names[0] == "target")) << names.size();
    EXPECT_FALSE(fs::exists(base_ / "b"));
    EXPECT_FALSE(fs::exists(base_ / "victim" / "a"));
  }
}

INSTANTIATE_TEST_SUITE_P(Names, UnsafeTreeTest, ::testing::Values("..", ".", "a/b", "../escape", ""));

}  // namespace
}  // namespace hort
