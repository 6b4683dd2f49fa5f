#include "resources/rbac_objects.h"

#include <algorithm>

#include "kube/json_fields.h"

namespace hort::resources {
namespace {

using kube::StringAt;

constexpr const char* kRbacGroup = ".rbac.authorization.k8s.io";

// kube-apiserver refuses a Role granting more than its writer holds unless the
// writer may escalate roles, and a binding to a role the writer does not hold
// in full unless it may bind that role; without bind it reads the role first,
// so a binding to a Role this restore could not create answers 404. The
// server's message lists the rules hort lacks, and granting hort those is the
// wider fix: the hint names the verb, and where hort gets it. Empty when
// `failure` is no such refusal.
std::string RbacVerbHint(const std::string& resource, const Json& object, const Status& failure) {
  const std::string rbac = kRbacGroup;
  const bool escalation =
      failure.code() == Code::kPermissionDenied &&
      failure.message().find("is attempting to grant RBAC permissions not currently held") != std::string::npos;
  std::string needed;
  if (resource == "roles" + rbac || resource == "clusterroles" + rbac) {
    if (escalation) needed = "escalate on " + resource;
  } else if (resource == "rolebindings" + rbac || resource == "clusterrolebindings" + rbac) {
    const std::string kind = StringAt(object, "/roleRef/kind");
    const std::string role = kind == "Role" ? "roles" + rbac : kind == "ClusterRole" ? "clusterroles" + rbac : "";
    const std::string not_found = role + " \"" + StringAt(object, "/roleRef/name") + "\" not found";
    const bool role_missing =
        failure.code() == Code::kNotFound && failure.message().find(not_found) != std::string::npos;
    if (!role.empty() && (escalation || role_missing)) needed = "bind on " + role;
  }
  if (needed.empty()) return "";
  return "hort needs " + needed + " to restore it (hort kube role grants it; hort kube check names what is missing)";
}

}  // namespace

void KeepLiveSubjects(const Json& live, Json& desired) {
  const Json* have = kube::FieldAt(live, "/subjects");
  if (!have || !have->is_array()) return;
  Json subjects = *have;
  if (const Json* wanted = kube::FieldAt(desired, "/subjects"); wanted && wanted->is_array()) {
    for (const Json& s : *wanted) {
      if (std::find(subjects.begin(), subjects.end(), s) == subjects.end()) subjects.push_back(s);
    }
  }
  desired["subjects"] = std::move(subjects);
}

std::string FailureWithRbacHint(const std::string& resource, const Json& object, const Status& failure) {
  std::string hint = RbacVerbHint(resource, object, failure);
  return hint.empty() ? failure.message() : failure.message() + "\n" + hint;
}

}  // namespace hort::resources
