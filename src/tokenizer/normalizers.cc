// Normalizers with Hugging Face `tokenizers` semantics. Prepend adds its text only to non-empty
// input, as HF does; Strip trims White_Space characters (Rust's char::is_whitespace).
// Offsets are not tracked: encode() returns ids only, so alignment bookkeeping would be dead weight.
#include "tokenizer/normalizers.h"

#include <vector>

#include "tokenizer/nfc.h"
#include "tokenizer/unicode.h"

namespace iwsi {
namespace {

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<const Normalizer>> steps)
      : steps_(std::move(steps)) {}
  std::string normalize(std::string text) const override {
    for (const auto& step : steps_) text = step->normalize(std::move(text));
    return text;
  }

 private:
  std::vector<std::unique_ptr<const Normalizer>> steps_;
};

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string normalize(std::string text) const override {
    return text.empty() || prefix_.empty() ? text : prefix_ + text;
  }

 private:
  std::string prefix_;
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {}
  std::string normalize(std::string text) const override { return replace_all(text, from_, to_); }

 private:
  std::string from_, to_;
};

class NfcNormalizer : public Normalizer {
 public:
  std::string normalize(std::string text) const override { return unicode::nfc(text); }
};

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(std::string text) const override {
    const std::vector<char32_t> chars = unicode::to_code_points(text);
    size_t begin = 0, end = chars.size();
    while (left_ && begin < end && unicode::is_whitespace(chars[begin])) ++begin;
    while (right_ && end > begin && unicode::is_whitespace(chars[end - 1])) --end;
    return unicode::to_utf8(std::vector<char32_t>(chars.begin() + begin, chars.begin() + end));
  }

 private:
  bool left_, right_;
};

}  // namespace

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (size_t hit = text.find(from); hit != std::string_view::npos; hit = text.find(from, pos)) {
    out.append(text.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(text.substr(pos));
  return out;
}

std::string literal_pattern(const JsonField& pattern) {
  if (pattern.has("String")) {
    std::string literal = pattern["String"].as_string();
    if (literal.empty()) pattern.fail("an empty String pattern is not supported");
    return literal;
  }
  if (pattern.has("Regex")) {
    pattern["Regex"].fail("regex patterns are not supported here (only String patterns): ",
                          pattern["Regex"].as_string());
  }
  pattern.fail("expected {\"String\": ...}");
}

std::unique_ptr<const Normalizer> make_normalizer(const JsonField& config, bool for_continuation) {
  const std::string type = config["type"].as_string();
  if (type == "Sequence") {
    const JsonField list = config["normalizers"];
    std::vector<std::unique_ptr<const Normalizer>> steps;
    for (size_t i = 0; i < list.size(); ++i) steps.push_back(make_normalizer(list.at(i), for_continuation));
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  if (type == "Prepend") {
    const std::string prefix = config["prepend"].as_string();
    return std::make_unique<PrependNormalizer>(for_continuation ? std::string() : prefix);
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(literal_pattern(config["pattern"]),
                                               config["content"].as_string());
  }
  if (type == "NFC") return std::make_unique<NfcNormalizer>();
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(config.bool_or("strip_left", true),
                                             config.bool_or("strip_right", true));
  }
  config["type"].fail("unsupported normalizer type '", type,
                      "' (supported: Sequence, Prepend, Replace, NFC, Strip)");
}

}  // namespace iwsi
