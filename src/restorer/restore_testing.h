// The fixture of the restorer's tests: a local repository in a fresh folder.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "format/tree.h"
#include "repository/repository.h"
#include "repository/test_init.h"
#include "util/hex.h"

namespace hort {

namespace fs = std::filesystem;

// A local repository in a fresh folder, removed afterwards (permissions
// restored first: a restore may leave read-only entries).
class RestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(test.begin(), test.end(), '/', '_');  // parameterised tests are named "Name/0"
    base_ = fs::temp_directory_path() / ("hort-restore-" + std::to_string(::getpid()) + "-" + test);
    fs::remove_all(base_);
    fs::create_directories(base_);
    repo_ = std::move(Repository::Init(NewLocalBackend((base_ / "repo").string()), "pw", CheapKdfForTests()).value());
  }
  void TearDown() override {
    repo_.reset();
    for (auto& e : fs::recursive_directory_iterator(base_)) fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(base_);
  }
  // Stores a tree of `nodes` and returns its ID.
  Id SaveTree(const std::vector<Node>& nodes) {
    std::string tree = EncodeTree(nodes);
    Id id = Id::Hash(AsBytes(tree));
    EXPECT_TRUE(repo_->SaveBlob(BlobType::kTree, id, AsBytes(tree)).ok());
    return id;
  }
  // A file node `name` holding `payload` (stored as one blob).
  Node SaveFile(const std::string& name, const std::string& payload) {
    Id blob = Id::Hash(AsBytes(payload));
    EXPECT_TRUE(repo_->SaveBlob(BlobType::kData, blob, AsBytes(payload)).ok());
    Node f;
    f.name = name;
    f.type = "file";
    f.mode = 0644;
    f.size = payload.size();
    f.content = {blob};
    return f;
  }
  // Flushes the repository and returns a snapshot of the tree `root`.
  Snapshot SnapshotOf(const Id& root) {
    EXPECT_TRUE(repo_->Flush().ok());
    Snapshot s;
    s.tree = root;
    s.paths = {"/x"};
    return s;
  }

  fs::path base_;
  std::unique_ptr<Repository> repo_;
};

}  // namespace hort
