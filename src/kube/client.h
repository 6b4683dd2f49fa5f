// hort's Kubernetes API client, behind one interface so that layers above
// can run on an in-memory cluster (MemoryClient) where no server is needed,
// and on the real API (ApiClient, kube/api_client.h) everywhere else.
//
// Objects are nlohmann::json as the API sends them. Errors: the API's Status
// body becomes the message ("deployments.apps \"web\" already exists") and
// the HTTP code maps to hort's closed codes: 400/422 kInvalidArgument, 401/403
// kPermissionDenied, 404 kNotFound, 409 kAlreadyExists (AlreadyExists and
// Conflict), 410 kNotFound with "expired" in the message (the pager handles
// it), 429/5xx kUnavailable after the client's own retries.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/discovery.h"
#include "kube/exec.h"
#include "util/status.h"

namespace hort::kube {

using Json = nlohmann::json;

struct VersionInfo {
  std::string git_version;  // "v1.31.4"
  std::string major, minor;
  std::string platform;
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;         // client-go's pager default; 0 = one unpaged list
  std::string resource_version;    // "" = most recent, "0" = any
  // Called after each page with its item count (progress; tests use it to
  // expire continue tokens mid-list).
  std::function<void(size_t)> on_page;
};

// One list, however many pages it took: all items carry kind and apiVersion
// (built-in lists omit them; they are put back from the list's kind).
struct ObjectList {
  std::string resource_version;
  std::vector<Json> items;
};

struct WriteOptions {
  bool dry_run = false;                 // ?dryRun=All
  std::string field_manager = "hort";
  bool force = false;                   // server-side apply: take conflicting fields
};

enum class Propagation { kDefault, kBackground, kForeground, kOrphan };

class Client {
 public:
  virtual ~Client() = default;

  [[nodiscard]] virtual Result<VersionInfo> Version() = 0;
  // Cached after the first call; `refresh` re-reads it (after a CRD was created).
  [[nodiscard]] virtual Result<Discovery> Discover(bool refresh = false) = 0;

  // `ns` is ignored for cluster-scoped resources; "" lists all namespaces.
  [[nodiscard]] virtual Result<Json> Get(const ResourceInfo& r, const std::string& ns, const std::string& name) = 0;
  [[nodiscard]] virtual Result<ObjectList> List(const ResourceInfo& r, const std::string& ns,
                                                const ListOptions& options) = 0;
  [[nodiscard]] virtual Result<Json> Create(const ResourceInfo& r, const std::string& ns, const Json& object,
                                            const WriteOptions& options) = 0;
  [[nodiscard]] virtual Result<Json> Replace(const ResourceInfo& r, const std::string& ns, const Json& object,
                                             const WriteOptions& options) = 0;
  // application/merge-patch+json; `subresource` "" or "status".
  [[nodiscard]] virtual Result<Json> MergePatch(const ResourceInfo& r, const std::string& ns, const std::string& name,
                                                const Json& patch, const WriteOptions& options,
                                                const std::string& subresource = "") = 0;
  // Server-side apply (application/apply-patch+yaml, fieldManager).
  [[nodiscard]] virtual Result<Json> Apply(const ResourceInfo& r, const std::string& ns, const Json& object,
                                           const WriteOptions& options) = 0;
  [[nodiscard]] virtual Status Delete(const ResourceInfo& r, const std::string& ns, const std::string& name,
                                      Propagation propagation = Propagation::kBackground) = 0;
  [[nodiscard]] virtual Result<ExecResult> Exec(const ExecRequest& request, const OutputSink& stdout_sink) = 0;

  // The namespace of the kubeconfig context or of the pod hort runs in.
  [[nodiscard]] virtual std::string DefaultNamespace() const = 0;
  // "context home (cluster home at https://127.0.0.1:6443)", for messages; never a secret.
  [[nodiscard]] virtual std::string Describe() const = 0;
};

// The client for a real API server (or the test API server).
[[nodiscard]] Result<std::unique_ptr<Client>> OpenClient(const KubeSettings& settings);
[[nodiscard]] std::unique_ptr<Client> NewApiClient(Connection connection);

}  // namespace hort::kube
