#include "jobs/pod_dump.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace hort {
namespace {

bool IsSelector(const std::string& s) { return s.find_first_of("=,!") != std::string::npos || s.find(" in ") != std::string::npos; }

bool Running(const kube::Json& pod) { return pod.value("/status/phase"_json_pointer, std::string()) == "Running"; }

std::string FirstContainer(const kube::Json& pod) {
  const auto& cs = pod.value("/spec/containers"_json_pointer, kube::Json::array());
  return cs.empty() ? "" : cs[0].value("name", "");
}

bool HasContainer(const kube::Json& pod, const std::string& name) {
  for (const auto& c : pod.value("/spec/containers"_json_pointer, kube::Json::array())) {
    if (c.value("name", "") == name) return true;
  }
  return false;
}

std::string PodName(const kube::Json& pod) { return pod.value("/metadata/name"_json_pointer, std::string()); }

Result<kube::ResourceInfo> PodsResource(kube::Client& client) {
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client.Discover());
  const kube::ResourceInfo* r = d.Find("", "v1", "pods");
  if (!r) return Status(Code::kNotFound, "the cluster serves no pods resource");
  return *r;
}

}  // namespace

Result<std::vector<std::string>> SplitShellWords(const std::string& line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(cur)), cur.clear(), in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == line.size()) return Status(Code::kInvalidArgument, "command ends with a lone backslash: " + line);
      cur += line[i];
    } else if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string::npos) return Status(Code::kInvalidArgument, "unterminated ' in command: " + line);
      cur += line.substr(i + 1, end - i - 1);
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i == line.size()) return Status(Code::kInvalidArgument, "unterminated \" in command: " + line);
        if (line[i] == '"') break;
        // Inside double quotes a backslash escapes only these, as in sh.
        if (line[i] == '\\' && i + 1 < line.size() && std::string_view("\"\\$`").find(line[i + 1]) != std::string_view::npos) ++i;
        cur += line[i];
      }
    } else {
      cur += c;
    }
  }
  if (in_word) words.push_back(std::move(cur));
  return words;
}

Result<PodDump> ResolveDumpPod(kube::Client& client, const std::string& ns, const FilesEntry& entry) {
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo pods, PodsResource(client));
  kube::Json pod;
  if (IsSelector(entry.pod)) {
    kube::ListOptions lo;
    lo.label_selector = entry.pod;
    HORT_ASSIGN_OR_RETURN(kube::ObjectList list, client.List(pods, ns, lo));
    std::vector<kube::Json*> running;
    for (auto& p : list.items) {
      if (Running(p)) running.push_back(&p);
    }
    if (running.empty()) {
      return Status(Code::kNotFound, "no Running pod in namespace " + ns + " matches " + entry.pod);
    }
    std::sort(running.begin(), running.end(), [](auto* a, auto* b) { return PodName(*a) < PodName(*b); });
    pod = *running[0];
  } else {
    HORT_ASSIGN_OR_RETURN(pod, client.Get(pods, ns, entry.pod));
    if (!Running(pod)) return Status(Code::kUnavailable, "pod " + ns + "/" + entry.pod + " is not Running");
  }
  PodDump d;
  d.pod = PodName(pod);
  d.container = entry.container.empty() ? FirstContainer(pod) : entry.container;
  if (!HasContainer(pod, d.container)) {
    return Status(Code::kInvalidArgument, "pod " + ns + "/" + d.pod + " has no container " + d.container);
  }
  d.command = entry.command;
  d.extension = entry.extension;
  return d;
}

Result<std::vector<PodDump>> FindAnnotatedDumps(kube::Client& client, const std::string& ns) {
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo pods, PodsResource(client));
  HORT_ASSIGN_OR_RETURN(kube::ObjectList list, client.List(pods, ns, kube::ListOptions{}));
  std::sort(list.items.begin(), list.items.end(), [](const auto& a, const auto& b) { return PodName(a) < PodName(b); });
  std::vector<PodDump> out;
  std::vector<std::string> owners_seen;
  for (const auto& pod : list.items) {
    const auto annotations = pod.value("/metadata/annotations"_json_pointer, kube::Json::object());
    auto it = annotations.find("k8up.io/backupcommand");
    if (it == annotations.end() || !it->is_string() || !Running(pod)) continue;
    const auto owners = pod.value("/metadata/ownerReferences"_json_pointer, kube::Json::array());
    if (!owners.empty()) {
      std::string uid = owners[0].value("uid", "");
      if (std::find(owners_seen.begin(), owners_seen.end(), uid) != owners_seen.end()) continue;
      owners_seen.push_back(uid);
    }
    PodDump d;
    d.pod = PodName(pod);
    auto words = SplitShellWords(it->get<std::string>());
    if (!words.ok()) return words.status().Annotate("pod " + ns + "/" + d.pod + " annotation k8up.io/backupcommand");
    if (words->empty()) return Status(Code::kInvalidArgument, "pod " + ns + "/" + d.pod + ": k8up.io/backupcommand is empty");
    d.command = std::move(*words);
    auto c = annotations.find("k8up.io/backupcommand-container");
    d.container = c != annotations.end() && c->is_string() ? c->get<std::string>() : FirstContainer(pod);
    if (!HasContainer(pod, d.container)) {
      return Status(Code::kInvalidArgument, "pod " + ns + "/" + d.pod + " has no container " + d.container +
                                                " (k8up.io/backupcommand-container)");
    }
    auto x = annotations.find("k8up.io/file-extension");
    if (x != annotations.end() && x->is_string()) d.extension = x->get<std::string>();
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::unique_ptr<ExecStream>> ExecStream::Start(kube::Client& client, const std::string& ns, const PodDump& dump) {
  int fds[2];
  // A socket rather than a pipe: send() with MSG_NOSIGNAL gets EPIPE instead
  // of a SIGPIPE that would kill hort when the reader stops early.
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return ErrnoStatus("socketpair", errno);
  std::unique_ptr<ExecStream> s(new ExecStream());
  s->read_fd_ = fds[0];
  s->write_fd_ = fds[1];
  s->what_ = "command '" + (dump.command.empty() ? std::string() : dump.command[0]) + "' in pod " + ns + "/" + dump.pod +
             " (container " + dump.container + ")";
  kube::ExecRequest req{.ns = ns, .pod = dump.pod, .container = dump.container, .command = dump.command};
  ExecStream* self = s.get();
  s->thread_ = std::thread([self, &client, req] {
    self->result_ = client.Exec(req, [self](std::span<const uint8_t> bytes) -> Status {
      size_t off = 0;
      while (off < bytes.size()) {
        ssize_t n = ::send(self->write_fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Status(Code::kCancelled, "the backup stopped reading the dump");
        off += static_cast<size_t>(n);
      }
      return Status::Ok();
    });
    ::shutdown(self->write_fd_, SHUT_WR);  // the reader sees the end
  });
  return s;
}

Status ExecStream::Finish() {
  if (read_fd_ >= 0) ::shutdown(read_fd_, SHUT_RD);  // a writer still sending gets EPIPE
  if (thread_.joinable()) thread_.join();
  if (!result_.ok()) return result_.status().Annotate(what_);
  if (result_->exit_code != 0) {
    std::string err = result_->stderr_text;
    while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
    if (auto nl = err.rfind('\n'); nl != std::string::npos) err = err.substr(nl + 1);  // the last line says most
    return Status(Code::kInvalidArgument, what_ + " failed with exit status " + std::to_string(result_->exit_code) +
                                              (err.empty() ? "" : ": " + err) + "; no snapshot written");
  }
  return Status::Ok();
}

ExecStream::~ExecStream() {
  if (thread_.joinable()) {
    if (read_fd_ >= 0) ::shutdown(read_fd_, SHUT_RDWR);
    thread_.join();
  }
  if (read_fd_ >= 0) ::close(read_fd_);
  if (write_fd_ >= 0) ::close(write_fd_);
}

}  // namespace hort
