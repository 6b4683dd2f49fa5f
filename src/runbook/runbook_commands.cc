#include "runbook/runbook_commands.h"

#include "backend/backend.h"

namespace hort {
namespace {

// NAME="$VAR" when the value must be read from another variable than hort's own.
std::string FromVariable(const std::string& name, const std::string& var) {
  return name == var ? "" : name + "=\"$" + var + "\" ";
}

std::string KeyVariables(const std::optional<CredentialSource>& c) {
  if (!c || c->kind != CredentialSource::Kind::kEnvironment) return "";
  return FromVariable("AWS_ACCESS_KEY_ID", c->access_key_var) + FromVariable("AWS_SECRET_ACCESS_KEY", c->secret_key_var) +
         FromVariable("AWS_SESSION_TOKEN", c->session_token_var);
}

}  // namespace

std::string HortWithRepository(const RepositorySpec& repo) {
  std::string env = KeyVariables(repo.credentials), flags;
  switch (repo.password.kind) {
    case PasswordSource::Kind::kFile: flags += " -p " + ShellWord(repo.password.value); break;
    case PasswordSource::Kind::kCommand: flags += " --password-command " + ShellWord(repo.password.value); break;
    case PasswordSource::Kind::kEnv:
      if (repo.password.value != "RESTIC_PASSWORD") env = FromVariable("HORT_PASSWORD", repo.password.value) + env;
      break;
  }
  for (const auto& [key, value] : repo.options) flags += " -o " + ShellWord(key + "=" + value);
  if (!repo.cacert.empty()) flags += " --cacert " + ShellWord(repo.cacert);
  if (repo.insecure_tls) flags += " --insecure-tls";
  return env + "hort -r " + ShellWord(LocationWithoutPassword(repo.url)) + flags;  // never a REST password
}

std::string HortVolumes(const VolumeStoreSpec& store, const std::string& sub) {
  std::string line = KeyVariables(store.credentials) + "hort volumes " + sub + " --store " + ShellWord(store.url);
  if (!store.mount_point.empty()) line += " --mount " + ShellWord(store.mount_point);
  if (!store.cacert.empty()) line += " --cacert " + ShellWord(store.cacert);
  if (store.insecure_tls) line += " --insecure-tls";
  return line;
}

std::string S3KeysText(const std::optional<CredentialSource>& c) {
  if (!c) return "";
  switch (c->kind) {
    case CredentialSource::Kind::kEnvironment: return "";
    case CredentialSource::Kind::kFile: return c->file + " [" + c->profile + "]";
    case CredentialSource::Kind::kCommand: return c->command;
  }
  return "";
}

}  // namespace hort
