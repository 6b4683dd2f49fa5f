#include "catalog/repository_locations.h"

#include <gtest/gtest.h>

#include "catalog/catalog_test_support.h"

namespace hort {
namespace {

std::string TwoRepositories(const std::string& main_url, const std::string& copy_url) {
  return AppFiles(R"(      - {name: x, path: /srv/a, schedule: "@daily", repository: main, keep: {last: 1}}
      - {name: y, path: /srv/a, schedule: "@daily", repository: copy, keep: {last: 1}}
)",
                  "  main: {url: \"" + main_url + "\", password_env: PW}\n  copy: {url: \"" + copy_url +
                      "\", password_env: PW}\n");
}

// Two names for one folder passed the one-writer check (it compared names),
// and x's retention deleted y's snapshots (a probe).
TEST_F(CatalogTest, TwoRepositoryNamesCannotShareALocation) {
  const std::string folder = (dir_ / "repo").string();
  for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{
           {"repo", "repo"}, {"repo", "./repo/"}, {"repo", folder}, {"local:repo", "repo"},
           {"s3:https://minio.lan/b/hort", "s3:minio.lan/b/hort/"},
           {"rest:https://u:pw@backup.lan/r", "rest:https://backup.lan/r/"}}) {
    auto errors = Errors(TwoRepositories(a, b));
    ASSERT_EQ(errors.size(), 1u) << a << " " << b;
    EXPECT_NE(errors[0].find("repositories.copy.url: repositories main and copy are one location ("), std::string::npos)
        << errors[0];
    EXPECT_EQ(errors[0].find(":pw@"), std::string::npos) << "a REST password is never shown: " << errors[0];
  }
  EXPECT_TRUE(Errors(TwoRepositories("repo", "repo2")).empty());
  EXPECT_TRUE(Errors(TwoRepositories("s3:https://minio.lan/b/hort", "s3:https://minio.lan/b/hort2")).empty());
}

TEST_F(CatalogTest, AnOffsiteCopyNeedsAnotherLocation) {
  auto errors = Errors(R"(repositories:
  main: {url: ./repo, password_env: PW}
  copy: {url: repo/, password_env: PW}
offsite:
  same: {from: main, to: main, schedule: "@daily"}
  o: {from: main, to: copy, schedule: "@daily"}
)");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_NE(errors[0].find("repositories main and copy are one location"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("offsite.same.to: must differ from `from`"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("offsite.o.to: repository copy is at the location of main"), std::string::npos) << errors[2];
}

// The same for Longhorn backupstores: two store names for one folder or
// bucket let two entries write one volume, each forgetting the other's
// backups (OneWriterPerVolume compared store names).
TEST_F(CatalogTest, TwoVolumeStoreNamesCannotShareALocation) {
  const std::string folder = (dir_ / "store").string();
  auto stores = [](const std::string& a, const std::string& b, const std::string& b_extra = "") {
    return "volume_stores:\n  nas: {url: \"" + a + "\"}\n  nas2: {url: \"" + b + "\"" + b_extra +
           "}\nservices:\n  app:\n    classification: critical\n    rpo: 1d\n    volumes:\n"
           "      - {pvc: x, schedule: \"@daily\", store: nas}\n"
           "      - {pvc: x, name: y, schedule: \"@daily\", store: nas2}\n";
  };
  for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{
           {"./store", "store/"}, {"./store", "vfs://" + folder}, {"./store", folder + "/./"},
           {"s3://b@us-east-1/p", "s3://b@us-east-1/p/"}, {"s3://b/p", "s3://b@us-east-1/p"}}) {
    auto errors = Errors(stores(a, b));
    ASSERT_EQ(errors.size(), 1u) << a << " " << b << ": " << ::testing::PrintToString(errors);
    EXPECT_NE(errors[0].find("volume_stores.nas2.url: volume_stores nas and nas2 are one location ("), std::string::npos)
        << errors[0];
  }
  EXPECT_TRUE(Errors(stores("./store", "./store2")).empty());
  EXPECT_TRUE(Errors(stores("s3://b@us-east-1/p", "s3://b@us-east-1/q")).empty());
  // Credentials hold keys only: the endpoint and region come from the
  // environment, so one URL is one place whatever keys each store names.
  auto errors = Errors(stores("s3://b@us-east-1/p", "s3://b@us-east-1/p", ", credentials: {file: /k}"));
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find("volume_stores nas and nas2 are one location"), std::string::npos) << errors[0];
  EXPECT_TRUE(Errors(stores("s3://b@us-east-1/p", "s3://b@eu-west-1/p")).empty()) << "another region, another place";
}

}  // namespace
}  // namespace hort
