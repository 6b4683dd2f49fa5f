// The backend conformance suite against real servers: Ceph RGW (S3,
// path-style and virtual-hosted), `rclone serve restic` (REST) and OpenStack
// Swift's S3 layer, started by tests/servers/servers.sh as a CTest fixture.
// Missing servers are a failure, never a skip.
#include "backend/conformance_suite.h"
#include "objstore/test_servers.h"

namespace hort {

std::unique_ptr<Backend> MakeConformanceBackend(const std::string& kind) {
  if (IsS3Kind(kind)) {
    auto config = TestS3Config(kind);
    if (!config) return nullptr;
    return NewRetryBackend(NewS3Backend(std::move(*config)));
  }
  auto env = ServerEnv();
  if (!env.count("HORT_TEST_REST_URL")) {
    ADD_FAILURE() << "no REST server: run tests/servers/servers.sh start";
    return nullptr;
  }
  std::string url = env["HORT_TEST_REST_URL"];  // http://user:pass@host:port
  auto p = url.find("://"), at = url.find('@');
  HttpOptions http;
  http.basic_auth = url.substr(p + 3, at - p - 3);
  std::string base = url.substr(0, p + 3) + url.substr(at + 1) + "/c" + UniqueName();
  return NewRetryBackend(NewRestBackend(base, http, "rest"));
}

INSTANTIATE_TEST_SUITE_P(Remote, BackendConformance, ::testing::Values("s3", "s3-vhost", "rest", "swift"));

}  // namespace hort
