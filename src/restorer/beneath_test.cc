// A directory of the target swapped for a symlink while the restore runs
// (issue #25): nothing is created, written, linked or changed through it.
#include "restorer/beneath.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "restorer/restore_testing.h"
#include "restorer/restorer.h"

namespace hort {
namespace {

using restore_internal::Fd;
using restore_internal::TargetRoot;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SwapTest : public RestoreTest, public ::testing::WithParamInterface<const char*> {};

// After the stage named by the parameter, target/d is moved away and a
// symlink d -> elsewhere put in its place; elsewhere holds a file named like
// one in the snapshot, whose content, mode and times must stay as they are.
TEST_P(SwapTest, ADirectorySwappedForASymlinkIsNotFollowed) {
  const std::string stage = GetParam();
  Node evil = SaveFile("evil", "owned");
  evil.mode = 0666;
  Node twin = evil;  // a hard link to evil
  twin.name = "twin";
  evil.links = twin.links = 2;
  evil.inode = twin.inode = 7;
  evil.device_id = twin.device_id = 1;
  Node link{.name = "link", .type = "symlink", .mode = 0x08000000u | 0777, .linktarget = "/etc/passwd"};
  Node fifo{.name = "pipe", .type = "fifo", .mode = 0x02000000u | 0644};
  Node dir{.name = "d", .type = "dir", .mode = 0x80000000u | 0777};
  dir.subtree = SaveTree({evil, link, fifo, twin});
  const Snapshot snap = SnapshotOf(SaveTree({dir, SaveFile("fine", "fine")}));

  const fs::path elsewhere = base_ / "elsewhere", target = base_ / "target";
  fs::create_directories(elsewhere);
  std::ofstream(elsewhere / "evil") << "original";
  ASSERT_EQ(::chmod(elsewhere.c_str(), 0700), 0);
  ASSERT_EQ(::chmod((elsewhere / "evil").c_str(), 0600), 0);
  struct stat before_dir {}, before_file {};
  ASSERT_EQ(::stat(elsewhere.c_str(), &before_dir), 0);
  ASSERT_EQ(::stat((elsewhere / "evil").c_str(), &before_file), 0);

  struct Swapper : RestoreObserver {
    std::string at;
    fs::path target, elsewhere;
    std::vector<std::string> errors;
    void OnError(const std::string& path, const Status& s) override { errors.push_back(path + ": " + s.message()); }
    void OnStageDone(const char* stage) override {
      if (at != stage) return;
      fs::rename(target / "d", target / "d.moved");
      fs::create_directory_symlink(elsewhere, target / "d");
    }
  } swapper;
  swapper.at = stage;
  swapper.target = target;
  swapper.elsewhere = elsewhere;
  RestoreOptions opt;
  opt.target = target.string();
  auto result = RunRestore(*repo_, snap, opt, &swapper);
  ASSERT_TRUE(result.ok()) << result.status().message();

  std::vector<std::string> there;
  for (const auto& e : fs::directory_iterator(elsewhere)) there.push_back(e.path().filename().string());
  EXPECT_EQ(there, std::vector<std::string>{"evil"}) << "created through the symlink";
  EXPECT_EQ(Read(elsewhere / "evil"), "original") << "written through the symlink";
  struct stat after_dir {}, after_file {};
  ASSERT_EQ(::stat(elsewhere.c_str(), &after_dir), 0);
  ASSERT_EQ(::stat((elsewhere / "evil").c_str(), &after_file), 0);
  EXPECT_EQ(after_dir.st_mode & 07777, before_dir.st_mode & 07777) << "chmod through the symlink";
  EXPECT_EQ(after_file.st_mode & 07777, 0600u) << "chmod through the symlink";
  EXPECT_EQ(after_file.st_mtim.tv_sec, before_file.st_mtim.tv_sec) << "utimes through the symlink";
  EXPECT_EQ(after_file.st_nlink, 1u) << "linked through the symlink";
  EXPECT_GE(result->errors, 1u);
  bool named = false;
  for (const auto& e : swapper.errors) named |= e.find("is no longer a directory of the restore") != std::string::npos;
  EXPECT_TRUE(named) << ::testing::PrintToString(swapper.errors);
  EXPECT_EQ(Read(target / "fine"), "fine") << "the rest is restored";
  if (stage != "create") {
    EXPECT_EQ(Read(target / "d.moved" / "evil"), "owned") << "written before the swap, in the real directory";
  }
}

INSTANTIATE_TEST_SUITE_P(Stages, SwapTest, ::testing::Values("create", "fetch+decrypt+write"),
                         [](const auto& info) { return std::string(info.param).substr(0, 5) == "fetch" ? "write" : "create"; });

// Both ways of resolving (openat2, and one component at a time where the
// kernel lacks it) open real directories and refuse any symlink on the way.
TEST_F(RestoreTest, TargetRootResolvesOnlyRealDirectories) {
  fs::create_directories(base_ / "t" / "a" / "b");
  fs::create_directories(base_ / "out" / "b");
  fs::create_directory_symlink(base_ / "out", base_ / "t" / "via");
  fs::create_directory_symlink("a", base_ / "t" / "rel");
  std::ofstream(base_ / "t" / "a" / "file") << "x";
  for (bool walk : {false, true}) {
    TargetRoot root;
    ASSERT_TRUE(root.Open((base_ / "t").string()).ok());
    if (walk) root.ForceWalkForTests();
    Fd fd;
    EXPECT_EQ(root.OpenDir("a/b", &fd), 0) << "walk " << walk;
    EXPECT_GE(fd.get(), 0);
    for (const char* bad : {"via/b", "via", "rel/b", "a/file", "a/../../out"}) {
      Fd none;
      const int err = root.OpenDir(bad, &none);
      EXPECT_TRUE(err == ELOOP || err == ENOTDIR || err == EXDEV) << bad << " walk " << walk << ": " << err;
      EXPECT_LT(none.get(), 0) << bad;
    }
  }
  TargetRoot onto_file;
  EXPECT_NE(onto_file.Open((base_ / "t" / "a" / "file").string()).message().find("exists and is not a directory"),
            std::string::npos);
}

}  // namespace
}  // namespace hort
