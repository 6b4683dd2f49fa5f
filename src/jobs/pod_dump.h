// K8up's application-aware backups: a command run inside a container through
// the Kubernetes API (pods/exec), its stdout stored as one file
// /<namespace>-<container><extension>. Either named in the catalog
// (`dump: {pod, container, command}`) or found as K8up finds them: Running
// pods annotated k8up.io/backupcommand.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "kube/client.h"
#include "util/status.h"

namespace hort {

struct PodDump {
  std::string pod, container;
  std::vector<std::string> command;  // argv, not run through a shell unless it names one
  std::string extension;
  std::string StoredPath(const std::string& ns) const { return "/" + ns + "-" + container + extension; }
};

// Whether a dump's `pod:` is a label selector rather than a pod name.
[[nodiscard]] bool LooksLikeSelector(const std::string& pod);

// The pod a catalog dump entry runs in: `pod` is a name, or a label selector,
// then the first Running pod by name. The
// container defaults to the pod's first.
[[nodiscard]] Result<PodDump> ResolveDumpPod(kube::Client& client, const std::string& ns, const FilesEntry& entry);

// K8up's rules: Running pods of `ns` annotated k8up.io/backupcommand (split
// shell-style), container from k8up.io/backupcommand-container (default the
// first), k8up.io/file-extension appended; one pod per owner (the first
// ownerReference's uid), pods ordered by name. Two pods that would be stored
// under one path are refused (one series would forget the other's dumps).
[[nodiscard]] Result<std::vector<PodDump>> FindAnnotatedDumps(kube::Client& client, const std::string& ns);

// Splits a command line as a POSIX shell would split words (quotes and
// backslashes; no expansion). kInvalidArgument for an unterminated quote.
[[nodiscard]] Result<std::vector<std::string>> SplitShellWords(const std::string& line);

// A running exec whose stdout flows into `read_fd()` (a socket the archiver
// reads like stdin). Finish() — after the reader saw the end — closes the
// reader's side, waits for the exec and says whether the command succeeded.
class ExecStream {
 public:
  static Result<std::unique_ptr<ExecStream>> Start(kube::Client& client, const std::string& ns, const PodDump& dump);
  ~ExecStream();
  [[nodiscard]] int read_fd() const { return read_fd_; }
  [[nodiscard]] Status Finish();

 private:
  ExecStream() = default;
  int read_fd_ = -1, write_fd_ = -1;
  std::thread thread_;
  Result<kube::ExecResult> result_{Status(Code::kInternal, "exec did not finish")};
  std::string what_;  // "command 'pg_dump' in pod db-0 (container postgres)"
};

}  // namespace hort
