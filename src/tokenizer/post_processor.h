// The `post_processor` stage of tokenizer.json for single sequences: which special-token ids go before
// and after the encoded text when add_special_tokens is true. TemplateProcessing, ByteLevel (adds
// nothing to ids), BertProcessing, RobertaProcessing and Sequence reduce to such a prefix/suffix pair.
// Pair templates are not needed (encode takes one text) and are ignored.
#pragma once

#include <cstdint>
#include <vector>

#include "tokenizer/json_field.h"

namespace iwsi {

struct SpecialTokenWrap {
  std::vector<int32_t> prefix;  // e.g. {bos}
  std::vector<int32_t> suffix;  // e.g. {eos}
};

// The wrap described by `config` (the "post_processor" object; null gives an empty wrap).
SpecialTokenWrap read_post_processor(const JsonField& config);

}  // namespace iwsi
