#include "cli/table.h"

#include <algorithm>
#include <cstdio>

#include "cli/command.h"
#include "schedule/duration.h"
#include "util/strings.h"

namespace hort::cli {
namespace {

// Display width: UTF-8 continuation bytes take no column.
size_t Width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

std::string MarkdownCell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += "<br>";
    else out += c;
  }
  out = TerminalSafe(out);
  return out.empty() ? " " : out;
}

// Cells hold names read from repositories and stores: a control character
// other than the newline (shown as ';') is shown as \xNN, never sent raw.
std::string PlainCell(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ';');
  s = TerminalSafe(s);
  return s.empty() ? "-" : s;
}

}  // namespace

std::string Table::Render(bool markdown) const {
  std::vector<std::vector<std::string>> all;
  all.push_back(headers_);
  for (const auto& r : rows_) all.push_back(r);
  for (auto& r : all) {
    r.resize(headers_.size());
    for (auto& c : r) c = markdown ? MarkdownCell(c) : PlainCell(c);
  }
  std::string out;
  if (markdown) {
    for (size_t i = 0; i < all.size(); ++i) {
      out += "|";
      for (const auto& c : all[i]) out += " " + c + " |";
      out += "\n";
      if (i == 0) {
        out += "|";
        for (size_t k = 0; k < headers_.size(); ++k) out += "---|";
        out += "\n";
      }
    }
    return out;
  }
  std::vector<size_t> widths(headers_.size(), 0);
  for (const auto& r : all) {
    for (size_t k = 0; k < r.size(); ++k) widths[k] = std::max(widths[k], Width(r[k]));
  }
  for (const auto& r : all) {
    std::string line;
    for (size_t k = 0; k < r.size(); ++k) {
      line += r[k];
      if (k + 1 < r.size()) line += std::string(widths[k] - Width(r[k]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string FormatRate(double bps) { return FormatBytes(static_cast<uint64_t>(bps)) + "/s"; }

std::string FormatSeconds(double s) { return FormatElapsed(s); }

}  // namespace hort::cli
