// Alertmanager silences (API v2) for the duration of a restore test, so a
// test's side effects page nobody — and expired again when the test ends.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "util/status.h"

namespace hort {

class HttpClient;

struct SilenceMatcher {
  std::string name, value;
  bool is_regex = false;
};

class AlertmanagerClient {
 public:
  explicit AlertmanagerClient(std::string base_url);  // e.g. http://127.0.0.1:9093
  ~AlertmanagerClient();

  // Creates a silence from now until now + seconds; returns its ID.
  [[nodiscard]] Result<std::string> CreateSilence(const std::vector<SilenceMatcher>& matchers, double seconds,
                                                  const std::string& comment);
  [[nodiscard]] Status ExpireSilence(const std::string& id);
  // "active", "expired" or "pending".
  [[nodiscard]] Result<std::string> SilenceState(const std::string& id);

 private:
  std::string base_;
  std::unique_ptr<HttpClient> http_;
};

// A regex value matching exactly the given names (special characters escaped).
[[nodiscard]] std::string ExactAlternation(const std::vector<std::string>& names);

}  // namespace hort
