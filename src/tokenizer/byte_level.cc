// The byte-level alphabet: printable Latin-1 bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand
// for themselves; the other 68 bytes, in increasing order, map to U+0100, U+0101, ... so that no
// byte becomes whitespace or a control character. Both directions are computed once into constant
// tables held by function-local statics (immutable after construction).
#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/unicode.h"

namespace iwsi::byte_level {
namespace {

constexpr char32_t kNoByte = 0xFFFF;
constexpr char32_t kHighestSymbol = 0x100 + 68;

bool stands_for_itself(unsigned b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Alphabet {
  std::array<std::string, 256> symbol_of_byte;          // UTF-8 of each byte's character
  std::array<char32_t, kHighestSymbol> byte_of_symbol;  // indexed by code point; kNoByte if none

  Alphabet() {
    byte_of_symbol.fill(kNoByte);
    char32_t next_shifted = 0x100;
    for (unsigned b = 0; b < 256; ++b) {
      const char32_t symbol = stands_for_itself(b) ? b : next_shifted++;
      unicode::append_utf8(symbol_of_byte[b], symbol);
      byte_of_symbol[symbol] = b;
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet table;
  return table;
}

}  // namespace

std::string bytes_to_symbols(std::string_view bytes) {
  const Alphabet& a = alphabet();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += a.symbol_of_byte[static_cast<unsigned char>(c)];
  return out;
}

bool symbols_to_bytes(std::string_view symbols, std::string& out) {
  const Alphabet& a = alphabet();
  const size_t original_size = out.size();
  for (size_t pos = 0; pos < symbols.size();) {
    const unicode::DecodedChar c = unicode::decode_utf8(symbols, pos);
    const char32_t byte = c.code_point < kHighestSymbol ? a.byte_of_symbol[c.code_point] : kNoByte;
    if (byte == kNoByte) {
      out.resize(original_size);
      return false;
    }
    out.push_back(static_cast<char>(byte));
    pos += c.length;
  }
  return true;
}

}  // namespace iwsi::byte_level
