#include "repository/open.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "repository/test_init.h"

namespace hort {
namespace {

namespace fs = std::filesystem;

class OpenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hort-open-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  OpenRequest Request(const std::string& password) {
    OpenRequest req;
    req.location = (dir_ / "repo").string();
    req.password = [this, password]() -> Result<std::string> {
      ++password_asked_;
      return password;
    };
    req.missing_message = "no repository here";
    req.context = "repository main";
    return req;
  }

  fs::path dir_;
  int password_asked_ = 0;
};

TEST_F(OpenTest, AMissingRepositoryFailsBeforeThePasswordIsAsked) {
  auto opened = OpenRepositoryFor(Request("pw"));
  EXPECT_EQ(opened.status().code(), Code::kNoRepository);
  EXPECT_EQ(opened.status().message(), "no repository here");
  EXPECT_EQ(password_asked_, 0);
}

TEST_F(OpenTest, OpensLocksAndLoadsTheIndexAndNamesTheRepositoryInErrors) {
  auto backend = OpenBackend((dir_ / "repo").string(), BackendOptions{});
  ASSERT_TRUE(backend.ok());
  ASSERT_TRUE(Repository::Init(std::move(*backend), "pw", CheapKdfForTests()).ok());

  OpenRequest req = Request("pw");
  req.lock = OpenLock::kExclusive;
  req.load_index = true;
  auto opened = OpenRepositoryFor(req);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_NE(opened->lock, nullptr);
  EXPECT_EQ(password_asked_, 1);

  auto second = OpenRepositoryFor(req);  // the exclusive lock is still held
  EXPECT_EQ(second.status().code(), Code::kLocked);
  EXPECT_EQ(second.status().message().rfind("repository main: ", 0), 0u) << second.status().message();
  opened->lock.reset();

  auto wrong = OpenRepositoryFor(Request("nope"));
  EXPECT_EQ(wrong.status().code(), Code::kWrongPassword);
  EXPECT_EQ(wrong.status().message().rfind("repository main: ", 0), 0u) << wrong.status().message();
}

}  // namespace
}  // namespace hort
