#include "archiver/targets.h"

#include <glob.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "util/read_file.h"
#include "util/strings.h"

namespace hort {

namespace {

// The whole file, or standard input for "-".
Result<std::string> ReadAll(const std::string& path, const char* flag) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  return ReadWholeFile(path, flag);
}

// Go's bufio.ScanLines: split at '\n', drop one trailing '\r', no empty last line.
std::vector<std::string> Lines(const std::string& data) {
  std::vector<std::string> out;
  std::istringstream in(data);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> SplitRawNames(const std::string& data) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start < data.size()) {
    size_t nul = data.find('\0', start);
    if (nul == std::string::npos) return Status(Code::kInvalidArgument, "--files-from-raw: trailing zero byte missing");
    if (nul == start) return Status(Code::kInvalidArgument, "--files-from-raw: empty filename in listing");
    names.push_back(data.substr(start, nul - start));
    start = nul + 1;
  }
  return names;
}

Status CollectTargets(const TargetSources& src, std::vector<std::string>* out, std::vector<std::string>* warnings) {
  for (const auto& file : src.files_from) {
    HORT_ASSIGN_OR_RETURN(std::string data, ReadAll(file, "--files-from"));
    for (const auto& raw : Lines(data)) {
      std::string line = TrimSpace(raw);
      if (line.empty() || line[0] == '#') continue;
      glob_t g{};
      int rc = ::glob(line.c_str(), 0, nullptr, &g);
      if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
        warnings->push_back("pattern \"" + line + "\" does not match any files, skipping");
      } else if (rc != 0) {
        ::globfree(&g);
        return Status(Code::kInvalidArgument, "pattern: " + line + ": cannot expand");
      }
      for (size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) out->push_back(g.gl_pathv[i]);
      ::globfree(&g);
    }
  }
  for (const auto& file : src.files_from_verbatim) {
    HORT_ASSIGN_OR_RETURN(std::string data, ReadAll(file, "--files-from-verbatim"));
    for (auto& line : Lines(data)) {
      if (!line.empty()) out->push_back(std::move(line));
    }
  }
  for (const auto& file : src.files_from_raw) {
    HORT_ASSIGN_OR_RETURN(std::string data, ReadAll(file, "--files-from-raw"));
    HORT_ASSIGN_OR_RETURN(std::vector<std::string> names, SplitRawNames(data));
    out->insert(out->end(), names.begin(), names.end());
  }
  out->insert(out->end(), src.args.begin(), src.args.end());
  return Status::Ok();
}

Result<gojson::Timestamp> ParseBackupTime(const std::string& text) {
  std::tm tm{};
  char rest = 0;
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                      &tm.tm_min, &tm.tm_sec, &rest);
  if (n != 6 || text.size() != 19 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59) {
    return Status(Code::kInvalidArgument, "invalid --time \"" + text + "\": expected \"2006-01-02 15:04:05\"");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_isdst = -1;
  std::time_t sec = std::mktime(&tm);
  if (sec == static_cast<std::time_t>(-1)) return Status(Code::kInvalidArgument, "invalid --time \"" + text + "\"");
  return gojson::LocalTimestamp(static_cast<int64_t>(sec), 0);
}

}  // namespace hort
