// Final-answer extraction (../shared/docs/IWSI.md section 4); see answer.h for the contract.
// Works on bytes: every character that matters (digits, signs, '=', '(', letters) is ASCII,
// and multi-byte UTF-8 text around them is passed over untouched.
#include "data/answer.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace iwsi {
namespace {

constexpr std::string_view kAnswerMarker = "the answer is";
constexpr std::string_view kUnicodeMinus = "\xE2\x88\x92";  // U+2212

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
char to_lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Text after the last case-insensitive "the answer is", or nullopt if it never occurs.
std::optional<std::string_view> after_last_marker(std::string_view text) {
  if (text.size() < kAnswerMarker.size()) return std::nullopt;
  for (size_t pos = text.size() - kAnswerMarker.size() + 1; pos-- > 0;) {
    bool match = true;
    for (size_t i = 0; i < kAnswerMarker.size() && match; ++i) match = to_lower(text[pos + i]) == kAnswerMarker[i];
    if (match) return text.substr(pos + kAnswerMarker.size());
  }
  return std::nullopt;
}

// "1,080" -> "1080"; a comma not between two digits ("3, 4") is kept as punctuation.
std::string drop_thousands_separators(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const bool separator =
        text[i] == ',' && i > 0 && i + 1 < text.size() && is_digit(text[i - 1]) && is_digit(text[i + 1]);
    if (!separator) out += text[i];
  }
  return out;
}

// Integer digits without leading zeros, fraction without trailing zeros, no "-0".
std::string canonical_from_parts(bool negative, std::string_view int_digits, std::string_view frac_digits) {
  while (int_digits.size() > 1 && int_digits.front() == '0') int_digits.remove_prefix(1);
  while (!frac_digits.empty() && frac_digits.back() == '0') frac_digits.remove_suffix(1);
  std::string value(int_digits.empty() ? "0" : int_digits);
  if (!frac_digits.empty()) value += "." + std::string(frac_digits);
  if (value == "0") negative = false;
  return negative ? "-" + value : value;
}

size_t digits_end(std::string_view text, size_t pos) {
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  return pos;
}

// A minus sign ending at `end` that is not a hyphen inside a word ("covid-19", "3-4").
bool minus_ends_at(std::string_view text, size_t end) {
  size_t start = end;
  if (end >= 1 && text[end - 1] == '-')
    start = end - 1;
  else if (end >= kUnicodeMinus.size() &&
           text.substr(end - kUnicodeMinus.size(), kUnicodeMinus.size()) == kUnicodeMinus)
    start = end - kUnicodeMinus.size();
  else
    return false;
  return start == 0 || !is_alnum(text[start - 1]);
}

bool negative_sign_before(std::string_view text, size_t number_start) {
  if (minus_ends_at(text, number_start)) return true;
  return number_start >= 1 && text[number_start - 1] == '$' && minus_ends_at(text, number_start - 1);  // "-$5"
}

std::optional<std::string> extract_choice(std::string_view tail) {
  for (size_t i = 0; i + 2 < tail.size(); ++i) {
    if (tail[i] == '(' && std::isalpha(static_cast<unsigned char>(tail[i + 1])) && tail[i + 2] == ')')
      return std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(tail[i + 1]))));
  }
  return std::nullopt;
}

// --- The official code's rule (src/utils/utils.py of github.com/rubickkcibur/IWSI), on bytes: its
// Python lower() and \d are Unicode-aware, which matters only for non-ASCII digits and letters.

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = to_lower(c);
  return out;
}

std::string_view strip(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// lower(), the text after the last "the answer is" (all of it when there is none), stripped, then
// after the last "=" (stripped); nullopt when nothing is left. Shared by the number and choice rules.
std::optional<std::string> paper_suffix(std::string_view text) {
  const std::string lower = lowercase(text);
  const size_t marker = lower.rfind(kAnswerMarker);
  std::string_view suffix = strip(marker == std::string::npos ? std::string_view(lower)
                                                               : std::string_view(lower).substr(marker + kAnswerMarker.size()));
  const size_t equals = suffix.rfind('=');
  if (equals != std::string_view::npos) suffix = strip(suffix.substr(equals + 1));
  if (suffix.empty()) return std::nullopt;
  return std::string(suffix);
}

// int(float(x)) of a digits-and-point literal, as Python prints it (a double truncated toward 0).
std::string truncated_integer(const std::string& literal) {
  double value = std::trunc(std::strtod(literal.c_str(), nullptr));
  if (value == 0) value = 0;  // int(-0.5) is 0, not "-0"
  char text[400];             // any double's integer part fits
  std::snprintf(text, sizeof text, "%.0f", value);
  return text;
}

// re.search(r"(\D*?)(\d+\.?\d*)", suffix.replace(",", "")): the first digit run, an optional point and
// the digits after it; over 30 characters is no answer.
std::optional<std::string> paper_number(std::string_view text) {
  const std::optional<std::string> suffix = paper_suffix(text);
  if (!suffix) return std::nullopt;
  std::string plain;
  for (char c : *suffix)
    if (c != ',') plain += c;
  size_t start = 0;
  while (start < plain.size() && !is_digit(plain[start])) ++start;
  if (start == plain.size()) return std::nullopt;
  size_t end = digits_end(plain, start);
  if (end < plain.size() && plain[end] == '.') end = digits_end(plain, end + 1);
  const std::string literal = plain.substr(start, end - start);
  if (literal.size() > 30) return std::nullopt;
  return truncated_integer(literal);
}

// re.search(r"\(([a-z])\)", suffix): the first parenthesised letter, upper-cased.
std::optional<std::string> paper_choice(std::string_view text) {
  const std::optional<std::string> suffix = paper_suffix(text);
  if (!suffix) return std::nullopt;
  for (size_t i = 0; i + 2 < suffix->size(); ++i) {
    const char c = (*suffix)[i + 1];
    if ((*suffix)[i] == '(' && c >= 'a' && c <= 'z' && (*suffix)[i + 2] == ')')
      return std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> first_number(std::string_view raw) {
  const std::string text = drop_thousands_separators(raw);
  size_t first_digit = 0;
  while (first_digit < text.size() && !is_digit(text[first_digit])) ++first_digit;
  if (first_digit == text.size()) return std::nullopt;
  std::string_view view(text);
  // ".5" is a number too: the first digit then belongs to a fraction.
  const bool leading_point = first_digit > 0 && text[first_digit - 1] == '.';
  const size_t int_end = digits_end(view, first_digit);
  std::string_view int_digits, frac_digits;
  if (leading_point) {
    frac_digits = view.substr(first_digit, int_end - first_digit);
  } else {
    int_digits = view.substr(first_digit, int_end - first_digit);
    if (int_end + 1 < text.size() && text[int_end] == '.' && is_digit(text[int_end + 1]))
      frac_digits = view.substr(int_end + 1, digits_end(view, int_end + 1) - int_end - 1);
  }
  const size_t number_start = leading_point ? first_digit - 1 : first_digit;
  return canonical_from_parts(negative_sign_before(view, number_start), int_digits, frac_digits);
}

std::optional<std::string> canonical_number(std::string_view literal) {
  const std::string text = drop_thousands_separators(literal);
  std::string_view view(text);
  while (!view.empty() && std::isspace(static_cast<unsigned char>(view.front()))) view.remove_prefix(1);
  while (!view.empty() && std::isspace(static_cast<unsigned char>(view.back()))) view.remove_suffix(1);
  bool negative = false;
  if (!view.empty() && (view.front() == '-' || view.front() == '+')) {
    negative = view.front() == '-';
    view.remove_prefix(1);
  }
  const size_t int_end = digits_end(view, 0);
  std::string_view int_digits = view.substr(0, int_end), frac_digits;
  if (int_end < view.size()) {
    if (view[int_end] != '.') return std::nullopt;
    frac_digits = view.substr(int_end + 1);
    if (frac_digits.empty() || digits_end(frac_digits, 0) != frac_digits.size()) return std::nullopt;
  }
  if (int_digits.empty() && frac_digits.empty()) return std::nullopt;
  return canonical_from_parts(negative, int_digits, frac_digits);
}

std::optional<std::string> extract_answer(std::string_view text, AnswerKind kind, AnswerRule rule) {
  if (rule == AnswerRule::paper) return kind == AnswerKind::choice ? paper_choice(text) : paper_number(text);
  const std::optional<std::string_view> tail = after_last_marker(text);
  if (!tail) return std::nullopt;
  if (kind == AnswerKind::choice) return extract_choice(*tail);
  std::string_view value = *tail;
  const size_t last_equals = value.rfind('=');
  if (last_equals != std::string_view::npos) value = value.substr(last_equals + 1);
  return first_number(value);
}

bool answers_equal(std::string_view a, std::string_view b, AnswerRule rule) {
  const auto number_a = canonical_number(a), number_b = canonical_number(b);
  if (number_a && number_b && rule == AnswerRule::paper)
    return truncated_integer(*number_a) == truncated_integer(*number_b);
  if (number_a && number_b) return *number_a == *number_b;
  return a == b;
}

}  // namespace iwsi
