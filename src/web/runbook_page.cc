#include "web/runbook_page.h"

#include "web/html.h"

namespace hort {
namespace {

std::string HtmlLine(const Line& line) {
  std::string out;
  for (const Span& s : line) out += s.code ? "<code>" + Html(s.text) + "</code>" : Html(s.text);
  return out;
}

}  // namespace

std::string RunbookPage(const RunbookDocument& doc) {
  const char* lang = LanguageCode(doc.language);
  std::string h = std::string("<!doctype html><html lang=\"") + lang +
                  "\"><head><meta charset=\"utf-8\"><title>hort — runbook</title><style>body{font-family:sans-serif;"
                  "margin:2em;max-width:70em}pre{background:#f4f4f4;padding:.6em;overflow-x:auto}h2{border-bottom:1px "
                  "solid #ccc;margin-top:2em}code{background:#f4f4f4}</style></head><body>";
  bool in_list = false;
  for (const Block& b : doc.blocks) {
    const bool item = b.kind == Block::Kind::kFact || b.kind == Block::Kind::kBullet;
    if (item && !in_list) h += "<ul>";
    if (!item && in_list) h += "</ul>";
    in_list = item;
    switch (b.kind) {
      case Block::Kind::kTitle: h += "<h1>" + HtmlLine(b.line) + "</h1>"; break;
      case Block::Kind::kHeading: h += "<h2>" + HtmlLine(b.line) + "</h2>"; break;
      case Block::Kind::kSubheading: h += "<h3>" + HtmlLine(b.line) + "</h3>"; break;
      case Block::Kind::kParagraph: h += "<p>" + HtmlLine(b.line) + "</p>"; break;
      case Block::Kind::kCaption: h += "<p><strong>" + HtmlLine(b.line) + "</strong></p>"; break;
      case Block::Kind::kBullet: h += "<li>" + HtmlLine(b.line) + "</li>"; break;
      case Block::Kind::kFact:
        h += "<li><strong>" + Html(b.line.front().text) + ":</strong> " +
             HtmlLine(Line(b.line.begin() + 1, b.line.end())) + "</li>";
        break;
      case Block::Kind::kCommands: {
        h += "<pre><code>";
        for (const auto& l : b.lines) h += Html(l) + "\n";
        h += "</code></pre>";
        break;
      }
    }
  }
  if (in_list) h += "</ul>";
  const bool de = doc.language == Language::kGerman;
  h += std::string("<p><a href=\"/\">") + (de ? "Status" : "status") + "</a> · <a href=\"/runbook?lang=" +
       (de ? "en\">english" : "de\">deutsch") + "</a></p></body></html>\n";
  return h;
}

}  // namespace hort
