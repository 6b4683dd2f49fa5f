#include <cstdio>

#include "cli/command.h"

namespace hort::cli {

Command AddVersion(CLI::App&, GlobalOptions& g) {
  return MakeCommand(NeedsNothing(), [&g](Opened&) {
    if (g.json) {
      std::printf("{\"message_type\":\"version\",\"version\":\"0.1.0\",\"repository_formats\":[1,2]}\n");
    } else {
      std::printf("hort 0.1.0 (restic repository format 1 and 2)\n");
    }
    return kExitOk;
  });
}

}  // namespace hort::cli
