#include "kube/wait.h"

#include <algorithm>
#include <thread>

#include "kube/json_fields.h"

namespace hort::kube {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

// Sleeps until `until` in slices short enough that a stop is noticed at once.
bool SleepUnlessStopped(Clock::time_point until, const std::atomic<bool>* stop) {
  while (Clock::now() < until) {
    if (stop && stop->load()) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(50)));
  }
  return !(stop && stop->load());
}

Status WaitGone(Client& client, const ResourceInfo& resource, const std::string& ns, const std::string& name,
                const std::string& what, std::chrono::seconds timeout, const std::atomic<bool>* stop) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    auto got = client.Get(resource, ns, name);
    if (!got.ok() && got.status().code() == Code::kNotFound) return Status::Ok();
    if (!got.ok()) return got.status().Annotate("waiting for " + what + " to be deleted");
    if (Clock::now() >= deadline) {
      return Status(Code::kUnavailable, what + " is still being deleted after " + std::to_string(timeout.count()) + " s");
    }
    if (!SleepUnlessStopped(std::min(Clock::now() + std::chrono::milliseconds(500), deadline), stop)) {
      return Status(Code::kCancelled, "stopped while waiting for " + what + " to be deleted");
    }
  }
}

Result<ResourceInfo> Served(Client& client, const std::string& group, const std::string& version,
                                  const std::string& resource, const std::string& install_hint) {
  HORT_ASSIGN_OR_RETURN(Discovery d, client.Discover());
  const ResourceInfo* r = d.Find(group, version, resource);
  if (!r) {  // a CRD installed after the first discovery
    HORT_ASSIGN_OR_RETURN(d, client.Discover(true));
    r = d.Find(group, version, resource);
  }
  if (!r) {
    return Status(Code::kUnsupported, "the cluster serves no " + resource + "." + group + "/" + version + " (" +
                                          install_hint + ")");
  }
  return *r;
}

std::string StatusError(const Json& object) {
  const Json* e = FieldAt(object, "/status/error");
  if (!e) return "";
  if (e->is_string()) return e->get<std::string>();
  return StringAt(*e, "/message");
}

Result<Json> WaitFor(Client& client, const Wait& w) {
  auto interval = std::chrono::milliseconds(200);
  std::string last_error, last_detail;
  auto give_up = [&](Code code, std::string message) -> Status {
    if (w.delete_on_give_up) {
      Status s = client.Delete(*w.resource, w.ns, w.name);
      if (s.ok() || s.code() == Code::kNotFound) {
        message += "; hort deleted it (it created it and it never became usable)";
      } else {
        message += "; deleting it failed too: " + s.message();
      }
    }
    return Status(code, message);
  };
  for (;;) {
    if (w.stop && w.stop->load()) return give_up(Code::kCancelled, "stopped while waiting for " + w.what);
    auto got = client.Get(*w.resource, w.ns, w.name);
    if (got.ok()) {
      const std::string error = StatusError(*got);
      if (!error.empty() && error != last_error && w.log) w.log(w.what + ": status.error: " + error);
      last_error = error;
      if (w.detail) last_detail = w.detail(*got);
      HORT_ASSIGN_OR_RETURN(Progress p, w.check(*got));
      if (p == Progress::kDone) return std::move(got).value();
    } else if (got.status().code() == Code::kNotFound) {
      return Status(Code::kNotFound, w.what + " was deleted while hort waited for it to be " + w.goal);
    } else if (got.status().code() != Code::kUnavailable) {
      return got.status().Annotate(w.what);
    }  // unavailable: the client retried already; the deadline decides
    const auto now = Clock::now();
    if (now >= w.deadline) {
      std::string message = w.what + " is not " + w.goal + " after " + std::to_string(w.timeout_seconds) + " s";
      if (!last_error.empty()) message += " (status.error: " + last_error + ")";
      else if (!last_detail.empty()) message += " (" + last_detail + ")";
      return give_up(Code::kUnavailable, message);
    }
    if (!SleepUnlessStopped(std::min(now + interval, w.deadline), w.stop)) continue;  // the loop's top reports it
    interval = std::min<std::chrono::milliseconds>(interval * 3 / 2, std::chrono::seconds(2));
  }
}

}  // namespace hort::kube
