// S3 listings against a server that hands out a page's marker again. No real
// server does that on purpose (RGW, Swift and MinIO never have here), so
// the server is a stand-in made for it: an HttpServer that answers the
// two listing requests S3Store makes, with cycles of markers.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "net/http_server.h"
#include "objstore/s3_store.h"

namespace hort {
namespace {

// After this many requests the stand-in answers 500: without a guard the
// listing would otherwise go on for ever, and the test fails on the message
// instead of hanging.
constexpr int kGiveUpAfter = 50;

// Page n hands out marker cycle[n % cycle.size()]; an empty marker is left
// out, as by a server that cuts a listing short without saying where it goes on.
std::string ObjectsPage(int n, const std::vector<std::string>& cycle) {
  const std::string marker = cycle[n % cycle.size()];
  return "<?xml version=\"1.0\"?><ListBucketResult><Name>b</Name><Contents><Key>data/k" + std::to_string(n) +
         "</Key><Size>1</Size><LastModified>2026-12-05T02:20:59.000Z</LastModified></Contents>"
         "<IsTruncated>true</IsTruncated>" +
         (marker.empty() ? "" : "<NextContinuationToken>" + marker + "</NextContinuationToken>") + "</ListBucketResult>";
}

std::string UploadsPage(int n, const std::vector<std::string>& cycle) {
  const std::string marker = cycle[n % cycle.size()];
  return "<?xml version=\"1.0\"?><ListMultipartUploadsResult><Bucket>b</Bucket><Upload><Key>staging/k" +
         std::to_string(n) + "</Key><UploadId>u" + std::to_string(n) +
         "</UploadId><Initiated>2026-12-05T02:20:59.000Z</Initiated></Upload><IsTruncated>true</IsTruncated>" +
         (marker.empty() ? "" : "<NextKeyMarker>" + marker + "</NextKeyMarker><NextUploadIdMarker>id-" + marker +
                                    "</NextUploadIdMarker>") +
         "</ListMultipartUploadsResult>";
}

class S3Listing : public ::testing::TestWithParam<std::vector<std::string>> {
 protected:
  void SetUp() override {
    std::vector<HttpHandler> handlers = {{"GET", "/bucket", [this](const ServerRequest& r) {
      const bool uploads = r.query.count("uploads") > 0;
      if (uploads != cycle_uploads_) {  // the other listing: one empty page
        return ServerResponse{.status = 200, .content_type = "application/xml",
                              .body = "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"};
      }
      const int n = requests_++;
      if (n >= kGiveUpAfter) return ServerResponse{.status = 500, .body = "gave up"};
      return ServerResponse{.status = 200, .content_type = "application/xml",
                            .body = uploads ? UploadsPage(n, GetParam()) : ObjectsPage(n, GetParam())};
    }}};
    ASSERT_TRUE(server_.Start("127.0.0.1:0", std::vector<HttpRoute>{}, std::move(handlers)).ok());
    S3Config config;
    config.endpoint = "http://127.0.0.1:" + std::to_string(server_.port());
    config.bucket = "bucket";
    config.creds.access_key = "AKIDEXAMPLE";
    config.creds.secret_key = "not-a-real-secret";
    store_ = NewS3Store(std::move(config));
  }

  std::atomic<bool> cycle_uploads_{false};  // which listing hands out cycling markers
  std::atomic<int> requests_{0};            // pages of that listing asked for
  HttpServer server_;                       // stopped before the counters go
  std::unique_ptr<ObjectStore> store_;
};

// A listing's failure: one kIo error whose message says `why`, after
// exactly `pages` pages of the listing were asked for.
void ExpectListingFailed(const Status& st, const std::string& why, int requests, size_t pages) {
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kIo);
  EXPECT_NE(st.message().find(why), std::string::npos) << st.message();
  EXPECT_EQ(static_cast<size_t>(requests), pages);
}

TEST_P(S3Listing, AKeyListingWhoseTokenComesAgainFailsAtOnce) {
  int keys = 0;
  Status st = store_->List("data/", [&](const std::string&, uint64_t) { ++keys; });
  // Every page up to the first repeated token was asked for, and no more.
  ExpectListingFailed(st, "the server repeated a page of its listing", requests_, GetParam().size() + 1);
  EXPECT_EQ(keys, requests_.load());
}

TEST_P(S3Listing, AnUploadListingWhoseMarkersComeAgainFailsAtOnce) {
  cycle_uploads_ = true;
  Status st = store_->ListStaged([](const StagedFile&) {});
  ExpectListingFailed(st, "the server repeated a page of its listing", requests_, GetParam().size() + 1);
}

// A token handed out twice in a row, and a cycle through three.
INSTANTIATE_TEST_SUITE_P(Cycles, S3Listing,
                         ::testing::Values(std::vector<std::string>{"t1"},
                                           std::vector<std::string>{"t1", "t2", "t3"}));

// A page that says the listing goes on but names no next page: a listing cut
// short must not pass for a whole one (prune reads snapshots and indexes so).
class S3ListingCutShort : public S3Listing {};

TEST_P(S3ListingCutShort, AKeyListingWithoutItsNextTokenFails) {
  Status st = store_->List("data/", [](const std::string&, uint64_t) {});
  ExpectListingFailed(st, "names no next page", requests_, GetParam().size());
}

TEST_P(S3ListingCutShort, AnUploadListingWithoutItsNextMarkerFails) {
  cycle_uploads_ = true;
  Status st = store_->ListStaged([](const StagedFile&) {});
  ExpectListingFailed(st, "names no next page", requests_, GetParam().size());
}

// At once, and after two pages that did name the next.
INSTANTIATE_TEST_SUITE_P(Pages, S3ListingCutShort,
                         ::testing::Values(std::vector<std::string>{""}, std::vector<std::string>{"t1", "t2", ""}));

}  // namespace
}  // namespace hort
