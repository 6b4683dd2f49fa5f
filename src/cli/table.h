// Tables for the report-like commands (test list, protocol, report, dr):
// aligned plain text for terminals, or GitHub-flavoured Markdown that can be
// pasted into the strategy document.
#pragma once

#include <string>
#include <vector>

namespace hort::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void Row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  [[nodiscard]] bool empty() const { return rows_.empty(); }
  [[nodiscard]] std::string Render(bool markdown) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "1.5 MiB/s"
[[nodiscard]] std::string FormatRate(double bytes_per_second);
// "12.3 s", "4m 5s"
[[nodiscard]] std::string FormatSeconds(double seconds);

}  // namespace hort::cli
