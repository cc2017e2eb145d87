// GPT-2's reversible byte <-> printable-character mapping, used by byte-level BPE (GPT-2, Llama-3,
// Qwen): every byte of the text becomes one visible character before BPE, and decoding maps the
// characters back to bytes. Only the mapping; the splitting regexes live in split_patterns.h.
#pragma once

#include <string>
#include <string_view>

namespace iwsi::byte_level {

// The UTF-8 of the character standing for each byte of `bytes`, concatenated.
std::string bytes_to_symbols(std::string_view bytes);
// Appends the bytes `symbols` stands for; returns false (appending nothing) when some character of
// `symbols` is not a byte-level character.
bool symbols_to_bytes(std::string_view symbols, std::string& out);

}  // namespace iwsi::byte_level
