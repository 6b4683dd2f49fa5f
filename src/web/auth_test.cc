#include "web/auth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "crypto/secrets.h"
#include "status/catalog_state_fixture.h"
#include "util/hex.h"
#include "web/api_actions.h"

namespace hort {
namespace {

namespace fs = std::filesystem;
constexpr const char* kToken = "0123456789abcdef-token";

class AuthTest : public CatalogStateFixture {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  std::unique_ptr<DashboardAuth> Make(ServeAuthSpec spec) {
    auto a = DashboardAuth::Load(spec);
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? std::move(*a) : nullptr;
  }
  static ServerRequest Get(const std::string& path, const std::string& authorization = "") {
    ServerRequest r{.method = "GET", .path = path};
    if (!authorization.empty()) r.headers["authorization"] = authorization;
    return r;
  }
  static std::string Basic(const std::string& user_pass) { return "Basic " + Base64Encode(AsBytes(user_pass)); }
};

TEST_F(AuthTest, BearerTokenFromAFileOrTheEnvironment) {
  auto a = Make({.token_file = Write("token", std::string(kToken) + "\n")});
  EXPECT_EQ(a->Authenticate(Get("/x", std::string("Bearer ") + kToken)).outcome, DashboardAuth::Outcome::kOk);
  EXPECT_EQ(a->Authenticate(Get("/x", std::string("Bearer ") + kToken + "x")).outcome, DashboardAuth::Outcome::kWrong);
  EXPECT_EQ(a->Authenticate(Get("/x")).outcome, DashboardAuth::Outcome::kNoCredentials);
  EXPECT_EQ(a->Authenticate(Get("/x", Basic("token:" + std::string(kToken)))).outcome, DashboardAuth::Outcome::kWrong);
  ::setenv("HORT_TEST_DASH_TOKEN", kToken, 1);
  auto e = Make({.token_env = "HORT_TEST_DASH_TOKEN"});
  EXPECT_EQ(e->Authenticate(Get("/x", std::string("Bearer ") + kToken)).who, "token");
}

TEST_F(AuthTest, HtpasswdUsersWithBcrypt) {
  const std::string hash = *crypto::HashBcrypt("s3cret", 4);
  auto a = Make({.htpasswd = Write("htpasswd", "# users\nalice:" + hash + "\n")});
  auto ok = a->Authenticate(Get("/x", Basic("alice:s3cret")));
  EXPECT_EQ(ok.outcome, DashboardAuth::Outcome::kOk);
  EXPECT_EQ(ok.who, "alice");
  EXPECT_EQ(a->Authenticate(Get("/x", Basic("alice:s3cret"))).outcome, DashboardAuth::Outcome::kOk) << "from the cache";
  EXPECT_EQ(a->Authenticate(Get("/x", Basic("alice:wrong"))).outcome, DashboardAuth::Outcome::kWrong);
  EXPECT_EQ(a->Authenticate(Get("/x", Basic("bob:s3cret"))).outcome, DashboardAuth::Outcome::kWrong);
  EXPECT_EQ(a->Authenticate(Get("/x", "Basic %%%")).outcome, DashboardAuth::Outcome::kWrong);
  EXPECT_EQ(a->Unauthorized("x").headers.at("WWW-Authenticate"), "Basic realm=\"hort\", charset=\"UTF-8\"");
}

TEST_F(AuthTest, BadCredentialSourcesAreNamedNeverShown) {
  auto missing = DashboardAuth::Load({.token_file = (dir_ / "nope").string()});
  EXPECT_EQ(missing.status().code(), Code::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("serve.auth.token_file"), std::string::npos);
  auto unset = DashboardAuth::Load({.token_env = "HORT_TEST_UNSET_VARIABLE"});
  EXPECT_NE(unset.status().message().find("HORT_TEST_UNSET_VARIABLE is not set"), std::string::npos);
  auto shortish = DashboardAuth::Load({.token_file = Write("short", "abc\n")});
  EXPECT_NE(shortish.status().message().find("shorter than 16"), std::string::npos);
  // One line naming the file or variable, as the other refusals (docs/dashboard.md).
  EXPECT_NE(shortish.status().message().find("serve.auth.token_file: the token in " + (dir_ / "short").string()),
            std::string::npos) << shortish.status().message();
  ::setenv("HORT_TEST_SHORT_TOKEN", "abc", 1);
  auto short_env = DashboardAuth::Load({.token_env = "HORT_TEST_SHORT_TOKEN"});
  ::unsetenv("HORT_TEST_SHORT_TOKEN");
  ASSERT_FALSE(short_env.ok());
  EXPECT_NE(short_env.status().message().find("serve.auth.token_env: the token in HORT_TEST_SHORT_TOKEN is shorter"),
            std::string::npos) << short_env.status().message();
  EXPECT_EQ(shortish.status().message().find("abc"), std::string::npos);
  auto md5 = DashboardAuth::Load({.htpasswd = Write("md5", "alice:$apr1$xyz$abcdefabcdef\n")});
  EXPECT_NE(md5.status().message().find("line 1: not a bcrypt hash"), std::string::npos);
}

// `config check` passed a 6-character token and a missing token file that
// serve then refused to start with (a probe).
TEST_F(AuthTest, ConfigCheckAppliesServesRulesWithoutShowingTheToken) {
  std::vector<std::string> warnings;
  Status shortish = CheckDashboardAuth({.token_file = Write("short", "abc123\n")}, &warnings);
  EXPECT_EQ(shortish.code(), Code::kInvalidArgument);
  EXPECT_NE(shortish.message().find("shorter than 16 characters"), std::string::npos) << shortish.message();
  EXPECT_EQ(shortish.message().find("abc123"), std::string::npos);
  EXPECT_TRUE(warnings.empty());
  EXPECT_FALSE(CheckDashboardAuth({.htpasswd = Write("md5", "alice:$apr1$xyz$abcdefabcdef\n")}, &warnings).ok());

  // Missing where the check runs: a warning, as a missing password_file is.
  Status missing = CheckDashboardAuth({.token_file = (dir_ / "nope").string(), .token_env = "HORT_TEST_UNSET_VARIABLE",
                                       .htpasswd = (dir_ / "nope.htpasswd").string()},
                                      &warnings);
  EXPECT_TRUE(missing.ok()) << missing.message();
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0], "serve.auth.token_file: " + (dir_ / "nope").string() +
                             " is not a file here: hort serve refuses to start where it is missing");
  EXPECT_NE(warnings[1].find("serve.auth.token_env: the variable HORT_TEST_UNSET_VARIABLE is not set here"),
            std::string::npos) << warnings[1];
  EXPECT_NE(warnings[2].find("serve.auth.htpasswd: "), std::string::npos) << warnings[2];
  warnings.clear();
  EXPECT_TRUE(CheckDashboardAuth({.token_file = Write("token", kToken)}, &warnings).ok());
  EXPECT_TRUE(CheckDashboardAuth({}, &warnings).ok());
  EXPECT_TRUE(warnings.empty());
}

TEST_F(AuthTest, GateOpensThePageAlwaysAndReadsOnlyByChoice) {
  auto open = Make({});
  EXPECT_FALSE(open->Gate(Get("/api/v1/overview")).has_value()) << "no serve.auth: reads open";
  auto closed = Make({.token_file = Write("token", kToken)});
  EXPECT_FALSE(closed->Gate(Get("/")).has_value());
  EXPECT_FALSE(closed->Gate(Get("/assets/app.js")).has_value());
  EXPECT_FALSE(closed->Gate(Get("/healthz")).has_value());
  for (const char* path : {"/", "/healthz", "/assets/app.js"}) {  // a probe's HEAD is as open as GET
    EXPECT_FALSE(closed->Gate(ServerRequest{.method = "HEAD", .path = path}).has_value()) << path;
  }
  EXPECT_EQ(closed->Gate(ServerRequest{.method = "HEAD", .path = "/api/v1/overview"})->status, 401);
  EXPECT_EQ(closed->Gate(Get("/api/v1/overview"))->status, 401);
  EXPECT_EQ(closed->Gate(Get("/metrics"))->status, 401);
  EXPECT_EQ(closed->Gate(Get("/api/v1/overview", "Bearer wrong"))->status, 401);
  EXPECT_FALSE(closed->Gate(Get("/api/v1/overview", std::string("Bearer ") + kToken)).has_value());
  auto reads = Make({.token_file = Write("token", kToken), .open_read = true});
  EXPECT_FALSE(reads->Gate(Get("/api/v1/overview")).has_value());
  EXPECT_FALSE(reads->Gate(ServerRequest{.method = "HEAD", .path = "/metrics"}).has_value()) << "HEAD reads as GET";
  EXPECT_EQ(reads->Gate(Get("/api/v1/session"))->status, 401) << "the session says who you are";
  EXPECT_EQ(reads->Gate(ServerRequest{.method = "POST", .path = "/api/v1/actions/run"})->status, 401);
}

TEST_F(AuthTest, ActionsNeedTheCsrfTokenAndAreRecorded) {
  auto a = Make({.token_file = Write("token", kToken)});
  std::vector<std::string> queued;
  ActionTargets targets{[&](const std::string& job) {
                          if (job == "busy") return Status(Code::kAlreadyExists, "busy is running now");
                          queued.push_back(job);
                          return Status::Ok();
                        },
                        [&](const std::string& test) { return Status(Code::kNotFound, "no restore test " + test); }};
  auto handlers = ActionHandlers(*a, *state_, targets, [] { return 1000.0; });
  auto find = [&](const std::string& method, const std::string& pattern) {
    for (auto& h : handlers) if (h.method == method && h.pattern == pattern) return h.handle;
    ADD_FAILURE() << pattern;
    return handlers[0].handle;
  };
  auto act = find("POST", "/api/v1/actions/(run|test)");
  const std::string bearer = std::string("Bearer ") + kToken;
  auto session = nlohmann::json::parse(find("GET", "/api/v1/session")(Get("/api/v1/session", bearer)).body);
  EXPECT_EQ(session["user"], "token");
  const std::string csrf = session["csrf"];
  auto post = [&](const std::string& kind, const std::string& body, const std::string& token, const std::string& origin = "") {
    ServerRequest r{.method = "POST", .path = "/api/v1/actions/" + kind, .body = body, .captures = {kind}};
    r.headers = {{"authorization", bearer}, {"x-csrf-token", token}, {"host", "127.0.0.1:9464"}};
    if (!origin.empty()) r.headers["origin"] = origin;
    return act(r);
  };
  EXPECT_EQ(post("run", R"({"job": "web/files/data"})", "wrong").status, 403);
  EXPECT_EQ(post("run", R"({"job": "web/files/data"})", "").status, 403);
  EXPECT_EQ(post("run", R"({"job": "web/files/data"})", csrf, "http://evil.example").status, 403);
  EXPECT_TRUE(queued.empty());
  EXPECT_EQ(post("run", R"({"job": "web/files/data"})", csrf, "http://127.0.0.1:9464").status, 202);
  EXPECT_EQ(post("run", R"({"job": "busy"})", csrf).status, 409);
  EXPECT_EQ(post("test", R"({"test": "nope"})", csrf).status, 404);
  EXPECT_EQ(post("run", "not json", csrf).status, 400);
  EXPECT_EQ(queued, std::vector<std::string>{"web/files/data"});
  auto rows = *state_->Actions(10);
  ASSERT_EQ(rows.size(), 6u) << "the cross-origin POST is refused before it names anyone";
  EXPECT_EQ(rows[5].result, "refused");
  EXPECT_EQ(rows[5].detail, "missing or wrong CSRF token");
  EXPECT_EQ(rows[3].who, "token");
  EXPECT_EQ(rows[3].result, "accepted");
  EXPECT_EQ(rows[3].target, "web/files/data");
  EXPECT_EQ(rows[3].time, 1000.0);
  EXPECT_EQ(rows[2].detail, "busy is running now");
  auto list = nlohmann::json::parse(find("GET", "/api/v1/actions")(Get("/api/v1/actions", bearer)).body);
  EXPECT_EQ(list["actions"].size(), 6u);
}

TEST_F(AuthTest, WithoutServeAuthActionsAreRefused) {
  auto a = Make({});
  auto handlers = ActionHandlers(*a, *state_, {}, [] { return 0.0; });
  ServerRequest r{.method = "POST", .path = "/api/v1/actions/run", .body = R"({"job": "x"})", .captures = {"run"}};
  ServerResponse out = handlers[2].handle(r);
  EXPECT_EQ(out.status, 403);
  EXPECT_NE(out.body.find("serve.auth"), std::string::npos);
  auto session = nlohmann::json::parse(handlers[0].handle(Get("/api/v1/session")).body);
  EXPECT_EQ(session["actions"], false);
}

}  // namespace
}  // namespace hort
