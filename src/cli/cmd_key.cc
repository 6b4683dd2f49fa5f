#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/json_text.h"
#include "cli/command.h"
#include "util/hex.h"

namespace hort::cli {
namespace {
struct KeyFlags {
  std::string action, id, new_password_file;
};

Result<std::string> NewPassword(const KeyFlags& f) {
  // --new-password-file, else HORT_NEW_PASSWORD / RESTIC_NEW_PASSWORD(_FILE), else prompt twice.
  return PasswordFrom(f.new_password_file, "", {"HORT_NEW_", "RESTIC_NEW_"}, true);
}
}  // namespace

Command AddKey(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<KeyFlags>();
  sub.add_option("action", f->action, "list | add | remove ID | passwd")->required();
  sub.add_option("id", f->id, "key ID (for remove)");
  sub.add_option("--new-password-file", f->new_password_file, "file with the new password (add, passwd)");
  auto validate = [f]() -> Status {
    const std::string& a = f->action;
    if (a != "list" && a != "add" && a != "remove" && a != "passwd") {
      return Status(Code::kInvalidArgument, "unknown key action \"" + a + "\" (list, add, remove, passwd)");
    }
    return Status::Ok();
  };
  auto needs = [f] { return NeedsRepositoryLocked(f->action == "list" ? OpenLock::kShared : OpenLock::kExclusive, false); };
  return Command{validate, needs, [f, &g](Opened& o) {
    const std::string& a = f->action;
    Repository& repo = o.repo();
    std::vector<std::string> names;
    Status ls = repo.backend().List(FileType::kKey, [&](const std::string& n, uint64_t) { names.push_back(n); });
    if (!ls.ok()) return Fail(ls);
    if (a == "list") {
      // restic's JSON: its field order and the short ID (`list keys` gives the whole one).
      nlohmann::ordered_json arr = nlohmann::ordered_json::array();
      if (!g.json) std::printf(" %-9s %-10s %-12s %s\n %s\n", "ID", "User", "Host", "Created", std::string(50, '-').c_str());
      for (const auto& n : names) {
        auto raw = repo.backend().Load({FileType::kKey, n});
        if (!raw.ok()) continue;
        auto kf = DecodeKeyFile(AsChars(*raw));
        if (!kf.ok()) continue;
        bool current = n == repo.key_id().Hex();
        if (g.json) {
          arr.push_back({{"current", current}, {"id", n.substr(0, 8)}, {"userName", kf->username}, {"hostName", kf->hostname},
                         {"created", FormatLocalTime(kf->created)}});
        } else {
          std::printf("%s%-9s %-10s %-12s %s\n", current ? "*" : " ", n.substr(0, 8).c_str(), kf->username.c_str(),
                      kf->hostname.c_str(), FormatLocalTime(kf->created).c_str());
        }
      }
      if (g.json) std::printf("%s\n", JsonText(arr).c_str());
      return kExitOk;
    }
    if (a == "remove") {
      if (f->id.empty()) return Fail(Status(Code::kInvalidArgument, "key remove needs a key ID"));
      auto name = repo.ResolvePrefix(FileType::kKey, f->id);
      if (!name.ok()) return Fail(name.status());
      if (*name == repo.key_id().Hex()) {
        return Fail(Status(Code::kInvalidArgument, "refusing to remove the key currently used to access the repository"));
      }
      Status s = repo.backend().Remove({FileType::kKey, *name});
      if (!s.ok()) return Fail(s);
      if (!g.quiet) std::printf("removed key %s\n", name->c_str());  // restic names it in full
      return kExitOk;
    }
    auto pw = NewPassword(*f);
    if (!pw.ok()) return Fail(pw.status());
    Id id;
    Status s = SaveNewKey(repo.backend(), repo.key(), *pw, crypto::CalibrateScrypt(500), &id);
    if (!s.ok()) return Fail(s);
    if (a == "passwd") {
      Status rm = repo.backend().Remove({FileType::kKey, repo.key_id().Hex()});
      if (!rm.ok()) return Fail(rm);
      if (!g.quiet) std::printf("saved new key as %s, removed %s\n", id.Short().c_str(), repo.key_id().Short().c_str());
    } else if (!g.quiet) {
      std::printf("saved new key as %s\n", id.Short().c_str());
    }
    return kExitOk;
  }};
}

}  // namespace hort::cli
