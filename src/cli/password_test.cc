// Where the repository password comes from: restic's order and refusals
// (resolvePassword, ReadPassword), with HORT_ variables before RESTIC_ ones.
#include <gtest/gtest.h>

#include "cli/command.h"
#include "util/test_env.h"
#include "util/test_temp_folder.h"

namespace hort::cli {
namespace {

// Every password variable unset for the test, whatever the caller's shell set.
void UnsetPasswordVariables(ScopedEnv& env) {
  for (const char* prefix : {"HORT_", "RESTIC_", "HORT_NEW_", "RESTIC_NEW_"}) {
    for (const char* what : {"PASSWORD", "PASSWORD_FILE", "PASSWORD_COMMAND"}) env.Set(std::string(prefix) + what, std::nullopt);
  }
}

const std::vector<std::string> kPrefixes = {"HORT_", "RESTIC_"};

// A file beats the variable, as in restic: `HORT_PASSWORD_FILE=… hort init`
// with HORT_PASSWORD still exported made the repository with the other one.
TEST(PasswordFrom, AFileOrCommandBeatsTheVariable) {
  TempFolder dir("password");
  const std::string file = dir.Write("pw", "from-file\n");
  ScopedEnv env;
  UnsetPasswordVariables(env);
  env.Set("HORT_PASSWORD", "from-variable").Set("RESTIC_PASSWORD_FILE", file);
  EXPECT_EQ(*PasswordFrom("", "", kPrefixes, false), "from-file");
  env.Set("RESTIC_PASSWORD_FILE", std::nullopt).Set("HORT_PASSWORD_COMMAND", "echo from-command");
  EXPECT_EQ(*PasswordFrom("", "", kPrefixes, false), "from-command");
  env.Set("HORT_PASSWORD_COMMAND", std::nullopt);
  EXPECT_EQ(*PasswordFrom("", "", kPrefixes, false), "from-variable");
  // Set but empty is not given: the next variable answers.
  env.Set("HORT_PASSWORD", "").Set("RESTIC_PASSWORD", "restic-variable");
  EXPECT_EQ(*PasswordFrom("", "", kPrefixes, false), "restic-variable");
}

TEST(PasswordFrom, AFileAndACommandTogetherAreRefused) {
  TempFolder dir("password");
  const std::string file = dir.Write("pw", "x\n");
  ScopedEnv env;
  UnsetPasswordVariables(env);
  auto both = PasswordFrom(file, "echo y", kPrefixes, false);
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().message(),
            "password file (" + file + ") and password command are mutually exclusive: give one of them");
  env.Set("RESTIC_PASSWORD_COMMAND", "echo y");  // a variable stands in for the flag
  EXPECT_FALSE(PasswordFrom(file, "", kPrefixes, false).ok());
}

TEST(PasswordFrom, AnEmptyOrUnreadableSourceIsNoPassword) {
  TempFolder dir("password");
  const std::string empty = dir.Write("empty", " \n");
  ScopedEnv env;
  UnsetPasswordVariables(env);
  auto from_empty = PasswordFrom(empty, "", kPrefixes, false);
  ASSERT_FALSE(from_empty.ok());
  EXPECT_EQ(from_empty.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(from_empty.status().message(), "an empty password is not a password (password file " + empty + " is empty)");
  auto from_command = PasswordFrom("", "true", kPrefixes, false);
  ASSERT_FALSE(from_command.ok());
  EXPECT_EQ(from_command.status().message(), "an empty password is not a password (the password command printed nothing)");
  // A folder given as the file is an error, not an empty (so wrong) password.
  auto folder = PasswordFrom(dir.path(), "", kPrefixes, false);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(folder.status().message(), "cannot read password file " + dir.path() + ": Is a directory");
  auto missing = PasswordFrom(dir.path() + "/none", "", kPrefixes, false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "cannot read password file " + dir.path() + "/none: No such file or directory");
  // A new password (key add, key passwd, init) follows the same rules.
  env.Set("HORT_NEW_PASSWORD_FILE", empty);
  EXPECT_FALSE(PasswordFrom("", "", {"HORT_NEW_", "RESTIC_NEW_"}, true).ok());
}

}  // namespace
}  // namespace hort::cli
