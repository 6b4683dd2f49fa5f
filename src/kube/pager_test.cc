// client-go's ListPager rules, driven through a scripted fetch_page.
#include "kube/pager.h"

#include <gtest/gtest.h>

#include <deque>

#include "kube/api_errors.h"

namespace hort::kube {
namespace {

struct Call {
  std::string token;
  int64_t limit;
};

// Answers each call with the next scripted result and records the call.
struct PageScript {
  std::deque<Result<Page>> answers;
  std::vector<Call> calls;
  FetchPage Fetch() {
    return [this](const std::string& token, int64_t limit) -> Result<Page> {
      calls.push_back({token, limit});
      if (answers.empty()) return Status(Code::kInternal, "no more pages scripted");
      Result<Page> r = std::move(answers.front());
      answers.pop_front();
      return r;
    };
  }
};

Page MakePage(std::vector<std::string> names, std::string next, std::string rv = "100") {
  Page p{"ConfigMapList", "v1", std::move(rv), std::move(next), {}};
  for (const auto& n : names) p.items.push_back(Json{{"metadata", {{"name", n}}}});
  return p;
}

Status Expired() {
  return ParseApiError(410,
                       R"({"kind":"Status","apiVersion":"v1","metadata":{"continue":"fresh"},"status":"Failure",)"
                       R"("message":"The provided continue parameter is too old to display a consistent list result.",)"
                       R"("reason":"Expired","code":410})",
                       "/api/v1/configmaps?limit=2", "test cluster")
      .status;
}

TEST(Pager, FollowsContinueThroughShortAndEmptyPages) {
  PageScript s;
  s.answers = {MakePage({"a", "b"}, "t1"), MakePage({}, "t2"), MakePage({"c"}, "t3"), MakePage({}, "")};
  auto list = ListAllPages(s.Fetch(), 2);
  ASSERT_TRUE(list.ok()) << list.status().message();
  ASSERT_EQ(list->items.size(), 3u);
  EXPECT_EQ(list->items[2]["metadata"]["name"], "c");
  EXPECT_EQ(list->resource_version, "100");
  ASSERT_EQ(s.calls.size(), 4u);
  EXPECT_EQ(s.calls[0].token, "");
  EXPECT_EQ(s.calls[1].token, "t1");
  EXPECT_EQ(s.calls[3].token, "t3");
  for (const auto& c : s.calls) EXPECT_EQ(c.limit, 2);
}

TEST(Pager, ExpiredAfterTheFirstPageFallsBackToOneFullList) {
  PageScript s;
  s.answers = {MakePage({"a", "b"}, "t1"), Expired(), MakePage({"a", "b", "c", "d"}, "", "200")};
  auto list = ListAllPages(s.Fetch(), 2);
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(list->items.size(), 4u);  // the full list replaces the pages read so far
  EXPECT_EQ(list->resource_version, "200");
  ASSERT_EQ(s.calls.size(), 3u);
  EXPECT_EQ(s.calls[2].token, "");
  EXPECT_EQ(s.calls[2].limit, 0);
}

TEST(Pager, ExpiredOnTheFirstPageIsTheError) {
  PageScript s;
  s.answers = {Expired()};
  auto list = ListAllPages(s.Fetch(), 2);
  ASSERT_FALSE(list.ok());
  EXPECT_TRUE(IsExpired(list.status()));
  EXPECT_EQ(list.status().code(), Code::kNotFound);
  EXPECT_NE(list.status().message().find("too old"), std::string::npos);
  EXPECT_EQ(s.calls.size(), 1u);
}

TEST(Pager, OtherErrorsOnLaterPagesAreNotRetried) {
  PageScript s;
  s.answers = {MakePage({"a"}, "t1"), Status(Code::kPermissionDenied, "forbidden")};
  EXPECT_EQ(ListAllPages(s.Fetch(), 1).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(s.calls.size(), 2u);
}

TEST(Pager, ItemsGetKindAndApiVersionBack) {
  auto page = ParseListPage(R"({"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":"7",)"
                            R"("continue":"next"},"items":[{"metadata":{"name":"web"}},)"
                            R"({"kind":"Custom","apiVersion":"x/v1","metadata":{"name":"own"}}]})");
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->continue_token, "next");
  EXPECT_EQ(page->resource_version, "7");
  FillItemKinds(*page);
  EXPECT_EQ(page->items[0]["kind"], "Deployment");
  EXPECT_EQ(page->items[0]["apiVersion"], "apps/v1");
  EXPECT_EQ(page->items[1]["kind"], "Custom");  // custom-resource lists carry their own
  EXPECT_EQ(page->items[1]["apiVersion"], "x/v1");
  PageScript s;
  s.answers = {MakePage({"x"}, "")};
  auto list = ListAllPages(s.Fetch(), 500);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->items[0]["kind"], "ConfigMap");
  EXPECT_EQ(list->items[0]["apiVersion"], "v1");
}

TEST(Pager, EmptyAndBrokenListBodies) {
  auto empty = ParseListPage(R"({"kind":"PodList","apiVersion":"v1","metadata":{},"items":null})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->items.empty());
  EXPECT_EQ(ParseListPage("<html>").status().code(), Code::kCorruption);
  EXPECT_EQ(ParseListPage(R"({"items":{}})").status().code(), Code::kCorruption);
}

}  // namespace
}  // namespace hort::kube
