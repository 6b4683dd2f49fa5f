// The object-store conformance suite against real S3 servers: Ceph RGW
// path-style and virtual-hosted, and OpenStack Swift's S3 layer (which,
// unlike RGW, enforces the region), started by tests/servers/servers.sh as a
// CTest fixture. Missing servers are a failure, never a skip.
#include <cstdio>
#include <fstream>

#include "objstore/conformance_suite.h"
#include "objstore/open_store.h"
#include "objstore/test_servers.h"
#include "objstore/wrappers.h"

namespace hort {

std::unique_ptr<ObjectStore> MakeConformanceStore(const std::string& kind) {
  auto config = TestS3Config(kind);
  if (!config) return nullptr;
  return NewRetryStore(NewS3Store(std::move(*config)));
}

INSTANTIATE_TEST_SUITE_P(Remote, StoreConformance, ::testing::Values("s3", "s3-vhost", "swift"));

}  // namespace hort

namespace hort {

// A store opened by location with its keys from a credentials file, as a
// catalog names them; a wrong secret is refused without being shown.
TEST(RemoteCredentials, KeysFromAFileReachRgwAndAWrongSecretIsRefused) {
  auto env = ServerEnv();
  ASSERT_TRUE(env.count("HORT_TEST_S3_ENDPOINT")) << "no S3 server: run tests/servers/servers.sh start";
  const std::string file = ::testing::TempDir() + "hort-credentials-" + UniqueName();
  {
    std::ofstream out(file);
    out << "[offsite]\naws_access_key_id = " << env["HORT_TEST_S3_ACCESS_KEY"]
        << "\naws_secret_access_key = " << env["HORT_TEST_S3_SECRET_KEY"] << "\n"
        << "[wrong]\naws_access_key_id = " << env["HORT_TEST_S3_ACCESS_KEY"]
        << "\naws_secret_access_key = not-the-secret-000\n";
  }
  StoreOptions options;
  options.credentials = CredentialSource{.kind = CredentialSource::Kind::kFile, .file = file, .profile = "offsite"};
  const std::string location = "s3:" + env["HORT_TEST_S3_ENDPOINT"] + "/conformance/creds-" + UniqueName();
  auto store = OpenStore(location, options);
  ASSERT_TRUE(store.ok()) << store.status().message();
  ASSERT_TRUE((*store)->Create({}).ok());
  ASSERT_TRUE((*store)->Save("keys/k", AsBytes("key file")).ok());
  EXPECT_EQ(AsChars(*(*store)->Load("keys/k")), "key file");

  options.credentials->profile = "wrong";
  options.retry = false;
  auto wrong = OpenStore(location, options);
  ASSERT_TRUE(wrong.ok()) << wrong.status().message();
  auto refused = (*wrong)->Load("keys/k");
  EXPECT_EQ(refused.status().code(), Code::kPermissionDenied) << refused.status().message();
  EXPECT_EQ(refused.status().message().find("not-the-secret"), std::string::npos);
  EXPECT_EQ(refused.status().message().find(env["HORT_TEST_S3_SECRET_KEY"]), std::string::npos);
  std::remove(file.c_str());
}

}  // namespace hort
