#include "jobs/pod_dump.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "kube/json_fields.h"

namespace hort {
namespace {

bool Running(const kube::Json& pod) { return kube::StringAt(pod, "/status/phase") == "Running"; }

std::string FirstContainer(const kube::Json& pod) {
  const kube::Json& cs = kube::ArrayAt(pod, "/spec/containers");
  return cs.empty() ? "" : kube::StringAt(cs[0], "/name");
}

bool HasContainer(const kube::Json& pod, const std::string& name) {
  for (const auto& c : kube::ArrayAt(pod, "/spec/containers")) {
    if (kube::StringAt(c, "/name") == name) return true;
  }
  return false;
}

std::string PodName(const kube::Json& pod) { return kube::StringAt(pod, "/metadata/name"); }

Result<kube::ResourceInfo> PodsResource(kube::Client& client) {
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client.Discover());
  const kube::ResourceInfo* r = d.Find("", "v1", "pods");
  if (!r) return Status(Code::kNotFound, "the cluster serves no pods resource");
  return *r;
}

}  // namespace

bool LooksLikeSelector(const std::string& pod) {
  // Pod names are DNS labels: no '=', '!', ',', '(' or spaces. A selector
  // without any ("app") would mean "has label app"; write it app!=none-such.
  return pod.find_first_of("=!,( ") != std::string::npos;
}

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
  if (LooksLikeSelector(entry.pod)) {
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
    const kube::Json& annotations = kube::ObjectAt(pod, "/metadata/annotations");
    const std::string command = kube::StringAt(annotations, "/k8up.io~1backupcommand");
    if (command.empty() || !Running(pod)) continue;
    const kube::Json& owners = kube::ArrayAt(pod, "/metadata/ownerReferences");
    if (!owners.empty()) {
      std::string uid = kube::StringAt(owners[0], "/uid");
      if (std::find(owners_seen.begin(), owners_seen.end(), uid) != owners_seen.end()) continue;
      owners_seen.push_back(uid);
    }
    PodDump d;
    d.pod = PodName(pod);
    auto words = SplitShellWords(command);
    if (!words.ok()) return words.status().Annotate("pod " + ns + "/" + d.pod + " annotation k8up.io/backupcommand");
    if (words->empty()) return Status(Code::kInvalidArgument, "pod " + ns + "/" + d.pod + ": k8up.io/backupcommand is empty");
    d.command = std::move(*words);
    d.container = kube::StringAt(annotations, "/k8up.io~1backupcommand-container", FirstContainer(pod));
    if (!HasContainer(pod, d.container)) {
      return Status(Code::kInvalidArgument, "pod " + ns + "/" + d.pod + " has no container " + d.container +
                                                " (k8up.io/backupcommand-container)");
    }
    d.extension = kube::StringAt(annotations, "/k8up.io~1file-extension");
    // Two pods storing one path would be one snapshot series: the second's
    // retention would forget the first's dumps. K8up overwrites silently; hort refuses.
    for (const PodDump& other : out) {
      if (other.StoredPath(ns) == d.StoredPath(ns)) {
        return Status(Code::kInvalidArgument, "pods " + ns + "/" + other.pod + " and " + ns + "/" + d.pod +
                                                  " would both be stored as " + d.StoredPath(ns) +
                                                  ": give one a k8up.io/file-extension or another container name");
      }
    }
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
