// Plumbing shared by the SAX decoders of restic's JSON files (index files
// and trees, decoded without building a DOM): scalars are captured and
// handed to Scalar(), the current field name is kept, values nobody asked
// for are skipped whole, contexts are tracked on a stack, and the first
// error is kept.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "format/id.h"
#include "util/status.h"

namespace hort {

class SaxDecoder : public nlohmann::json_sax<nlohmann::json> {
 public:
  // `what` prefixes every error ("index", "tree").
  explicit SaxDecoder(std::string what) : what_(std::move(what)) {}

  // Parses `text`; Corruption unless it is one JSON object the decoder accepted.
  [[nodiscard]] Status Parse(std::string_view text);

  bool null() final { return Value(Kind::kNull); }
  bool boolean(bool) final { return Value(Kind::kOther); }
  bool number_integer(number_integer_t v) final;
  bool number_unsigned(number_unsigned_t v) final;
  bool number_float(number_float_t v, const string_t&) final;
  bool string(string_t& s) final;
  bool binary(binary_t&) final { return Value(Kind::kOther); }
  bool start_object(std::size_t) final { return skip_ > 0 ? Skip() : OpenObject(); }
  bool start_array(std::size_t) final { return skip_ > 0 ? Skip() : OpenArray(); }
  bool end_object() final { return Close(); }
  bool end_array() final { return Close(); }
  bool key(string_t& k) final;
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) final;

 protected:
  enum class Kind : uint8_t { kNull, kNumber, kString, kOther };
  static constexpr uint8_t kOutside = 0;  // Top() before the root object opens

  // A scalar, or an object or array opening, where the decoder is (never
  // inside a skipped value). Return Skip(), Enter(), true or Fail().
  virtual bool Scalar(Kind kind) = 0;
  virtual bool OpenObject() = 0;
  virtual bool OpenArray() = 0;
  // An object or array entered with Enter(context) has closed.
  virtual bool Closed(uint8_t /*context*/) { return true; }

  bool Skip() {
    ++skip_;
    return true;
  }
  bool Enter(uint8_t context) {
    if (stack_.empty()) root_seen_ = true;
    stack_.push_back(context);
    return true;
  }
  [[nodiscard]] uint8_t Top() const { return stack_.empty() ? kOutside : stack_.back(); }
  bool Fail(const std::string& why);

  [[nodiscard]] const std::string& field() const { return key_; }  // the current object key
  [[nodiscard]] const std::string& text() const { return *string_; }
  [[nodiscard]] uint64_t number() const { return number_; }
  // The number was written as a non-negative integer (not converted).
  [[nodiscard]] bool whole_unsigned() const { return whole_unsigned_; }
  // The current string as an ID; fails the decode when it is none.
  [[nodiscard]] std::optional<Id> TextAsId();

 private:
  bool Value(Kind kind) { return skip_ > 0 ? true : Scalar(kind); }
  bool Close();

  std::string what_;
  Status status_;
  std::vector<uint8_t> stack_;
  std::string key_;
  const std::string* string_ = nullptr;
  uint64_t number_ = 0;
  bool whole_unsigned_ = false;
  bool root_seen_ = false;
  int skip_ = 0;  // depth inside a value nobody asked for
};

}  // namespace hort
