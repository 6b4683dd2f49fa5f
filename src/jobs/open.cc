#include <cstdlib>

#include "jobs/jobs.h"
#include "repository/open.h"
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
    case PasswordSource::Kind::kFile:
    case PasswordSource::Kind::kCommand: {
      const bool file = spec.password.kind == PasswordSource::Kind::kFile;
      auto pw = PasswordFromFileOrCommand(file ? spec.password.value : "", file ? "" : spec.password.value);
      if (!pw.ok()) return pw.status().Annotate(what);
      return pw;
    }
    case PasswordSource::Kind::kEnv: {
      const char* v = std::getenv(spec.password.value.c_str());
      if (!v || !*v) return Status(Code::kInvalidArgument, "environment variable " + spec.password.value + " (" + what + ") is not set");
      return std::string(v);
    }
  }
  return Status(Code::kInternal, "unknown password source");
}

}  // namespace

Result<OpenedRepo> OpenCatalogRepository(const Catalog& catalog, const RepositorySpec& spec, OpenLock lock,
                                                RequestCounters* counters, bool use_cache) {
  OpenRequest req;
  req.location = spec.url;
  req.backend.extended = spec.options;
  req.backend.cacert = spec.cacert;
  req.backend.insecure_tls = spec.insecure_tls;
  req.backend.credentials = spec.credentials;
  if (use_cache) req.backend.cache_dir = catalog.cache_dir.empty() ? DefaultCacheDir() : catalog.cache_dir;
  if (counters) req.backend.metrics = counters->For(spec.name);
  req.password = [&spec] { return Password(spec); };
  req.missing_message = "repository " + spec.name + " does not exist at " + LocationWithoutPassword(spec.url) + " (run `hort init` for it first)";
  req.context = "repository " + spec.name;
  req.lock = lock;
  req.lock_wait = std::chrono::seconds(catalog.serve.lock_wait_seconds);
  return OpenRepositoryFor(req);
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
