// For the remote tests: the real servers tests/servers/servers.sh started
// (as the CTest fixture `servers`), read from its env file, and S3 configs
// for them. A missing server is a test failure, never a skip.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "objstore/s3_store.h"

namespace hort {

inline std::map<std::string, std::string> ServerEnv() {
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

// A name no other test run uses (prefixes and folders on the shared servers).
inline std::string UniqueName() {
  static std::atomic<int> n{0};
  return std::to_string(::getpid()) + "-" + std::to_string(n++);
}

inline bool IsS3Kind(const std::string& kind) { return kind == "s3" || kind == "s3-vhost" || kind == "swift"; }

// Ceph RGW path-style ("s3"), RGW virtual-hosted ("s3-vhost") or Swift's
// s3api ("swift"), in bucket `conformance` under a fresh prefix.
inline std::optional<S3Config> TestS3Config(const std::string& kind) {
  auto env = ServerEnv();
  std::string var = kind == "swift" ? "HORT_TEST_SWIFT" : "HORT_TEST_S3";
  if (!env.count(var + "_ENDPOINT")) {
    ADD_FAILURE() << "no S3 server: run tests/servers/servers.sh start (CTest does it as a fixture)";
    return std::nullopt;
  }
  S3Config c;
  c.endpoint = env[var + "_ENDPOINT"];
  if (kind == "s3-vhost") {
    c.endpoint = env["HORT_TEST_S3_VHOST_ENDPOINT"];  // bucket.localhost:port
    c.virtual_host = true;
  }
  c.bucket = "conformance";
  c.prefix = "t" + UniqueName();
  c.creds = {env[var + "_ACCESS_KEY"], env[var + "_SECRET_KEY"], ""};
  return c;
}

}  // namespace hort
