// Object names as kube-apiserver validates them (apimachinery's
// ValidateObjectMeta): RBAC objects are path segments, Namespaces DNS-1123
// labels, Services DNS-1035 labels (a letter first), every other kind a
// DNS-1123 subdomain.
#pragma once

#include <string>

namespace hort::kube {

// "" when `name` is valid for `kind`, else the API's reason (the text after
// `metadata.name: Invalid value: "<name>": `).
[[nodiscard]] std::string NameProblem(const std::string& name, const std::string& kind);

// A label value (at most 63 characters) standing for `value`: itself when
// short enough, else Velero's label.GetValidName: the first 57 characters
// plus 6 hex of its SHA-256. A node name (up to 253) needs it.
[[nodiscard]] std::string ValidLabelValue(const std::string& value);

// Velero names a schedule's backups <schedule>-<YYYYMMDDHHMMSS>, and so does
// hort after a resources entry: "" when such names made from `prefix` are
// valid Backup names, else NameProblem's reason.
[[nodiscard]] std::string TimestampedNameProblem(const std::string& prefix);

}  // namespace hort::kube
