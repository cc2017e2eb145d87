// Reads post-processors into a SpecialTokenWrap. A TemplateProcessing "single" template must contain
// the sequence $A exactly once; its SpecialToken pieces before and after $A become the prefix and the
// suffix, each expanded through the template's special_tokens map (one piece may stand for several ids).
#include "tokenizer/post_processor.h"

#include <string>

namespace iwsi {
namespace {

std::vector<int32_t> special_token_ids(const JsonField& special_tokens, const std::string& name,
                                       const JsonField& where) {
  if (!special_tokens.has(name.c_str())) where.fail("special token '", name, "' is not in special_tokens");
  const JsonField ids = special_tokens[name.c_str()]["ids"];
  std::vector<int32_t> out;
  for (size_t i = 0; i < ids.size(); ++i) out.push_back(static_cast<int32_t>(ids.at(i).as_int()));
  return out;
}

SpecialTokenWrap read_template(const JsonField& config) {
  const JsonField single = config["single"];
  const JsonField special_tokens = config["special_tokens"];
  SpecialTokenWrap wrap;
  int sequences_seen = 0;
  for (size_t i = 0; i < single.size(); ++i) {
    const JsonField piece = single.at(i);
    if (piece.has("Sequence")) {
      if (piece["Sequence"]["id"].as_string() != "A") piece.fail("a single-sequence template can only use $A");
      ++sequences_seen;
      continue;
    }
    if (!piece.has("SpecialToken")) piece.fail("expected a Sequence or a SpecialToken");
    const auto ids = special_token_ids(special_tokens, piece["SpecialToken"]["id"].as_string(), piece);
    auto& side = sequences_seen == 0 ? wrap.prefix : wrap.suffix;
    side.insert(side.end(), ids.begin(), ids.end());
  }
  if (sequences_seen != 1) single.fail("the template must contain $A exactly once");
  return wrap;
}

// BertProcessing / RobertaProcessing: {"cls": [token, id], "sep": [token, id]} -> cls A sep.
SpecialTokenWrap read_cls_sep(const JsonField& config) {
  return {{static_cast<int32_t>(config["cls"].at(1).as_int())}, {static_cast<int32_t>(config["sep"].at(1).as_int())}};
}

}  // namespace

SpecialTokenWrap read_post_processor(const JsonField& config) {
  if (config.is_null()) return {};
  const std::string type = config["type"].as_string();
  if (type == "TemplateProcessing") return read_template(config);
  if (type == "ByteLevel") return {};
  if (type == "BertProcessing" || type == "RobertaProcessing") return read_cls_sep(config);
  if (type == "Sequence") {
    // Each processor wraps the output of the previous one.
    const JsonField list = config["processors"];
    SpecialTokenWrap wrap;
    for (size_t i = 0; i < list.size(); ++i) {
      SpecialTokenWrap outer = read_post_processor(list.at(i));
      outer.prefix.insert(outer.prefix.end(), wrap.prefix.begin(), wrap.prefix.end());
      wrap.suffix.insert(wrap.suffix.end(), outer.suffix.begin(), outer.suffix.end());
      wrap.prefix = std::move(outer.prefix);
    }
    return wrap;
  }
  config["type"].fail("unsupported post_processor type '", type,
                      "' (supported: TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence)");
}

}  // namespace iwsi
