#include "kube/api_paths.h"

namespace hort::kube {

std::string EscapeUrlComponent(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

std::string ResourcePath(const ResourceInfo& r, const std::string& ns, const std::string& name,
                         const std::string& subresource) {
  std::string path = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  if (r.namespaced && !ns.empty()) path += "/namespaces/" + EscapeUrlComponent(ns);
  path += "/" + r.resource;
  if (!name.empty()) path += "/" + EscapeUrlComponent(name);
  if (!subresource.empty()) path += "/" + subresource;
  return path;
}

std::string ListQuery(const ListOptions& options, const std::string& continue_token, int64_t limit) {
  std::string q;
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    q += (q.empty() ? "?" : "&") + std::string(key) + "=" + EscapeUrlComponent(value);
  };
  if (limit > 0) add("limit", std::to_string(limit));
  add("continue", continue_token);
  add("labelSelector", options.label_selector);
  add("fieldSelector", options.field_selector);
  if (continue_token.empty()) add("resourceVersion", options.resource_version);
  return q;
}

std::string WriteQuery(const WriteOptions& options, bool apply) {
  std::string q;
  auto add = [&](const std::string& pair) { q += (q.empty() ? "?" : "&") + pair; };
  if (options.dry_run) add("dryRun=All");
  if (!options.field_manager.empty()) add("fieldManager=" + EscapeUrlComponent(options.field_manager));
  if (apply && options.force) add("force=true");
  return q;
}

}  // namespace hort::kube
