#include "kube/discovery.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "kube/json_fields.h"

namespace hort::kube {
namespace {

using Json = nlohmann::json;

std::vector<std::string> Strings(const Json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

Result<Json> ParseJson(std::string_view text, const char* what) {
  auto j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status(Code::kCorruption, std::string(what) + " is not a JSON object");
  return j;
}

// One APIGroupDiscoveryList (apidiscovery.k8s.io/v2 or v2beta1): versions
// come preferred first, so the first version of each group is the preferred one.
Status AddAggregated(const Json& list, Discovery* d) {
  auto items = list.find("items");
  if (items == list.end() || !items->is_array()) return Status(Code::kCorruption, "aggregated discovery has no items");
  for (const auto& group : *items) {
    std::string group_name = StringAt(group, "/metadata/name");
    auto versions = group.find("versions");
    if (versions == group.end() || !versions->is_array()) continue;
    bool first = true;
    for (const auto& version : *versions) {
      auto resources = version.find("resources");
      if (resources != version.end() && resources->is_array()) {
        for (const auto& res : *resources) {
          ResourceInfo r;
          r.group = group_name;
          r.version = StringAt(version, "/version");
          r.resource = StringAt(res, "/resource");
          r.kind = StringAt(res, "/responseKind/kind");
          r.singular = StringAt(res, "/singularResource");
          r.namespaced = StringAt(res, "/scope") == "Namespaced";
          r.preferred = first;
          r.verbs = Strings(res, "verbs");
          r.short_names = Strings(res, "shortNames");
          r.categories = Strings(res, "categories");
          if (auto subs = res.find("subresources"); subs != res.end() && subs->is_array()) {
            for (const auto& s : *subs) r.subresources.push_back(StringAt(s, "/subresource"));
          }
          if (!r.resource.empty()) d->resources.push_back(std::move(r));
        }
      }
      first = false;
    }
  }
  return Status::Ok();
}

// One APIResourceList (/api/v1, /apis/<g>/<v>): subresources are entries
// named "pods/exec" and are folded into their resource.
Status AddResourceList(const Json& list, bool preferred, Discovery* d) {
  std::string gv = StringAt(list, "/groupVersion");
  if (gv.empty()) return Status(Code::kCorruption, "APIResourceList without groupVersion");
  std::string group, version = gv;
  if (auto slash = gv.find('/'); slash != std::string::npos) group = gv.substr(0, slash), version = gv.substr(slash + 1);
  auto resources = list.find("resources");
  if (resources == list.end() || !resources->is_array()) return Status::Ok();
  const size_t start = d->resources.size();
  std::vector<std::pair<std::string, std::string>> subresources;  // (resource, subresource)
  for (const auto& res : *resources) {
    std::string name = StringAt(res, "/name");
    if (auto slash = name.find('/'); slash != std::string::npos) {
      subresources.emplace_back(name.substr(0, slash), name.substr(slash + 1));
      continue;
    }
    ResourceInfo r;
    r.group = group;
    r.version = version;
    r.resource = name;
    r.kind = StringAt(res, "/kind");
    r.singular = StringAt(res, "/singularName");
    if (r.singular.empty()) r.singular = Lower(r.kind);  // older servers leave it empty, as kubectl knows
    r.namespaced = BoolAt(res, "/namespaced");
    r.preferred = preferred;
    r.verbs = Strings(res, "verbs");
    r.short_names = Strings(res, "shortNames");
    r.categories = Strings(res, "categories");
    if (!name.empty()) d->resources.push_back(std::move(r));
  }
  for (const auto& [parent, sub] : subresources) {
    for (size_t i = start; i < d->resources.size(); ++i) {
      if (d->resources[i].resource == parent) d->resources[i].subresources.push_back(sub);
    }
  }
  return Status::Ok();
}

Status AddDocument(std::string_view text, const char* what, Discovery* d) {
  HORT_ASSIGN_OR_RETURN(Json j, ParseJson(text, what));
  const std::string kind = StringAt(j, "/kind");
  if (kind == "APIGroupDiscoveryList" || StringAt(j, "/apiVersion").rfind("apidiscovery.k8s.io/", 0) == 0) {
    return AddAggregated(j, d);
  }
  if (kind == "APIResourceList" || j.contains("groupVersion")) return AddResourceList(j, true, d);
  return Status(Code::kCorruption, std::string(what) + " is neither an APIGroupDiscoveryList nor an APIResourceList");
}

bool Matches(const ResourceInfo& r, std::string_view name, int rule) {
  switch (rule) {
    case 0: return r.resource == name;
    case 1: return r.singular == name;
    case 2: return std::find(r.short_names.begin(), r.short_names.end(), name) != r.short_names.end();
    case 3: return r.kind == name;
    default: return Lower(r.kind) == Lower(name);
  }
}

}  // namespace

bool ResourceInfo::Can(std::string_view verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

bool ResourceInfo::HasSubresource(std::string_view name) const {
  return std::find(subresources.begin(), subresources.end(), name) != subresources.end();
}

std::string ResourceInfo::GroupVersion() const { return group.empty() ? version : group + "/" + version; }

std::string ResourceInfo::GroupResource() const { return group.empty() ? resource : resource + "." + group; }

// kubectl's order of preference: the plural, the singular, a short name,
// then the Kind; among several matches the first in discovery order, which
// lists the core group first and each group's preferred version first.
const ResourceInfo* Discovery::Find(std::string_view name) const {
  if (name.empty()) return nullptr;
  if (auto dot = name.find('.'); dot != std::string_view::npos) {
    std::string_view resource = name.substr(0, dot), rest = name.substr(dot + 1);
    // "deployments.v1.apps" when "v1" is a served version of "apps", else "deployments.apps".
    if (auto dot2 = rest.find('.'); dot2 != std::string_view::npos) {
      if (const ResourceInfo* r = Find(rest.substr(dot2 + 1), rest.substr(0, dot2), resource)) return r;
    }
    return Find(rest, "", resource);
  }
  for (int rule = 0; rule < 5; ++rule) {
    for (const auto& r : resources) {
      if (Matches(r, name, rule)) return &r;
    }
  }
  return nullptr;
}

const ResourceInfo* Discovery::Find(std::string_view group, std::string_view version, std::string_view resource) const {
  for (int rule = 0; rule < 5; ++rule) {
    for (const auto& r : resources) {
      if (r.group == group && (version.empty() || r.version == version) && Matches(r, resource, rule)) return &r;
    }
  }
  return nullptr;
}

std::vector<const ResourceInfo*> Discovery::Preferred() const {
  // Like client-go's ServerPreferredResources: the preferred version of each
  // resource, or the first version serving it when the preferred one does not.
  std::vector<const ResourceInfo*> out;
  std::set<std::string> seen;
  for (const auto& r : resources) {
    if (seen.insert(r.GroupResource()).second) out.push_back(&r);
  }
  return out;
}

Result<Discovery> ParseAggregated(std::string_view core_aggregated, std::string_view groups_aggregated) {
  Discovery d;
  try {
    if (!core_aggregated.empty()) HORT_RETURN_IF_ERROR(AddDocument(core_aggregated, "the core group's discovery", &d));
    if (!groups_aggregated.empty()) HORT_RETURN_IF_ERROR(AddDocument(groups_aggregated, "aggregated discovery /apis", &d));
  } catch (const Json::exception& e) {  // a field of the wrong type
    return Status(Code::kCorruption, std::string("discovery document: ") + e.what());
  }
  return d;
}

Result<Discovery> ParseResourceLists(const std::vector<ResourceListDocument>& lists) {
  Discovery d;
  try {
    for (const auto& doc : lists) {
      HORT_ASSIGN_OR_RETURN(Json j, ParseJson(doc.body, "an APIResourceList"));
      HORT_RETURN_IF_ERROR(AddResourceList(j, doc.preferred, &d));
    }
  } catch (const Json::exception& e) {
    return Status(Code::kCorruption, std::string("discovery document: ") + e.what());
  }
  return d;
}

}  // namespace hort::kube
