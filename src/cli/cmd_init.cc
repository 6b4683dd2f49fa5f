#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/json_text.h"
#include "util/hex.h"

namespace hort::cli {
namespace {
struct InitFlags {
  std::string repository_version = "2";
  bool copy_chunker_params = false;
  std::string from_repo, from_password_file, from_password_command;
};
}  // namespace

Command AddInit(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<InitFlags>();
  sub.add_option("--repository-version", f->repository_version, "repository format version: 1, 2, latest, stable");
  sub.add_flag("--copy-chunker-params", f->copy_chunker_params, "copy the chunker polynomial from --from-repo");
  sub.add_option("--from-repo", f->from_repo, "source repository for --copy-chunker-params");
  sub.add_option("--from-password-file", f->from_password_file, "password file of the source repository");
  sub.add_option("--from-password-command", f->from_password_command, "password command of the source repository");
  return MakeCommand(NeedsNothing(), [f, &g](Opened&) {
    InitOptions opts;
    if (f->repository_version == "1") opts.version = 1;
    else if (f->repository_version == "2" || f->repository_version == "latest" || f->repository_version == "stable") opts.version = 2;
    else return Fail(Status(Code::kInvalidArgument, "invalid --repository-version \"" + f->repository_version + "\""));
    if (f->copy_chunker_params) {
      std::string from = f->from_repo;
      if (from.empty()) {
        for (const char* e : {"HORT_FROM_REPOSITORY", "RESTIC_FROM_REPOSITORY"}) {
          if (const char* v = std::getenv(e)) { from = v; break; }
        }
      }
      if (from.empty()) return Fail(Status(Code::kInvalidArgument, "--copy-chunker-params needs --from-repo"));
      auto src = OpenOtherRepository(g, from, f->from_password_file, f->from_password_command, "FROM_");
      if (!src.ok()) return Fail(src.status().Annotate("source repository"));
      opts.chunker_polynomial = (*src)->config().chunker_polynomial;
    }
    auto location = ResolveRepository(g);
    if (!location.ok()) return Fail(location.status());
    auto bopts = BackendOptionsFrom(g);
    if (!bopts.ok()) return Fail(bopts.status());
    auto backend = OpenBackend(*location, *bopts);
    if (!backend.ok()) return Fail(backend.status());
    auto password = ResolvePassword(g, true);
    if (!password.ok()) return Fail(password.status());
    // Never the password of a rest: location (restic shows user:***@).
    const std::string shown = LocationWithoutPassword(*location);
    auto repo = Repository::Init(std::move(*backend), *password, opts);
    if (!repo.ok()) return Fail(repo.status().Annotate("create repository at " + shown + " failed"));
    if (g.json) {
      nlohmann::ordered_json j = {{"message_type", "initialized"}, {"id", (*repo)->config().id}, {"repository", shown}};
      std::printf("%s\n", JsonText(j).c_str());
    } else if (!g.quiet) {
      std::printf("created restic repository %s at %s\n\n", (*repo)->config().id.substr(0, 10).c_str(), shown.c_str());
      std::printf("Please note that knowledge of your password is required to access\n"
                  "the repository. Losing your password means that your data is\n"
                  "irrecoverably lost.\n");
    }
    return kExitOk;
  });
}

}  // namespace hort::cli
