// An S3 bucket (with an optional key prefix) as an ObjectStore: SigV4-signed
// requests over net's pooled HTTP client, path-style by default or
// virtual-hosted (bucket.host). Any S3 implementation that verifies SigV4
// works (tested on Ceph RGW and Swift's s3api).
#pragma once

#include <memory>
#include <string>

#include "net/http_client.h"
#include "objstore/credentials.h"
#include "objstore/object_store.h"

namespace hort {

struct S3Config {
  std::string endpoint;  // scheme://host[:port]
  std::string bucket, prefix;
  std::string region = "us-east-1";
  S3Credentials creds;
  bool virtual_host = false;
  int connections = 5;
  // Streamed uploads (s3_upload.h): an object up to this size is one PUT, a
  // larger one goes in parts of this size (-o s3.part-size=MiB). The default
  // matches the default pack size, so a pack is one request.
  uint64_t part_size = 16u << 20;
  // Keys or uploads asked per listing request (S3's largest page; tests
  // use fewer to show that every page is read).
  int list_page = 1000;
  HttpOptions http;
};

[[nodiscard]] std::unique_ptr<ObjectStore> NewS3Store(S3Config config);

}  // namespace hort
