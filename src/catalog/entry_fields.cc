// Reading what several catalog sections share: paths, credentials,
// options, classifications, schedules, retention, and the keys an entry
// inherits from `defaults`.
#include "catalog/entry_fields.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "objstore/open_store.h"
#include "util/subset_spec.h"

namespace hort {

namespace fs = std::filesystem;

bool IsLocalUrl(const std::string& url) {
  return url.rfind("local:", 0) == 0 || url.find(':') == std::string::npos;
}

std::string EntryFields::Absolute(const std::string& p) const {
  if (p.empty()) return p;
  return fs::path(p).is_absolute() ? p : (dir_ / p).lexically_normal().string();
}

std::optional<Classification> EntryFields::ClassificationAt(const YAML::Node& n, const std::string& key, bool required) {
  auto c = f_.String(n, key, "classification", required);
  if (!c) return std::nullopt;
  if (*c == "critical") return Classification::kCritical;
  if (*c == "important") return Classification::kImportant;
  if (*c == "best-effort") return Classification::kBestEffort;
  f_.Error(n["classification"], key + ".classification", "expected critical, important or best-effort, got \"" + *c + "\"");
  return std::nullopt;
}

// `options:` like restic's -o key=value.
std::map<std::string, std::string> EntryFields::Options(const YAML::Node& n, const std::string& key) {
  std::map<std::string, std::string> out;
  YAML::Node o = n["options"];
  if (!o) return out;
  if (!o.IsMap()) {
    f_.Error(o, key + ".options", "expected a mapping like s3.region: eu-central-1");
    return out;
  }
  for (const auto& kv : o) {
    if (!kv.second.IsScalar()) {
      f_.Error(kv.second, key + ".options." + kv.first.Scalar(), "expected a string");
    } else if (!out.emplace(kv.first.Scalar(), kv.second.Scalar()).second) {
      f_.Error(kv.first, key + ".options." + kv.first.Scalar(), "duplicate key");
    } else if (Status st = CheckStoreOption(kv.first.Scalar(), kv.second.Scalar()); !st.ok()) {
      // As -o is checked: a key hort does not know, or a value it cannot
      // use, failed only when the job ran.
      f_.Error(kv.second, key + ".options." + kv.first.Scalar(), st.message());
    }
  }
  return out;
}

// `credentials:` names exactly one source. Variable names must be upper
// case (VariableNameAt), which refuses a secret key pasted where a name
// belongs (40 characters of mixed case): a name is shown in messages, a
// secret must never be.
std::optional<CredentialSource> EntryFields::Credentials(const YAML::Node& n, const std::string& key) {
  if (!f_.Mapping(n, key, {"env", "file", "profile", "command"})) return std::nullopt;
  CredentialSource c;
  int sources = 0;
  if (YAML::Node env = n["env"]) {
    ++sources;
    c.kind = CredentialSource::Kind::kEnvironment;
    std::string ekey = key + ".env";
    if (f_.Mapping(env, ekey, {"access_key_id", "secret_access_key", "session_token"})) {
      auto name = [&](const char* field, std::string& out) {
        if (auto v = VariableNameAt(env, ekey, field)) out = *v;
      };
      name("access_key_id", c.access_key_var);
      name("secret_access_key", c.secret_key_var);
      name("session_token", c.session_token_var);
    }
  }
  if (auto v = f_.String(n, key, "file")) c.kind = CredentialSource::Kind::kFile, c.file = EntryFields::Absolute(*v), ++sources;
  if (auto v = f_.String(n, key, "command")) c.kind = CredentialSource::Kind::kCommand, c.command = *v, ++sources;
  if (auto v = f_.String(n, key, "profile")) {
    if (c.kind != CredentialSource::Kind::kFile) f_.Error(n["profile"], key + ".profile", "only with file");
    c.profile = *v;
  }
  if (sources != 1) {
    f_.Error(n, key, sources == 0 ? "needs one source: env, file or command" : "give only one of env, file and command");
    return std::nullopt;
  }
  return c;
}

std::optional<std::string> EntryFields::VariableNameAt(const YAML::Node& n, const std::string& key, const char* field) {
  auto v = f_.String(n, key, field);
  if (!v || IsVariableName(*v)) return v;
  f_.Error(n[field], key + "." + field, "expected the upper-case name of an environment variable, not a value");
  return std::nullopt;
}

bool EntryFields::IsVariableName(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) { return (ch >= 'A' && ch <= 'Z') || std::isdigit(static_cast<unsigned char>(ch)) || ch == '_'; });
}

// Every layer's entries take a name, a schedule and a retention policy,
// plus the keys the layer declares (where they are written to among them).
std::vector<const char*> EntryFields::EntryKeys(const layers::Layer& layer) {
  std::vector<const char*> keys = {"name", "schedule", "keep"};
  for (std::string_view k : layer.entry_keys) keys.push_back(k.data());  // literals: NUL-terminated
  return keys;
}

std::optional<Schedule> EntryFields::ScheduleAt(const YAML::Node& n, const std::string& key, const std::string& seed,
                                   bool required) {
  auto text = f_.String(n, key, "schedule", required);
  if (!text) return std::nullopt;
  auto s = Schedule::Parse(*text, seed);
  if (!s.ok()) {
    f_.Error(n["schedule"], key + ".schedule", s.status().message());
    return std::nullopt;
  }
  return *s;
}

// A key from the entry, else from `defaults`.
YAML::Node EntryFields::Inherit(const YAML::Node& n, const char* key) {
  if (n[key]) return n;
  if (defaults_ && defaults_.IsMap() && defaults_[key]) return defaults_;
  return n;
}
std::string EntryFields::KeyPath(const YAML::Node& holder, const std::string& key) {
  return holder == defaults_ ? std::string("defaults") : key;
}

std::string EntryFields::RepositoryRef(const YAML::Node& n, const std::string& key) {
  YAML::Node holder = EntryFields::Inherit(n, "repository");
  auto repo = f_.String(holder, EntryFields::KeyPath(holder, key), "repository", true);
  if (repo && !c_->repositories.count(*repo)) {
    f_.Error(holder["repository"], EntryFields::KeyPath(holder, key) + ".repository", "no repository named \"" + *repo +
                                                                             "\" in repositories");
  }
  return repo.value_or("");
}

ExpirePolicy EntryFields::Keep(const YAML::Node& n, const std::string& key) {
  ExpirePolicy p;
  YAML::Node holder = EntryFields::Inherit(n, "keep");
  YAML::Node k = holder["keep"];
  std::string path = EntryFields::KeyPath(holder, key) + ".keep";
  if (!k || !f_.Mapping(k, path, {"last", "hourly", "daily", "weekly", "monthly", "yearly", "within", "tags"})) {
    return p;
  }
  const size_t errors_before = f_.errors().size();
  auto count = [&](const char* name) { return static_cast<int>(f_.Integer(k, path, name, -1, 1000000).value_or(0)); };
  p.last = count("last");
  p.hourly = count("hourly");
  p.daily = count("daily");
  p.weekly = count("weekly");
  p.monthly = count("monthly");
  p.yearly = count("yearly");
  if (auto w = f_.String(k, path, "within")) {
    auto d = ParseCalendarDuration(*w);
    if (!d.ok()) f_.Error(k["within"], path + ".within", d.status().message());
    else p.within = *d;
  }
  for (const auto& t : f_.Strings(k, path, "tags")) p.tags.push_back({t});
  // A rule that failed its own check is named already; "keeps nothing" is for a block that gives none.
  if (p.Empty() && f_.errors().size() == errors_before) {
    f_.Error(k, path, "keeps nothing: give at least one of last, hourly, daily, weekly, monthly, yearly, within");
  }
  return p;
}

Hooks EntryFields::HooksAt(const YAML::Node& n, const std::string& key) {
  Hooks h;
  YAML::Node holder = EntryFields::Inherit(n, "hooks");
  YAML::Node hk = holder["hooks"];
  std::string path = EntryFields::KeyPath(holder, key) + ".hooks";
  if (!hk || !f_.Mapping(hk, path, {"pre", "post", "timeout"})) return h;
  h.pre = f_.Strings(hk, path, "pre");
  h.post = f_.Strings(hk, path, "post");
  h.timeout_seconds = f_.Duration(hk, path, "timeout").value_or(h.timeout_seconds);
  return h;
}

VerifySpec EntryFields::Verify(const YAML::Node& n, const std::string& key) {
  VerifySpec v;
  YAML::Node holder = EntryFields::Inherit(n, "verify");
  YAML::Node vn = holder["verify"];
  std::string path = EntryFields::KeyPath(holder, key) + ".verify";
  if (!vn) return v;
  if (vn.IsScalar()) {
    v.enabled = f_.Bool(holder, EntryFields::KeyPath(holder, key), "verify").value_or(false);
  } else if (f_.Mapping(vn, path, {"read_data_subset"})) {
    v.enabled = true;
    v.read_data_subset = f_.String(vn, path, "read_data_subset").value_or("");
    if (auto subset = ParseSubsetSpec(v.read_data_subset, 256, /*sizes=*/true); !subset.ok()) {
      f_.Error(vn["read_data_subset"], path + ".read_data_subset", subset.status().message());
    }
  }
  return v;
}

}  // namespace hort
