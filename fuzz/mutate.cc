#include "mutate.h"

#include <array>
#include <cctype>
#include <cstring>

namespace hort::fuzz {
namespace {

size_t Pick(std::mt19937_64& rng, size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); }

// Tokens that make text parsers take their less travelled branches.
constexpr std::array<const char*, 22> kTokens = {
    "{", "}", "[", "]", "\"", ":", ",", "null", "true", "-", "\\u0000", "\\ud800", "\n", "- ", ": ", "&a", "*a",
    "!!binary ", "0x", "..", "/", "%"};
constexpr std::array<const char*, 9> kNumbers = {"0",  "-1", "4294967295", "4294967296", "18446744073709551615",
                                                  "18446744073709551616", "-9223372036854775809", "1e999", "0.5"};

void FlipBits(std::string* d, std::mt19937_64& rng) {
  if (d->empty()) return;
  size_t n = 1 + Pick(rng, 4);
  for (size_t i = 0; i < n; ++i) (*d)[Pick(rng, d->size())] ^= static_cast<char>(1u << Pick(rng, 8));
}

void Truncate(std::string* d, std::mt19937_64& rng) { d->resize(Pick(rng, d->size() + 1)); }

void InsertSlice(std::string* d, std::mt19937_64& rng) {
  if (d->empty()) return;
  size_t from = Pick(rng, d->size());
  size_t len = 1 + Pick(rng, std::min<size_t>(d->size() - from, 256));
  std::string slice = d->substr(from, len);
  size_t times = Pick(rng, 8) == 0 ? 1 + Pick(rng, 64) : 1;  // sometimes repeat it: deep nesting, long lists
  std::string ins;
  for (size_t i = 0; i < times; ++i) ins += slice;
  d->insert(Pick(rng, d->size() + 1), ins);
}

void EraseSlice(std::string* d, std::mt19937_64& rng) {
  if (d->empty()) return;
  size_t from = Pick(rng, d->size());
  d->erase(from, 1 + Pick(rng, std::min<size_t>(d->size() - from, 64)));
}

void ExtremeField(std::string* d, std::mt19937_64& rng) {
  size_t width = Pick(rng, 2) ? 4 : 8;
  if (d->size() < width) return;
  static constexpr std::array<uint8_t, 3> kFill = {0x00, 0xff, 0x7f};
  size_t at = Pick(rng, d->size() - width + 1);
  std::memset(d->data() + at, kFill[Pick(rng, kFill.size())], width);
  if ((*d)[at] == 0x7f) (*d)[at] = static_cast<char>(0xff), (*d)[at + width - 1] = 0x7f;  // little-endian max signed
}

void ExtremeNumber(std::string* d, std::mt19937_64& rng) {
  // The digit run around a random position, else a random place.
  size_t at = Pick(rng, d->size() + 1);
  size_t start = at, end = at;
  for (size_t tries = 0; tries < d->size() && start < d->size() && !std::isdigit(static_cast<unsigned char>((*d)[start]));
       ++tries) {
    start = (start + 1) % d->size();
  }
  end = start;
  while (end < d->size() && std::isdigit(static_cast<unsigned char>((*d)[end]))) ++end;
  if (start > d->size()) start = end = d->size();
  d->replace(start, end - start, kNumbers[Pick(rng, kNumbers.size())]);
}

void InsertToken(std::string* d, std::mt19937_64& rng) {
  d->insert(Pick(rng, d->size() + 1), kTokens[Pick(rng, kTokens.size())]);
}

}  // namespace

void Mutate(std::string* data, std::mt19937_64& rng) {
  using Fn = void (*)(std::string*, std::mt19937_64&);
  static constexpr std::array<Fn, 7> kMutations = {FlipBits,     Truncate,      InsertSlice, EraseSlice,
                                                   ExtremeField, ExtremeNumber, InsertToken};
  size_t n = 1 + Pick(rng, 3);
  for (size_t i = 0; i < n; ++i) kMutations[Pick(rng, kMutations.size())](data, rng);
}

}  // namespace hort::fuzz
