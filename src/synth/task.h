// The whole synthetic task of `iwsi synth` (shared/docs/DEMO.md): distinct word problems cut into
// train (the labeled set the base model learns from, rationale styles per the habit profile), pool,
// valid and test (clean rationales), and the files that make it a dataset and a model directory:
// {train,pool,valid,test}.jsonl in GSM8K format (read by load_dataset({"synthetic", dir})),
// tokenizer.json, tokenizer_config.json, generation_config.json, base_config.json, task.json, README.md.
// A pure function of the options (seed included); no MPI, no logging.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "synth/profile.h"
#include "synth/styles.h"

namespace iwsi {

struct SynthOptions {
  uint64_t seed = 0;
  HabitProfile profile = HabitProfile::mild;
  int64_t train_size = 3000, pool_size = 1500, valid_size = 75, test_size = 1000;  // DEMO.md defaults
};

// Throws naming the option: sizes must be >= 1, and valid at most 5% of pool (../shared/docs/IWSI.md section 1).
void check_synth_options(const SynthOptions& options);

struct SynthRecord {
  std::string id;            // "<split>-<index>"
  std::string question;
  std::string answer_field;  // GSM8K format: "<steps>\n#### N"
  Style style = Style::clean;
  int noun = 0;              // index into synth_nouns()
  int answer = 0;
};

struct SynthTask {
  SynthOptions options;
  std::vector<SynthRecord> train, pool, valid, test;
};

// No question appears twice across all splits. Train styles follow style_quota() per noun, in an
// order shuffled with the seed.
SynthTask make_synth_task(const SynthOptions& options);

// Train records per noun (rows, synth_nouns() order) and style (columns, kAllStyles order).
std::vector<std::array<int64_t, 4>> train_style_counts(const SynthTask& task);

// {"question": ..., "answer": ..., "style": ..., "id": ...} on one line.
std::string synth_record_json(const SynthRecord& record);

// Creates `dir` if needed and writes every file of the task (each as <file>.tmp, then renamed, so a
// file is either the old one or complete; task.json goes last). First checks that every token of
// every training/prompt text is in the vocabulary (throws naming the record otherwise).
void write_synth_task(const SynthTask& task, const std::string& dir);

}  // namespace iwsi
