#include <cstdlib>

#include "jobs/jobs.h"
#include "util/secret.h"

namespace hort {

BackendMetrics* RequestCounters::For(const std::string& repository) {
  std::lock_guard<std::mutex> g(mu_);
  auto& slot = by_repo_[repository];
  if (!slot) slot = std::make_unique<BackendMetrics>();
  return slot.get();
}

void RequestCounters::ForEach(const std::function<void(const std::string&, const BackendMetrics&)>& fn) {
  std::lock_guard<std::mutex> g(mu_);
  for (const auto& [name, m] : by_repo_) fn(name, *m);
}

namespace {

Result<std::string> Password(const RepositorySpec& spec) {
  const std::string what = "password for repository " + spec.name;
  switch (spec.password.kind) {
    case PasswordSource::Kind::kFile: return ReadSecretFile(spec.password.value, "password file");
    case PasswordSource::Kind::kCommand: return RunSecretCommand(spec.password.value, "password command");
    case PasswordSource::Kind::kEnv: {
      const char* v = std::getenv(spec.password.value.c_str());
      if (!v || !*v) return Status(Code::kInvalidArgument, "environment variable " + spec.password.value + " (" + what + ") is not set");
      return std::string(v);
    }
  }
  return Status(Code::kInternal, "unknown password source");
}

std::string CacheDir(const Catalog& catalog) {
  if (!catalog.cache_dir.empty()) return catalog.cache_dir;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/hort";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/hort";
  return "";
}

}  // namespace

Result<CatalogRepository> OpenCatalogRepository(const Catalog& catalog, const RepositorySpec& spec, JobLock lock,
                                                RequestCounters* counters, bool use_cache) {
  BackendOptions opts;
  opts.extended = spec.options;
  opts.cacert = spec.cacert;
  opts.insecure_tls = spec.insecure_tls;
  if (use_cache) opts.cache_dir = CacheDir(catalog);
  if (counters) opts.metrics = counters->For(spec.name);
  auto annotate = [&](const Status& s) { return s.Annotate("repository " + spec.name); };
  auto backend = OpenBackend(spec.url, opts);
  if (!backend.ok()) return annotate(backend.status());
  auto cfg = (*backend)->Stat({FileType::kConfig, ""});
  if (!cfg.ok() && cfg.status().code() == Code::kNotFound) {
    return Status(Code::kNoRepository, "repository " + spec.name + " does not exist at " + spec.url +
                                           " (run `hort init` for it first)");
  }
  auto password = Password(spec);
  if (!password.ok()) return annotate(password.status());
  CatalogRepository out;
  auto repo = Repository::Open(std::move(*backend), *password);
  if (!repo.ok()) return annotate(repo.status());
  out.repo = std::move(*repo);
  if (lock != JobLock::kNone) {
    auto l = AcquireLock(*out.repo, lock == JobLock::kExclusive, std::chrono::seconds(catalog.serve.lock_wait_seconds));
    if (!l.ok()) return annotate(l.status());
    out.lock = std::move(*l);
  }
  return out;
}

Result<RepoStats> CollectRepoStats(Repository& repo, const std::string& name) {
  RepoStats s;
  s.repository = name;
  s.updated = std::time(nullptr);
  for (FileType t : {FileType::kPack, FileType::kIndex, FileType::kSnapshot, FileType::kKey}) {
    HORT_RETURN_IF_ERROR(repo.backend().List(t, [&](const std::string&, uint64_t size) {
      s.size_bytes += size;
      if (t == FileType::kSnapshot) ++s.snapshots;
    }));
  }
  std::vector<std::string> locks;
  HORT_RETURN_IF_ERROR(repo.backend().List(FileType::kLock, [&](const std::string& n, uint64_t) { locks.push_back(n); }));
  double now = static_cast<double>(std::time(nullptr));
  for (const auto& n : locks) {
    auto raw = repo.LoadUnpacked(FileType::kLock, n);
    if (!raw.ok()) continue;  // removed meanwhile
    auto lock = DecodeLock(*raw);
    if (!lock.ok()) continue;
    ++s.locks;
    double age = now - static_cast<double>(lock->time.sec);
    s.oldest_lock_age_seconds = std::max(s.oldest_lock_age_seconds, age);
  }
  return s;
}

}  // namespace hort
