// A fake Client: an in-memory cluster for unit tests of the layers above
// kube (resource backup and restore, hooks), used where no API server is
// needed. It answers like the API where callers depend on it — uid,
// resourceVersion and creationTimestamp set on create, 404 NotFound and 409
// AlreadyExists/Conflict with the API's messages, a missing namespace as 404,
// label selectors — and is no replacement for the test API server or a real
// cluster (no validation, defaulting, admission, finalizers or watches;
// Apply merges instead of tracking field managers).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "kube/client.h"

namespace hort::kube {

// Runs a fake command for Exec; without one Exec answers kUnsupported.
using ExecHandler = std::function<Result<ExecResult>(const ExecRequest&, const OutputSink&)>;

// A small discovery of built-in resources: namespaces, nodes, pods,
// persistentvolumeclaims, persistentvolumes, configmaps, secrets, services,
// deployments.apps and storageclasses.storage.k8s.io.
[[nodiscard]] Discovery BuiltinDiscovery();

class MemoryClient : public Client {
 public:
  explicit MemoryClient(Discovery discovery = BuiltinDiscovery(), ExecHandler exec = nullptr);

  Result<VersionInfo> Version() override;
  Result<Discovery> Discover(bool refresh = false) override;
  Result<Json> Get(const ResourceInfo& r, const std::string& ns, const std::string& name) override;
  Result<ObjectList> List(const ResourceInfo& r, const std::string& ns, const ListOptions& options) override;
  Result<Json> Create(const ResourceInfo& r, const std::string& ns, const Json& object,
                      const WriteOptions& options) override;
  Result<Json> Replace(const ResourceInfo& r, const std::string& ns, const Json& object,
                       const WriteOptions& options) override;
  Result<Json> MergePatch(const ResourceInfo& r, const std::string& ns, const std::string& name, const Json& patch,
                          const WriteOptions& options, const std::string& subresource = "") override;
  Result<Json> Apply(const ResourceInfo& r, const std::string& ns, const Json& object,
                     const WriteOptions& options) override;
  Status Delete(const ResourceInfo& r, const std::string& ns, const std::string& name,
                Propagation propagation = Propagation::kBackground) override;
  Result<ExecResult> Exec(const ExecRequest& request, const OutputSink& stdout_sink) override;
  std::string DefaultNamespace() const override { return "default"; }
  std::string Describe() const override { return "in-memory cluster"; }

  // Test set-up: what Version() answers, and a discovery change (a CRD).
  void SetVersion(VersionInfo version);
  void SetDiscovery(Discovery discovery);

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // group/resource, namespace, name
  [[nodiscard]] Status CheckNamespace(const ResourceInfo& r, const std::string& ns) const;
  [[nodiscard]] std::string NextVersion();
  [[nodiscard]] std::string Effective(const ResourceInfo& r, const std::string& ns, const Json& object) const;

  mutable std::mutex mu_;
  Discovery discovery_;
  ExecHandler exec_;
  VersionInfo version_{"v1.31.0", "1", "31", "linux/amd64"};
  std::map<Key, Json> objects_;  // ordered like etcd keys: the order List returns
  int64_t resource_version_ = 1000;
  int64_t uid_counter_ = 0;
};

}  // namespace hort::kube
