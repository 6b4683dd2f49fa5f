// The runbook page `hort serve` shows at /runbook (?lang=de|en, ?service=S):
// the same document `hort runbook` prints, as HTML, no JavaScript.
#pragma once

#include <string>

#include "runbook/runbook_document.h"

namespace hort {

[[nodiscard]] std::string RunbookPage(const RunbookDocument& doc);

}  // namespace hort
