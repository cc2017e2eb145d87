// Word problems of the synthetic task; see problem.h.
#include "synth/problem.h"

#include <algorithm>

namespace iwsi {
namespace {

struct Verb {
  const char* before;  // words between the person and the operand
  const char* after;   // words after the operand ("more", "to", "from" or "")
  bool names_other;    // followed by the other person's name
};

// "<person> buys N more", "<person> gets N from <other>", ...
const std::vector<Verb>& verbs_of(char op) {
  static const std::vector<Verb> add = {{"buys", "more", false}, {"finds", "more", false}, {"gets", "from", true}};
  static const std::vector<Verb> subtract = {{"gives", "to", true}, {"loses", "", false}, {"sells", "", false}};
  return op == '+' ? add : subtract;
}

std::string step_sentence(const std::string& person, const ProblemStep& step) {
  const Verb& verb = verbs_of(step.op)[step.verb];
  std::string sentence = person + " " + verb.before + " " + std::to_string(step.operand);
  if (*verb.after) sentence += std::string(" ") + verb.after;
  if (verb.names_other) sentence += " " + step.other;
  return sentence + " .";
}

}  // namespace

const std::vector<std::string>& synth_names() {
  static const std::vector<std::string> names = {"ann", "bo", "cy", "dan", "eve", "fay", "gus", "hal", "ivy", "jo"};
  return names;
}

const std::vector<std::string>& synth_nouns() {
  static const std::vector<std::string> nouns = {"apples", "pens",   "cards",  "coins", "books",
                                                 "eggs",   "shells", "stamps", "cups",  "toys"};
  return nouns;
}

const std::vector<std::string>& synth_question_words() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> list = {"has", "how", "many", "does", "have", ".", "?"};
    for (char op : {'+', '-'})
      for (const Verb& verb : verbs_of(op)) {
        list.push_back(verb.before);
        if (*verb.after) list.push_back(verb.after);
      }
    return list;
  }();
  return words;
}

std::vector<int> Problem::values() const {
  std::vector<int> out{start};
  for (const ProblemStep& step : steps) out.push_back(out.back() + (step.op == '+' ? step.operand : -step.operand));
  return out;
}

Problem random_problem(SynthRng& rng) {
  const std::vector<std::string>& names = synth_names();
  Problem problem;
  problem.person = names[rng.uniform(0, static_cast<int64_t>(names.size()) - 1)];
  problem.noun = static_cast<int>(rng.uniform(0, static_cast<int64_t>(synth_nouns().size()) - 1));
  problem.start = static_cast<int>(rng.uniform(kMinStart, kMaxStart));
  const int64_t steps = rng.uniform(kMinSteps, kMaxSteps);
  int value = problem.start;
  for (int64_t i = 0; i < steps; ++i) {
    // Adding needs room above, taking away needs something left; with start >= 2 and
    // kMaxValue >= kMinOperand + 1, at least one of the two is always possible.
    std::vector<char> ops;
    if (value + kMinOperand <= kMaxValue) ops.push_back('+');
    if (value >= kMinOperand) ops.push_back('-');
    ProblemStep step;
    step.op = ops[rng.uniform(0, static_cast<int64_t>(ops.size()) - 1)];
    const int largest = step.op == '+' ? std::min(kMaxOperand, kMaxValue - value) : std::min(kMaxOperand, value);
    step.operand = static_cast<int>(rng.uniform(kMinOperand, largest));
    step.verb = static_cast<int>(rng.uniform(0, static_cast<int64_t>(verbs_of(step.op).size()) - 1));
    if (verbs_of(step.op)[step.verb].names_other) {
      std::vector<std::string> others;
      for (const std::string& name : names)
        if (name != problem.person) others.push_back(name);
      step.other = others[rng.uniform(0, static_cast<int64_t>(others.size()) - 1)];
    }
    value += step.op == '+' ? step.operand : -step.operand;
    problem.steps.push_back(step);
  }
  return problem;
}

std::string question_text(const Problem& problem) {
  const std::string& noun = synth_nouns()[problem.noun];
  std::string text = problem.person + " has " + std::to_string(problem.start) + " " + noun + " .";
  for (const ProblemStep& step : problem.steps) text += " " + step_sentence(problem.person, step);
  return text + " how many " + noun + " does " + problem.person + " have ?";
}

}  // namespace iwsi
