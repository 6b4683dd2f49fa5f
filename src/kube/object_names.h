// Object names as kube-apiserver validates them (apimachinery's
// ValidateObjectMeta): RBAC objects are path segments, Namespaces and
// Services DNS-1123 labels, every other kind a DNS-1123 subdomain.
#pragma once

#include <string>

namespace hort::kube {

// "" when `name` is valid for `kind`, else the API's reason (the text after
// `metadata.name: Invalid value: "<name>": `).
[[nodiscard]] std::string NameProblem(const std::string& name, const std::string& kind);

}  // namespace hort::kube
