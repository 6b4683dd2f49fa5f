// Man pages and shell completions from the command table as CLI11 holds it,
// so they can never disagree with the flags hort really accepts.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hort::cli {

struct ManPage {
  std::string file;  // hort.1, hort-backup.1 …
  std::string text;  // roff (man(7) macros)
};

// One page for hort and one per command (restic's naming: restic-backup.1).
[[nodiscard]] std::vector<ManPage> ManPages(const CLI::App& root, const std::string& date);

[[nodiscard]] std::string BashCompletion(const CLI::App& root);
[[nodiscard]] std::string ZshCompletion(const CLI::App& root);
[[nodiscard]] std::string FishCompletion(const CLI::App& root);

// roff-safe text: backslashes as \e, a leading '.' or '\'' guarded by \&.
[[nodiscard]] std::string RoffEscape(const std::string& text);

}  // namespace hort::cli
