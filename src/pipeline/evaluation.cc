#include "pipeline/evaluation.h"

#include "data/answer.h"
#include "data/prompt.h"
#include "data/text.h"

namespace iwsi {

SamplingParams greedy_params(const Tokenizer& tokenizer, int64_t max_new_tokens, const std::vector<std::string>& stop_strings,
                             int64_t max_length) {
  SamplingParams params;
  params.temperature = 0;
  params.max_new_tokens = max_new_tokens;
  params.max_length = max_length;
  params.stop_strings = stop_strings;
  params.eos_ids = tokenizer.eos_ids();
  check_sampling_params(params);
  return params;
}

ScoredAnswer score_answer(const std::string& text, const std::string& gold, AnswerKind kind, AnswerRule rule) {
  const std::optional<std::string> answer = extract_answer(trim_whitespace(text), kind, rule);
  ScoredAnswer scored;
  scored.prediction = answer.value_or("");
  scored.correct = answer.has_value() && answers_equal(*answer, gold, rule);
  return scored;
}

EvalRows evaluate_questions(const EvalSetup& setup, const std::vector<Example>& questions, int64_t begin, int64_t end,
                            const std::function<void(int64_t tokens)>& on_progress) {
  std::vector<GenerationRequest> requests;
  for (int64_t q = begin; q < end; ++q) {
    GenerationRequest request;
    request.prompt_ids = setup.tokenizer.encode(generation_prompt(setup.few_shot, questions[q]), true);
    request.num_samples = 1;
    request.stream = static_cast<uint64_t>(q);  // unused by greedy decoding; kept meaningful
    request.label = "question " + questions[q].id;
    requests.push_back(std::move(request));
  }
  const std::vector<Sample> samples = generate(setup.model, setup.tokenizer, requests, setup.params, setup.engine, on_progress);
  EvalRows rows;
  for (const Sample& sample : samples) {  // one per request, in request order
    const Example& question = questions[begin + sample.request];
    const ScoredAnswer scored = score_answer(sample.text, question.answer, setup.kind, setup.rule);
    rows.question_index.push_back(begin + sample.request);
    push_text(rows.id, question.id);
    push_text(rows.gold, question.answer);
    push_text(rows.prediction, scored.prediction);
    rows.correct.push_back(scored.correct ? 1 : 0);
    push_text(rows.text, sample.text);
    rows.length.push_back(static_cast<int32_t>(sample.length));
    rows.finish_reason.push_back(static_cast<int8_t>(sample.finish));
  }
  return rows;
}

}  // namespace iwsi
