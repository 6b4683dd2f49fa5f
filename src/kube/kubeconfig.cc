#include "kube/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kube/exec_credential.h"
#include "util/env.h"

namespace hort::kube {
namespace {

namespace fs = std::filesystem;

// One named entry (cluster, user or context) with the file that defined it:
// relative paths inside resolve against that file's directory, as kubectl does.
struct Entry {
  YAML::Node node;
  std::string file;
};

struct Merged {
  std::map<std::string, Entry> clusters, users, contexts;
  std::string current_context;
  std::string files;  // "a:b" for messages
};

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string part;
  while (std::getline(ss, part, ':')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

std::string Str(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : "";
}

std::string Resolve(const std::string& path, const std::string& file) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(file).parent_path() / path).lexically_normal().string();
}

Result<std::string> ReadFile(const std::string& path) {
  // A stream opens a folder and reads nothing from it, which read as a
  // kubeconfig without a current-context.
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Status(Code::kInvalidArgument, "it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kInvalidArgument, "it cannot be opened");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// First file to name an entry wins (kubectl's merge of $KUBECONFIG).
Status MergeFile(const std::string& path, const std::string& text, Merged* m) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status(Code::kInvalidArgument, "kubeconfig " + path + " is not valid YAML: " + e.msg);
  }
  if (root.IsNull()) return Status::Ok();  // an empty file is allowed, as kubectl allows it
  if (!root.IsMap()) return Status(Code::kInvalidArgument, "kubeconfig " + path + " is not a YAML mapping");
  for (auto [key, field, target] : {std::tuple{"clusters", "cluster", &m->clusters},
                                    std::tuple{"users", "user", &m->users},
                                    std::tuple{"contexts", "context", &m->contexts}}) {
    const YAML::Node list = root[key];
    if (!list) continue;
    if (!list.IsSequence()) return Status(Code::kInvalidArgument, "kubeconfig " + path + ": " + key + " is not a list");
    for (const auto& item : list) {
      std::string name = item.IsMap() ? Str(item, "name") : "";
      if (name.empty()) return Status(Code::kInvalidArgument, "kubeconfig " + path + ": an entry of " + key + " has no name");
      YAML::Node body = item[field];
      target->emplace(name, Entry{body ? body : YAML::Node(YAML::NodeType::Map), path});
    }
  }
  if (m->current_context.empty()) m->current_context = Str(root, "current-context");
  return Status::Ok();
}

// PEM from a file or from base64 `-data`; `-data` wins, as in client-go.
Result<std::string> Pem(const Entry& e, const std::string& file_key, const std::string& what) {
  std::string data = Str(e.node, (file_key + "-data").c_str());
  if (!data.empty()) {
    auto pem = Base64Decode(data);
    if (!pem.ok()) return Status(Code::kInvalidArgument, what + ": " + file_key + "-data is not valid base64");
    return pem;
  }
  std::string path = Resolve(Str(e.node, file_key.c_str()), e.file);
  if (path.empty()) return std::string();
  auto text = ReadFile(path);
  if (!text.ok()) return Status(Code::kInvalidArgument, what + ": cannot read " + file_key + " " + path);
  return text;
}

Result<ExecPlugin> ReadExecPlugin(const Entry& user, const YAML::Node& exec, const std::string& what,
                                  const std::string& cluster_json) {
  ExecPlugin p;
  p.command = Str(exec, "command");
  if (p.command.empty()) return Status(Code::kInvalidArgument, what + ": exec has no command");
  // client-go: a relative path with a slash is relative to the kubeconfig's directory.
  if (p.command.find('/') != std::string::npos) p.command = Resolve(p.command, user.file);
  p.api_version = Str(exec, "apiVersion");
  if (p.api_version != "client.authentication.k8s.io/v1" && p.api_version != "client.authentication.k8s.io/v1beta1") {
    return Status(Code::kInvalidArgument, what + ": exec apiVersion \"" + p.api_version +
                                              "\" is not client.authentication.k8s.io/v1 or v1beta1");
  }
  if (const YAML::Node args = exec["args"]; args && args.IsSequence()) {
    for (const auto& a : args) p.args.push_back(a.as<std::string>());
  }
  if (const YAML::Node env = exec["env"]; env && env.IsSequence()) {
    for (const auto& e : env) p.env.emplace_back(Str(e, "name"), Str(e, "value"));
  }
  if (const YAML::Node info = exec["provideClusterInfo"]; info && info.IsScalar() && info.as<bool>()) {
    p.cluster_json = cluster_json;
  }
  p.install_hint = Str(exec, "installHint");
  p.what = what + " exec plugin \"" + p.command + "\"";
  return p;
}

Result<Connection> Build(const Merged& m, const std::string& wanted_context) {
  const std::string where = "kubeconfig " + m.files;
  std::string context_name = wanted_context.empty() ? m.current_context : wanted_context;
  if (context_name.empty()) return Status(Code::kInvalidArgument, where + " has no current-context; pass --context");
  auto ctx = m.contexts.find(context_name);
  if (ctx == m.contexts.end()) return Status(Code::kInvalidArgument, where + " has no context \"" + context_name + "\"");
  const std::string cluster_name = Str(ctx->second.node, "cluster");
  const std::string user_name = Str(ctx->second.node, "user");
  auto cluster = m.clusters.find(cluster_name);
  if (cluster == m.clusters.end()) {
    return Status(Code::kInvalidArgument, where + ": context \"" + context_name + "\" names cluster \"" + cluster_name +
                                              "\", which is not defined");
  }
  const Entry* user = nullptr;
  if (!user_name.empty()) {
    auto u = m.users.find(user_name);
    if (u == m.users.end()) {
      return Status(Code::kInvalidArgument, where + ": context \"" + context_name + "\" names user \"" + user_name +
                                                "\", which is not defined");
    }
    user = &u->second;
  }

  Connection c;
  const std::string cluster_what = where + ": cluster \"" + cluster_name + "\"";
  c.server = Str(cluster->second.node, "server");
  while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
  if (c.server.empty()) return Status(Code::kInvalidArgument, cluster_what + " has no server");
  if (c.server.rfind("https://", 0) != 0 && c.server.rfind("http://", 0) != 0) {
    return Status(Code::kInvalidArgument, cluster_what + ": server \"" + c.server + "\" is not an http(s) URL");
  }
  HORT_ASSIGN_OR_RETURN(c.ca_pem, Pem(cluster->second, "certificate-authority", cluster_what));
  const YAML::Node insecure = cluster->second.node["insecure-skip-tls-verify"];
  c.insecure_skip_tls_verify = insecure && insecure.IsScalar() && insecure.as<std::string>() == "true";
  if (c.insecure_skip_tls_verify && !c.ca_pem.empty()) {  // kubectl refuses the pair as contradictory
    return Status(Code::kInvalidArgument, cluster_what + " sets both a certificate authority and insecure-skip-tls-verify");
  }
  c.tls_server_name = Str(cluster->second.node, "tls-server-name");
  const YAML::Node ns = ctx->second.node["namespace"];
  if (ns && ns.IsScalar() && !ns.as<std::string>().empty()) c.default_namespace = ns.as<std::string>();
  c.description = "context " + context_name + " (cluster " + cluster_name + " at " + c.server + ")";
  if (!user) return c;

  const std::string user_what = where + ": user \"" + user_name + "\"";
  HORT_ASSIGN_OR_RETURN(c.client_cert_pem, Pem(*user, "client-certificate", user_what));
  HORT_ASSIGN_OR_RETURN(c.client_key_pem, Pem(*user, "client-key", user_what));
  if (c.client_cert_pem.empty() != c.client_key_pem.empty()) {
    return Status(Code::kInvalidArgument, user_what + " sets only one of client-certificate and client-key");
  }
  if (user->node["auth-provider"]) {
    return Status(Code::kInvalidArgument, user_what + " uses an auth-provider, which hort does not support; "
                                                      "use an exec credential plugin");
  }
  if (const YAML::Node exec = user->node["exec"]; exec && exec.IsMap()) {
    nlohmann::json cluster_info = {{"server", c.server}, {"insecure-skip-tls-verify", c.insecure_skip_tls_verify}};
    if (!c.tls_server_name.empty()) cluster_info["tls-server-name"] = c.tls_server_name;
    HORT_ASSIGN_OR_RETURN(ExecPlugin plugin, ReadExecPlugin(*user, exec, user_what, cluster_info.dump()));
    // Run once now: a plugin may answer with a client certificate, which has
    // to be known before the first TLS handshake. Its token is cached and
    // refreshed by the TokenSource when it expires.
    HORT_ASSIGN_OR_RETURN(ExecCredential first, RunExecPlugin(plugin));
    if (!first.client_cert_pem.empty()) {
      c.client_cert_pem = first.client_cert_pem;
      c.client_key_pem = first.client_key_pem;
    }
    if (!first.token.empty()) c.token = ExecTokenSource(std::move(plugin), std::move(first));
    return c;
  }
  // Both set: the file wins, as in client-go (it is what gets rotated).
  if (std::string file = Resolve(Str(user->node, "tokenFile"), user->file); !file.empty()) {
    if (!fs::exists(file)) return Status(Code::kInvalidArgument, user_what + ": cannot read tokenFile " + file);
    // Re-read on every use: whoever writes the file may rotate it.
    c.token = [file, user_what]() -> Result<std::string> {
      auto text = ReadFile(file);
      if (!text.ok()) return Status(Code::kInvalidArgument, user_what + ": cannot read tokenFile " + file);
      std::string t = *text;
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      return t;
    };
  } else if (std::string token = Str(user->node, "token"); !token.empty()) {
    c.token = [token]() -> Result<std::string> { return token; };
  }
  return c;
}

}  // namespace

KubeconfigFiles FindKubeconfigFiles(const KubeSettings& settings) {
  if (!settings.kubeconfig.empty()) return {SplitList(settings.kubeconfig), true};
  if (std::string env = Env("KUBECONFIG"); !env.empty()) return {SplitList(env), false};
  std::string home = Env("HOME");
  return {{(home.empty() ? std::string(".") : home) + "/.kube/config"}, false};
}

Result<Connection> ConnectionFromKubeconfig(const KubeconfigFiles& files, const std::string& context) {
  Merged m;
  bool any = false;
  for (const auto& path : files.paths) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      // kubectl skips missing files of $KUBECONFIG but not a file named on the command line.
      if (files.explicit_paths) return Status(Code::kNotFound, "kubeconfig " + path + " does not exist");
      continue;
    }
    auto text = ReadFile(path);
    if (!text.ok()) return Status(Code::kInvalidArgument, "kubeconfig " + path + ": cannot read it (" + text.status().message() + ")");
    HORT_RETURN_IF_ERROR(MergeFile(path, *text, &m));
    m.files += (any ? ":" : "") + path;
    any = true;
  }
  if (!any) {
    std::string list;
    for (const auto& p : files.paths) list += (list.empty() ? "" : ":") + p;
    return Status(Code::kNotFound, "no Kubernetes configuration: no kubeconfig at " + list +
                                       " and not running in a pod; pass --kubeconfig");
  }
  try {
    return Build(m, context);
  } catch (const YAML::Exception& e) {  // a scalar where a list was expected, a bad bool …
    return Status(Code::kInvalidArgument, "kubeconfig " + m.files + ": " + e.msg);
  }
}

Result<std::string> Base64Decode(std::string_view text) {
  auto value = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
  };
  std::string clean;
  for (char ch : text) {
    if (ch != '\n' && ch != '\r' && ch != ' ' && ch != '\t') clean.push_back(ch);
  }
  if (clean.size() % 4 != 0) return Status(Code::kInvalidArgument, "invalid base64");
  std::string out;
  for (size_t i = 0; i < clean.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char ch = clean[i + k];
      if (ch == '=' && i + 4 == clean.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0 || (v[k] = value(ch)) < 0) return Status(Code::kInvalidArgument, "invalid base64");
    }
    uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

}  // namespace hort::kube
