// hort runbook: the restore runbook per service and scenario (files lost,
// namespace deleted, volume lost, cluster lost) with the newest backups the
// state recorded, the exact commands, the covering restore tests and what
// they last measured against the RTO — as text, Markdown or JSON, in German
// or English. `hort serve` shows the same at /runbook.
#include <cstdio>

#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "cli/json_text.h"
#include "runbook/runbook_document.h"
#include "runbook/runbook_json.h"

namespace hort::cli {
namespace {

struct RunbookFlags {
  std::string service, lang;
  bool markdown = false;
};

}  // namespace

Command AddRunbook(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<RunbookFlags>();
  sub.add_option("-s,--service", f->service, "only this service (and the cluster-lost section)");
  sub.add_flag("--markdown", f->markdown, "print Markdown (for the strategy document)");
  sub.add_option("--lang", f->lang, "de or en (default: de when LC_ALL/LC_MESSAGES/LANG starts with de, else en)");
  Command c = MakeCommand(NeedsCatalog(/*state=*/true), [f, &g](Opened& o) {
    auto rb = BuildRunbook(*o.catalog, *o.state, NowSeconds(), f->service);
    if (!rb.ok()) return Fail(rb.status());
    if (g.json) {
      std::printf("%s\n", JsonText(RunbookJson(*rb)).c_str());
      return kExitOk;
    }
    const Language lang = f->lang.empty() ? LanguageFromEnvironment() : *ParseLanguage(f->lang);
    const RunbookDocument doc = MakeRunbookDocument(*rb, lang);
    std::printf("%s", (f->markdown ? RenderRunbookMarkdown(doc) : RenderRunbookText(doc)).c_str());
    return kExitOk;
  });
  c.validate = [f]() -> Status { return f->lang.empty() ? Status::Ok() : ParseLanguage(f->lang).status(); };
  return c;
}

}  // namespace hort::cli
