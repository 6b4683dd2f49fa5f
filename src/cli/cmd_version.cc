#include <cstdio>

#include "cli/command.h"
#include "util/version.h"

namespace hort::cli {

Command AddVersion(CLI::App&, GlobalOptions& g) {
  return MakeCommand(NeedsNothing(), [&g](Opened&) {
    if (g.json) {
      std::printf("{\"message_type\":\"version\",\"version\":\"%s\",\"repository_formats\":[1,2]}\n", kHortVersion);
    } else {
      std::printf("%s (restic repository format 1 and 2)\n", kHortProgramVersion);
    }
    return kExitOk;
  });
}

}  // namespace hort::cli
