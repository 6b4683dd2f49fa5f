// hort metrics: the /metrics exposition once, to stdout or as a
// node-exporter textfile.
#include <cstdio>
#include <optional>

#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "metrics/exposition.h"

namespace hort::cli {

Command AddMetrics(CLI::App& sub, GlobalOptions& g) {
  auto textfile = std::make_shared<std::string>();
  sub.add_option("--textfile", *textfile, "write to this file (atomically) for node-exporter's textfile collector");
  return MakeCommand(NeedsCatalog(/*state=*/true), [textfile, &g](Opened& o) {
    std::optional<CoverageSample> coverage;
    if (CatalogNamesCluster(*o.catalog)) coverage = SampleCoverage(*o.catalog);
    auto text = RenderMetrics({o.catalog.get(), o.state.get(), nullptr, NowSeconds(), 0,
                               coverage ? &*coverage : nullptr});
    if (!text.ok()) return Fail(text.status());
    if (textfile->empty()) {
      std::fwrite(text->data(), 1, text->size(), stdout);
      return kExitOk;
    }
    Status s = WriteTextfile(*textfile, *text);
    return s.ok() ? kExitOk : Fail(s);
  });
}

}  // namespace hort::cli
