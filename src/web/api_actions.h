// The dashboard's actions: run an entry now, run a restore test now. Each
// POST needs credentials (the gate), a CSRF token from GET /api/v1/session
// and, when the browser sends one, an Origin of this server; every decision
// after authentication is recorded in the state with who and when.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "net/http_server.h"
#include "state/state.h"
#include "web/auth.h"

namespace hort {

struct ActionTargets {
  // Queue a run or a test; kNotFound (no such id), kAlreadyExists (running
  // now) and kCancelled (stopping) are refusals the caller is told.
  std::function<Status(const std::string& job)> run_job;
  std::function<Status(const std::string& test)> run_test;
};

// GET /api/v1/session, GET /api/v1/actions, POST /api/v1/actions/run and
// /api/v1/actions/test.
[[nodiscard]] std::vector<HttpHandler> ActionHandlers(DashboardAuth& auth, StateStore& state, ActionTargets targets,
                                                      std::function<double()> now);

}  // namespace hort
