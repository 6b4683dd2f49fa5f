// The conformance suite against real servers: Ceph RGW (S3) and
// `rclone serve restic` (REST) and OpenStack Swift's S3 layer, started by tests/servers/servers.sh as a CTest
// fixture. Missing servers are a failure, never a skip.
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>

#include "backend/conformance_suite.h"

namespace hort {
namespace {
std::map<std::string, std::string> ServerEnv() {
  std::map<std::string, std::string> env;
  const char* dir = std::getenv("HORT_SERVERS_DIR");
  std::ifstream in(std::string(dir ? dir : "/tmp/hort-servers") + "/env");
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}
std::string Unique() {
  static std::atomic<int> n{0};
  return std::to_string(::getpid()) + "-" + std::to_string(n++);
}
}  // namespace

std::unique_ptr<Backend> MakeConformanceBackend(const std::string& kind) {
  auto env = ServerEnv();
  if (kind == "s3" || kind == "s3-vhost" || kind == "swift") {
    std::string var = kind == "swift" ? "HORT_TEST_SWIFT" : "HORT_TEST_S3";
    if (!env.count(var + "_ENDPOINT")) {
      ADD_FAILURE() << "no S3 server: run tests/servers/servers.sh start (CTest does it as a fixture)";
      return nullptr;
    }
    S3Config c;
    c.endpoint = env[var + "_ENDPOINT"];
    if (kind == "s3-vhost") {
      c.endpoint = env["HORT_TEST_S3_VHOST_ENDPOINT"];  // bucket.localhost:port
      c.virtual_host = true;
    }
    c.bucket = "conformance";
    c.prefix = "t" + Unique();
    c.creds = {env[var + "_ACCESS_KEY"], env[var + "_SECRET_KEY"], ""};
    return NewRetryBackend(NewS3Backend(c));
  }
  if (!env.count("HORT_TEST_REST_URL")) {
    ADD_FAILURE() << "no REST server: run tests/servers/servers.sh start";
    return nullptr;
  }
  std::string url = env["HORT_TEST_REST_URL"];  // http://user:pass@host:port
  auto p = url.find("://"), at = url.find('@');
  HttpOptions http;
  http.basic_auth = url.substr(p + 3, at - p - 3);
  std::string base = url.substr(0, p + 3) + url.substr(at + 1) + "/c" + Unique();
  return NewRetryBackend(NewRestBackend(base, http, "rest"));
}

INSTANTIATE_TEST_SUITE_P(Remote, BackendConformance, ::testing::Values("s3", "s3-vhost", "rest", "swift"));

}  // namespace hort
