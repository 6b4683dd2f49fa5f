#include "kube/pager.h"

#include "kube/api_errors.h"
#include "kube/json_fields.h"

namespace hort::kube {

Result<ObjectList> ListAllPages(const FetchPage& fetch, int64_t page_size, const std::function<void(size_t)>& on_page) {
  ObjectList out;
  std::string token;
  bool first = true;
  while (true) {
    auto page = fetch(token, page_size);
    if (!page.ok()) {
      // client-go's FullListIfExpired: the snapshot the token pointed into is
      // gone, so read everything again in one consistent (unpaged) list.
      if (!first && IsExpired(page.status())) {
        auto full = fetch("", 0);
        if (!full.ok()) return full.status();
        FillItemKinds(*full);
        if (on_page) on_page(full->items.size());
        out.items = std::move(full->items);
        out.resource_version = full->resource_version;
        return out;
      }
      return page.status();
    }
    FillItemKinds(*page);
    if (on_page) on_page(page->items.size());
    if (first) out.resource_version = page->resource_version;
    for (auto& item : page->items) out.items.push_back(std::move(item));
    first = false;
    if (page->continue_token.empty() || page_size == 0) return out;
    token = std::move(page->continue_token);
  }
}

Result<Page> ParseListPage(std::string_view body) {
  auto j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status(Code::kCorruption, "the API's list answer is not a JSON object");
  Page p;
  p.kind = StringAt(j, "/kind");
  p.api_version = StringAt(j, "/apiVersion");
  if (auto md = j.find("metadata"); md != j.end() && md->is_object()) {
    p.resource_version = StringAt(*md, "/resourceVersion");
    p.continue_token = StringAt(*md, "/continue");
  }
  auto items = j.find("items");
  if (items != j.end() && items->is_array()) {
    p.items = std::move(items->get_ref<Json::array_t&>());
  } else if (items != j.end() && !items->is_null()) {
    return Status(Code::kCorruption, "the API's list answer has items that are not a list");
  }
  return p;
}

void FillItemKinds(Page& page) {
  std::string kind = page.kind;
  if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) kind.resize(kind.size() - 4);
  for (auto& item : page.items) {
    if (!item.is_object()) continue;
    if (!item.contains("kind") && !kind.empty()) item["kind"] = kind;
    if (!item.contains("apiVersion") && !page.api_version.empty()) item["apiVersion"] = page.api_version;
  }
}

}  // namespace hort::kube
