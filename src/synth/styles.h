// Rationale styles of the synthetic task (shared/docs/DEMO.md; the high-DSE kinds of ../shared/docs/IWSI.md
// section 6) and the GSM8K-format answer field that carries them, so the real loaders read them:
//   clean      one equation per step: "7 + 5 = 12 . 12 - 3 = 9 ."
//   jumping    no steps: the answer stated directly
//   redundant  the clean steps plus one repeated or irrelevant ("12 + 0 = 12 .") equation
//   spurious   one intermediate result is wrong and carried on; the last equation still gives the
//              right answer ("7 + 5 = 13 . 13 - 3 = 9 .")
// Deliberately no style proportions (profile.h) and no files (task.h).
#pragma once

#include <array>
#include <string>

#include "synth/problem.h"
#include "synth/rng.h"

namespace iwsi {

enum class Style { clean = 0, jumping = 1, redundant = 2, spurious = 3 };
inline constexpr std::array<Style, 4> kAllStyles = {Style::clean, Style::jumping, Style::redundant, Style::spurious};

const char* style_name(Style style);  // "clean", "jumping", "redundant", "spurious"

// The steps of `problem` in `style` ("" for jumping). `rng` picks which step is repeated or wrong
// (clean and jumping draw nothing).
std::string rationale_steps(const Problem& problem, Style style, SynthRng& rng);

// The GSM8K `answer` field: steps + "\n#### N", or "#### N" without steps. The loader turns it
// into "<steps>\nThe answer is N." (src/data/rationale.h).
std::string gsm8k_answer_field(const std::string& steps, int answer);

}  // namespace iwsi
