// The runbook in one language as a document of blocks (headings, lines,
// command blocks), then rendered as terminal text or Markdown here and as
// HTML by the dashboard (web/runbook_page.h): one wording for all three.
#pragma once

#include <string>
#include <vector>

#include "runbook/runbook.h"
#include "runbook/runbook_words.h"

namespace hort {

// A piece of a line; code: a name, ID, path or command, set apart (Markdown
// and HTML code spans) and never read as markup.
struct Span {
  std::string text;
  bool code = false;
};
using Line = std::vector<Span>;

struct Block {
  enum class Kind { kTitle, kHeading, kSubheading, kParagraph, kFact, kBullet, kCaption, kCommands } kind;
  Line line;                       // kFact: "label" then the value's spans
  std::vector<std::string> lines;  // kCommands: shell lines
};

struct RunbookDocument {
  Language language = Language::kEnglish;
  std::vector<Block> blocks;
};

[[nodiscard]] RunbookDocument MakeRunbookDocument(const Runbook& rb, Language lang);
[[nodiscard]] std::string RenderRunbookText(const RunbookDocument& doc);
[[nodiscard]] std::string RenderRunbookMarkdown(const RunbookDocument& doc);
// A line's text without markup (terminal output; HTML escapes on its own).
[[nodiscard]] std::string PlainText(const Line& line);
// `text` safe as Markdown inline text: \ ` * _ [ ] < > | # ~ escaped.
[[nodiscard]] std::string MarkdownEscape(const std::string& text);

}  // namespace hort
