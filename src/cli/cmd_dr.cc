// hort dr --target DIR (BT-DR-01): a cold-start drill from repository
// credentials alone — no catalog, no state. Every host/paths group's latest
// snapshot is restored below DIR/<host>/<paths>, verified, and timed.
#include <filesystem>
#include <cstdio>

#include "backend/backend.h"
#include "cli/json_text.h"
#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "cli/table.h"
#include "cli/test_views.h"
#include "verify/drill.h"

namespace hort::cli {

Command AddDr(CLI::App& sub, GlobalOptions& g) {
  auto target = std::make_shared<std::string>();
  sub.add_option("--target,-t", *target, "an empty or new directory to restore into")->required();
  auto validate = [target]() -> Status {
    std::error_code ec;
    if (std::filesystem::exists(*target, ec) && !std::filesystem::is_directory(*target, ec)) {
      return Status(Code::kInvalidArgument, "--target " + *target + " is not a directory");
    }
    if (std::filesystem::exists(*target, ec) && !std::filesystem::is_empty(*target, ec)) {
      return Status(Code::kInvalidArgument, "--target " + *target + " is not empty; the drill restores into an empty directory");
    }
    return Status::Ok();
  };
  // The catalog only orders the groups (critical services first); the
  // drill itself needs nothing but the repository and its password.
  Needs needs = NeedsRepository(OpenLock::kShared, true);
  needs.catalog_if_named = true;
  return Command{validate, [needs] { return needs; }, [target, &g](Opened& o) {
    const std::atomic<bool>& stop = InstallStopFlag();
    // The groups' "repository": where they came from, as messages may show it.
    const std::string location = LocationWithoutPassword(o.repo().backend().Location());
    auto d = RunDrill(o.repo(), location, std::filesystem::absolute(*target).string(), o.catalog.get(), &stop);
    if (!d.ok()) return Fail(d.status());
    if (g.json) {
      nlohmann::json j = {{"ok", d->ok}, {"restore_seconds", d->restore_seconds},
                          {"validate_seconds", d->validate_seconds}, {"files", d->files}, {"bytes", d->bytes},
                          {"throughput_bytes_per_second", d->restore_seconds > 0 ? d->bytes / d->restore_seconds : 0},
                          {"groups", nlohmann::json::array()}};
      for (const auto& u : d->units) j["groups"].push_back(UnitJson(u));
      std::printf("%s\n", JsonText(j).c_str());
    } else {
      Table t({"GROUP", "SNAPSHOT", "FILES", "BYTES", "RESTORE", "THROUGHPUT", "RESULT"});
      for (const auto& u : d->units) {
        t.Row({u.label, u.snapshot.id.Short(), std::to_string(u.files), FormatBytes(u.bytes),
               FormatSeconds(u.restore_seconds), FormatRate(u.restore_seconds > 0 ? u.bytes / u.restore_seconds : 0),
               u.restored && u.valid ? "ok" : "PROBLEMS"});
      }
      t.Row({"total", std::to_string(d->units.size()) + " groups", std::to_string(d->files), FormatBytes(d->bytes),
             FormatSeconds(d->restore_seconds), FormatRate(d->restore_seconds > 0 ? d->bytes / d->restore_seconds : 0),
             d->ok ? "ok" : "PROBLEMS"});
      std::printf("%s", t.Render(false).c_str());
      std::printf("verified: every file re-hashed and its metadata compared in %s\n", FormatSeconds(d->validate_seconds).c_str());
      for (const auto& u : d->units) {
        for (const auto& p : u.problems) std::fprintf(stderr, "%s: %s\n", u.label.c_str(), p.c_str());
      }
    }
    return d->ok ? kExitOk : kExitTestFailed;
  }};
}

}  // namespace hort::cli
