#include "catalog/entry_fields.h"

#include <gtest/gtest.h>

#include "catalog/catalog_test_support.h"

namespace hort {
namespace {

// A secret pasted where the name of its variable belongs was accepted and
// then shown in messages, status and the state ("environment variable
// SuperSecretPW42 … is not set"): every *_env key takes upper-case names only,
// and the refusal does not show the value.
TEST_F(CatalogTest, EveryEnvKeyRefusesAValueWithoutShowingIt) {
  const char* secrets[] = {"SuperSecretPW42", "my-token-value-abcdefgh123", "wJalrXUtnFEMI/K7MDENG"};
  auto errors = Errors(std::string(R"(serve:
  auth: {token_env: ")") + secrets[1] + R"("}
repositories:
  main: {url: ./repo, password_env: ")" + secrets[0] + R"("}
  other:
    url: s3:https://minio.lan/b
    password_env: HORT_PASSWORD
    credentials: {env: {secret_access_key: ")" + secrets[2] + R"("}}
)");
  ASSERT_EQ(errors.size(), 3u) << "one error per key, no 'needs a password source' besides";
  EXPECT_NE(errors[0].find("serve.auth.token_env: expected the upper-case name of an environment variable"),
            std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("repositories.main.password_env: expected the upper-case name"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("repositories.other.credentials.env.secret_access_key: expected the upper-case name"),
            std::string::npos) << errors[2];
  for (const std::string& line : errors) {
    for (const char* secret : secrets) EXPECT_EQ(line.find(secret), std::string::npos) << line;
  }
  EXPECT_TRUE(Errors(R"(serve:
  auth: {token_env: HORT_DASHBOARD_TOKEN}
repositories:
  main: {url: ./repo, password_env: _HORT_PW2}
)").empty());
}

}  // namespace
}  // namespace hort
