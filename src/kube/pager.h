// Listing a collection in pages, with client-go's ListPager semantics
// (tools/pager/pager.go), written against a callback so the rules are tested
// without a server:
//   - a page may hold fewer items than asked, even none, and still carry a
//     continue token; only an empty token ends the list;
//   - 410 Expired on a later page (etcd compacted the snapshot the token
//     pointed into) → one full unpaged list instead; on the first page → the error.
// Items of built-in lists come without kind/apiVersion; they are put back.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client.h"
#include "util/status.h"

namespace hort::kube {

struct Page {
  std::string kind;         // "PodList"
  std::string api_version;  // "v1"
  std::string resource_version;
  std::string continue_token;
  std::vector<Json> items;
};

// Fetches one page: `continue_token` "" for the first page; `limit` 0 for an
// unpaged list. The caller sends the list's resourceVersion only without a
// continue token (the API refuses both together).
using FetchPage = std::function<Result<Page>(const std::string& continue_token, int64_t limit)>;

// `on_page` (optional) hears each page's item count, the fallback full list's too.
[[nodiscard]] Result<ObjectList> ListAllPages(const FetchPage& fetch, int64_t page_size,
                                              const std::function<void(size_t)>& on_page = nullptr);

// A List body (`{"kind":"PodList","apiVersion":"v1","metadata":{…},"items":[…]}`) as a Page.
[[nodiscard]] Result<Page> ParseListPage(std::string_view body);

// Sets kind (list kind minus "List") and apiVersion on items that lack them.
void FillItemKinds(Page& page);

}  // namespace hort::kube
