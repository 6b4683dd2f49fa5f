#include "web/auth.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/secrets.h"
#include "util/hex.h"
#include "util/timer.h"

namespace hort {
namespace {

constexpr double kVerifiedSeconds = 300;
constexpr size_t kMaxVerified = 1000;

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  return line;
}

Result<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kInvalidArgument, std::string("serve.auth.") + what + ": cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// HEAD as GET: probes and load balancers ask with HEAD.
bool IsRead(const ServerRequest& r) { return r.method == "GET" || r.method == "HEAD"; }

bool IsOpenPath(const ServerRequest& r) {
  return IsRead(r) && (r.path == "/" || r.path == "/healthz" || r.path.starts_with("/assets/"));
}

}  // namespace

Result<std::unique_ptr<DashboardAuth>> DashboardAuth::Load(const ServeAuthSpec& spec) {
  std::unique_ptr<DashboardAuth> a(new DashboardAuth());
  a->configured_ = spec.Configured();
  a->open_read_ = spec.open_read;
  crypto::RandomBytes(a->key_);
  if (!spec.token_file.empty()) {
    HORT_ASSIGN_OR_RETURN(std::string text, ReadFile(spec.token_file, "token_file"));
    a->token_ = FirstLine(text);
    if (a->token_.empty()) return Status(Code::kInvalidArgument, "serve.auth.token_file: " + spec.token_file + " is empty");
  } else if (!spec.token_env.empty()) {
    const char* v = std::getenv(spec.token_env.c_str());
    if (v == nullptr || *v == '\0') {
      return Status(Code::kInvalidArgument, "serve.auth.token_env: the variable " + spec.token_env + " is not set");
    }
    a->token_ = v;
  }
  if (!a->token_.empty() && a->token_.size() < 16) {
    const std::string source = !spec.token_file.empty() ? "serve.auth.token_file: the token in " + spec.token_file
                                                        : "serve.auth.token_env: the token in " + spec.token_env;
    return Status(Code::kInvalidArgument, source + " is shorter than 16 characters");
  }
  if (!spec.htpasswd.empty()) {
    HORT_ASSIGN_OR_RETURN(std::string text, ReadFile(spec.htpasswd, "htpasswd"));
    std::istringstream lines(text);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
      ++number;
      line = FirstLine(line);
      if (line.empty() || line[0] == '#') continue;
      const size_t colon = line.find(':');
      const std::string where = "serve.auth.htpasswd: " + spec.htpasswd + " line " + std::to_string(number);
      if (colon == std::string::npos || colon == 0) return Status(Code::kInvalidArgument, where + ": expected user:hash");
      std::string hash = line.substr(colon + 1);
      if (auto ok = crypto::VerifyBcrypt("", hash); !ok.ok()) {
        return Status(Code::kInvalidArgument, where + ": " + ok.status().message());
      }
      a->users_[line.substr(0, colon)] = hash;
    }
    if (a->users_.empty()) return Status(Code::kInvalidArgument, "serve.auth.htpasswd: " + spec.htpasswd + " names no user");
  }
  return a;
}

Status CheckDashboardAuth(const ServeAuthSpec& spec, std::vector<std::string>* warnings) {
  ServeAuthSpec present = spec;
  const char* absent = " here: hort serve refuses to start where it is missing";
  std::error_code ec;
  if (!spec.token_file.empty() && !std::filesystem::is_regular_file(spec.token_file, ec)) {
    warnings->push_back("serve.auth.token_file: " + spec.token_file + " is not a file" + absent);
    present.token_file.clear();
  }
  const char* env = spec.token_env.empty() ? nullptr : std::getenv(spec.token_env.c_str());
  if (present.token_file.empty() && !spec.token_env.empty() && (env == nullptr || *env == '\0')) {
    warnings->push_back("serve.auth.token_env: the variable " + spec.token_env + " is not set" + absent);
    present.token_env.clear();
  }
  if (!spec.htpasswd.empty() && !std::filesystem::is_regular_file(spec.htpasswd, ec)) {
    warnings->push_back("serve.auth.htpasswd: " + spec.htpasswd + " is not a file" + absent);
    present.htpasswd.clear();
  }
  if (!present.Configured()) return Status::Ok();
  return DashboardAuth::Load(present).status();
}

bool DashboardAuth::CheckBasic(const std::string& user, const std::string& password) {
  const std::string cache_key = HexEncode(crypto::HmacSha256(key_, AsBytes(user + '\0' + password)));
  const double now = UnixNow();
  {
    std::lock_guard<std::mutex> g(mu_);
    auto it = verified_.find(cache_key);
    if (it != verified_.end() && it->second > now) return true;
  }
  auto found = users_.find(user);
  // An unknown user costs a bcrypt check as well, so timing does not tell
  // which users exist.
  const std::string& hash = found != users_.end() ? found->second : users_.begin()->second;
  auto ok = crypto::VerifyBcrypt(password, hash);
  if (!ok.ok() || !*ok || found == users_.end()) return false;
  std::lock_guard<std::mutex> g(mu_);
  if (verified_.size() >= kMaxVerified) verified_.clear();
  verified_[cache_key] = now + kVerifiedSeconds;
  return true;
}

DashboardAuth::Caller DashboardAuth::Authenticate(const ServerRequest& r) {
  const std::string header = r.Header("authorization");
  if (header.empty()) return {};
  if (header.starts_with("Bearer ")) {
    if (!token_.empty() && crypto::ConstantTimeEqual(header.substr(7), token_)) return {Outcome::kOk, "token"};
    return {Outcome::kWrong, ""};
  }
  if (header.starts_with("Basic ") && !users_.empty()) {
    auto decoded = Base64Decode(header.substr(6));
    if (!decoded) return {Outcome::kWrong, ""};
    const std::string pair(AsChars(*decoded));
    const size_t colon = pair.find(':');
    if (colon == std::string::npos) return {Outcome::kWrong, ""};
    const std::string user = pair.substr(0, colon);
    if (CheckBasic(user, pair.substr(colon + 1))) return {Outcome::kOk, user};
  }
  return {Outcome::kWrong, ""};
}

std::string DashboardAuth::CsrfToken(const std::string& who) const {
  return HexEncode(crypto::HmacSha256(key_, AsBytes("csrf\n" + who)));
}

bool DashboardAuth::CsrfValid(const std::string& who, const std::string& presented) const {
  return !presented.empty() && crypto::ConstantTimeEqual(presented, CsrfToken(who));
}

ServerResponse DashboardAuth::Unauthorized(const std::string& why) const {
  ServerResponse out{.status = 401, .content_type = "application/json",
                     .body = "{\"error\": \"" + why + "\"}\n"};
  out.headers["WWW-Authenticate"] = users_.empty() ? "Bearer realm=\"hort\"" : "Basic realm=\"hort\", charset=\"UTF-8\"";
  out.headers["Cache-Control"] = "no-store";
  return out;
}

std::optional<ServerResponse> DashboardAuth::Gate(const ServerRequest& r) {
  if (!configured_ || IsOpenPath(r)) return std::nullopt;
  const bool needs = !IsRead(r) || r.path == "/api/v1/session" || !open_read_;
  if (!needs) return std::nullopt;
  switch (Authenticate(r).outcome) {
    case Outcome::kOk: return std::nullopt;
    case Outcome::kNoCredentials: return Unauthorized("credentials required (serve.auth)");
    case Outcome::kWrong: break;
  }
  return Unauthorized("wrong credentials");
}

}  // namespace hort
