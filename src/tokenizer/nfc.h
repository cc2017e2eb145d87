// Unicode Normalization Form C (canonical decomposition, canonical ordering, canonical composition),
// as the `NFC` normalizer of tokenizer.json requires (Qwen2/Qwen3). Only NFC: NFD/NFKC/NFKD are not
// needed by the supported tokenizers and are rejected at load time.
#pragma once

#include <string>
#include <string_view>

namespace iwsi::unicode {

// NFC of `text`. Bytes that are not valid UTF-8 pass through unchanged and block composition.
std::string nfc(std::string_view text);

}  // namespace iwsi::unicode
