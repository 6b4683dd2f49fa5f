// Where a store's S3 keys come from. A catalog names a CredentialSource per
// store (environment variables, an AWS credentials file, a command), never
// the secret itself, so two stores with different keys can live in one
// process and no secret is written into a config file, argv or a log line.
#pragma once

#include <string>

#include "util/status.h"

namespace hort {

// The secret values. Never logged, never part of a Status message.
struct S3Credentials {
  std::string access_key, secret_key, session_token;
};

struct CredentialSource {
  enum class Kind { kEnvironment, kFile, kCommand };
  Kind kind = Kind::kEnvironment;
  // kEnvironment: the names of the variables to read.
  std::string access_key_var = "AWS_ACCESS_KEY_ID";
  std::string secret_key_var = "AWS_SECRET_ACCESS_KEY";
  std::string session_token_var = "AWS_SESSION_TOKEN";
  // kFile: a file in the AWS shared-credentials format ([profile] sections
  // with aws_access_key_id, aws_secret_access_key, aws_session_token).
  std::string file;
  std::string profile = "default";
  // kCommand: run through /bin/sh; its stdout is AWS credential_process
  // JSON: {"Version":1,"AccessKeyId":…,"SecretAccessKey":…,"SessionToken":…}.
  std::string command;
};

// The keys the source names. Errors are one line naming the source (the
// variable, file and profile, or command), never a secret value.
[[nodiscard]] Result<S3Credentials> ResolveCredentials(const CredentialSource& source);

}  // namespace hort
