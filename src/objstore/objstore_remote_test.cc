// The object-store conformance suite against real S3 servers: Ceph RGW
// path-style and virtual-hosted, and OpenStack Swift's S3 layer (which,
// unlike RGW, enforces the region), started by tests/servers/servers.sh as a
// CTest fixture. Missing servers are a failure, never a skip.
#include "objstore/conformance_suite.h"
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
