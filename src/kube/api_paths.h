// URLs of the Kubernetes API: /api/v1 for the core group, /apis/<g>/<v>
// otherwise; namespaced or cluster-scoped; names and query values escaped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kube/client.h"
#include "kube/discovery.h"

namespace hort::kube {

// Percent-encodes everything but RFC 3986's unreserved characters.
[[nodiscard]] std::string EscapeUrlComponent(std::string_view text);

// "/apis/apps/v1/namespaces/web/deployments/front/scale". An empty `ns` on a
// namespaced resource is the all-namespaces collection; `ns` is ignored for
// cluster-scoped resources.
[[nodiscard]] std::string ResourcePath(const ResourceInfo& r, const std::string& ns, const std::string& name = "",
                                       const std::string& subresource = "");

// "?limit=500&labelSelector=…": resourceVersion only when there is no
// continue token (the API answers 400 to both).
[[nodiscard]] std::string ListQuery(const ListOptions& options, const std::string& continue_token, int64_t limit);

// "?dryRun=All&fieldManager=hort" (+ "&force=true" when `apply`).
[[nodiscard]] std::string WriteQuery(const WriteOptions& options, bool apply);

}  // namespace hort::kube
