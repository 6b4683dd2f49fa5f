// Named crash points for crash-safety tests: when HORT_TEST_CRASH_AT names
// this point, the process kills itself with SIGKILL right here, exactly as
// a power cut or OOM kill would stop it. Unset in normal use (one getenv).
#pragma once

#include <signal.h>

#include <cstdlib>
#include <cstring>

namespace hort {

inline void CrashPoint(const char* name) {
  static const char* target = std::getenv("HORT_TEST_CRASH_AT");
  if (target != nullptr && std::strcmp(target, name) == 0) ::raise(SIGKILL);
}

}  // namespace hort
