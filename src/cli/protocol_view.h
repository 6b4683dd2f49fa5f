// The strategy's restore-test protocol table (Datum | Test-ID | Ergebnis |
// Issues / Follow-ups | Owner): `hort protocol` prints it, `hort serve`
// shows it at /protocol.
#pragma once

#include <string>
#include <vector>

#include "state/state.h"

namespace hort::cli {

// `lang` "de" (the strategy's words) or "en"; Markdown or aligned text.
[[nodiscard]] std::string ProtocolTable(const std::vector<TestRecord>& oldest_first, const std::string& lang, bool markdown);

}  // namespace hort::cli
