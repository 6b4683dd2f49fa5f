#include "format/sax_decoder.h"

#include <cmath>

namespace hort {

Status SaxDecoder::Parse(std::string_view text) {
  bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), this);
  if (!status_.ok()) return status_;
  if (!ok || !root_seen_) return Status(Code::kCorruption, what_ + ": not a JSON object");
  return Status::Ok();
}

bool SaxDecoder::number_integer(number_integer_t v) {
  number_ = static_cast<uint64_t>(v);  // as nlohmann's get<unsigned>() converts a negative number
  whole_unsigned_ = v >= 0;
  return Value(Kind::kNumber);
}

bool SaxDecoder::number_unsigned(number_unsigned_t v) {
  number_ = v;
  whole_unsigned_ = true;
  return Value(Kind::kNumber);
}

bool SaxDecoder::number_float(number_float_t v, const string_t&) {
  // Converted (truncated) where a 64-bit integer can hold it; anything else
  // is not a number any field of these files can take.
  if (!std::isfinite(v) || v <= -9.2e18 || v >= 1.8e19) return Value(Kind::kOther);
  number_ = v >= 0 ? static_cast<uint64_t>(v) : static_cast<uint64_t>(static_cast<int64_t>(v));
  whole_unsigned_ = false;
  return Value(Kind::kNumber);
}

bool SaxDecoder::string(string_t& s) {
  string_ = &s;
  return Value(Kind::kString);
}

bool SaxDecoder::key(string_t& k) {
  if (skip_ == 0) key_.assign(k);
  return true;
}

bool SaxDecoder::parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
  return Fail("invalid JSON at byte " + std::to_string(position) + ": " + e.what());
}

bool SaxDecoder::Close() {
  if (skip_ > 0) {
    --skip_;
    return true;
  }
  uint8_t context = stack_.back();
  stack_.pop_back();
  return Closed(context);
}

bool SaxDecoder::Fail(const std::string& why) {
  if (status_.ok()) status_ = Status(Code::kCorruption, what_ + ": " + why);
  return false;
}

std::optional<Id> SaxDecoder::TextAsId() {
  auto id = Id::Parse(*string_);
  if (!id) Fail("invalid ID");
  return id;
}

}  // namespace hort
