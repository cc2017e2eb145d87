// Generation for the IWSI pipeline (../shared/docs/IWSI.md section 1, steps 1-2) on a run of pool questions:
// the few-shot CoT prompt, m samples each, cut at the stop string (optionally cleaned as the official
// code does), answers extracted, and the
// self-consistency vote per question. A pure function of the questions, the model and the
// settings, so a chunk gives the same rows whichever rank computes it. No MPI and no files here.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "data/example.h"
#include "pipeline/candidates_file.h"
#include "sample/engine.h"

namespace iwsi {

struct GeneratedRows {
  QuestionRows questions;
  VoteRows votes;
  CandidateRows candidates;
  AnswerRows answers;
  int64_t tokens = 0;  // generated tokens

  void append(const GeneratedRows& other);
};

struct GenerationSetup {
  const Llama& model;
  const Tokenizer& tokenizer;
  std::string few_shot;  // the few-shot prefix of every prompt
  AnswerKind kind = AnswerKind::number;
  int64_t m = 1;         // samples per question
  SamplingParams params;
  EngineOptions engine;
  // generate.clean = paper: each sample's text post-processed as the official code does
  // (data/paper_clean.h) and its answer read by that code's rule (AnswerRule::paper).
  bool paper_clean = false;
  // generate.drop_truncated: a sample that ran into a length limit neither votes nor enters D_c.
  bool drop_truncated = false;
};

// Questions [begin, end) of `pool`; question_index = position in the pool.
GeneratedRows generate_for_questions(const GenerationSetup& setup, const std::vector<Example>& pool, int64_t begin,
                                     int64_t end, const std::function<void(int64_t tokens)>& on_progress = nullptr);

}  // namespace iwsi
