#include "repository/migrate.h"

#include <gtest/gtest.h>

#include "backend/forwarding_backend.h"
#include "repository/test_init.h"

namespace hort {
namespace {

TEST(MigrateTest, UpgradeRepoV2TurnsAVersion1RepositoryIntoVersion2) {
  InitOptions o = CheapKdfForTests();
  o.version = 1;
  auto backend = NewMemBackend();
  Backend* raw = backend.get();
  auto repo = Repository::Init(std::move(backend), "pw", o);
  ASSERT_TRUE(repo.ok()) << repo.status().message();
  EXPECT_TRUE(UpgradeRepoV2Applies(**repo));
  const uint64_t polynomial = (*repo)->config().chunker_polynomial;
  ASSERT_TRUE(UpgradeRepoV2(**repo).ok());

  // Reopened from the same storage: version 2, same chunker, same key.
  struct Borrowed final : ForwardingBackend {
    using ForwardingBackend::ForwardingBackend;
  };
  auto reopened = Repository::Open(std::make_unique<Borrowed>(raw), "pw");
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  EXPECT_EQ((*reopened)->config().version, 2);
  EXPECT_EQ((*reopened)->config().chunker_polynomial, polynomial);
  EXPECT_FALSE(UpgradeRepoV2Applies(**reopened));
}

TEST(MigrateTest, UpgradeRepoV2DoesNotApplyToAVersion2Repository) {
  auto repo = Repository::Init(NewMemBackend(), "pw", CheapKdfForTests());
  ASSERT_TRUE(repo.ok());
  EXPECT_FALSE(UpgradeRepoV2Applies(**repo));
}

}  // namespace
}  // namespace hort
