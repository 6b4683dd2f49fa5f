#include "web/runbook_page.h"

#include <gtest/gtest.h>

namespace hort {
namespace {

TEST(RunbookPage, EscapesEverySpanAndCommand) {
  RunbookDocument doc{.language = Language::kGerman,
                      .blocks = {{Block::Kind::kHeading, {{"a<b>", true}}, {}},
                                 {Block::Kind::kFact, {{"Verantwortlich", false}, {"x&y", true}}, {}},
                                 {Block::Kind::kCommands, {}, {"hort restore 1a2b3c4d --target '/srv/<x>'"}},
                                 {Block::Kind::kBullet, {{"\"quoted\"", false}}, {}}}};
  const std::string page = RunbookPage(doc);
  EXPECT_NE(page.find("<html lang=\"de\">"), std::string::npos);
  EXPECT_NE(page.find("<h2><code>a&lt;b&gt;</code></h2>"), std::string::npos) << page;
  EXPECT_NE(page.find("<ul><li><strong>Verantwortlich:</strong> <code>x&amp;y</code></li></ul>"), std::string::npos) << page;
  EXPECT_NE(page.find("<pre><code>hort restore 1a2b3c4d --target '/srv/&lt;x&gt;'\n</code></pre>"), std::string::npos);
  EXPECT_NE(page.find("<li>&quot;quoted&quot;</li>"), std::string::npos);
  EXPECT_EQ(page.find("<b>"), std::string::npos) << "nothing from the catalog reaches the page unescaped";
}

}  // namespace
}  // namespace hort
