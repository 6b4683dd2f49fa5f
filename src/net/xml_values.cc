// The few XML values hort reads: S3's listings and error answers.
#include "net/xml_values.h"

#include <cstring>
#include <utility>

namespace hort {
namespace {

std::string XmlUnescape(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : kEntities) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += std::strlen(to)) {
      s.replace(pos, std::strlen(from), to);
    }
  }
  return s;
}

}  // namespace

std::vector<std::string> XmlValues(const std::string& xml, const std::string& tag, bool unescape) {
  std::vector<std::string> out;
  std::string open = "<" + tag + ">", close = "</" + tag + ">";
  for (size_t pos = 0;;) {
    size_t a = xml.find(open, pos);
    if (a == std::string::npos) break;
    size_t b = xml.find(close, a);
    if (b == std::string::npos) break;
    std::string value = xml.substr(a + open.size(), b - a - open.size());
    out.push_back(unescape ? XmlUnescape(std::move(value)) : std::move(value));
    pos = b + close.size();
  }
  return out;
}

}  // namespace hort
