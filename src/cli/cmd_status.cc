// hort status: every job against its targets — OK, LATE, FAILED or NEVER.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/json_text.h"
#include "layers/layer.h"
#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "schedule/duration.h"
#include "status/status_json.h"

namespace hort::cli {

Command AddStatus(CLI::App&, GlobalOptions& g) {
  return MakeCommand(NeedsCatalog(/*state=*/true), [&g](Opened& o) {
    double now = NowSeconds();
    auto rep = BuildStatus(*o.catalog, *o.state, now);
    if (!rep.ok()) return Fail(rep.status());
    if (g.json) {
      std::printf("%s\n", JsonText(StatusJson(*rep, now)).c_str());
    } else {
      std::printf("%-14s %-8s %-20s %-11s %-7s %-17s %-8s %-6s %-17s %s\n", "SERVICE", "LAYER", "ENTRY", "CLASS",
                  "STATUS", "LAST SUCCESS", "AGE", "RPO", "NEXT RUN", "LAST ERROR");
      for (const JobStatus& s : rep->jobs) {
        std::string age = s.age_seconds >= 0 ? FormatDuration(static_cast<int64_t>(s.age_seconds / 60) * 60) : "-";
        if (age == "0s") age = "<1m";
        std::string next = FormatWhen(static_cast<double>(s.next_run));
        if (static_cast<double>(s.next_run) < now - 60) next += " (overdue)";
        std::string err = s.LastError();
        if (err.size() > 60) err = err.substr(0, 57) + "...";
        std::printf("%-14s %-8s %-20s %-11s %-7s %-17s %-8s %-6s %-17s %s\n", s.service.empty() ? "-" : s.service.c_str(),
                    s.layer.c_str(), s.entry.c_str(), s.classification.c_str(),
                    s.running ? "RUNNING" : HealthName(s.health),
                    s.last_success ? FormatWhen(s.last_success->ended).c_str() : "-", age.c_str(),
                    s.rpo_seconds ? FormatDuration(s.rpo_seconds).c_str() : "-", next.c_str(), err.c_str());
      }
    }
    return rep->critical_problem ? kExitNotCompliant : kExitOk;
  });
}

}  // namespace hort::cli
