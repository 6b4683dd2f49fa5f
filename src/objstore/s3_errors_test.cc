// What an S3 error answer becomes: a bucket of another region names the
// region to set, not the bucket's own host name as an endpoint.
#include <gtest/gtest.h>

#include <string>

#include "objstore/s3_client.h"

namespace hort {
namespace {

HttpResponse Answer(int status, const std::string& xml) {
  HttpResponse r;
  r.status = status;
  r.body.assign(xml.begin(), xml.end());
  return r;
}

TEST(S3Errors, ABucketOfAnotherRegionNamesTheRegion) {
  HttpResponse r = Answer(301, "<Error><Code>PermanentRedirect</Code><Endpoint>b.s3.eu-west-1.amazonaws.com</Endpoint></Error>");
  r.headers["x-amz-bucket-region"] = "eu-west-1";
  Status s = S3Error("list snapshots", r);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "list snapshots: HTTP 301 (PermanentRedirect): request rejected, the bucket is in region "
                         "eu-west-1 (set -o s3.region=eu-west-1)");

  s = S3Error("load config", Answer(400, "<Error><Code>AuthorizationHeaderMalformed</Code><Region>us-west-2</Region></Error>"));
  EXPECT_EQ(s.message(), "load config: HTTP 400 (AuthorizationHeaderMalformed): request rejected, the bucket is in "
                         "region us-west-2 (set -o s3.region=us-west-2)");

  // No region said (or none that looks like one): the question, once.
  s = S3Error("load config", Answer(301, ""));
  EXPECT_EQ(s.message(), "load config: HTTP 301: request rejected, wrong region? (set -o s3.region=... or AWS_DEFAULT_REGION)");
  r = Answer(301, "");
  r.headers["x-amz-bucket-region"] = "eu west\n1";
  EXPECT_NE(S3Error("x", r).message().find("wrong region?"), std::string::npos);

  // Anything else is HttpStatusError's.
  EXPECT_EQ(S3Error("load x", Answer(404, "<Error><Code>NoSuchKey</Code></Error>")).code(), Code::kNotFound);
}

}  // namespace
}  // namespace hort
