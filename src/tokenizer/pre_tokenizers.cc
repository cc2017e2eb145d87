// Pre-tokenizers with Hugging Face `tokenizers` semantics. Each one cuts every current piece into
// sub-pieces by computing delimiter matches and applying a split behavior (split_by_matches), which is
// how HF's NormalizedString::split works; ByteLevel additionally rewrites each piece into the
// byte-level alphabet. Offsets are not tracked (encode returns ids only).
#include "tokenizer/pre_tokenizers.h"

#include <functional>

#include "tokenizer/byte_level.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/regex_pattern.h"
#include "tokenizer/unicode.h"

namespace iwsi {
namespace {

using CutFn = std::function<std::vector<TextRange>(std::string_view)>;

// Replaces each piece by the non-empty ranges `cut` finds in it.
void cut_pieces(std::vector<PreToken>& pieces, const CutFn& cut) {
  std::vector<PreToken> out;
  out.reserve(pieces.size());
  for (const PreToken& piece : pieces) {
    for (const TextRange& r : cut(piece.text)) {
      if (r.end == r.begin) continue;
      out.push_back({piece.text.substr(r.begin, r.end - r.begin), piece.at_text_start && r.begin == 0,
                     piece.continues && r.begin == 0});
    }
  }
  pieces = std::move(out);
}

// One match per character satisfying `predicate` (HF's split on a char predicate).
std::vector<TextRange> char_matches(std::string_view text, bool (*predicate)(char32_t)) {
  std::vector<TextRange> matches;
  for (size_t pos = 0; pos < text.size();) {
    const unicode::DecodedChar c = unicode::decode_utf8(text, pos);
    if (predicate(c.code_point)) matches.push_back({pos, pos + c.length});
    pos += c.length;
  }
  return matches;
}

std::vector<TextRange> literal_matches(std::string_view text, const std::string& literal) {
  std::vector<TextRange> matches;
  for (size_t hit = text.find(literal); hit != std::string_view::npos;
       hit = text.find(literal, hit + literal.size())) {
    matches.push_back({hit, hit + literal.size()});
  }
  return matches;
}

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<const PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  void split(std::vector<PreToken>& pieces) const override {
    for (const auto& step : steps_) step->split(pieces);
  }

 private:
  std::vector<std::unique_ptr<const PreTokenizer>> steps_;
};

// Cuts by delimiter matches from `find`, then applies a split behavior.
class MatchSplitPreTokenizer : public PreTokenizer {
 public:
  using FindFn = std::function<std::vector<TextRange>(std::string_view)>;
  MatchSplitPreTokenizer(FindFn find, bool invert, SplitBehavior behavior)
      : find_(std::move(find)), invert_(invert), behavior_(behavior) {}
  void split(std::vector<PreToken>& pieces) const override {
    cut_pieces(pieces, [this](std::string_view text) {
      return split_by_matches(text.size(), find_(text), invert_, behavior_);
    });
  }

 private:
  FindFn find_;
  bool invert_;
  SplitBehavior behavior_;
};

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}
  void split(std::vector<PreToken>& pieces) const override {
    if (add_prefix_space_) {
      for (PreToken& piece : pieces) {
        if (!piece.continues && (piece.text.empty() || piece.text[0] != ' ')) piece.text.insert(0, " ");
      }
    }
    if (use_regex_) {
      const SplitPattern pattern = SplitPattern::gpt2();
      cut_pieces(pieces, [&pattern](std::string_view text) {
        return split_by_matches(text.size(), pattern.find_all(text), false, SplitBehavior::Isolated);
      });
    }
    for (PreToken& piece : pieces) piece.text = byte_level::bytes_to_symbols(piece.text);
  }

 private:
  bool add_prefix_space_, use_regex_;
};

enum class PrependScheme { Always, First, Never };

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void split(std::vector<PreToken>& pieces) const override {
    for (PreToken& piece : pieces) {
      piece.text = replace_all(piece.text, " ", replacement_);
      const bool starts_with_replacement = piece.text.compare(0, replacement_.size(), replacement_) == 0;
      const bool prepend = !piece.continues && (scheme_ == PrependScheme::Always ||
                                                (scheme_ == PrependScheme::First && piece.at_text_start));
      if (prepend && !starts_with_replacement) piece.text.insert(0, replacement_);
    }
    if (!split_) return;
    cut_pieces(pieces, [this](std::string_view text) {
      return split_by_matches(text.size(), literal_matches(text, replacement_), false,
                              SplitBehavior::MergedWithNext);
    });
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

// HF's Whitespace: the pieces are the runs of \w+ and of [^\w\s]+; whitespace is dropped.
std::vector<TextRange> whitespace_words(std::string_view text) {
  std::vector<TextRange> words;
  int current = -1;  // class of the open run: 1 word, 0 other non-space, -1 none
  for (size_t pos = 0; pos < text.size();) {
    const unicode::DecodedChar c = unicode::decode_utf8(text, pos);
    const int cls = unicode::is_whitespace(c.code_point) ? -1 : unicode::is_word_char(c.code_point) ? 1 : 0;
    if (cls >= 0 && cls == current) {
      words.back().end = pos + c.length;
    } else if (cls >= 0) {
      words.push_back({pos, pos + c.length});
    }
    current = cls;
    pos += c.length;
  }
  return words;
}

SplitBehavior parse_behavior(const JsonField& field) {
  const std::string name = field.as_string();
  if (name == "Removed") return SplitBehavior::Removed;
  if (name == "Isolated") return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (name == "Contiguous") return SplitBehavior::Contiguous;
  field.fail("unknown split behavior '", name, "'");
}

std::unique_ptr<const PreTokenizer> make_split(const JsonField& config) {
  const JsonField pattern = config["pattern"];
  const bool invert = config.bool_or("invert", false);
  const SplitBehavior behavior = parse_behavior(config["behavior"]);
  if (pattern.has("Regex")) {
    const std::string regex = pattern["Regex"].as_string();
    // The hand-written matcher where there is one (split_patterns.h), else Oniguruma, as HF does.
    if (const std::optional<SplitPattern> known = SplitPattern::recognize(regex)) {
      return std::make_unique<MatchSplitPreTokenizer>(
          [known](std::string_view text) { return known->find_all(text); }, invert, behavior);
    }
    std::string error;
    const std::shared_ptr<const OnigurumaPattern> compiled = OnigurumaPattern::compile(regex, error);
    if (!compiled) pattern["Regex"].fail("split regex ", regex, " does not compile: ", error);
    return std::make_unique<MatchSplitPreTokenizer>(
        [compiled](std::string_view text) { return compiled->find_all(text); }, invert, behavior);
  }
  const std::string literal = literal_pattern(pattern);
  return std::make_unique<MatchSplitPreTokenizer>(
      [literal](std::string_view text) { return literal_matches(text, literal); }, invert, behavior);
}

std::unique_ptr<const PreTokenizer> make_metaspace(const JsonField& config) {
  const std::string replacement = config["replacement"].as_string();
  if (unicode::to_code_points(replacement).size() != 1) {
    config["replacement"].fail("expected a single character");
  }
  PrependScheme scheme = PrependScheme::Always;
  if (config.has("prepend_scheme")) {
    const std::string name = config["prepend_scheme"].as_string();
    if (name == "first") scheme = PrependScheme::First;
    else if (name == "never") scheme = PrependScheme::Never;
    else if (name != "always") config["prepend_scheme"].fail("unknown prepend_scheme '", name, "'");
  } else if (config.has("add_prefix_space")) {  // the format before prepend_scheme existed
    scheme = config["add_prefix_space"].as_bool() ? PrependScheme::Always : PrependScheme::Never;
  }
  return std::make_unique<MetaspacePreTokenizer>(replacement, scheme, config.bool_or("split", true));
}

}  // namespace

std::vector<TextRange> split_by_matches(size_t text_size, const std::vector<TextRange>& matches, bool invert,
                                        SplitBehavior behavior) {
  struct Part {
    TextRange range;
    bool is_match;
  };
  std::vector<Part> parts;
  size_t previous_end = 0;
  for (const TextRange& m : matches) {
    if (previous_end < m.begin) parts.push_back({{previous_end, m.begin}, invert});
    parts.push_back({m, !invert});
    previous_end = m.end;
  }
  if (previous_end < text_size) parts.push_back({{previous_end, text_size}, invert});

  std::vector<TextRange> out;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::Removed:
      for (const Part& p : parts) {
        if (!p.is_match) out.push_back(p.range);
      }
      return out;
    case SplitBehavior::Isolated:
      for (const Part& p : parts) out.push_back(p.range);
      return out;
    case SplitBehavior::MergedWithPrevious:
      for (const Part& p : parts) {
        if (p.is_match && !previous_match && !out.empty()) out.back().end = p.range.end;
        else out.push_back(p.range);
        previous_match = p.is_match;
      }
      return out;
    case SplitBehavior::MergedWithNext:
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        if (it->is_match && !previous_match && !out.empty()) out.back().begin = it->range.begin;
        else out.push_back(it->range);
        previous_match = it->is_match;
      }
      return std::vector<TextRange>(out.rbegin(), out.rend());
    case SplitBehavior::Contiguous:
      for (const Part& p : parts) {
        if (p.is_match == previous_match && !out.empty()) out.back().end = p.range.end;
        else out.push_back(p.range);
        previous_match = p.is_match;
      }
      return out;
  }
  return out;
}

std::unique_ptr<const PreTokenizer> make_pre_tokenizer(const JsonField& config) {
  const std::string type = config["type"].as_string();
  if (type == "Sequence") {
    const JsonField list = config["pretokenizers"];
    std::vector<std::unique_ptr<const PreTokenizer>> steps;
    for (size_t i = 0; i < list.size(); ++i) steps.push_back(make_pre_tokenizer(list.at(i)));
    return std::make_unique<SequencePreTokenizer>(std::move(steps));
  }
  if (type == "Split") return make_split(config);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(config["add_prefix_space"].as_bool(),
                                                   config.bool_or("use_regex", true));
  }
  if (type == "Metaspace") return make_metaspace(config);
  if (type == "WhitespaceSplit") {
    return std::make_unique<MatchSplitPreTokenizer>(
        [](std::string_view text) { return char_matches(text, unicode::is_whitespace); }, false,
        SplitBehavior::Removed);
  }
  if (type == "Whitespace") {
    return std::make_unique<MatchSplitPreTokenizer>(whitespace_words, true, SplitBehavior::Removed);
  }
  if (type == "Digits") {
    const bool individual = config.bool_or("individual_digits", false);
    return std::make_unique<MatchSplitPreTokenizer>(
        [](std::string_view text) { return char_matches(text, unicode::is_number); }, false,
        individual ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
  }
  config["type"].fail("unsupported pre_tokenizer type '", type,
                      "' (supported: Sequence, Split, ByteLevel, Metaspace, WhitespaceSplit, Whitespace, Digits)");
}

}  // namespace iwsi
