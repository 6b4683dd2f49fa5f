// What happens before and around CLI11's parse: finding the command word,
// unknown commands with cobra's suggestions, `hort help [COMMAND]`, and
// parse errors as one Fatal line (restic's users expect all three).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace hort::cli {

// cobra's rule: a command is suggested when its name starts with what was
// typed or is within Levenshtein distance 2 of it (both case-insensitive).
[[nodiscard]] std::vector<std::string> SuggestCommands(const std::string& typed, const std::vector<std::string>& names);
[[nodiscard]] size_t Levenshtein(const std::string& a, const std::string& b);

// The one-line text for an unknown command ("unknown command \"bakup\" for \"hort\" ..."); `parent` is
// the command line it was typed after: "hort", or a group's ("hort volumes").
[[nodiscard]] std::string UnknownCommandMessage(const std::string& typed, const std::vector<std::string>& names,
                                                const std::string& parent = "hort");

// The index in argv of `app`'s command word, looking from `start` on: the
// first argument that is neither a flag nor the value of an option of `app`
// or of a command above it that takes one; -1 if none.
[[nodiscard]] int FindCommandWord(const CLI::App& app, int argc, const char* const* argv, int start = 1);

// Handles what CLI11 would get wrong before parsing: no command at all,
// `help [COMMAND [SUBCOMMAND]]`, an unknown command, and an unknown
// subcommand of a group (volumes, kube, test …). Returns the exit code when it did.
[[nodiscard]] std::optional<int> HandleBeforeParse(CLI::App& app, int argc, const char* const* argv);

// A CLI11 parse error as restic prints errors: help and version go to
// stdout with exit 0, everything else is one `Fatal:` line and exit 1.
[[nodiscard]] int ReportParseError(CLI::App& app, const CLI::ParseError& e);

}  // namespace hort::cli
