#include "pipeline/generation.h"

#include "data/answer.h"
#include "data/paper_clean.h"
#include "data/prompt.h"
#include "data/text.h"
#include "select/vote.h"

namespace iwsi {

void GeneratedRows::append(const GeneratedRows& other) {
  questions.append(other.questions);
  votes.append(other.votes);
  candidates.append(other.candidates);
  answers.append(other.answers);
  tokens += other.tokens;
}

namespace {

// Answers, vote and correctness of one question's samples.
void add_vote(const Example& question, const std::vector<const Sample*>& samples, const GenerationSetup& setup,
              GeneratedRows& rows) {
  const AnswerRule rule = setup.paper_clean ? AnswerRule::paper : AnswerRule::ours;
  std::vector<std::optional<std::string>> answers;
  for (const Sample* sample : samples) {
    const bool dropped = setup.drop_truncated && sample->finish == FinishReason::length;
    answers.push_back(dropped ? std::nullopt : extract_answer(trim_whitespace(sample->text), setup.kind, rule));
  }
  const Vote vote = majority_vote(answers);
  const std::vector<bool> consistent = consistent_samples(answers, vote);
  push_text(rows.votes.gold, question.answer);
  push_text(rows.votes.majority, vote.majority.value_or(""));
  rows.votes.majority_count.push_back(static_cast<int32_t>(vote.majority_count));
  rows.votes.parsed_count.push_back(static_cast<int32_t>(vote.parsed));
  rows.votes.entropy.push_back(vote.entropy);
  rows.votes.vote_share.push_back(vote.vote_share);
  for (size_t j = 0; j < samples.size(); ++j) {
    push_text(rows.answers.answer, answers[j].value_or(""));
    rows.answers.parsed.push_back(answers[j].has_value());
    rows.answers.consistent.push_back(consistent[j]);
    const int8_t correct = question.answer.empty() ? -1 : answers[j] && answers_equal(*answers[j], question.answer, rule);
    rows.answers.correct.push_back(correct);
  }
}

}  // namespace

GeneratedRows generate_for_questions(const GenerationSetup& setup, const std::vector<Example>& pool, int64_t begin,
                                     int64_t end, const std::function<void(int64_t tokens)>& on_progress) {
  GeneratedRows rows;
  std::vector<GenerationRequest> requests;
  for (int64_t q = begin; q < end; ++q) {
    GenerationRequest request;
    request.prompt_ids = setup.tokenizer.encode(generation_prompt(setup.few_shot, pool[q]), true);
    request.num_samples = setup.m;
    request.stream = static_cast<uint64_t>(q);
    request.label = "question " + pool[q].id;
    rows.questions.question_index.push_back(q);
    push_text(rows.questions.id, pool[q].id);
    push_text(rows.questions.prompt, pool[q].question);
    rows.questions.prompt_ids.push_back(request.prompt_ids);
    requests.push_back(std::move(request));
  }
  std::vector<Sample> samples = generate(setup.model, setup.tokenizer, requests, setup.params, setup.engine, on_progress);
  if (setup.paper_clean)  // the ids stay as sampled; scoring re-encodes a rewritten tail (score/sft_tokens.h)
    for (Sample& sample : samples) sample.text = paper_cleaned_sample(sample.text);
  // Samples come ordered by (request, sample index): one contiguous run per question.
  for (size_t first = 0; first < samples.size();) {
    const int64_t request = samples[first].request;
    std::vector<const Sample*> of_question;
    for (; first < samples.size() && samples[first].request == request; ++first) {
      of_question.push_back(&samples[first]);
      rows.candidates.append(samples[first], begin + request);
      rows.tokens += samples[first].length;
    }
    add_vote(pool[begin + request], of_question, setup, rows);
  }
  return rows;
}

}  // namespace iwsi
