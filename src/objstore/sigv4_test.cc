#include "objstore/sigv4.h"

#include <gtest/gtest.h>

namespace hort::sigv4 {
namespace {

// AWS documentation, "Signature Calculations for the Authorization Header", example "GET Object".
TEST(SigV4, AwsGetObjectExample) {
  Request r;
  r.method = "GET";
  r.host = "examplebucket.s3.amazonaws.com";
  r.path = "/test.txt";
  r.headers["range"] = "bytes=0-9";
  r.payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  S3Credentials c{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  std::string auth = Authorization(r, c, "us-east-1", "20130524T000000Z");
  EXPECT_EQ(auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// Same document, example "GET Bucket Lifecycle" (query parameter without value).
TEST(SigV4, AwsGetBucketLifecycleExample) {
  Request r;
  r.method = "GET";
  r.host = "examplebucket.s3.amazonaws.com";
  r.path = "/";
  r.query["lifecycle"] = "";
  r.payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  S3Credentials c{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  std::string auth = Authorization(r, c, "us-east-1", "20130524T000000Z");
  EXPECT_NE(auth.find("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"), std::string::npos)
      << auth;
}

TEST(SigV4, UriEncoding) {
  EXPECT_EQ(UriEncode("a b/c~d", true), "a%20b/c~d");
  EXPECT_EQ(UriEncode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(CanonicalQuery({{"prefix", "data/ab"}, {"list-type", "2"}}), "list-type=2&prefix=data%2Fab");
}

}  // namespace
}  // namespace hort::sigv4
