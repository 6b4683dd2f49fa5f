// tests: id → type, scope, every, responsible, auto, timeout, validate.
#include "catalog/test_plan_load.h"

#include <set>

#include "catalog/names.h"
#include "kube/quantity.h"

namespace hort {
namespace {

class TestPlanLoader {
 public:
  TestPlanLoader(YamlFields& f, Catalog& c) : f_(f), c_(c) {}

  void Alertmanager(const YAML::Node& n) {
    if (!n || !f_.Mapping(n, "alertmanager", {"url"})) return;
    auto url = f_.String(n, "alertmanager", "url", true).value_or("");
    if (!url.empty() && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      f_.Error(n["url"], "alertmanager.url", "expected an http:// or https:// URL, got \"" + url + "\"");
    }
    while (!url.empty() && url.back() == '/') url.pop_back();
    c_.alertmanager_url = url;
  }

  void Test(const std::string& id, const YAML::Node& n) {
    std::string key = "tests." + id;
    if (!f_.Mapping(n, key, {"type", "scope", "repositories", "every", "responsible", "auto", "timeout", "validate", "scratch_pvc"})) {
      return;
    }
    RestoreTestSpec t;
    t.id = id;
    t.line = n.Mark().line + 1;
    if (std::string bad = NameProblem(id); !bad.empty()) f_.Error(n, key, "a test id " + bad);
    auto type = f_.String(n, key, "type", true).value_or("files");
    if (type == "files") t.type = RestoreTestSpec::Type::kFiles;
    else if (type == "resources") t.type = RestoreTestSpec::Type::kResources;
    else if (type == "volume") t.type = RestoreTestSpec::Type::kVolume;
    else if (type == "dr") t.type = RestoreTestSpec::Type::kDr;
    else f_.Error(n["type"], key + ".type", "expected files, resources, volume or dr, got \"" + type + "\"");
    t.scope = f_.Strings(n, key, "scope");
    ResolveScope(t, n, key);
    for (const auto& r : f_.Strings(n, key, "repositories")) {
      if (!c_.repositories.count(r)) f_.Error(n["repositories"], key + ".repositories", "no repository named \"" + r + "\"");
      t.repositories.push_back(r);
    }
    if (!t.repositories.empty() && t.type != RestoreTestSpec::Type::kDr) {
      f_.Error(n["repositories"], key + ".repositories", "only dr tests name repositories; other tests use their scope's");
    }
    t.every = f_.String(n, key, "every", true).value_or("");
    t.every_seconds = f_.Duration(n, key, "every", false).value_or(0);
    if (!t.every.empty() && t.every_seconds <= 0) f_.Error(n["every"], key + ".every", "must be longer than zero");
    t.responsible = f_.String(n, key, "responsible").value_or("");
    t.auto_run = f_.Bool(n, key, "auto").value_or(false);
    t.timeout_seconds = f_.Duration(n, key, "timeout").value_or(t.timeout_seconds);
    if (YAML::Node v = n["validate"]) Validate(t, v, key + ".validate");
    if (YAML::Node v = n["scratch_pvc"]) ScratchPvc(t, v, key + ".scratch_pvc");
    c_.tests.push_back(std::move(t));
  }

 private:
  void ResolveScope(RestoreTestSpec& t, const YAML::Node& n, const std::string& key) {
    if (t.scope.empty() && t.type != RestoreTestSpec::Type::kDr) {
      f_.Error(n, key + ".scope", "is required: the services or namespaces the test restores");
    }
    std::set<const Service*> seen;
    for (const std::string& item : t.scope) {
      bool matched = false;
      for (const Service& s : c_.services) {
        if (s.name != item && s.ns != item) continue;
        matched = true;
        if (seen.insert(&s).second) t.services.push_back(&s);
      }
      if (!matched) f_.Error(n["scope"], key + ".scope", "no service or namespace named \"" + item + "\"");
    }
    if (t.type == RestoreTestSpec::Type::kFiles) {
      for (const Service* s : t.services) {
        if (s->files.empty()) {
          f_.Error(n["scope"], key + ".scope", "service \"" + s->name + "\" has no files entries to restore");
        }
      }
    }
  }

  void ScratchPvc(RestoreTestSpec& t, const YAML::Node& v, const std::string& key) {
    if (!f_.Mapping(v, key, {"size", "storage_class"})) return;
    if (t.type != RestoreTestSpec::Type::kFiles) f_.Error(v, key, "only files tests restore into a scratch claim");
    t.scratch_pvc.enabled = true;
    t.scratch_pvc.size = f_.String(v, key, "size", true).value_or("");
    t.scratch_pvc.storage_class = f_.String(v, key, "storage_class").value_or("");
    const std::string& size = t.scratch_pvc.size;
    // As kube-apiserver reads it, so no test run creates a claim it refuses.
    if (!size.empty() && !kube::StorageSizeProblem(size).empty()) {
      f_.Error(v["size"], key + ".size", "expected a Kubernetes quantity such as 10Gi, greater than zero, got \"" + size + "\"");
    }
  }

  void Validate(RestoreTestSpec& t, const YAML::Node& v, const std::string& key) {
    if (!f_.Mapping(v, key, {"expect", "min_files", "min_bytes", "commands", "ready_timeout"})) return;
    ValidateSpec& spec = t.validate;
    for (const auto& p : f_.Strings(v, key, "expect")) {
      if (p.empty() || p[0] == '/' || p.find("..") != std::string::npos) {
        f_.Error(v["expect"], key + ".expect", "paths are relative to the scratch target (<service>/<snapshot path>), got \"" + p + "\"");
      }
      spec.expect.push_back(p);
    }
    spec.min_files = static_cast<uint64_t>(f_.Integer(v, key, "min_files", 0, INT64_MAX).value_or(0));
    if (t.type == RestoreTestSpec::Type::kVolume) {  // block images: nothing to find by path or count as files
      for (const char* k : {"expect", "min_files"}) {
        if (v[k]) {
          f_.Error(v[k], key + "." + k, "does not apply to a volume test: check inside the image with a command on "
                                        "$HORT_TEST_IMAGE");
        }
      }
    }
    spec.min_bytes = static_cast<uint64_t>(f_.Integer(v, key, "min_bytes", 0, INT64_MAX).value_or(0));
    spec.ready_timeout_seconds = f_.Duration(v, key, "ready_timeout").value_or(spec.ready_timeout_seconds);
    YAML::Node cmds = v["commands"];
    if (!cmds) return;
    if (!cmds.IsSequence()) {
      f_.Error(cmds, key + ".commands", "expected a list of commands");
      return;
    }
    for (size_t i = 0; i < cmds.size(); ++i) {
      std::string ck = key + ".commands[" + std::to_string(i) + "]";
      SmokeCommand sc;
      if (cmds[i].IsScalar()) {
        sc.run = cmds[i].Scalar();
      } else if (f_.Mapping(cmds[i], ck, {"run", "timeout", "output_contains"})) {
        sc.run = f_.String(cmds[i], ck, "run", true).value_or("");
        sc.timeout_seconds = f_.Duration(cmds[i], ck, "timeout").value_or(sc.timeout_seconds);
        sc.output_contains = f_.String(cmds[i], ck, "output_contains").value_or("");
      } else {
        continue;
      }
      if (sc.run.empty()) f_.Error(cmds[i], ck, "the command is empty");
      spec.commands.push_back(std::move(sc));
    }
  }

  YamlFields& f_;
  Catalog& c_;
};

}  // namespace

void LoadTestPlan(YamlFields& f, const YAML::Node& root, Catalog& catalog) {
  TestPlanLoader loader(f, catalog);
  loader.Alertmanager(root["alertmanager"]);
  for (auto& [id, node] : f.Entries(root["tests"], "tests")) loader.Test(id, node);
}

}  // namespace hort
