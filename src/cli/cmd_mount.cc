// restic's `mount` serves snapshots through FUSE; hort does not, and says
// what to use instead rather than failing as an unknown command.
#include "cli/command.h"

namespace hort::cli {

Command AddMount(CLI::App& sub, GlobalOptions&) {
  auto args = std::make_shared<std::vector<std::string>>();
  sub.add_option("mountpoint", *args, "where restic would mount the repository")->expected(0, -1);
  sub.allow_extras();
  auto validate = []() -> Status {
    return Status(Code::kUnsupported,
                  "mount is not supported by hort; use 'hort restore SNAPSHOT[:PATH] --target DIR' to get files back, "
                  "'hort dump SNAPSHOT PATH' to print one, or 'hort ls'/'hort find' to look around");
  };
  // The run lambda keeps the argument list alive for CLI11, which writes into it.
  return Command{validate, [] { return NeedsNothing(); }, [args](Opened&) { return kExitFailure; }};
}

}  // namespace hort::cli
