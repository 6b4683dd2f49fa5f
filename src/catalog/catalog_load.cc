// hort.yaml → Catalog, validating every key (docs/config.md).
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>

#include "catalog/catalog.h"
#include "catalog/derived_jobs.h"
#include "catalog/entry_fields.h"
#include "catalog/test_plan_load.h"
#include "catalog/files_series.h"
#include "catalog/names.h"
#include "catalog/repository_locations.h"
#include "catalog/volumes_load.h"
#include "catalog/yaml_fields.h"
#include "kube/object_names.h"
#include "net/listen_address.h"
#include "layers/layer.h"
#include "schedule/duration.h"
#include "util/subset_spec.h"

namespace hort {
namespace {

namespace fs = std::filesystem;

// Constructed before EntryFields, which refers to them (base-from-member).
struct LoaderOwned {
  YamlFields fields;
  std::unique_ptr<Catalog> catalog = std::make_unique<Catalog>();
};

class Loader : private LoaderOwned, public EntryFields {
 public:
  Loader(const std::string& path, const fs::path& dir)
      : LoaderOwned{YamlFields(path)}, EntryFields(LoaderOwned::fields, dir, *catalog), path_(path) {}

  Result<std::unique_ptr<Catalog>> Load(CatalogErrors* errors) {
    c_->path = path_;
    YAML::Node root;
    // yaml-cpp opens a directory as a stream, whose first read throws
    // std::ios_base::failure (not a YAML::Exception): it is refused first.
    std::error_code ec;
    if (fs::is_directory(path_, ec)) {
      return Status(Code::kNotFound, path_ + ": cannot read the catalog file: it is a directory");
    }
    try {
      root = YAML::LoadFile(path_);
    } catch (const YAML::BadFile&) {  // yaml-cpp keeps no reason: open(2)'s, asked again
      return ErrnoStatus(path_ + ": cannot read the catalog file", std::ifstream(path_) ? EIO : errno);
    } catch (const std::ios_base::failure& e) {
      return Status(Code::kNotFound, path_ + ": cannot read the catalog file: " + e.code().message());
    } catch (const YAML::Exception& e) {
      f_.Error(e.mark, "", e.msg);
      return Finish(errors);
    }
    if (!root || root.IsNull()) {
      f_.Error(YAML::Mark::null_mark(), "", "the catalog is empty");
      return Finish(errors);
    }
    if (!f_.Mapping(root, "", {"version", "timezone", "state", "work_dir", "cache_dir", "serve", "defaults",
                               "repositories", "services", "offsite", "tests", "alertmanager", "kubernetes",
                               "velero", "volume_stores"})) {
      return Finish(errors);
    }
    if (auto v = f_.Integer(root, "", "version", 1, 1000); v && *v != 1) {
      f_.Error(root["version"], "version", "unsupported catalog version " + std::to_string(*v) + " (this hort reads 1)");
    }
    Top(root);
    SetDefaults(root["defaults"]);
    if (defaults_) f_.Mapping(defaults_, "defaults", {"schedule", "repository", "keep", "verify", "hooks"});
    for (auto& [name, node] : f_.Entries(root["repositories"], "repositories")) Repository(name, node);
    OneNamePerRepositoryLocation(f_, root["repositories"], *c_);
    LoadVolumeStores(*this, root["volume_stores"], *c_);
    if (c_->repositories.empty() && c_->volume_stores.empty()) {
      f_.Error(root, "repositories", "at least one repository (or volume store) is required");
    }
    for (auto& [name, node] : f_.Entries(root["services"], "services")) ServiceAt(name, node);
    OneSeriesPerResourcesEntry(root["services"]);
    OneWriterPerVolume(f_, root["services"], *c_);
    OneWriterPerFilesSeries(f_, root["services"], *c_);
    WorkDirOutsideFilesSources(f_, root, *c_);
    for (auto& [name, node] : f_.Entries(root["offsite"], "offsite")) Offsite(name, node);
    Velero(root["velero"]);
    LoadTestPlan(f_, root, *c_);
    if (f_.errors().empty()) {
      DeriveJobs(*c_);
      WarnUnreachableRpo(*c_);
    }
    return Finish(errors);
  }

 private:
  Result<std::unique_ptr<Catalog>> Finish(CatalogErrors* errors) {
    if (f_.errors().empty()) return std::move(catalog);
    if (errors) errors->lines = f_.errors();
    std::string msg = f_.errors().front();
    if (f_.errors().size() > 1) msg += " (and " + std::to_string(f_.errors().size() - 1) + " more errors)";
    return Status(Code::kInvalidArgument, msg);
  }

  void Top(const YAML::Node& root) {
    if (auto tz = f_.String(root, "", "timezone")) {
      struct stat st;
      std::string file = "/usr/share/zoneinfo/" + *tz;
      if (tz->find("..") != std::string::npos || ::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        f_.Error(root["timezone"], "timezone", "unknown time zone \"" + *tz + "\" (use e.g. Europe/Berlin or UTC)");
      } else {
        c_->timezone = *tz;
      }
    }
    c_->state_path = Absolute(f_.String(root, "", "state").value_or("hort-state.sqlite"));
    c_->work_dir = Absolute(f_.String(root, "", "work_dir").value_or("hort-work"));
    c_->cache_dir = Absolute(f_.String(root, "", "cache_dir").value_or(""));
    YAML::Node kube = root["kubernetes"];
    if (kube && f_.Mapping(kube, "kubernetes", {"kubeconfig", "context", "qps", "burst"})) {
      c_->kubernetes.kubeconfig = Absolute(f_.String(kube, "kubernetes", "kubeconfig").value_or(""));
      c_->kubernetes.context = f_.String(kube, "kubernetes", "context").value_or("");
      c_->kubernetes.qps = static_cast<double>(f_.Integer(kube, "kubernetes", "qps", 1, 1000).value_or(0));
      c_->kubernetes.burst = static_cast<int>(f_.Integer(kube, "kubernetes", "burst", 1, 1000).value_or(0));
    }
    YAML::Node serve = root["serve"];
    if (serve && f_.Mapping(serve, "serve", {"listen", "max_jobs", "retry", "lock_wait", "auth"})) {
      ServeSpec& s = c_->serve;
      if (auto l = f_.String(serve, "serve", "listen")) {
        if (auto parsed = ParseListenAddress(*l); !parsed.ok()) f_.Error(serve["listen"], "serve.listen", parsed.status().message());
        s.listen = *l;
      }
      s.max_jobs = static_cast<int>(f_.Integer(serve, "serve", "max_jobs", 1, 64).value_or(s.max_jobs));
      s.lock_wait_seconds = f_.Duration(serve, "serve", "lock_wait").value_or(s.lock_wait_seconds);
      YAML::Node retry = serve["retry"];
      if (retry && f_.Mapping(retry, "serve.retry", {"attempts", "backoff"})) {
        s.retry_attempts = static_cast<int>(f_.Integer(retry, "serve.retry", "attempts", 0, 100).value_or(s.retry_attempts));
        s.retry_backoff_seconds = f_.Duration(retry, "serve.retry", "backoff").value_or(s.retry_backoff_seconds);
      }
      ServeAuth(serve["auth"]);
    }
  }

  void ServeAuth(const YAML::Node& n) {
    if (!n || !f_.Mapping(n, "serve.auth", {"token_file", "token_env", "htpasswd", "open_read"})) return;
    ServeAuthSpec& a = c_->serve.auth;
    a.token_file = Absolute(f_.String(n, "serve.auth", "token_file").value_or(""));
    a.token_env = VariableNameAt(n, "serve.auth", "token_env").value_or("");
    a.htpasswd = Absolute(f_.String(n, "serve.auth", "htpasswd").value_or(""));
    a.open_read = f_.Bool(n, "serve.auth", "open_read").value_or(false);
    if (!a.Configured() && !n["token_env"]) f_.Error(n, "serve.auth", "names no credentials: set token_file, token_env or htpasswd");
  }

  void Repository(const std::string& name, const YAML::Node& n) {
    std::string key = "repositories." + name;
    if (!f_.Mapping(n, key, {"url", "password_file", "password_command", "password_env", "options", "cacert",
                             "insecure_tls", "check", "credentials"})) {
      return;
    }
    RepositorySpec r;
    r.name = name;
    r.line = n.Mark().line + 1;
    r.url = f_.String(n, key, "url", true).value_or("");
    if (!r.url.empty() && IsLocalUrl(r.url)) {
      std::string p = r.url.rfind("local:", 0) == 0 ? r.url.substr(6) : r.url;
      r.url = Absolute(p);
    }
    int sources = 0;
    if (auto v = f_.String(n, key, "password_file")) {
      r.password = {PasswordSource::Kind::kFile, Absolute(*v)}, ++sources;
      // A warning, not an error: the catalog is often checked away from the
      // pod that mounts its secrets (kube manifests).
      std::error_code ec;
      if (!fs::is_regular_file(r.password.value, ec)) {
        c_->warnings.push_back(key + ".password_file: " + r.password.value +
                               " is not a file here; every job that opens repository " + name + " will fail");
      }
    }
    if (auto v = f_.String(n, key, "password_command")) r.password = {PasswordSource::Kind::kCommand, *v}, ++sources;
    if (n["password_env"]) r.password = {PasswordSource::Kind::kEnv, VariableNameAt(n, key, "password_env").value_or("")}, ++sources;
    if (sources != 1) {
      f_.Error(n, key, sources == 0 ? "needs one password source: password_file, password_command or password_env"
                                    : "give only one of password_file, password_command and password_env");
    }
    r.options = Options(n, key);
    if (YAML::Node cr = n["credentials"]) r.credentials = Credentials(cr, key + ".credentials");
    r.cacert = Absolute(f_.String(n, key, "cacert").value_or(""));
    r.insecure_tls = f_.Bool(n, key, "insecure_tls").value_or(false);
    if (YAML::Node ch = n["check"]; ch && f_.Mapping(ch, key + ".check", {"schedule", "read_data_subset"})) {
      if (auto s = ScheduleAt(ch, key + ".check", "hort/" + name + "@check", true)) {
        r.check = CheckSpec{*s, f_.String(ch, key + ".check", "read_data_subset").value_or("")};
        if (auto subset = ParseSubsetSpec(r.check->read_data_subset, 256, /*sizes=*/true); !subset.ok()) {
          f_.Error(ch["read_data_subset"], key + ".check.read_data_subset", subset.status().message());
        }
      }
    }
    c_->repositories.emplace(name, std::move(r));
  }

  void ServiceAt(const std::string& name, const YAML::Node& n) {
    std::string key = "services." + name;
    std::vector<const char*> keys = {"namespace", "classification", "storage", "rpo", "rto", "owner"};
    for (const layers::Layer* l : layers::All()) keys.push_back(l->name.data());  // one key per layer: literals
    if (!f_.Mapping(n, key, keys)) return;
    Service s;
    s.name = name;
    s.line = n.Mark().line + 1;
    s.ns = f_.String(n, key, "namespace").value_or(name);
    if (auto c = ClassificationAt(n, key, true)) s.classification = *c;
    s.storage = f_.String(n, key, "storage").value_or("");
    s.owner = f_.String(n, key, "owner").value_or("");
    s.rpo_seconds = f_.Duration(n, key, "rpo", true).value_or(0);
    s.rto_seconds = f_.Duration(n, key, "rto").value_or(0);
    if (YAML::Node files = n["files"]) {
      if (!files.IsSequence()) {
        f_.Error(files, key + ".files", "expected a list of entries");
      } else {
        std::set<std::string> names;
        for (size_t i = 0; i < files.size(); ++i) {
          auto e = Entry(s, files[i], key + ".files[" + std::to_string(i) + "]");
          if (!e) continue;
          if (!names.insert(e->name).second) {
            f_.Error(files[i], key + ".files[" + std::to_string(i) + "]", "duplicate entry name \"" + e->name + "\"");
          }
          s.files.push_back(std::move(*e));
        }
      }
    }
    if (YAML::Node res = n["resources"]) {
      if (!res.IsSequence()) {
        f_.Error(res, key + ".resources", "expected a list of entries");
      } else {
        std::set<std::string> names;
        for (size_t i = 0; i < res.size(); ++i) {
          std::string k = key + ".resources[" + std::to_string(i) + "]";
          auto e = ResourcesAt(s, res[i], k);
          if (!e) continue;
          if (!names.insert(e->name).second) f_.Error(res[i], k, "duplicate entry name \"" + e->name + "\"");
          s.resources.push_back(std::move(*e));
        }
      }
    }
    s.volumes = LoadVolumesEntries(*this, s, n["volumes"], key + ".volumes", *c_);
    c_->services.push_back(std::move(s));
  }

  std::optional<FilesEntry> Entry(const Service& s, const YAML::Node& n, const std::string& key) {
    if (!f_.Mapping(n, key, EntryKeys(*layers::Find("files")))) return std::nullopt;
    FilesEntry e;
    e.line = n.Mark().line + 1;
    int kinds = (n["path"] ? 1 : 0) + (n["pvc"] ? 1 : 0) + (n["dump"] ? 1 : 0) + (n["k8up_annotations"] ? 1 : 0);
    if (kinds != 1) {
      f_.Error(n, key, "needs exactly one of path, pvc, dump and k8up_annotations");
      return std::nullopt;
    }
    if (n["path"]) {
      e.kind = FilesEntry::Kind::kPath;
      for (const auto& p : f_.Strings(n, key, "path")) {
        if (p.empty() || p[0] != '/') f_.Error(n["path"], key + ".path", "paths must be absolute, got \"" + p + "\"");
        e.paths.push_back(p);
      }
      e.name = e.paths.empty() ? "files" : fs::path(e.SnapshotPaths(s.ns)[0]).filename().string();
    } else if (n["pvc"]) {
      e.kind = FilesEntry::Kind::kPvc;
      e.pvc = f_.String(n, key, "pvc").value_or("");
      if (e.pvc.empty() || e.pvc.find('/') != std::string::npos) f_.Error(n["pvc"], key + ".pvc", "expected a PVC name");
      if (n["source"]) e.source = Absolute(f_.String(n, key, "source").value_or(""));
      e.name = e.pvc;
    } else if (n["dump"]) {
      e.kind = FilesEntry::Kind::kDump;
      YAML::Node d = n["dump"];
      std::string dk = key + ".dump";
      if (!f_.Mapping(d, dk, {"command", "container", "extension", "pod"})) return std::nullopt;
      e.command = f_.Strings(d, dk, "command");
      if (e.command.size() == 1) e.command = {"/bin/sh", "-c", e.command[0]};
      if (e.command.empty()) f_.Error(d, dk + ".command", "is required");
      e.container = f_.String(d, dk, "container", true).value_or("");
      e.extension = f_.String(d, dk, "extension").value_or("");
      e.pod = f_.String(d, dk, "pod").value_or("");
      if (d["pod"] && e.pod.empty()) f_.Error(d["pod"], dk + ".pod", "expected a pod name or a label selector");
      e.name = e.container;
    } else {
      e.kind = FilesEntry::Kind::kK8upAnnotations;
      if (f_.Bool(n, key, "k8up_annotations") != std::optional<bool>(true)) {
        f_.Error(n["k8up_annotations"], key + ".k8up_annotations", "only `true` is meaningful here");
      }
      e.name = "k8up-annotations";
    }
    if (n["source"] && e.kind != FilesEntry::Kind::kPvc) f_.Error(n["source"], key + ".source", "only pvc entries take a source");
    if (n["exclude"] && e.kind != FilesEntry::Kind::kPath && e.kind != FilesEntry::Kind::kPvc) {
      f_.Error(n["exclude"], key + ".exclude", "only path and pvc entries take excludes");
    }
    e.name = FilesEntryName(f_, n, key, e.name);
    e.exclude = f_.Strings(n, key, "exclude");
    YAML::Node sh = Inherit(n, "schedule");
    if (auto sc = ScheduleAt(sh, KeyPath(sh, key), s.ns + "/" + s.name + "@backup", true)) e.schedule = *sc;
    e.repository = RepositoryRef(n, key);
    e.keep = Keep(n, key);
    e.hooks = HooksAt(n, key);
    e.verify = Verify(n, key);
    return e;
  }

  // Two resources entries of services in one namespace with one name write
  // one snapshot series (host = namespace, /resources/<name>.tar) in one
  // repository: each one's retention would forget the other's backups.
  void OneSeriesPerResourcesEntry(const YAML::Node& services) {
    std::map<std::string, std::string> owner;  // "repo\0ns\0name" → service
    for (const Service& s : c_->services) {
      for (const ResourcesEntry& e : s.resources) {
        std::string key = e.repository + '\0' + s.ns + '\0' + e.name;
        auto [it, fresh] = owner.emplace(key, s.name);
        if (fresh || it->second == s.name) continue;
        f_.Error(services[s.name]["resources"], "services." + s.name + ".resources",
                 "entry \"" + e.name + "\" would share the snapshot series /resources/" + e.name + ".tar of namespace " +
                     s.ns + " with service " + it->second + "; give one of them another name");
      }
    }
  }

  std::optional<ResourcesEntry> ResourcesAt(const Service& s, const YAML::Node& n, const std::string& key) {
    if (!f_.Mapping(n, key, EntryKeys(*layers::Find("resources")))) return std::nullopt;
    ResourcesEntry e;
    e.line = n.Mark().line + 1;
    e.name = f_.String(n, key, "name").value_or("resources");
    if (e.name.empty() || e.name.find('/') != std::string::npos || e.name == "." || e.name == "..") {
      f_.Error(n["name"], key + ".name", "an entry name becomes the file /resources/<name>.tar: no '/' and not empty");
    } else if (std::string bad = kube::TimestampedNameProblem(e.name); !bad.empty()) {
      f_.Error(n["name"], key + ".name", "an entry name starts its Velero backups' names (<name>-<YYYYMMDDHHMMSS>): " + bad);
    }
    e.cluster_wide = f_.Bool(n, key, "cluster_wide").value_or(false);
    if (e.cluster_wide) {
      if (n["namespaces"] || n["cluster"]) {
        f_.Error(n, key, "a cluster_wide entry takes every cluster-scoped object: no namespaces or cluster list");
      }
    } else {
      e.namespaces = n["namespaces"] ? f_.Strings(n, key, "namespaces") : std::vector<std::string>{s.ns};
      if (e.namespaces.empty()) f_.Error(n["namespaces"], key + ".namespaces", "name at least one namespace");
    }
    e.include = f_.Strings(n, key, "include");
    e.exclude = f_.Strings(n, key, "exclude");
    e.require = f_.Strings(n, key, "require");
    e.selector = f_.String(n, key, "selector").value_or("");
    if (YAML::Node c = n["cluster"]) {
      if (!c.IsSequence()) {
        f_.Error(c, key + ".cluster", "expected a list of {resource, names | selector}");
      } else {
        for (size_t i = 0; i < c.size(); ++i) {
          std::string ck = key + ".cluster[" + std::to_string(i) + "]";
          if (!f_.Mapping(c[i], ck, {"resource", "names", "selector"})) continue;
          ResourcesEntry::ClusterObjects o;
          o.resource = f_.String(c[i], ck, "resource", true).value_or("");
          o.names = f_.Strings(c[i], ck, "names");
          o.selector = f_.String(c[i], ck, "selector").value_or("");
          if (o.names.empty() && o.selector.empty()) f_.Error(c[i], ck, "needs names or a selector");
          e.cluster.push_back(std::move(o));
        }
      }
    }
    YAML::Node sh = Inherit(n, "schedule");
    if (auto sc = ScheduleAt(sh, KeyPath(sh, key), s.ns + "/" + s.name + "@resources", true)) e.schedule = *sc;
    e.repository = RepositoryRef(n, key);
    e.keep = Keep(n, key);
    return e;
  }

  void Offsite(const std::string& name, const YAML::Node& n) {
    std::string key = "offsite." + name;
    if (!f_.Mapping(n, key, {"from", "to", "schedule", "rpo"})) return;
    OffsiteSpec o;
    o.name = name;
    o.line = n.Mark().line + 1;
    o.from = f_.String(n, key, "from", true).value_or("");
    o.to = f_.String(n, key, "to", true).value_or("");
    for (const auto& [k, v] : {std::pair<const char*, std::string>{"from", o.from}, {"to", o.to}}) {
      if (n[k] && v.empty()) f_.Error(n[k], key + "." + k, "must name a repository, got \"\"");
      else if (!v.empty() && !c_->repositories.count(v)) f_.Error(n[k], key + "." + k, "no repository named \"" + v + "\" in repositories");
    }
    if (std::string bad = OffsiteTargetProblem(*c_, o.from, o.to); !bad.empty()) f_.Error(n["to"], key + ".to", bad);
    if (auto sc = ScheduleAt(n, key, "hort/" + name + "@copy", true)) o.schedule = *sc;
    o.rpo_seconds = f_.Duration(n, key, "rpo").value_or(0);
    c_->offsite.push_back(std::move(o));
  }

  // `velero:` — the Velero locations hort validates and when.
  void Velero(const YAML::Node& n) {
    if (!n || !f_.Mapping(n, "velero", {"locations", "verify"})) return;
    for (auto& [name, node] : f_.Entries(n["locations"], "velero.locations")) {
      std::string key = "velero.locations." + name;
      if (!f_.Mapping(node, key, {"url", "credentials", "options", "cacert", "insecure_tls", "rpo", "classification"})) {
        continue;
      }
      VeleroLocationSpec l;
      l.name = name;
      l.line = node.Mark().line + 1;
      l.url = f_.String(node, key, "url", true).value_or("");
      if (!l.url.empty() && IsLocalUrl(l.url)) l.url = Absolute(l.url.rfind("local:", 0) == 0 ? l.url.substr(6) : l.url);
      if (YAML::Node cr = node["credentials"]) l.credentials = Credentials(cr, key + ".credentials");
      l.options = Options(node, key);
      l.cacert = Absolute(f_.String(node, key, "cacert").value_or(""));
      l.insecure_tls = f_.Bool(node, key, "insecure_tls").value_or(false);
      l.rpo_seconds = f_.Duration(node, key, "rpo").value_or(0);
      l.classification = ClassificationAt(node, key, false);
      c_->velero.locations.emplace(name, std::move(l));
    }
    YAML::Node v = n["verify"];
    if (!v || !f_.Mapping(v, "velero.verify", {"schedule", "level"})) return;
    if (c_->velero.locations.empty()) f_.Error(v, "velero.verify", "there are no velero.locations to verify");
    VeleroVerifySpec spec;
    if (auto sc = ScheduleAt(v, "velero.verify", "hort/velero@verify", true)) spec.schedule = *sc;
    spec.level = static_cast<int>(f_.Integer(v, "velero.verify", "level", 0, 5).value_or(spec.level));
    for (const auto& [name, l] : c_->velero.locations) {
      if (spec.level == 0 && l.rpo_seconds > 0) {
        f_.Error(v["level"], "velero.verify.level", "level 0 reads only the layout; location " + name +
                                                        "'s rpo needs level 1 or more");
      }
    }
    c_->velero.verify = spec;
  }

  std::string path_;
};

}  // namespace

Result<std::unique_ptr<Catalog>> LoadCatalog(const std::string& path, CatalogErrors* errors) {
  return LoadCatalogAt(path, fs::absolute(fs::path(path)).parent_path().lexically_normal().string(), errors);
}

Result<std::unique_ptr<Catalog>> LoadCatalogAt(const std::string& path, const std::string& dir, CatalogErrors* errors) {
  try {
    return Loader(path, fs::path(dir)).Load(errors);
  } catch (const YAML::Exception& e) {  // e.g. a scalar where a map was needed, deep inside
    return Status(Code::kInvalidArgument, path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace hort
