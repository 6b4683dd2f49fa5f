#include "objstore/credentials.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "util/env.h"
#include "util/secret.h"

namespace hort {
namespace {

Result<S3Credentials> FromFile(const CredentialSource& s);

// The AWS variables, and when neither key is set the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials; profile AWS_PROFILE,
// else "default"), as restic's S3 client (minio-go) looks next.
Result<S3Credentials> FromEnvironment(const CredentialSource& s) {
  S3Credentials c{Env(s.access_key_var), Env(s.secret_key_var), Env(s.session_token_var)};
  const bool aws_names = s.access_key_var == "AWS_ACCESS_KEY_ID";
  if (c.access_key.empty() && c.secret_key.empty() && aws_names) {
    CredentialSource file{CredentialSource::Kind::kFile};
    file.file = Env("AWS_SHARED_CREDENTIALS_FILE");
    if (file.file.empty() && !Env("HOME").empty()) file.file = Env("HOME") + "/.aws/credentials";
    if (!Env("AWS_PROFILE").empty()) file.profile = Env("AWS_PROFILE");
    if (!file.file.empty() && ::access(file.file.c_str(), F_OK) == 0) return FromFile(file);
  }
  if (c.access_key.empty() || c.secret_key.empty()) {
    return Status(Code::kInvalidArgument, "s3: set " + s.access_key_var + " and " + s.secret_key_var +
                                              (aws_names ? " (or a profile in ~/.aws/credentials, AWS_SHARED_CREDENTIALS_FILE)" : ""));
  }
  return c;
}

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

// The AWS shared-credentials format: `[name]` sections (the config file's
// `[profile name]` is accepted too), `key = value` lines, `#`/`;` comments.
Result<S3Credentials> FromFile(const CredentialSource& s) {
  const std::string what = "credentials file " + s.file;
  std::ifstream in(s.file);
  if (!in) return Status(Code::kInvalidArgument, what + ": cannot read it");
  S3Credentials c;
  bool found = false, in_profile = false;
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      std::string name = Trim(line.substr(1, line.size() - 2));
      if (name.rfind("profile ", 0) == 0) name = Trim(name.substr(8));
      in_profile = name == s.profile;
      found = found || in_profile;
      continue;
    }
    auto eq = line.find('=');
    if (!in_profile || eq == std::string::npos) continue;
    std::string key = Trim(line.substr(0, eq)), value = Trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") c.access_key = value;
    if (key == "aws_secret_access_key") c.secret_key = value;
    if (key == "aws_session_token") c.session_token = value;
  }
  if (!found) return Status(Code::kInvalidArgument, what + ": no profile \"" + s.profile + "\"");
  for (const auto& [value, name] : {std::pair{&c.access_key, "aws_access_key_id"}, {&c.secret_key, "aws_secret_access_key"}}) {
    if (value->empty()) return Status(Code::kInvalidArgument, what + ": profile \"" + s.profile + "\" has no " + name);
  }
  return c;
}

// AWS's credential_process output. The output itself never reaches a
// message: it holds the secret.
Result<S3Credentials> FromCommand(const CredentialSource& s) {
  const std::string what = "credentials command `" + s.command + "`";
  HORT_ASSIGN_OR_RETURN(std::string out, RunSecretCommand(s.command, what.c_str()));
  auto j = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status(Code::kInvalidArgument, what + ": output is not JSON");
  auto text = [&](const char* field) -> std::string {
    auto it = j.find(field);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
  };
  auto version = j.find("Version");
  if (version == j.end() || *version != 1) {
    return Status(Code::kInvalidArgument, what + ": output needs \"Version\": 1 (AWS credential_process format)");
  }
  S3Credentials c{text("AccessKeyId"), text("SecretAccessKey"), text("SessionToken")};
  if (c.access_key.empty() || c.secret_key.empty()) {
    return Status(Code::kInvalidArgument, what + ": output has no AccessKeyId or SecretAccessKey");
  }
  return c;
}

}  // namespace

Result<S3Credentials> ResolveCredentials(const CredentialSource& source) {
  switch (source.kind) {
    case CredentialSource::Kind::kEnvironment: return FromEnvironment(source);
    case CredentialSource::Kind::kFile: return FromFile(source);
    case CredentialSource::Kind::kCommand: return FromCommand(source);
  }
  return Status(Code::kInternal, "unknown credential source");
}

}  // namespace hort
