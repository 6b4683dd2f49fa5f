// For tests: a backend that passes every call to another one it does not
// own (ForwardingBackend(Backend*)). A test derives from it to watch or
// change single calls; the rest still reaches real storage (usually
// NewMemBackend()).
#pragma once

#include "backend/forwarding_backend.h"
