// RBAC objects in a restore: a binding's live subjects kept, and what hort
// lacks when kube-apiserver's escalation rule refused a Role or a binding.
#pragma once

#include <string>

#include "resources/model.h"
#include "util/status.h"

namespace hort::resources {

// `desired`'s subjects become the live ones followed by those it adds.
void KeepLiveSubjects(const Json& live, Json& desired);

// The failure's message, and on its own line the verb hort lacks when RBAC's
// escalation rule refused it (`resource`: "roles.rbac.authorization.k8s.io" …).
[[nodiscard]] std::string FailureWithRbacHint(const std::string& resource, const Json& object, const Status& failure);

}  // namespace hort::resources
