// Decoders with the semantics of Hugging Face's Rust `tokenizers` (which transformers' fast
// tokenizers run): ByteFallback turns a run of <0xXX> tokens into its UTF-8 text, or into one U+FFFD
// per byte when the run is not valid UTF-8; ByteLevel maps all tokens back to bytes at once and decodes
// them lossily; Metaspace drops the replacement character from the first token.
#include "tokenizer/decoders.h"

#include "tokenizer/byte_level.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/unicode.h"

namespace iwsi {
namespace {

constexpr const char* kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<const Decoder>> steps) : steps_(std::move(steps)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (const auto& step : steps_) tokens = step->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<const Decoder>> steps_;
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& token : tokens) token = replace_all(token, from_, to_);
    return tokens;
  }

 private:
  std::string from_, to_;
};

// The byte of a "<0xXX>" token, or -1.
int byte_token_value(const std::string& token) {
  if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return -1;
  int value = 0;
  for (char c : token.substr(3, 2)) {
    const int digit = (c >= '0' && c <= '9') ? c - '0'
                      : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                      : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                               : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

class ByteFallbackDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    std::string pending_bytes;
    auto flush = [&] {
      if (pending_bytes.empty()) return;
      if (unicode::is_valid_utf8(pending_bytes)) {
        out.push_back(pending_bytes);
      } else {
        for (size_t i = 0; i < pending_bytes.size(); ++i) out.emplace_back(kReplacementChar);
      }
      pending_bytes.clear();
    };
    for (std::string& token : tokens) {
      const int byte = byte_token_value(token);
      if (byte >= 0) {
        pending_bytes.push_back(static_cast<char>(byte));
        continue;
      }
      flush();
      out.push_back(std::move(token));
    }
    flush();
    return out;
  }
};

class FuseDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string joined;
    for (const std::string& token : tokens) joined += token;
    return {joined};
  }
};

// Removes up to `start` leading and `stop` trailing copies of one character from every token.
class StripDecoder : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop) : content_(content), start_(start), stop_(stop) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& token : tokens) {
      const std::vector<char32_t> chars = unicode::to_code_points(token);
      size_t begin = 0, end = chars.size();
      while (begin < start_ && begin < end && chars[begin] == content_) ++begin;
      while (chars.size() - end < stop_ && end > begin && chars[end - 1] == content_) --end;
      token = unicode::to_utf8(std::vector<char32_t>(chars.begin() + begin, chars.begin() + end));
    }
    return tokens;
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

class ByteLevelDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      // A token outside the byte-level alphabet (e.g. an added token) contributes its own UTF-8.
      if (!byte_level::symbols_to_bytes(token, bytes)) bytes += token;
    }
    return {unicode::utf8_lossy(bytes)};
  }
};

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool drop_from_first)
      : replacement_(std::move(replacement)), drop_from_first_(drop_from_first) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      tokens[i] = replace_all(tokens[i], replacement_, i == 0 && drop_from_first_ ? "" : " ");
    }
    return tokens;
  }

 private:
  std::string replacement_;
  bool drop_from_first_;
};

char32_t single_char(const JsonField& field) {
  const std::vector<char32_t> chars = unicode::to_code_points(field.as_string());
  if (chars.size() != 1) field.fail("expected a single character");
  return chars[0];
}

std::unique_ptr<const Decoder> make_metaspace_decoder(const JsonField& config) {
  single_char(config["replacement"]);
  bool drop_from_first = true;  // prepend_scheme "always" or "first"
  if (config.has("prepend_scheme")) {
    drop_from_first = config["prepend_scheme"].as_string() != "never";
  } else if (config.has("add_prefix_space")) {
    drop_from_first = config["add_prefix_space"].as_bool();
  }
  return std::make_unique<MetaspaceDecoder>(config["replacement"].as_string(), drop_from_first);
}

}  // namespace

std::unique_ptr<const Decoder> make_decoder(const JsonField& config) {
  const std::string type = config["type"].as_string();
  if (type == "Sequence") {
    const JsonField list = config["decoders"];
    std::vector<std::unique_ptr<const Decoder>> steps;
    for (size_t i = 0; i < list.size(); ++i) steps.push_back(make_decoder(list.at(i)));
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(literal_pattern(config["pattern"]), config["content"].as_string());
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    const int64_t start = config["start"].as_int(), stop = config["stop"].as_int();
    if (start < 0 || stop < 0) config.fail("Strip start/stop must be non-negative");
    return std::make_unique<StripDecoder>(single_char(config["content"]), start, stop);
  }
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") return make_metaspace_decoder(config);
  config["type"].fail("unsupported decoder type '", type,
                      "' (supported: Sequence, Replace, ByteFallback, Fuse, Strip, ByteLevel, Metaspace)");
}

std::string clean_up_tokenization(std::string text) {
  static const char* const kRules[][2] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  };
  for (const auto& rule : kRules) text = replace_all(text, rule[0], rule[1]);
  return text;
}

}  // namespace iwsi
