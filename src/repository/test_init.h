// Repository::Init options for tests and test fixtures: a key derivation
// of N=1024 (about a millisecond) instead of a calibrated one. Never for a
// real repository: its key would be cheap to guess.
#pragma once

#include "repository/repository.h"

namespace hort {

[[nodiscard]] inline InitOptions CheapKdfForTests() {
  InitOptions o;
  o.calibrate = false;
  o.kdf = {1024, 8, 1};
  return o;
}

}  // namespace hort
