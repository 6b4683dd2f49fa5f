#include "util/secret.h"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace hort {

std::string TrimWhitespace(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t start = 0;
  while (start < s.size() && (s[start] == ' ' || s[start] == '\t')) ++start;
  return s.substr(start);
}

Result<std::string> ReadSecretFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kInvalidArgument, std::string("cannot read ") + what + " " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return TrimWhitespace(ss.str());
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

}  // namespace hort
