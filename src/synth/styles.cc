// Rationale styles; see styles.h.
#include "synth/styles.h"

#include <vector>

#include "core/error.h"

namespace iwsi {
namespace {

struct Equation {
  int left = 0;
  char op = '+';
  int operand = 0;
  int result = 0;
};

std::string equation_text(const Equation& e) {
  return std::to_string(e.left) + " " + e.op + " " + std::to_string(e.operand) + " = " + std::to_string(e.result) + " .";
}

std::string join(const std::vector<Equation>& equations) {
  std::string text;
  for (const Equation& e : equations) text += (text.empty() ? "" : " ") + equation_text(e);
  return text;
}

std::vector<Equation> clean_equations(const Problem& problem) {
  const std::vector<int> values = problem.values();
  std::vector<Equation> equations;
  for (size_t i = 0; i < problem.steps.size(); ++i)
    equations.push_back({values[i], problem.steps[i].op, problem.steps[i].operand, values[i + 1]});
  return equations;
}

// One equation repeated right after itself, or a no-op "v + 0 = v ." after it.
std::vector<Equation> redundant_equations(const Problem& problem, SynthRng& rng) {
  std::vector<Equation> equations = clean_equations(problem);
  const int64_t at = rng.uniform(0, static_cast<int64_t>(equations.size()) - 1);
  Equation extra = equations[at];
  if (rng.uniform(0, 1) == 1) extra = {extra.result, rng.uniform(0, 1) == 1 ? '+' : '-', 0, extra.result};
  equations.insert(equations.begin() + at + 1, extra);
  return equations;
}

// Intermediate result `at` written off by `delta` and carried on; the last equation states the true
// answer. Empty when some carried value would leave 0..kMaxValue.
std::vector<Equation> spurious_equations(const Problem& problem, size_t at, int delta) {
  std::vector<Equation> equations = clean_equations(problem);
  int carried = equations[at].result + delta;
  if (carried < 0 || carried > kMaxValue) return {};
  equations[at].result = carried;
  for (size_t i = at + 1; i < equations.size(); ++i) {
    equations[i].left = carried;
    if (i + 1 == equations.size()) break;  // the last one keeps the true result
    carried += equations[i].op == '+' ? equations[i].operand : -equations[i].operand;
    if (carried < 0 || carried > kMaxValue) return {};
    equations[i].result = carried;
  }
  return equations;
}

std::vector<Equation> spurious_equations(const Problem& problem, SynthRng& rng) {
  // Every (non-final step, delta) pair in a random order; the first that stays in range is used.
  std::vector<std::pair<size_t, int>> choices;
  for (size_t at = 0; at + 1 < problem.steps.size(); ++at)
    for (int delta : {-2, -1, 1, 2}) choices.emplace_back(at, delta);
  rng.shuffle(choices);
  for (const auto& [at, delta] : choices) {
    std::vector<Equation> equations = spurious_equations(problem, at, delta);
    if (!equations.empty()) return equations;
  }
  fail("synth: no spurious rationale keeps every value within 0..", kMaxValue, " for \"", question_text(problem), "\"");
}

}  // namespace

const char* style_name(Style style) {
  switch (style) {
    case Style::clean: return "clean";
    case Style::jumping: return "jumping";
    case Style::redundant: return "redundant";
    case Style::spurious: return "spurious";
  }
  return "?";
}

std::string rationale_steps(const Problem& problem, Style style, SynthRng& rng) {
  switch (style) {
    case Style::clean: return join(clean_equations(problem));
    case Style::jumping: return "";
    case Style::redundant: return join(redundant_equations(problem, rng));
    case Style::spurious: return join(spurious_equations(problem, rng));
  }
  return "";
}

std::string gsm8k_answer_field(const std::string& steps, int answer) {
  return (steps.empty() ? "" : steps + "\n") + "#### " + std::to_string(answer);
}

}  // namespace iwsi
