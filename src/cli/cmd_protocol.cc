// hort protocol: the strategy's restore-test protocol table, filled from the
// state (Datum | Test-ID | Ergebnis | Issues / Follow-ups | Owner).
#include <cstdio>
#include <ctime>

#include "cli/protocol_view.h"
#include "cli/json_text.h"
#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "util/local_time.h"
#include "cli/table.h"
#include "cli/test_views.h"
#include "schedule/duration.h"

namespace hort::cli {
namespace {

struct ProtocolFlags {
  bool markdown = false;
  std::string since, lang = "de", test;
};

struct Words {
  const char *date, *id, *result, *issues, *owner, *pass, *fail, *restore, *rto, *files, *objects, *blocks, *none;
};
constexpr Words kGerman{"Datum", "Test-ID", "Ergebnis", "Issues / Follow-ups", "Owner", "bestanden",
                        "fehlgeschlagen", "Wiederherstellung", "RTO", "Dateien", "Objekte", "Blöcke", "keine"};
constexpr Words kEnglish{"Date", "Test ID", "Result", "Issues / Follow-ups", "Owner", "pass",
                         "fail", "restore", "RTO", "files", "objects", "blocks", "none"};

// "2026-01-01" (local midnight) or a duration back from now ("90d").
Result<double> ParseSince(const std::string& text, double now) {
  if (text.empty()) return 0.0;
  auto date = ParseLocalTime(text, {"%Y-%m-%d"});
  if (date.ok()) return static_cast<double>(*date);
  if (date.status().code() != Code::kNotFound) return Status(date.status().code(), "--since: " + date.status().message());
  auto d = ParseDurationSeconds(text);
  if (!d.ok()) return Status(Code::kInvalidArgument, "--since: expected a date like 2026-01-01 or a duration like 90d, got \"" + text + "\"");
  return now - static_cast<double>(*d);
}

std::string ResultCell(const TestRecord& r, const Words& w) {
  std::string out = r.result == RunResult::kSuccess ? w.pass : w.fail;
  out += " (" + std::string(w.restore) + " " + FormatSeconds(r.restore_seconds);
  if (r.rto_target_seconds) out += " / " + std::string(w.rto) + " " + FormatDuration(r.rto_target_seconds);
  if (r.type == "resources") {  // a resources test restores cluster objects, counted, not bytes
    out += ", " + std::to_string(r.files) + " " + w.objects + ")";
  } else {
    // A volume test counts the blocks it restored in `files`, as `test run` prints them.
    const char* unit = r.type == "volume" ? w.blocks : w.files;
    out += ", " + FormatBytes(r.bytes) + ", " + std::to_string(r.files) + " " + unit + ", " + FormatRate(r.Throughput()) + ")";
  }
  return out;
}

}  // namespace

std::string ProtocolTable(const std::vector<TestRecord>& oldest_first, const std::string& lang, bool markdown) {
  const Words& w = lang == "en" ? kEnglish : kGerman;
  Table t({w.date, w.id, w.result, w.issues, w.owner});
  for (const auto& r : oldest_first) {
    std::string issues = JoinLines(r.findings, "; ");
    t.Row({FormatWhen(r.started), r.test, ResultCell(r, w), issues.empty() ? w.none : issues, r.responsible});
  }
  return t.Render(markdown);
}

Command AddProtocol(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<ProtocolFlags>();
  sub.add_flag("--markdown", f->markdown, "print a Markdown table");
  sub.add_option("--since", f->since, "only tests since a date (2026-01-01) or a duration back from now (90d)");
  sub.add_option("--lang", f->lang, "headings and words: de (the strategy's) or en")->check(CLI::IsMember({"de", "en"}));
  sub.add_option("--test", f->test, "only this test ID");
  return MakeCommand(NeedsCatalog(/*state=*/true), [f, &g](Opened& o) {
    auto since = ParseSince(f->since, NowSeconds());
    if (!since.ok()) return Fail(since.status());
    if (!f->test.empty() && !o.catalog->FindTest(f->test)) {  // a test no longer planned keeps its rows
      auto any = o.state->LastTest(f->test);
      if (!any.ok()) return Fail(any.status());
      if (!*any) {
        return Fail(Status(Code::kInvalidArgument, "--test: no test \"" + f->test + "\" in " + o.catalog->path +
                                                       " and none recorded (see `hort test list`)"));
      }
    }
    auto rows = o.state->Tests(f->test, *since, 100000);
    if (!rows.ok()) return Fail(rows.status());
    std::reverse(rows->begin(), rows->end());  // a protocol reads oldest first
    if (g.json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& r : *rows) j.push_back(TestRecordJson(r));
      std::printf("%s\n", JsonText(j).c_str());
      return kExitOk;
    }
    std::printf("%s", ProtocolTable(*rows, f->lang, f->markdown).c_str());
    return kExitOk;
  });
}

}  // namespace hort::cli
