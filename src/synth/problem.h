// The word problems of the synthetic demo task (shared/docs/DEMO.md): one person, one object noun,
// a start count and 2-3 add/subtract steps over small integers, every value within 0..kMaxValue,
// e.g. "ann has 7 apples . ann buys 5 more . ann gives 3 to bo . how many apples does ann have ?".
// The fixed word lists live here so the vocabulary can be built from the grammar itself.
// Deliberately no rationales (styles.h) and no files (task.h).
#pragma once

#include <string>
#include <vector>

#include "synth/rng.h"

namespace iwsi {

inline constexpr int kMinStart = 2, kMaxStart = 12;     // the count the person starts with
inline constexpr int kMinOperand = 1, kMaxOperand = 9;  // what a step adds or takes away
inline constexpr int kMaxValue = 30;                    // every count stays within 0..kMaxValue
inline constexpr int kMinSteps = 2, kMaxSteps = 3;

const std::vector<std::string>& synth_names();  // the people (lower case, one token each)
const std::vector<std::string>& synth_nouns();  // the 10 object nouns, in habit-profile order
// Every other word a question can hold (verbs, "how many ... ?", punctuation tokens).
const std::vector<std::string>& synth_question_words();

struct ProblemStep {
  char op = '+';      // '+' or '-'
  int operand = 1;
  int verb = 0;       // index into the verbs of `op` ("buys N more", "gives N to X", ...)
  std::string other;  // the other person of "gets N from X" / "gives N to X", else ""
};

struct Problem {
  std::string person;
  int noun = 0;  // index into synth_nouns()
  int start = 0;
  std::vector<ProblemStep> steps;

  // The count before any step, then after each step (steps.size() + 1 values).
  std::vector<int> values() const;
  int answer() const { return values().back(); }
};

// A problem drawn uniformly: person, noun, start, number of steps; each step's operation among those
// that keep the count within 0..kMaxValue, then its operand, verb and other person.
Problem random_problem(SynthRng& rng);

// "ann has 7 apples . ann buys 5 more . ... how many apples does ann have ?"
std::string question_text(const Problem& problem);

}  // namespace iwsi
