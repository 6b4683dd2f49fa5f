#include "cli/usage.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "cli/command.h"
#include "util/strings.h"

namespace hort::cli {

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> CommandNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (!sub->get_name().empty()) names.push_back(sub->get_name());  // unnamed ones are CLI11's option groups
  }
  return names;
}

// A command made of subcommands (volumes, kube, test …): a word after it is
// one of them or a mistake, since it takes no arguments of its own.
bool IsGroup(const CLI::App& app) {
  if (CommandNames(app).empty()) return false;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional()) return false;
  }
  return true;
}

// "hort", "hort volumes": how the user typed the way to `app`.
std::string CommandPath(const CLI::App& app) {
  if (app.get_parent() == nullptr) return "hort";
  return CommandPath(*app.get_parent()) + " " + app.get_name();
}

const CLI::Option* FindOption(const CLI::App& app, const std::string& name) {
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    if (const CLI::Option* opt = a->get_option_no_throw(name)) return opt;
  }
  return nullptr;
}

const CLI::App* Subcommand(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

// CLI11 2.1 names only the subcommand in its usage line ("Usage: backup",
// "Usage: verify"); restic's says "restic backup".
std::string HelpText(const CLI::App& app) {
  std::string text = app.help();
  if (app.get_parent() == nullptr) return text;
  const std::string bare = "Usage: " + app.get_name();
  if (auto at = text.find(bare); at != std::string::npos) text.replace(at, bare.size(), "Usage: " + CommandPath(app));
  return text;
}

int ReportUnknown(const CLI::App& parent, const std::string& typed) {
  std::fprintf(stderr, "Fatal: %s\n", TerminalSafe(UnknownCommandMessage(typed, CommandNames(parent), CommandPath(parent))).c_str());
  return kExitUsage;
}

// `hort volumes --store URL verify`: an option of the subcommands given
// before one, which would otherwise read URL as the command word. restic's
// -r goes anywhere because it is global; --store is not.
std::optional<int> ReportOptionBeforeSubcommand(const CLI::App& group, int argc, const char* const* argv, int from, int word) {
  for (int i = from; i < (word >= 0 ? word : argc); ++i) {
    const std::string tok = argv[i];
    if (tok == "--") break;
    if (tok.size() < 2 || tok[0] != '-') continue;
    const std::string name = tok.substr(0, tok.find('='));
    if (FindOption(group, name) != nullptr) continue;
    const CLI::App* owner = nullptr;  // the first subcommand that has the option
    const CLI::App* typed = nullptr;  // the one named later on the line, when it has it
    for (const CLI::App* sub : group.get_subcommands({})) {
      if (sub->get_name().empty() || sub->get_option_no_throw(name) == nullptr) continue;
      if (owner == nullptr) owner = sub;
      for (int j = i + 1; j < argc && typed == nullptr; ++j) {
        if (sub->get_name() == argv[j]) typed = sub;
      }
    }
    if (owner == nullptr) continue;  // unknown everywhere: CLI11 names it
    const std::string example = CommandPath(group) + " " + (typed ? typed : owner)->get_name() + " " + name + " …";
    FailLine(name + " is an option of the subcommand, not of \"" + CommandPath(group) +
             "\": give it after the subcommand, as in \"" + example + "\"");
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace

size_t Levenshtein(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::vector<std::string> SuggestCommands(const std::string& typed, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  const std::string t = Lower(typed);
  for (const std::string& name : names) {
    const std::string n = Lower(name);
    if (Levenshtein(t, n) <= 2 || (!t.empty() && n.rfind(t, 0) == 0)) out.push_back(name);
  }
  return out;
}

std::string UnknownCommandMessage(const std::string& typed, const std::vector<std::string>& names,
                                  const std::string& parent) {
  std::string msg = "unknown command \"" + typed + "\" for \"" + parent + "\"";
  std::vector<std::string> suggestions = SuggestCommands(typed, names);
  if (suggestions.empty()) {
    const std::string help = parent == "hort" ? "hort help" : "hort help" + parent.substr(parent.find(' '));
    return msg + " (run '" + help + "' for the list of commands)";
  }
  msg += ". Did you mean this? ";
  for (size_t i = 0; i < suggestions.size(); ++i) msg += (i ? ", " : "") + suggestions[i];
  return msg;
}

int FindCommandWord(const CLI::App& app, int argc, const char* const* argv, int start) {
  for (int i = start; i < argc; ++i) {
    std::string tok = argv[i];
    if (tok == "--") return i + 1 < argc ? i + 1 : -1;
    if (tok.size() < 2 || tok[0] != '-') return i;
    if (tok.find('=') != std::string::npos) continue;
    // A short option may carry its value glued on (-rREPO); only a bare name takes the next word.
    if (tok[1] != '-' && tok.size() > 2) continue;
    const CLI::Option* opt = FindOption(app, tok);
    if (opt != nullptr && opt->get_type_size_max() > 0 && opt->get_expected_min() > 0) ++i;
  }
  return -1;
}

std::optional<int> HandleBeforeParse(CLI::App& app, int argc, const char* const* argv) {
  const int at = FindCommandWord(app, argc, argv);
  if (at < 0) {
    // Flags but no command: CLI11 answers --help/--version and reports the
    // rest (a flag missing its value, no command) as one Fatal line.
    if (argc > 1) return std::nullopt;
    std::fputs(app.help().c_str(), stdout);  // `hort` alone: restic prints its help and exits 0
    return kExitOk;
  }
  const std::string word = argv[at];
  if (word == "help") {
    if (at + 1 >= argc) {
      std::fputs(app.help().c_str(), stdout);
      return kExitOk;
    }
    const CLI::App* sub = Subcommand(app, argv[at + 1]);
    if (sub == nullptr) return ReportUnknown(app, argv[at + 1]);
    // `help volumes verify`: the subcommand's help, and a mistyped one is named as when running it.
    if (at + 2 < argc && IsGroup(*sub)) {
      const CLI::App* inner = Subcommand(*sub, argv[at + 2]);
      if (inner == nullptr) return ReportUnknown(*sub, argv[at + 2]);
      sub = inner;
    }
    std::fputs(HelpText(*sub).c_str(), stdout);
    return kExitOk;
  }
  const CLI::App* command = Subcommand(app, word);
  if (command == nullptr) return ReportUnknown(app, word);
  // CLI11 answers a group's unknown word with "A subcommand is required".
  if (IsGroup(*command)) {
    const int inner = FindCommandWord(*command, argc, argv, at + 1);
    if (std::optional<int> rc = ReportOptionBeforeSubcommand(*command, argc, argv, at + 1, inner)) return rc;
    if (inner >= 0 && Subcommand(*command, argv[inner]) == nullptr) return ReportUnknown(*command, argv[inner]);
  }
  return std::nullopt;
}

int ReportParseError(CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == 0) {
    if (dynamic_cast<const CLI::CallForHelp*>(&e) != nullptr) {
      for (const CLI::App* sub : app.get_subcommands({})) {
        if (sub->parsed()) {
          std::fputs(HelpText(*sub).c_str(), stdout);
          return kExitOk;
        }
      }
    }
    (void)app.exit(e);  // the root's --help, --help-all, --version: printed on stdout
    return kExitOk;
  }
  std::string msg = e.what();
  // A group given no subcommand: CLI11's "A subcommand is required" names neither the group nor the choices.
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    for (const CLI::App* sub : app.get_subcommands({})) {
      if (sub->parsed() && sub->get_require_subcommand_min() > 0 && sub->get_subcommands().empty()) {
        msg = "missing command for \"" + CommandPath(*sub) + "\": one of ";
        const std::vector<std::string> names = CommandNames(*sub);
        for (size_t i = 0; i < names.size(); ++i) msg += (i ? ", " : "") + names[i];
        break;
      }
    }
  }
  for (char& c : msg) {
    if (c == '\n') c = ' ';
  }
  while (!msg.empty() && msg.back() == ' ') msg.pop_back();
  std::fprintf(stderr, "Fatal: %s\n", TerminalSafe(msg).c_str());
  return kExitUsage;
}

}  // namespace hort::cli
