// What of a catalog is secret, and how a pod gets it without the manifests
// ever holding a value: every file the catalog reads credentials from is a key
// of the Secret `hort-secrets` (the file's basename) mounted at the catalog's
// own path, and every variable it reads them from is an env var taken from a
// key of the same Secret. The user creates the Secret; hort names its keys.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "util/status.h"

namespace hort::deploy {

inline constexpr const char* kSecretName = "hort-secrets";

struct SecretFile {
  std::string path;  // where the catalog reads it (absolute, as in the pod)
  std::string key;   // its key in hort-secrets: the basename
  std::string used_by;  // "repositories.primary.password_file", for the note
};

struct SecretEnv {
  std::string var;  // the variable hort reads; also its key in hort-secrets
  bool optional = false;  // e.g. AWS_SESSION_TOKEN: only when the store needs it
  std::string used_by;
};

struct SecretPlan {
  std::vector<SecretFile> files;  // path order, one per path
  std::vector<SecretEnv> env;     // name order, one per variable
  // What the manifests cannot provide: a password_command or credentials
  // command runs inside the pod, so whatever it reads must be there too.
  std::vector<std::string> notes;
};

// kInvalidArgument when two files share a basename (or a file's basename is
// also a variable's name, or is no valid Secret key): one line naming both.
[[nodiscard]] Result<SecretPlan> PlanSecrets(const Catalog& catalog);

// `kubectl -n NS create secret generic hort-secrets --from-file=KEY=PATH …`:
// the command that creates the Secret, with the files as the catalog names them
// and, for each required variable, `--from-file=VAR=./VAR` (a file the user
// writes with the value, so no secret is ever an argument); "" when none is needed.
[[nodiscard]] std::string CreateSecretCommand(const SecretPlan& plan, const std::string& ns);

}  // namespace hort::deploy
