#include "cli/usage.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <utility>

#include "cli/command.h"
#include "cli/generate.h"

namespace hort::cli {
namespace {

const std::vector<std::string> kNames = {"backup", "cache", "cat", "check", "restore", "snapshots", "stats"};

TEST(UsageTest, SuggestsAsCobraDoes) {
  EXPECT_EQ(SuggestCommands("bakup", kNames), std::vector<std::string>{"backup"});
  EXPECT_EQ(SuggestCommands("BACKUP", kNames), std::vector<std::string>{"backup"});
  // A prefix is suggested whatever its distance.
  EXPECT_EQ(SuggestCommands("snap", kNames), std::vector<std::string>{"snapshots"});
  EXPECT_TRUE(SuggestCommands("frobnicate", kNames).empty());
  EXPECT_EQ(Levenshtein("kitten", "sitting"), 3u);
}

TEST(UsageTest, UnknownCommandIsOneLineNamingTheSuggestion) {
  std::string m = UnknownCommandMessage("bakup", kNames);
  EXPECT_EQ(m, "unknown command \"bakup\" for \"hort\". Did you mean this? backup");
  EXPECT_EQ(m.find('\n'), std::string::npos);
  EXPECT_NE(UnknownCommandMessage("zzzzzz", kNames).find("hort help"), std::string::npos);
}

CLI::App& TestApp() {
  static CLI::App* app = [] {
    auto* a = new CLI::App("test");
    static GlobalOptions g;
    AddGlobalFlags(*a, g);
    a->add_subcommand("backup", "Create a new backup")->add_option("--tag", g.extended, "tag");
    a->add_subcommand("snapshots", "List all snapshots");
    return a;
  }();
  return *app;
}

TEST(UsageTest, FindsTheCommandWordPastGlobalOptionValues) {
  const char* a1[] = {"hort", "-r", "/repo", "--json", "snapshots"};
  EXPECT_EQ(FindCommandWord(TestApp(), 5, a1), 4);
  const char* a2[] = {"hort", "--repo=/x", "-rX", "bakup", "--tag", "x"};
  EXPECT_EQ(FindCommandWord(TestApp(), 6, a2), 3);
  const char* a3[] = {"hort", "--limit-upload", "100", "--no-cache"};
  EXPECT_EQ(FindCommandWord(TestApp(), 4, a3), -1);
}

// TestApp with a group, as main builds `hort volumes`.
CLI::App& GroupApp() {
  static CLI::App* app = [] {
    auto* a = new CLI::App("test");
    static GlobalOptions g;
    AddGlobalFlags(*a, g);
    a->add_subcommand("backup", "Create a new backup");
    CLI::App* volumes = a->add_subcommand("volumes", "Longhorn block backups");
    volumes->require_subcommand(1);
    volumes->add_subcommand("verify", "Check a backup target")->add_option("--store", g.extended, "target");
    volumes->add_subcommand("ls", "List volumes");
    return a;
  }();
  return *app;
}

// What `report` returns (-1 for nullopt) and prints on stderr.
std::pair<int, std::string> Stderr(const std::function<std::optional<int>()>& report) {
  std::fflush(stderr);
  char* text = nullptr;
  size_t size = 0;
  FILE* mem = ::open_memstream(&text, &size);
  FILE* saved = stderr;
  stderr = mem;
  std::optional<int> rc = report();
  stderr = saved;
  std::fclose(mem);
  std::string err(text, size);
  std::free(text);
  return {rc.value_or(-1), err};
}

std::pair<int, std::string> BeforeParse(std::vector<const char*> args) {
  args.insert(args.begin(), "hort");
  return Stderr([&] { return HandleBeforeParse(GroupApp(), static_cast<int>(args.size()), args.data()); });
}

TEST(UsageTest, AGroupNamesItsUnknownSubcommandAsTheTopLevelDoes) {
  EXPECT_EQ(BeforeParse({"bakup"}),
            std::pair(1, std::string("Fatal: unknown command \"bakup\" for \"hort\". Did you mean this? backup\n")));
  EXPECT_EQ(BeforeParse({"volumes", "verfy"}),
            std::pair(1, std::string("Fatal: unknown command \"verfy\" for \"hort volumes\". Did you mean this? verify\n")));
  // Past global options and their values, before or after the group's word.
  EXPECT_EQ(BeforeParse({"-r", "/repo", "volumes", "--json", "--limit-upload", "5", "lx"}).second,
            "Fatal: unknown command \"lx\" for \"hort volumes\". Did you mean this? ls\n");
  EXPECT_EQ(BeforeParse({"volumes", "frobnicate"}).second,
            "Fatal: unknown command \"frobnicate\" for \"hort volumes\" (run 'hort help volumes' for the list of commands)\n");
  EXPECT_EQ(BeforeParse({"volumes", "verify", "--store", "x"}).first, -1);
  // A subcommand's option before the subcommand: its value is no command word.
  EXPECT_EQ(BeforeParse({"volumes", "--store", "/srv/lh", "verify"}),
            std::pair(1, std::string("Fatal: --store is an option of the subcommand, not of \"hort volumes\": give it after "
                                     "the subcommand, as in \"hort volumes verify --store …\"\n")));
  EXPECT_EQ(BeforeParse({"volumes", "--store=/srv/lh"}).first, 1);
  EXPECT_EQ(BeforeParse({"volumes", "--help"}).first, -1);
  EXPECT_EQ(BeforeParse({"volumes"}).first, -1);  // CLI11's RequiredError, reported as the next test shows
  EXPECT_EQ(BeforeParse({"help", "volumes", "verfy"}),
            std::pair(1, std::string("Fatal: unknown command \"verfy\" for \"hort volumes\". Did you mean this? verify\n")));
}

TEST(UsageTest, AGroupWithoutSubcommandNamesTheChoices) {
  CLI::App& app = GroupApp();
  const char* args[] = {"hort", "volumes"};
  std::pair<int, std::string> got;
  try {
    app.parse(2, args);
  } catch (const CLI::ParseError& e) {
    got = Stderr([&] { return ReportParseError(app, e); });
  }
  app.clear();
  EXPECT_EQ(got, std::pair(1, std::string("Fatal: missing command for \"hort volumes\": one of verify, ls\n")));
}

TEST(UsageTest, ReadsOneLineOfAPipeAsThePassword) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const char text[] = "secret pw\r\nnext line\n";
  ASSERT_EQ(::write(fds[1], text, sizeof(text) - 1), static_cast<ssize_t>(sizeof(text) - 1));
  ::close(fds[1]);
  auto pw = ReadPasswordLine(fds[0]);
  ASSERT_TRUE(pw.ok());
  EXPECT_EQ(*pw, "secret pw");
  char rest[16] = {};
  EXPECT_EQ(::read(fds[0], rest, sizeof(rest)), 10);  // the rest stays for whoever reads next
  ::close(fds[0]);

  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[1]);
  EXPECT_FALSE(ReadPasswordLine(fds[0]).ok());  // nothing at all: not an empty password
  ::close(fds[0]);
}

TEST(UsageTest, PackSizeHasResticsBounds) {
  EXPECT_EQ(*PackSizeBytes(0), 0u);
  EXPECT_EQ(*PackSizeBytes(4), 4u << 20);
  EXPECT_EQ(PackSizeBytes(3).status().message(), "pack size smaller than minimum of 4 MiB");
  EXPECT_EQ(PackSizeBytes(129).status().message(), "pack size larger than limit of 128 MiB");
}

TEST(GenerateTest, CompletionsAndManPagesNameEveryCommandAndFlag) {
  std::string bash = BashCompletion(TestApp());
  EXPECT_NE(bash.find("backup snapshots help"), std::string::npos);
  EXPECT_NE(bash.find("--limit-upload"), std::string::npos);
  EXPECT_NE(bash.find("complete -o default -F _hort hort"), std::string::npos);
  EXPECT_NE(FishCompletion(TestApp()).find("-a 'backup'"), std::string::npos);
  EXPECT_NE(ZshCompletion(TestApp()).find("'snapshots:List all snapshots'"), std::string::npos);
  auto pages = ManPages(TestApp(), "Dec 2026");
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[1].file, "hort-backup.1");
  EXPECT_NE(pages[1].text.find("\\fB\\-\\-tag\\fP"), std::string::npos);
  EXPECT_EQ(RoffEscape(".a\\b"), "\\&.a\\eb");
}

}  // namespace
}  // namespace hort::cli
