#include "format/gojson.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace hort::gojson {
namespace {

constexpr uint32_t kRuneError = 0xFFFD;

// Decodes one rune as Go's utf8.DecodeRuneInString does: returns
// (RuneError, 1) for any invalid or overlong sequence and for surrogates.
std::pair<uint32_t, size_t> DecodeRune(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  size_t n = s.size() - i;
  uint8_t c0 = b(0);
  if (c0 < 0x80) return {c0, 1};
  auto cont = [&](size_t k) { return k < n && (b(k) & 0xC0) == 0x80; };
  if (c0 >= 0xC2 && c0 <= 0xDF && cont(1)) return {(c0 & 0x1Fu) << 6 | (b(1) & 0x3Fu), 2};
  if (c0 >= 0xE0 && c0 <= 0xEF && cont(1) && cont(2)) {
    uint32_t r = (c0 & 0x0Fu) << 12 | (b(1) & 0x3Fu) << 6 | (b(2) & 0x3Fu);
    if (r >= 0x800 && (r < 0xD800 || r > 0xDFFF)) return {r, 3};
    return {kRuneError, 1};
  }
  if (c0 >= 0xF0 && c0 <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    uint32_t r = (c0 & 0x07u) << 18 | (b(1) & 0x3Fu) << 12 | (b(2) & 0x3Fu) << 6 | (b(3) & 0x3Fu);
    if (r >= 0x10000 && r <= 0x10FFFF) return {r, 4};
  }
  return {kRuneError, 1};
}

void AppendUtf8(std::string* out, uint32_t r) {
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

const char kHex[] = "0123456789abcdef";

void AppendHex(std::string* out, uint32_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) out->push_back(kHex[(v >> (4 * i)) & 15]);
}

}  // namespace

// Howard Hinnant's algorithms.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

void AppendString(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
        out->push_back(static_cast<char>(c));
      } else if (c == '"' || c == '\\') {
        out->push_back('\\');
        out->push_back(static_cast<char>(c));
      } else if (c == '\n') {
        out->append("\\n");
      } else if (c == '\r') {
        out->append("\\r");
      } else if (c == '\t') {
        out->append("\\t");
      } else {
        // Go before 1.22 (restic 0.14-0.16 builds) has no \b or \f short forms.
        out->append("\\u00");
        AppendHex(out, c, 2);
      }
      ++i;
      continue;
    }
    auto [r, n] = DecodeRune(s, i);
    if (r == kRuneError && n == 1) {
      out->append("\\ufffd");
    } else if (r == 0x2028 || r == 0x2029) {
      out->append("\\u202");
      out->push_back(r == 0x2028 ? '8' : '9');
    } else {
      out->append(s.substr(i, n));
    }
    i += n;
  }
  out->push_back('"');
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto [r, n] = DecodeRune(s, i);
    if (r == kRuneError && n == 1) return false;
    i += n;
  }
  return true;
}

bool IsPrint(uint32_t r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r < 0x7F) return true;
  if (r < 0xA0 || r == 0xA0 || r == 0xAD) return false;
  struct Range { uint32_t lo, hi; };
  static constexpr Range kNotPrint[] = {
      {0x0378, 0x0379}, {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD}, {0x070F, 0x070F},
      {0x1680, 0x1680}, {0x180E, 0x180E}, {0x2000, 0x200F}, {0x2028, 0x202F}, {0x205F, 0x2064},
      {0x2066, 0x206F}, {0x3000, 0x3000}, {0xD800, 0xF8FF}, {0xFDD0, 0xFDEF}, {0xFEFF, 0xFEFF},
      {0xFFF0, 0xFFFB}, {0xFFFE, 0xFFFF}, {0x110BD, 0x110BD}, {0x1BCA0, 0x1BCA3},
      {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF}, {0xF0000, 0x10FFFF}};
  for (const Range& range : kNotPrint) {
    if (r >= range.lo && r <= range.hi) return false;
  }
  // Per-plane noncharacters U+xFFFE/U+xFFFF.
  return (r & 0xFFFE) != 0xFFFE;
}

std::string QuoteInner(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto [r, n] = DecodeRune(s, i);
    if (r == kRuneError && n == 1) {
      out.append("\\x");
      AppendHex(&out, static_cast<uint8_t>(s[i]), 2);
    } else if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
    } else if (IsPrint(r)) {
      out.append(s.substr(i, n));
    } else {
      switch (r) {
        case '\a': out.append("\\a"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\v': out.append("\\v"); break;
        default:
          if (r < ' ' || r == 0x7F) {
            out.append("\\x");
            AppendHex(&out, r, 2);
          } else if (r < 0x10000) {
            out.append("\\u");
            AppendHex(&out, r, 4);
          } else {
            out.append("\\U");
            AppendHex(&out, r, 8);
          }
      }
    }
    i += n;
  }
  return out;
}

Result<std::string> UnquoteInner(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  auto read_hex = [&](size_t pos, int digits, uint32_t* v) -> bool {
    if (pos + static_cast<size_t>(digits) > s.size()) return false;
    *v = 0;
    for (int k = 0; k < digits; ++k) {
      int h = hexval(s[pos + static_cast<size_t>(k)]);
      if (h < 0) return false;
      *v = *v << 4 | static_cast<uint32_t>(h);
    }
    return true;
  };
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out.push_back(s[i++]);
      continue;
    }
    if (i + 1 >= s.size()) return Status(Code::kCorruption, "bad escape in quoted name");
    char e = s[i + 1];
    uint32_t v = 0;
    switch (e) {
      case 'a': out.push_back('\a'); i += 2; break;
      case 'b': out.push_back('\b'); i += 2; break;
      case 'f': out.push_back('\f'); i += 2; break;
      case 'n': out.push_back('\n'); i += 2; break;
      case 'r': out.push_back('\r'); i += 2; break;
      case 't': out.push_back('\t'); i += 2; break;
      case 'v': out.push_back('\v'); i += 2; break;
      case '\\': case '"': case '\'': out.push_back(e); i += 2; break;
      case 'x':
        if (!read_hex(i + 2, 2, &v)) return Status(Code::kCorruption, "bad \\x escape in name");
        out.push_back(static_cast<char>(v));
        i += 4;
        break;
      case 'u': case 'U': {
        int digits = e == 'u' ? 4 : 8;
        if (!read_hex(i + 2, digits, &v) || v > 0x10FFFF) {
          return Status(Code::kCorruption, "bad unicode escape in name");
        }
        AppendUtf8(&out, v);
        i += 2 + static_cast<size_t>(digits);
        break;
      }
      default:
        if (e >= '0' && e <= '7' && i + 3 < s.size()) {  // octal \NNN
          v = static_cast<uint32_t>((e - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
          out.push_back(static_cast<char>(v));
          i += 4;
          break;
        }
        return Status(Code::kCorruption, "unknown escape in quoted name");
    }
  }
  return out;
}

std::string FormatRfc3339Nano(const Timestamp& t) {
  int64_t local = t.sec + t.offset;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t secs = local - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                static_cast<long long>(y), m, d, static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  std::string out = buf;
  if (t.nsec != 0) {
    char frac[16];
    std::snprintf(frac, sizeof(frac), ".%09d", t.nsec);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  if (t.offset == 0) {
    out += 'Z';
  } else {
    int off = t.offset < 0 ? -t.offset : t.offset;
    std::snprintf(buf, sizeof(buf), "%c%02d:%02d", t.offset < 0 ? '-' : '+', off / 3600, off / 60 % 60);
    out += buf;
  }
  return out;
}

Result<Timestamp> ParseRfc3339(std::string_view s) {
  auto bad = [&] { return Status(Code::kCorruption, "invalid timestamp '" + std::string(s) + "'"); };
  auto num = [&](size_t pos, size_t len, int64_t* v) {
    if (pos + len > s.size()) return false;
    *v = 0;
    for (size_t k = 0; k < len; ++k) {
      char c = s[pos + k];
      if (c < '0' || c > '9') return false;
      *v = *v * 10 + (c - '0');
    }
    return true;
  };
  int64_t y, mo, d, h, mi, se;
  if (!num(0, 4, &y) || s.size() < 20 || s[4] != '-' || !num(5, 2, &mo) || s[7] != '-' ||
      !num(8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, &h) ||
      s[13] != ':' || !num(14, 2, &mi) || s[16] != ':' || !num(17, 2, &se)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return bad();
  size_t pos = 19;
  int32_t nsec = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) nsec = nsec * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int k = digits; k < 9; ++k) nsec *= 10;
  }
  int32_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int64_t oh, om;
    if (!num(pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !num(pos + 4, 2, &om)) {
      return bad();
    }
    offset = static_cast<int32_t>((oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1));
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  int64_t local = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                  h * 3600 + mi * 60 + se;
  return Timestamp{local - offset, nsec, offset};
}

Timestamp LocalTimestamp(int64_t sec, int32_t nsec) {
  time_t tt = static_cast<time_t>(sec);
  struct tm tm_local {};
  localtime_r(&tt, &tm_local);
  return Timestamp{sec, nsec, static_cast<int32_t>(tm_local.tm_gmtoff)};
}

Timestamp Now() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
  return LocalTimestamp(ns / 1000000000, static_cast<int32_t>(ns % 1000000000));
}

}  // namespace hort::gojson
