#include "repository/open.h"

#include <cstdlib>

namespace hort {

Result<OpenedRepo> OpenRepositoryFor(const OpenRequest& req) {
  auto in_context = [&](const Status& s) { return req.context.empty() ? s : s.Annotate(req.context); };
  auto backend = OpenBackend(req.location, req.backend);
  if (!backend.ok()) return in_context(backend.status());
  // Fail early (exit 10) before asking for a password.
  auto cfg = (*backend)->Stat({FileType::kConfig, ""});
  if (!cfg.ok() && cfg.status().code() == Code::kNotFound) return Status(Code::kNoRepository, req.missing_message);
  auto password = req.password();
  if (!password.ok()) return in_context(password.status());
  OpenedRepo out;
  auto repo = Repository::Open(std::move(*backend), *password, req.warm_up, req.key_hint);
  if (!repo.ok()) return in_context(repo.status());
  out.repo = std::move(*repo);
  if (req.pack_size > 0) out.repo->set_pack_size(req.pack_size);
  if (req.lock != OpenLock::kNone) {
    auto lock = AcquireLock(*out.repo, req.lock == OpenLock::kExclusive, req.lock_wait, req.lock_settle);
    if (!lock.ok()) return in_context(lock.status());
    out.lock = std::move(*lock);
  }
  if (req.load_index) {
    Status s = out.repo->LoadIndex();
    if (!s.ok()) return in_context(s);
  }
  return out;
}

std::string DefaultCacheDir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/hort";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/hort";
  return "";
}

}  // namespace hort
