// Reading secrets (passwords) from a file or a command's output. The secret
// is returned, never logged; errors name the file or say which command kind
// failed, not the secret.
#pragma once

#include <string>

#include "util/status.h"

namespace hort {

// The file's content with surrounding whitespace and the final newline removed.
[[nodiscard]] Result<std::string> ReadSecretFile(const std::string& path, const char* what);
// Runs `command` through /bin/sh (like restic's --password-command) and returns its trimmed stdout.
[[nodiscard]] Result<std::string> RunSecretCommand(const std::string& command, const char* what);
[[nodiscard]] std::string TrimWhitespace(std::string s);
// The password in `file`, or printed by `command` when `file` is empty. An
// empty one is refused (kInvalidArgument), saying where it came from: it
// would open nothing, and restic refuses it too.
[[nodiscard]] Result<std::string> PasswordFromFileOrCommand(const std::string& file, const std::string& command);

}  // namespace hort
