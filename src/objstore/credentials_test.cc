// The three credential sources and their errors, which name the source and
// never a secret.
#include "objstore/credentials.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>
#include <vector>

namespace hort {
namespace {

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("hort-creds-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  static void ExpectNoSecret(const Status& s) {
    EXPECT_EQ(s.message().find(kSecret), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  }
  std::filesystem::path dir_;
};

TEST_F(CredentialsTest, EnvironmentVariablesByName) {
  ::setenv("HORT_T_KEY", "AKIDENV", 1);
  ::setenv("HORT_T_SECRET", kSecret, 1);
  ::setenv("HORT_T_TOKEN", "tok", 1);
  CredentialSource src;
  src.access_key_var = "HORT_T_KEY";
  src.secret_key_var = "HORT_T_SECRET";
  src.session_token_var = "HORT_T_TOKEN";
  auto c = ResolveCredentials(src);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key, "AKIDENV");
  EXPECT_EQ(c->secret_key, kSecret);
  EXPECT_EQ(c->session_token, "tok");
  ::unsetenv("HORT_T_SECRET");
  auto missing = ResolveCredentials(src);
  EXPECT_EQ(missing.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), "s3: set HORT_T_KEY and HORT_T_SECRET");
  ::unsetenv("HORT_T_KEY");
  ::unsetenv("HORT_T_TOKEN");
  // The defaults are the AWS names.
  CredentialSource defaults;
  EXPECT_EQ(defaults.access_key_var, "AWS_ACCESS_KEY_ID");
  EXPECT_EQ(defaults.secret_key_var, "AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(defaults.session_token_var, "AWS_SESSION_TOKEN");
}

// Without AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY the default source reads
// the shared credentials file, as restic's S3 client does: AWS_PROFILE's
// section of AWS_SHARED_CREDENTIALS_FILE (else ~/.aws/credentials, "default").
// hort asked for the variables and stopped.
TEST_F(CredentialsTest, WithoutTheVariablesTheSharedCredentialsFileIsRead) {
  const char* saved[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                         "AWS_SHARED_CREDENTIALS_FILE", "HOME"};
  std::vector<std::pair<std::string, std::optional<std::string>>> old;
  for (const char* v : saved) {
    const char* now = std::getenv(v);
    old.emplace_back(v, now ? std::optional<std::string>(now) : std::nullopt);
    ::unsetenv(v);
  }
  const std::string file = Write("creds", std::string("[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = ") +
                                              kSecret + "\n[p1]\naws_access_key_id = AKIDP1\naws_secret_access_key = s1\n");
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", file.c_str(), 1);
  auto def = ResolveCredentials(CredentialSource{});
  ASSERT_TRUE(def.ok()) << def.status().message();
  EXPECT_EQ(def->access_key, "AKIDDEF");
  ::setenv("AWS_PROFILE", "p1", 1);
  auto p1 = ResolveCredentials(CredentialSource{});
  ASSERT_TRUE(p1.ok()) << p1.status().message();
  EXPECT_EQ(p1->access_key, "AKIDP1");
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);  // one variable set: the variables are meant, and incomplete
  EXPECT_EQ(ResolveCredentials(CredentialSource{}).status().code(), Code::kInvalidArgument);
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SHARED_CREDENTIALS_FILE");
  ::unsetenv("AWS_PROFILE");
  ::setenv("HOME", (dir_ / "no-home").c_str(), 1);  // no ~/.aws/credentials either
  auto none = ResolveCredentials(CredentialSource{});
  EXPECT_EQ(none.status().code(), Code::kInvalidArgument);
  EXPECT_NE(none.status().message().find("~/.aws/credentials"), std::string::npos) << none.status().message();
  for (const auto& [name, value] : old) {
    if (value) ::setenv(name.c_str(), value->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
}

TEST_F(CredentialsTest, SharedCredentialsFileProfiles) {
  CredentialSource src;
  src.kind = CredentialSource::Kind::kFile;
  src.file = Write("credentials", std::string("# comment\n[default]\naws_access_key_id = AKIDDEFAULT\n") +
                                      "aws_secret_access_key=" + kSecret + "\n\n[profile offsite]\n" +
                                      "aws_access_key_id=AKIDOFF\naws_secret_access_key = s2 \naws_session_token = t2\n" +
                                      "[broken]\naws_access_key_id = AKIDB\n");
  auto def = ResolveCredentials(src);
  ASSERT_TRUE(def.ok()) << def.status().message();
  EXPECT_EQ(def->access_key, "AKIDDEFAULT");
  EXPECT_EQ(def->secret_key, kSecret);
  EXPECT_EQ(def->session_token, "");
  src.profile = "offsite";
  auto off = ResolveCredentials(src);
  ASSERT_TRUE(off.ok()) << off.status().message();
  EXPECT_EQ(off->access_key, "AKIDOFF");
  EXPECT_EQ(off->secret_key, "s2");
  EXPECT_EQ(off->session_token, "t2");

  src.profile = "nowhere";
  auto none = ResolveCredentials(src);
  EXPECT_EQ(none.status().message(), "credentials file " + src.file + ": no profile \"nowhere\"");
  ExpectNoSecret(none.status());
  src.profile = "broken";
  auto broken = ResolveCredentials(src);
  EXPECT_EQ(broken.status().message(),
            "credentials file " + src.file + ": profile \"broken\" has no aws_secret_access_key");
  src.file = (dir_ / "absent").string();
  auto absent = ResolveCredentials(src);
  EXPECT_EQ(absent.status().code(), Code::kInvalidArgument);
  EXPECT_NE(absent.status().message().find("credentials file " + src.file), std::string::npos);
}

TEST_F(CredentialsTest, CommandPrintingCredentialProcessJson) {
  CredentialSource src;
  src.kind = CredentialSource::Kind::kCommand;
  src.command = "cat " + Write("process.json", std::string("{\"Version\": 1, \"AccessKeyId\": \"AKIDCMD\", ") +
                                                   "\"SecretAccessKey\": \"" + kSecret +
                                                   "\", \"SessionToken\": \"tok\", \"Expiration\": \"2030-01-01T00:00:00Z\"}\n");
  auto c = ResolveCredentials(src);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key, "AKIDCMD");
  EXPECT_EQ(c->secret_key, kSecret);
  EXPECT_EQ(c->session_token, "tok");

  // Output that is not the expected JSON is never echoed: it may hold the secret.
  src.command = "cat " + Write("garbage", std::string("AccessKeyId=AKID SecretAccessKey=") + kSecret + "\n");
  auto garbage = ResolveCredentials(src);
  EXPECT_EQ(garbage.status().message(), "credentials command `" + src.command + "`: output is not JSON");
  ExpectNoSecret(garbage.status());
  src.command = std::string("echo '{\"Version\": 2, \"AccessKeyId\": \"a\", \"SecretAccessKey\": \"") + "b\"}'";
  EXPECT_NE(ResolveCredentials(src).status().message().find("\"Version\": 1"), std::string::npos);
  src.command = "echo '{\"Version\": 1, \"AccessKeyId\": \"a\"}'";
  EXPECT_NE(ResolveCredentials(src).status().message().find("no AccessKeyId or SecretAccessKey"), std::string::npos);
  src.command = "exit 3";
  auto failed = ResolveCredentials(src);
  EXPECT_EQ(failed.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(failed.status().message(), "credentials command `exit 3` failed (exit status 3)");
}

}  // namespace
}  // namespace hort
