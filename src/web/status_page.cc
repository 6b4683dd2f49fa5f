#include "web/status_page.h"

#include "layers/layer.h"
#include "schedule/duration.h"
#include "util/local_time.h"
#include "web/html.h"

namespace hort {

std::string StatusPage(const StatusReport& rep, const std::string& summary, double now) {
  std::string h =
      "<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"30\">"
      "<title>hort — backups</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}.OK{color:#080}.LATE{color:#b60}"
      ".FAILED{color:#c00;font-weight:bold}.NEVER{color:#888}</style></head><body><h1>Backups</h1>";
  h += "<p id=\"summary\">" + Html(summary) +
       "</p><table id=\"jobs\"><tr><th>Service</th><th>Layer</th><th>Entry</th><th>Class</th><th>Status</th>"
       "<th>Last success</th><th>Age</th><th>RPO</th><th>Next run</th><th>Last error</th></tr>";
  for (const JobStatus& s : rep.jobs) {
    std::string health = s.running ? "RUNNING" : HealthName(s.health);
    h += "<tr data-job=\"" + Html(s.job->id) + "\"><td>" + Html(s.service) + "</td><td>" + Html(s.layer) + "</td><td>" +
         Html(s.entry) + "</td><td>" + Html(s.classification) + "</td><td class=\"status " + health + "\">" + health +
         "</td><td>" + (s.last_success ? FormatWhen(s.last_success->ended) : "-") + "</td><td>" +
         (s.age_seconds >= 0 ? FormatDuration(static_cast<int64_t>(s.age_seconds)) : "-") + "</td><td>" +
         (s.rpo_seconds ? FormatDuration(s.rpo_seconds) : "-") + "</td><td>" +
         FormatWhen(static_cast<double>(s.next_run)) + (static_cast<double>(s.next_run) < now - 60 ? " (overdue)" : "") +
         "</td><td>" + Html(s.LastError()) +
         "</td></tr>";
  }
  h += "</table>";
  return h + "<p><a href=\"/metrics\">metrics</a> · <a href=\"/status\">status JSON</a> · "
                "<a href=\"/runbook\">restore runbook</a> (<a href=\"/runbook?lang=de\">deutsch</a>)</p></body></html>\n";
}

}  // namespace hort
