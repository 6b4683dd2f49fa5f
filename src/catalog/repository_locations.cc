#include "catalog/repository_locations.h"

#include <algorithm>
#include <map>
#include <vector>

#include "util/lexical_path.h"
#include "backend/backend.h"
#include "catalog/entry_fields.h"

namespace hort {

std::string RepositoryLocationKey(const std::string& url) {
  if (!IsLocalUrl(url)) return RemoteLocationKey(url);
  return "local:" + AbsolutePath(url.rfind("local:", 0) == 0 ? url.substr(6) : url);
}

void OneNamePerRepositoryLocation(YamlFields& f, const YAML::Node& repositories, const Catalog& catalog) {
  std::vector<const RepositorySpec*> in_file_order;
  for (const auto& [name, r] : catalog.repositories) {
    if (!r.url.empty()) in_file_order.push_back(&r);
  }
  std::sort(in_file_order.begin(), in_file_order.end(),
            [](const RepositorySpec* a, const RepositorySpec* b) { return a->line < b->line; });
  std::map<std::string, const RepositorySpec*> first;  // location key → the first repository there
  for (const RepositorySpec* r : in_file_order) {
    auto [it, fresh] = first.emplace(RepositoryLocationKey(r->url), r);
    if (fresh) continue;
    f.Error(repositories[r->name]["url"], "repositories." + r->name + ".url",
            "repositories " + it->second->name + " and " + r->name + " are one location (" +
                LocationWithoutPassword(r->url) +
                "): each name's retention would forget the other's snapshots; name the repository once");
  }
}

std::string OffsiteTargetProblem(const Catalog& catalog, const std::string& from, const std::string& to) {
  if (from.empty() || to.empty()) return "";
  if (from == to) return "must differ from `from`";
  auto f = catalog.repositories.find(from), t = catalog.repositories.find(to);
  if (f == catalog.repositories.end() || t == catalog.repositories.end()) return "";
  if (RepositoryLocationKey(f->second.url) != RepositoryLocationKey(t->second.url)) return "";
  return "repository " + to + " is at the location of " + from + ", the copy's source: it would copy nothing";
}

}  // namespace hort
