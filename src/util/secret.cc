#include "util/secret.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "util/read_file.h"

namespace hort {

std::string TrimWhitespace(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t start = 0;
  while (start < s.size() && (s[start] == ' ' || s[start] == '\t')) ++start;
  return s.substr(start);
}

Result<std::string> ReadSecretFile(const std::string& path, const char* what) {
  // By descriptor: a stream opens a directory and then reads nothing, and
  // an empty secret read from it was taken for a (wrong) password.
  HORT_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, what));
  return TrimWhitespace(std::move(text));
}

Result<std::string> RunSecretCommand(const std::string& command, const char* what) {
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return Status(Code::kInvalidArgument, std::string("cannot run ") + what);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int rc = ::pclose(p);
  if (rc != 0) {
    return Status(Code::kInvalidArgument, std::string(what) + " failed (exit status " +
                                              std::to_string(WIFEXITED(rc) ? WEXITSTATUS(rc) : rc) + ")");
  }
  return TrimWhitespace(out);
}

Result<std::string> PasswordFromFileOrCommand(const std::string& file, const std::string& command) {
  HORT_ASSIGN_OR_RETURN(std::string pw, file.empty() ? RunSecretCommand(command, "password command")
                                                     : ReadSecretFile(file, "password file"));
  if (pw.empty()) {
    return Status(Code::kInvalidArgument,
                  "an empty password is not a password (" +
                      (file.empty() ? std::string("the password command printed nothing") : "password file " + file + " is empty") +
                      ")");
  }
  return pw;
}

}  // namespace hort
