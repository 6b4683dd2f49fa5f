// hort agent: the DaemonSet's process, one per node. It runs the tasks
// serve (or `hort restore --to-pvc`) leaves for its node as Leases in hort's
// namespace: backups of the claims mounted there, read under the kubelet's
// pod-volume folder, and restores into them (jobs/agent_worker.h).
// hort agent hold: what a holder Job's pod runs — nothing but being there,
// so that a claim nobody mounts is mounted on some node for its agent.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "util/log.h"
#include "cli/kube_cli.h"
#include "jobs/agent_worker.h"
#include "kube/wait.h"
#include "util/local_time.h"

namespace hort::cli {
namespace {

struct AgentFlags {
  KubeFlags kube;
  std::string node, name, kubelet_root, poll = "2s", hold_timeout = "6h";
  bool once = false;
};

std::string FromEnv(const std::string& flag, const char* env, std::string fallback) {
  if (!flag.empty()) return flag;
  const char* v = std::getenv(env);
  return v && *v ? v : fallback;
}

void Log(const std::string& line) { LogEvent(line); }

int Hold(const AgentFlags& f) {
  auto limit = ParseWait(f.hold_timeout);
  if (!limit.ok()) return Fail(limit.status());
  const std::atomic<bool>& stop = InstallStopFlag();
  (void)kube::SleepUnlessStopped(std::chrono::steady_clock::now() + *limit, &stop);
  return kExitOk;
}

int Run(const AgentFlags& f, Opened& o) {
  AgentOptions opt;
  opt.node = FromEnv(f.node, "NODE_NAME", "");
  if (opt.node.empty()) return Fail(Status(Code::kInvalidArgument, "hort agent needs its node: --node or NODE_NAME"));
  char host[256] = {};
  (void)gethostname(host, sizeof(host) - 1);
  opt.name = FromEnv(f.name, "POD_NAME", host);
  opt.kubelet_root = FromEnv(f.kubelet_root, "HORT_KUBELET_ROOT", "/var/lib/kubelet");
  auto poll = ParseWait(f.poll);
  if (!poll.ok()) return Fail(poll.status());
  opt.poll_seconds = std::max<double>(0.2, static_cast<double>(poll->count()));
  opt.once = f.once;
  opt.stop = &InstallStopFlag();
  opt.log = Log;
  auto kube = OpenKube(f.kube, o.catalog.get());
  if (!kube.ok()) return Fail(kube.status());
  if (Status s = RunAgent(*o.catalog, **kube, opt); !s.ok()) return Fail(s);
  Log("agent " + opt.name + " stopped");
  return kExitOk;
}

}  // namespace

Command AddAgent(CLI::App& sub, GlobalOptions& /*g*/) {
  auto f = std::make_shared<AgentFlags>();
  AddKubeFlags(sub, &f->kube);
  sub.add_option("--node", f->node, "the node this agent serves (default $NODE_NAME)");
  sub.add_option("--name", f->name, "the name it claims tasks as (default $POD_NAME, else the host name)");
  sub.add_option("--kubelet-root", f->kubelet_root, "the kubelet's folder as mounted here (default $HORT_KUBELET_ROOT, else /var/lib/kubelet)");
  sub.add_option("--poll", f->poll, "how often to look for tasks (default 2s)");
  sub.add_flag("--once", f->once, "one pass over the open tasks, then exit");
  auto* hold = sub.add_subcommand("hold", "Keep a claim mounted (what a holder Job's pod runs)");
  hold->add_option("--timeout", f->hold_timeout, "exit after this long (default 6h)");
  return {{},
          [hold] { return hold->parsed() ? NeedsNothing() : NeedsCatalog(); },
          [f, hold](Opened& o) { return hold->parsed() ? Hold(*f) : Run(*f, o); }};
}

}  // namespace hort::cli
