#include "cli/snapshot_table.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "cli/command.h"
#include "util/strings.h"

namespace hort::cli {
namespace {

std::vector<std::string> Lines(const std::string& cell) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = cell.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(cell.substr(start, nl - start));
  out.push_back(cell.substr(start));
  return out;
}

// Columns a terminal gives the text: one per code point, as restic's
// uniseg width is for the names and tags snapshots carry.
size_t Width(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// One row, its multi-line cells spread over as many lines.
void AppendRow(const std::vector<std::string>& cells, const std::vector<size_t>& widths, std::string* out) {
  std::vector<std::vector<std::string>> split;
  size_t height = 1;
  for (const std::string& c : cells) {
    split.push_back(Lines(c));
    height = std::max(height, split.back().size());
  }
  for (size_t line = 0; line < height; ++line) {
    std::string text;
    for (size_t k = 0; k < split.size(); ++k) {
      const std::string cell = line < split[k].size() ? split[k][line] : "";
      if (k > 0) text += "  ";
      text += cell + std::string(widths[k] - std::min(widths[k], Width(cell)), ' ');
    }
    text.erase(text.find_last_not_of(' ') + 1);
    *out += text + "\n";
  }
}
}  // namespace

std::string ResticTable(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows,
                        const std::string& footer, bool blank_between_rows) {
  std::vector<size_t> widths(headers.size(), 0);
  auto widen = [&](const std::vector<std::string>& cells) {
    for (size_t k = 0; k < cells.size() && k < widths.size(); ++k) {
      for (const std::string& l : Lines(cells[k])) widths[k] = std::max(widths[k], Width(l));
    }
  };
  widen(headers);
  for (const auto& r : rows) widen(r);
  const size_t total = std::accumulate(widths.begin(), widths.end(), size_t{0}) + 2 * (widths.size() - 1);
  const std::string rule(total, '-');
  std::string out;
  AppendRow(headers, widths, &out);
  out += rule + "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (blank_between_rows && i > 0) out += "\n";
    AppendRow(rows[i], widths, &out);
  }
  out += rule + "\n";
  if (!footer.empty()) out += footer + "\n";
  return out;
}

std::string GroupKeyText(const std::string& host, const std::vector<std::string>* tags,
                         const std::vector<std::string>* paths) {
  std::vector<std::string> info;
  if (!host.empty()) info.push_back("host [" + host + "]");
  if (tags) info.push_back("tags [" + Join(*tags, ", ") + "]");
  if (paths) info.push_back("paths [" + Join(*paths, ", ") + "]");
  return info.empty() ? "" : "(" + Join(info, ", ") + ")";
}

std::string GroupHeaderText(const std::string& host, const std::vector<std::string>* tags,
                            const std::vector<std::string>* paths) {
  const std::string key = GroupKeyText(host, tags, paths);
  return key.empty() ? "" : "snapshots for " + key + ":\n";
}

std::string SnapshotTable(std::vector<const Snapshot*> list, const std::vector<std::vector<std::string>>* reasons,
                          bool compact) {
  std::map<const Snapshot*, const std::vector<std::string>*> why;  // kept with its snapshot through the sort
  for (size_t i = 0; reasons && i < list.size() && i < reasons->size(); ++i) why[list[i]] = &(*reasons)[i];
  std::stable_sort(list.begin(), list.end(), [](const Snapshot* a, const Snapshot* b) {
    return std::tie(a->time.sec, a->time.nsec) < std::tie(b->time.sec, b->time.nsec);
  });
  std::vector<std::string> headers = compact ? std::vector<std::string>{"ID", "Time", "Host", "Tags  "}
                                             : std::vector<std::string>{"ID", "Time", "Host      ", "Tags      "};
  if (!compact && reasons) headers.push_back("Reasons");
  if (!compact) headers.push_back("Paths");
  std::vector<std::vector<std::string>> rows;
  for (const Snapshot* s : list) {
    std::vector<std::string> row = {s->id.Short(), FormatLocalTime(s->time), s->hostname,
                                    Join(s->tags, compact ? "\n" : ",")};
    if (!compact && reasons) row.push_back(why.count(s) ? Join(*why[s], "\n") : "");
    if (!compact) row.push_back(Join(s->paths, "\n"));
    rows.push_back(std::move(row));
  }
  // restic parts the rows by blank lines once a snapshot has several paths (tags or reasons on
  // several lines do not).
  const bool several_paths =
      !compact && std::any_of(list.begin(), list.end(), [](const Snapshot* s) { return s->paths.size() > 1; });
  return ResticTable(headers, rows, std::to_string(list.size()) + " snapshots", several_paths);
}

}  // namespace hort::cli
