#include "deploy/secrets.h"

#include <filesystem>
#include <map>

namespace hort::deploy {
namespace {

class Planner {
 public:
  void File(const std::string& path, const std::string& used_by) {
    if (path.empty()) return;
    files_.emplace(path, used_by);
  }
  void Env(const std::string& var, bool optional, const std::string& used_by) {
    auto [it, added] = env_.emplace(var, SecretEnv{var, optional, used_by});
    if (!added && !optional) it->second.optional = false;  // one user needs it: required
  }
  // An S3 store's keys: the catalog's source, else the process environment.
  void Credentials(const std::optional<CredentialSource>& c, const std::string& key, std::vector<std::string>* notes) {
    CredentialSource source = c.value_or(CredentialSource{});
    switch (source.kind) {
      case CredentialSource::Kind::kEnvironment:
        Env(source.access_key_var, false, key);
        Env(source.secret_key_var, false, key);
        Env(source.session_token_var, true, key);
        break;
      case CredentialSource::Kind::kFile: File(source.file, key + ".file"); break;
      case CredentialSource::Kind::kCommand:
        notes->push_back(key + ".command runs in the pod: what it reads is not in the manifests");
        break;
    }
  }

  Result<SecretPlan> Finish(std::vector<std::string> notes) const {
    SecretPlan plan;
    plan.notes = std::move(notes);
    std::map<std::string, std::string> by_key;  // key -> path or "$VAR"
    for (const auto& [path, used_by] : files_) {
      std::string key = std::filesystem::path(path).filename().string();
      if (key.empty() || key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") !=
                             std::string::npos) {
        return Status(Code::kInvalidArgument, used_by + ": " + path + " cannot be a key of Secret " + kSecretName +
                                                  " (letters, digits, '-', '_' and '.' only); rename the file");
      }
      auto [it, added] = by_key.emplace(key, path);
      if (!added) {
        return Status(Code::kInvalidArgument, "secret files " + it->second + " and " + path + " share the name " + key +
                                                  ", and the keys of Secret " + kSecretName +
                                                  " are file names: rename one");
      }
      plan.files.push_back({path, key, used_by});
    }
    for (const auto& [var, e] : env_) {
      if (auto it = by_key.find(var); it != by_key.end()) {
        return Status(Code::kInvalidArgument, "secret file " + it->second + " and variable " + var + " (" + e.used_by +
                                                  ") would share the key " + var + " of Secret " + kSecretName +
                                                  ": rename the file");
      }
      plan.env.push_back(e);
    }
    return plan;
  }

 private:
  std::map<std::string, std::string> files_;  // path -> first user
  std::map<std::string, SecretEnv> env_;
};

}  // namespace

Result<SecretPlan> PlanSecrets(const Catalog& catalog) {
  Planner p;
  std::vector<std::string> notes;
  for (const auto& [name, r] : catalog.repositories) {
    std::string key = "repositories." + name;
    switch (r.password.kind) {
      case PasswordSource::Kind::kFile: p.File(r.password.value, key + ".password_file"); break;
      case PasswordSource::Kind::kEnv: p.Env(r.password.value, false, key + ".password_env"); break;
      case PasswordSource::Kind::kCommand:
        notes.push_back(key + ".password_command runs in the pod: what it reads is not in the manifests");
        break;
    }
    if (r.url.rfind("s3:", 0) == 0 || r.credentials) p.Credentials(r.credentials, key + ".credentials", &notes);
    p.File(r.cacert, key + ".cacert");
  }
  for (const auto& [name, s] : catalog.volume_stores) {
    std::string key = "volume_stores." + name;
    if (s.url.rfind("s3://", 0) == 0 || s.credentials) {
      p.Credentials(s.credentials, key + ".credentials", &notes);
      if (!s.credentials) {  // Longhorn's backup-target Secret: hort reads the same variables
        p.Env("AWS_ENDPOINTS", true, key);
        p.Env("AWS_CERT", true, key);
      }
    }
    p.File(s.cacert, key + ".cacert");
  }
  for (const auto& [name, l] : catalog.velero.locations) {
    std::string key = "velero.locations." + name;
    if (l.url.rfind("s3:", 0) == 0 || l.credentials) p.Credentials(l.credentials, key + ".credentials", &notes);
    p.File(l.cacert, key + ".cacert");
  }
  // A kubeconfig holds credentials of another cluster; in its own, hort uses its ServiceAccount.
  p.File(catalog.kubernetes.kubeconfig, "kubernetes.kubeconfig");
  return p.Finish(std::move(notes));
}

std::string CreateSecretCommand(const SecretPlan& plan, const std::string& ns) {
  if (plan.files.empty() && plan.env.empty()) return "";
  std::string cmd = "kubectl -n " + ns + " create secret generic " + kSecretName;
  for (const SecretFile& f : plan.files) cmd += " --from-file=" + f.key + "=" + f.path;
  for (const SecretEnv& e : plan.env) {
    if (!e.optional) cmd += " --from-file=" + e.var + "=./" + e.var;
  }
  return cmd;
}

}  // namespace hort::deploy
