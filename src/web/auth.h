// Who is asking: the dashboard's authentication (serve.auth). A bearer token
// (from a file or a variable, compared in constant time) and/or the users of
// an htpasswd file with bcrypt hashes; CSRF tokens for the actions' POSTs;
// and the gate that decides which requests need credentials at all.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "net/http_server.h"

namespace hort {

// `config check`'s view of serve.auth, by serve's own rules (Load): a token
// file, htpasswd file or variable that is missing here is a warning, as a
// repository's password_file is (the catalog is often checked away from the
// pod that mounts them); one present but unusable (empty, a token shorter
// than 16 characters, a malformed htpasswd line) is the error serve would
// refuse to start with. Names files and variables, never a token.
[[nodiscard]] Status CheckDashboardAuth(const ServeAuthSpec& spec, std::vector<std::string>* warnings);

class DashboardAuth {
 public:
  // Reads the token and the htpasswd file once. kInvalidArgument names the
  // file or variable that is missing, empty or malformed, never a secret.
  [[nodiscard]] static Result<std::unique_ptr<DashboardAuth>> Load(const ServeAuthSpec& spec);

  [[nodiscard]] bool configured() const { return configured_; }

  enum class Outcome { kNoCredentials, kWrong, kOk };
  struct Caller {
    Outcome outcome = Outcome::kNoCredentials;
    std::string who;  // the htpasswd user, or "token"
  };
  // From the Authorization header ("Bearer …" or "Basic …").
  [[nodiscard]] Caller Authenticate(const ServerRequest& r);

  // The CSRF token of `who` for this process (an HMAC under a random key).
  [[nodiscard]] std::string CsrfToken(const std::string& who) const;
  [[nodiscard]] bool CsrfValid(const std::string& who, const std::string& presented) const;

  // 401 with the challenge that fits: Basic when an htpasswd file is set
  // (the browser asks for a user), else Bearer.
  [[nodiscard]] ServerResponse Unauthorized(const std::string& why) const;

  // For every request before routing: nullopt lets it through. The page and
  // its assets and /healthz are always open; without serve.auth everything
  // is; else POSTs and /api/v1/session need credentials, and so does every
  // other GET unless open_read.
  [[nodiscard]] std::optional<ServerResponse> Gate(const ServerRequest& r);

 private:
  DashboardAuth() = default;
  [[nodiscard]] bool CheckBasic(const std::string& user, const std::string& password);

  bool configured_ = false, open_read_ = false;
  std::string token_;
  std::map<std::string, std::string> users_;  // user → bcrypt hash
  std::array<uint8_t, 32> key_{};             // CSRF tokens and the cache's keys
  // A browser sends Basic credentials with every poll; bcrypt takes tens of
  // milliseconds by design, so a verified pair is remembered for 5 minutes
  // (by its HMAC, never in clear).
  std::mutex mu_;
  std::map<std::string, double> verified_;
};

}  // namespace hort
