// Small string helpers more than one concept needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hort {

// "a, b, c" from {"a", "b", "c"} and ", ".
[[nodiscard]] inline std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

// `s` without leading and trailing ASCII white space (Go's strings.TrimSpace
// on ASCII, which restic applies to list and exclude-file lines).
[[nodiscard]] inline std::string TrimSpace(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n\v\f";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

// `word` as one /bin/sh word: as it is when it holds only characters the
// shell takes literally, else in single quotes (a ' inside as '\'').
[[nodiscard]] inline std::string ShellWord(std::string_view word) {
  auto safe = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_-./:@%+=,").find(c) != std::string_view::npos;
  };
  bool plain = !word.empty();
  for (char c : word) plain = plain && safe(c);
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `text` for a terminal: control characters (a name read from a store can
// hold ESC, which would drive the terminal) shown as \xNN, the C1 ones
// (U+0080..U+009F, CSI among them) as their two UTF-8 bytes; every other
// byte, UTF-8 included, as it is.
[[nodiscard]] inline std::string TerminalSafe(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto escape = [](std::string& out, unsigned char b) {
    out += "\\x";
    out += kHex[b >> 4];
    out += kHex[b & 15];
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (b == 0xc2 && next >= 0x80 && next <= 0x9f) {
      escape(out, b);
      escape(out, next);
      ++i;
    } else if (b < 0x20 || b == 0x7f) {
      escape(out, b);
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace hort
