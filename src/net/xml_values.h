// The few XML values hort reads (S3's listings and error answers): by tag,
// without a parser, as S3 writes them flat and without attributes.
#pragma once

#include <string>
#include <vector>

namespace hort {

// Values of every <tag>...</tag> inside `xml`, in order; unescaped unless
// they are elements to be read further (XmlValues again unescapes those).
[[nodiscard]] std::vector<std::string> XmlValues(const std::string& xml, const std::string& tag,
                                                 bool unescape = true);

}  // namespace hort
