#include "kube/exec_credential.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "kube/json_fields.h"

extern char** environ;

namespace hort::kube {
namespace {

// A plugin that never returns would hang every request behind it; kubectl
// has no limit, but an interactive login cannot happen inside hort anyway.
constexpr int kPluginTimeoutSeconds = 120;
constexpr double kExpiryMarginSeconds = 10;

struct ProcessOutput {
  int exit_code = -1;
  std::string out, err;
  bool timed_out = false;
};

// fork/exec with stdin from /dev/null and both output pipes drained by
// poll, so a plugin writing much to stderr cannot block on a full pipe.
Result<ProcessOutput> RunArgv(const std::vector<std::string>& argv,
                              const std::vector<std::string>& extra_env) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return ErrnoStatus("pipe", errno);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]), ::close(out_pipe[1]);
    return ErrnoStatus("pipe", errno);
  }
  // Everything the child needs is built before fork: after it only
  // async-signal-safe calls are allowed.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The kubeconfig's variables replace inherited ones of the same name
  // (getenv takes the first match, so a duplicate would not do).
  std::vector<char*> env;
  for (const auto& e : extra_env) env.push_back(const_cast<char*>(e.c_str()));
  for (char** e = environ; *e; ++e) {
    std::string_view inherited(*e);
    bool replaced = false;
    for (const auto& x : extra_env) {
      replaced = replaced || inherited.substr(0, inherited.find('=') + 1) == std::string_view(x).substr(0, x.find('=') + 1);
    }
    if (!replaced) env.push_back(*e);
  }
  env.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return ErrnoStatus("fork", errno);
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::setpgid(0, 0);
    ::execvpe(args[0], args.data(), env.data());
    const char msg[] = "cannot execute the command\n";
    (void)!::write(2, msg, sizeof(msg) - 1);
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ProcessOutput r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  const time_t deadline = ::time(nullptr) + kPluginTimeoutSeconds;
  int open_fds = 2;
  while (open_fds > 0) {
    int left = static_cast<int>(deadline - ::time(nullptr));
    if (left <= 0) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, left * 1000) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        if (sinks[i]->size() < (1u << 20)) sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The first stderr line of a failed plugin says why ("error: login required"),
// but a plugin may echo its token there. A run of a token's characters
// (base64, JWT, hex) of 20 or more with a digit, or of 32 or more, is shown
// as ***, wherever it stands ("(TOKEN)", "?access_token=TOKEN&"); a path
// ("/usr/local/bin/gke-gcloud-auth-plugin") and plain words stay.
std::string MaskTokenLikeWords(const std::string& line) {
  static const std::string kTokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=";
  std::string out;
  size_t i = 0;
  while (i < line.size()) {
    const size_t end = std::min(line.find_first_not_of(kTokenChars, i), line.size());
    if (end == i) {
      out += line[i++];
      continue;
    }
    const std::string word = line.substr(i, end - i);
    const bool digit = word.find_first_of("0123456789") != std::string::npos;
    const bool token_like = word[0] != '/' && (word.size() >= 32 || (word.size() >= 20 && digit));
    out += token_like ? "***" : word;
    i = end;
  }
  return out;
}

std::string FirstLine(const std::string& text) {
  size_t a = text.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  size_t b = text.find('\n', a);
  std::string line = text.substr(a, b == std::string::npos ? std::string::npos : b - a);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.size() > 300) line = line.substr(0, 300) + "…";
  return line;
}

}  // namespace

Result<double> ParseRfc3339(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6 || consumed != 19) {
    return Status(Code::kInvalidArgument, "not an RFC 3339 time: " + text);
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  double t = static_cast<double>(::timegm(&tm));
  size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    size_t j = i + 1;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    t += std::stod("0" + text.substr(i, j - i));
    i = j;
  }
  std::string zone = text.substr(i);
  if (zone == "Z" || zone == "z") return t;
  int hh = 0, mm = 0;
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && std::sscanf(zone.c_str() + 1, "%2d:%2d", &hh, &mm) == 2) {
    double offset = hh * 3600.0 + mm * 60.0;
    return zone[0] == '+' ? t - offset : t + offset;
  }
  return Status(Code::kInvalidArgument, "not an RFC 3339 time: " + text);
}

Result<ExecCredential> ParseExecCredential(const std::string& json, const ExecPlugin& plugin) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status(Code::kInvalidArgument, plugin.what + " printed something that is not an ExecCredential JSON object");
  }
  std::string api_version = StringAt(j, "/apiVersion");
  if (StringAt(j, "/kind") != "ExecCredential" || api_version != plugin.api_version) {
    return Status(Code::kInvalidArgument, plugin.what + " printed kind \"" + StringAt(j, "/kind") + "\" apiVersion \"" +
                                              api_version + "\"; expected ExecCredential " + plugin.api_version);
  }
  auto status = j.find("status");
  if (status == j.end() || !status->is_object()) {
    return Status(Code::kInvalidArgument, plugin.what + " printed an ExecCredential without status");
  }
  auto text = [&](const char* key) {
    auto it = status->find(key);
    return it != status->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ExecCredential c{text("token"), text("clientCertificateData"), text("clientKeyData"), 0};
  if (c.client_cert_pem.empty() != c.client_key_pem.empty()) {
    return Status(Code::kInvalidArgument, plugin.what + " printed only one of clientCertificateData and clientKeyData");
  }
  if (c.token.empty() && c.client_cert_pem.empty()) {
    return Status(Code::kInvalidArgument, plugin.what + " printed neither status.token nor a client certificate");
  }
  if (std::string expiry = text("expirationTimestamp"); !expiry.empty()) {
    auto t = ParseRfc3339(expiry);
    if (!t.ok()) return t.status().Annotate(plugin.what + " expirationTimestamp");
    c.expires = *t;
  }
  return c;
}

Result<ExecCredential> RunExecPlugin(const ExecPlugin& plugin) {
  nlohmann::json info = {{"apiVersion", plugin.api_version}, {"kind", "ExecCredential"},
                         {"spec", {{"interactive", false}}}};
  if (!plugin.cluster_json.empty()) {
    info["spec"]["cluster"] = nlohmann::json::parse(plugin.cluster_json, nullptr, /*allow_exceptions=*/false);
  }
  std::vector<std::string> env = {"KUBERNETES_EXEC_INFO=" + info.dump()};
  for (const auto& [name, value] : plugin.env) env.push_back(name + "=" + value);
  std::vector<std::string> argv = {plugin.command};
  argv.insert(argv.end(), plugin.args.begin(), plugin.args.end());
  HORT_ASSIGN_OR_RETURN(ProcessOutput out, RunArgv(argv, env));
  if (out.timed_out) {
    return Status(Code::kUnavailable, plugin.what + " did not finish within " +
                                          std::to_string(kPluginTimeoutSeconds) + " s");
  }
  if (out.exit_code != 0) {
    std::string line = MaskTokenLikeWords(FirstLine(out.err));
    // 127: the command was not found; the kubeconfig's installHint says where to get it.
    std::string hint = out.exit_code == 127 && !plugin.install_hint.empty() ? " (" + FirstLine(plugin.install_hint) + ")" : "";
    return Status(Code::kPermissionDenied, plugin.what + " failed (exit status " + std::to_string(out.exit_code) +
                                               ")" + (line.empty() ? "" : ": " + line) + hint);
  }
  return ParseExecCredential(out.out, plugin);
}

TokenSource ExecTokenSource(ExecPlugin plugin, std::optional<ExecCredential> first, Clock* clock) {
  struct State {
    std::mutex mu;
    ExecPlugin plugin;
    std::optional<ExecCredential> cached;
    Clock* clock;
    SystemClock system;
  };
  auto state = std::make_shared<State>();
  state->plugin = std::move(plugin);
  state->cached = std::move(first);
  state->clock = clock ? clock : &state->system;
  return [state]() -> Result<std::string> {
    std::lock_guard lock(state->mu);  // one plugin run at a time, however many requests wait
    const double now = state->clock->Now();
    auto& c = state->cached;
    if (!c || (c->expires > 0 && c->expires - kExpiryMarginSeconds <= now)) {
      c.reset();
      HORT_ASSIGN_OR_RETURN(ExecCredential fresh, RunExecPlugin(state->plugin));
      c = std::move(fresh);
    }
    return c->token;
  };
}

}  // namespace hort::kube
