// Connect: which configuration applies, and the in-cluster connection.
// (kubeconfig files are read in kubeconfig.cc.)
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "kube/kubeconfig.h"
#include "util/env.h"

namespace hort::kube {
namespace {

Result<std::string> ReadTrimmed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kInvalidArgument, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The projected token, re-read only when the kubelet replaced the file
// (it rotates it well before expiry, about hourly) rather than per request.
TokenSource RotatingTokenFile(const std::string& path) {
  struct State {
    std::mutex mu;
    std::string token;
    struct timespec mtime {};
    ino_t inode = 0;
    off_t size = -1;
  };
  auto state = std::make_shared<State>();
  return [state, path]() -> Result<std::string> {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Status(Code::kPermissionDenied, "in-cluster: cannot read token " + path);
    std::lock_guard lock(state->mu);
    if (st.st_ino != state->inode || st.st_size != state->size || st.st_mtim.tv_sec != state->mtime.tv_sec ||
        st.st_mtim.tv_nsec != state->mtime.tv_nsec) {
      auto t = ReadTrimmed(path);
      if (!t.ok()) return Status(Code::kPermissionDenied, "in-cluster: cannot read token " + path);
      state->token = *t;
      state->inode = st.st_ino;
      state->size = st.st_size;
      state->mtime = st.st_mtim;
    }
    return state->token;
  };
}

}  // namespace

std::string ServiceAccountDir() {
  std::string dir = Env("HORT_KUBE_SERVICEACCOUNT_DIR");
  return dir.empty() ? "/var/run/secrets/kubernetes.io/serviceaccount" : dir;
}

Result<Connection> ConnectionInCluster(const std::string& dir) {
  std::string host = Env("KUBERNETES_SERVICE_HOST"), port = Env("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    return Status(Code::kNotFound, "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
  }
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";  // IPv6 literal
  Connection c;
  c.server = "https://" + host + ":" + port;
  const std::string token_path = dir + "/token";
  if (!std::filesystem::exists(token_path)) return Status(Code::kNotFound, "in-cluster: no service-account token at " + token_path);
  auto ca = ReadTrimmed(dir + "/ca.crt");
  if (!ca.ok()) return Status(Code::kInvalidArgument, "in-cluster: cannot read the cluster CA " + dir + "/ca.crt");
  c.ca_pem = *ca + "\n";
  c.token = RotatingTokenFile(token_path);
  if (auto ns = ReadTrimmed(dir + "/namespace"); ns.ok() && !ns->empty()) c.default_namespace = *ns;
  c.description = "in-cluster service account (namespace " + c.default_namespace + ", API at " + c.server + ")";
  return c;
}

Result<Connection> Connect(const KubeSettings& settings) {
  const bool explicit_config = !settings.kubeconfig.empty() || !settings.context.empty();
  if (!explicit_config && !Env("KUBERNETES_SERVICE_HOST").empty()) {
    const std::string dir = ServiceAccountDir();
    if (std::filesystem::exists(dir + "/token")) return ConnectionInCluster(dir);
  }
  return ConnectionFromKubeconfig(FindKubeconfigFiles(settings), settings.context);
}

}  // namespace hort::kube
