// Evaluation (../shared/docs/IWSI.md section 1 step 6) on a run of questions: the few-shot prompt, one greedy
// continuation each, cut at the stop strings, the final answer extracted (section 4) and compared
// with the gold answer. A pure function of the questions, the model and the settings, so a run
// gives the same rows whichever rank computes it. No MPI and no files here (eval_file.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "data/answer.h"
#include "data/example.h"
#include "pipeline/eval_file.h"
#include "sample/engine.h"

namespace iwsi {

struct EvalSetup {
  const Llama& model;
  const Tokenizer& tokenizer;
  std::string few_shot;  // the few-shot prefix of every prompt
  AnswerKind kind = AnswerKind::number;
  SamplingParams params;  // greedy_params()
  EngineOptions engine;
  AnswerRule rule = AnswerRule::ours;  // paper: the official code's extraction and int(float(x)) comparison
};

// Greedy decoding (temperature 0) that stops at the tokenizer's EOS ids, at `stop_strings` and, when
// max_length > 0, at max_length prompt + answer tokens (transformers' max_length).
SamplingParams greedy_params(const Tokenizer& tokenizer, int64_t max_new_tokens, const std::vector<std::string>& stop_strings,
                             int64_t max_length = 0);

struct ScoredAnswer {
  std::string prediction;  // canonical, "" when the text has no answer
  bool correct = false;    // unparsable counts as wrong
};
// The answer of a generated (already cut) text against the canonical gold answer.
ScoredAnswer score_answer(const std::string& text, const std::string& gold, AnswerKind kind,
                          AnswerRule rule = AnswerRule::ours);

// Questions [begin, end) of `questions`, all decoded in one generate() call (so the batch, and with
// it every float sum, is the same whatever rank runs it); question_index = position in `questions`.
EvalRows evaluate_questions(const EvalSetup& setup, const std::vector<Example>& questions, int64_t begin, int64_t end,
                            const std::function<void(int64_t tokens)>& on_progress = nullptr);

}  // namespace iwsi
