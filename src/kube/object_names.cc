#include "kube/object_names.h"

#include <openssl/evp.h>

#include <cstdio>

namespace hort::kube {

std::string NameProblem(const std::string& name, const std::string& kind) {
  if (kind == "Role" || kind == "ClusterRole" || kind == "RoleBinding" || kind == "ClusterRoleBinding") {
    if (name == "." || name == "..") return "may not be '" + name + "'";
    if (name.find_first_of("/%") != std::string::npos) return "may not contain '/' or '%'";
    return "";
  }
  const bool label = kind == "Namespace" || kind == "Service";
  const size_t limit = label ? 63 : 253;
  if (name.empty()) return "a name is required";
  if (name.size() > limit) return "must be no more than " + std::to_string(limit) + " characters";
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool ok = alnum(name.front()) && alnum(name.back());
  for (size_t i = 0; ok && i < name.size(); ++i) {
    const char c = name[i];
    if (alnum(c) || c == '-') continue;
    if (c == '.' && !label && alnum(name[i - 1]) && alnum(name[i + 1])) continue;
    ok = false;
  }
  if (kind == "Service" && (!ok || !(name.front() >= 'a' && name.front() <= 'z'))) {
    // ValidateServiceName: a DNS-1035 label, which starts with a letter.
    return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
           "character, and end with an alphanumeric character";
  }
  if (ok) return "";
  return label ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                 "start and end with an alphanumeric character"
               : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character";
}

std::string ValidLabelValue(const std::string& value) {
  if (value.size() <= 63) return value;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(value.data(), value.size(), digest, &length, EVP_sha256(), nullptr);
  char hex[7];
  std::snprintf(hex, sizeof(hex), "%02x%02x%02x", digest[0], digest[1], digest[2]);
  return value.substr(0, 57) + hex;
}

std::string TimestampedNameProblem(const std::string& prefix) {
  return NameProblem(prefix + "-20260101000000", "Backup");
}

}  // namespace hort::kube
