#include "status/summary.h"

#include <algorithm>

namespace hort {

namespace {

int Rank(const std::string& kind) {
  static const char* kOrder[] = {"failed", "late", "never ran", "overdue", "test failed", "test overdue"};
  for (int i = 0; i < 6; ++i) {
    if (kind == kOrder[i]) return i;
  }
  return 6;
}

}  // namespace

std::vector<Problem> FindProblems(const StatusReport& rep, const std::vector<TestPlanEntry>& tests, double now) {
  std::vector<Problem> out;
  for (const JobStatus& s : rep.jobs) {
    const bool critical = s.classification == "critical";
    if (s.health == Health::kFailed) out.push_back({s.job->id, "failed", critical});
    else if (s.health == Health::kLate) out.push_back({s.job->id, "late", critical});
    else if (s.health == Health::kNever && !s.running) out.push_back({s.job->id, "never ran", critical});
    // A missed slot is news even while the last success is still within the RPO.
    else if (!s.running && static_cast<double>(s.next_run) < now - 60) out.push_back({s.job->id, "overdue", critical});
  }
  for (const TestPlanEntry& t : tests) {
    // A test proves its scope restorable: critical when a service in it is.
    const bool critical = std::any_of(t.spec->services.begin(), t.spec->services.end(),
                                      [](const Service* s) { return s->classification == Classification::kCritical; });
    if (t.last && t.last->result != RunResult::kSuccess && t.last->result != RunResult::kRunning) {
      out.push_back({"test " + t.spec->id, "test failed", critical});
    } else if (t.due) {
      out.push_back({"test " + t.spec->id, "test overdue", critical});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Problem& a, const Problem& b) {
    if (Rank(a.kind) != Rank(b.kind)) return Rank(a.kind) < Rank(b.kind);
    return a.critical && !b.critical;
  });
  return out;
}

std::string Summary(const std::vector<Problem>& problems, size_t jobs) {
  if (problems.empty()) {
    return "All " + std::to_string(jobs) + " jobs are within their RPO and no restore test is overdue.";
  }
  std::string s = std::to_string(problems.size()) + (problems.size() == 1 ? " problem: " : " problems: ");
  constexpr size_t kNamed = 8;  // the rest are in the table; the sentence stays readable
  for (size_t i = 0; i < problems.size() && i < kNamed; ++i) {
    const Problem& p = problems[i];
    std::string kind = p.kind.rfind("test ", 0) == 0 ? p.kind.substr(5) : p.kind;
    s += (i ? "; " : "") + p.what + " " + kind;
  }
  if (problems.size() > kNamed) s += "; and " + std::to_string(problems.size() - kNamed) + " more";
  return s;
}

}  // namespace hort
