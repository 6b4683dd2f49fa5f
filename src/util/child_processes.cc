#include "util/child_processes.h"

#include <signal.h>

#include <mutex>
#include <vector>

namespace hort {
namespace {

struct Child {
  pid_t pid;
  bool own_group;
};

std::mutex& Mu() {
  static std::mutex mu;
  return mu;
}
std::vector<Child>& Children() {
  static std::vector<Child> children;
  return children;
}

}  // namespace

void ChildStarted(pid_t pid, bool own_group) {
  if (pid <= 0) return;
  std::lock_guard<std::mutex> g(Mu());
  Children().push_back({pid, own_group});
}

void ChildReaped(pid_t pid) {
  std::lock_guard<std::mutex> g(Mu());
  auto& c = Children();
  for (auto it = c.begin(); it != c.end(); ++it) {
    if (it->pid == pid) {
      c.erase(it);
      return;
    }
  }
}

void KillChildrenForExit() {
  std::lock_guard<std::mutex> g(Mu());
  for (const Child& c : Children()) ::kill(c.own_group ? -c.pid : c.pid, SIGKILL);
}

}  // namespace hort
