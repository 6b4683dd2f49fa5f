// A dump entry without `pod`: its command runs here and its stdout is the
// backup's stdin. Started by the job rather than the archiver so that a
// failure names the catalog's command (not /bin/sh) and carries the end of
// its stderr into the run's error, which `status` and the status page show.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "util/status.h"

namespace hort {

class LocalDump {
 public:
  // `argv`: the entry's command (a string entry is {"/bin/sh", "-c", text}).
  [[nodiscard]] static Result<std::unique_ptr<LocalDump>> Start(const std::vector<std::string>& argv);
  ~LocalDump();
  [[nodiscard]] int read_fd() const { return read_fd_; }
  // Waits for the command: ok when it exited 0, else its exit status and the
  // last line(s) of its stderr. Idempotent.
  [[nodiscard]] Status Finish();

  // How messages name the command: the shell text of a string entry, else argv joined.
  [[nodiscard]] static std::string Describe(const std::vector<std::string>& argv);

 private:
  LocalDump() = default;
  pid_t pid_ = -1;
  int read_fd_ = -1, stderr_fd_ = -1;
  std::string what_;
  bool finished_ = false;
  Status result_;
};

}  // namespace hort
