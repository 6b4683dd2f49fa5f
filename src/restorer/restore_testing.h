// The fixture of the restorer's tests: a local repository in a fresh folder.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "format/tree.h"
#include "repository/repository.h"
#include "repository/test_init.h"
#include "util/hex.h"
#include "util/test_temp_folder.h"

namespace hort {

namespace fs = std::filesystem;

// A local repository in a fresh folder, removed afterwards (TempFolder makes
// read-only entries a restore left writable first).
class RestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(test.begin(), test.end(), '/', '_');  // parameterised tests are named "Name/0"
    folder_ = std::make_unique<TempFolder>("restore-" + test);
    base_ = folder_->path();
    repo_ = std::move(Repository::Init(NewLocalBackend((base_ / "repo").string()), "pw", CheapKdfForTests()).value());
  }
  void TearDown() override {
    repo_.reset();
    folder_.reset();
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
  // `file` as one name of an inode with `links` names (its other names are
  // copies of the node with another name).
  static Node HardLinked(Node file, uint64_t links, uint64_t inode) {
    file.links = links;
    file.inode = inode;
    file.device_id = 5;
    return file;
  }
  // Flushes the repository and returns a snapshot of the tree `root`.
  Snapshot SnapshotOf(const Id& root) {
    EXPECT_TRUE(repo_->Flush().ok());
    Snapshot s;
    s.tree = root;
    s.paths = {"/x"};
    return s;
  }

  std::unique_ptr<TempFolder> folder_;
  fs::path base_;
  std::unique_ptr<Repository> repo_;
};

}  // namespace hort
