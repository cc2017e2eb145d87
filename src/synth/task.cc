// The synthetic task and its files; see task.h.
#include "synth/task.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/rationale.h"
#include "synth/vocabulary.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

// Separate streams, so the problems do not change when the style draws do.
constexpr uint64_t kProblemStream = 1, kStyleStream = 2;

std::vector<Problem> distinct_problems(SynthRng& rng, int64_t count) {
  std::vector<Problem> problems;
  std::set<std::string> seen;
  const int64_t max_draws = 100 * count + 10000;  // the grammar holds millions of questions
  for (int64_t draws = 0; static_cast<int64_t>(problems.size()) < count; ++draws) {
    IWSI_CHECK(draws < max_draws, "synth: found only ", problems.size(), " distinct questions of the ", count,
               " asked after ", draws, " draws; ask for fewer");
    Problem problem = random_problem(rng);
    if (seen.insert(question_text(problem)).second) problems.push_back(std::move(problem));
  }
  return problems;
}

// The train styles: per noun, exactly style_quota() of each, in a shuffled order.
std::vector<Style> train_styles(const std::vector<Problem>& train, HabitProfile profile, SynthRng& rng) {
  std::vector<Style> styles(train.size(), Style::clean);
  for (int noun = 0; noun < static_cast<int>(synth_nouns().size()); ++noun) {
    std::vector<size_t> rows;
    for (size_t i = 0; i < train.size(); ++i)
      if (train[i].noun == noun) rows.push_back(i);
    const std::array<int64_t, 4> quota = style_quota(style_shares(profile, noun), static_cast<int64_t>(rows.size()));
    std::vector<Style> pool;
    for (size_t s = 0; s < kAllStyles.size(); ++s) pool.insert(pool.end(), quota[s], kAllStyles[s]);
    rng.shuffle(pool);
    for (size_t k = 0; k < rows.size(); ++k) styles[rows[k]] = pool[k];
  }
  return styles;
}

SynthRecord make_record(const std::string& split, size_t index, const Problem& problem, Style style, SynthRng& rng) {
  SynthRecord record;
  record.id = split + "-" + std::to_string(index);
  record.question = question_text(problem);
  record.answer = problem.answer();
  record.answer_field = gsm8k_answer_field(rationale_steps(problem, style, rng), record.answer);
  record.style = style;
  record.noun = problem.noun;
  return record;
}

// The texts the model ever sees for a record: the prompt and the rationale as the loader formats it.
void check_covered(const SynthRecord& record, const std::set<std::string>& vocabulary) {
  std::istringstream words("Q: " + record.question + "\nA: " + format_gsm8k_rationale(record.answer_field));
  for (std::string word; words >> word;)
    IWSI_CHECK(vocabulary.count(word), "synth: record ", record.id, " holds the word '", word,
               "' that is not in the task's vocabulary (a grammar word missing from synth_vocabulary())");
}


std::string jsonl(const std::vector<SynthRecord>& records) {
  std::string text;
  for (const SynthRecord& record : records) text += synth_record_json(record) + "\n";
  return text;
}

ordered_json task_description(const SynthTask& task, int64_t vocab_size) {
  const SynthOptions& o = task.options;
  ordered_json counts = ordered_json::object(), shares = ordered_json::object(), totals = ordered_json::object();
  const auto per_noun = train_style_counts(task);
  for (size_t s = 0; s < kAllStyles.size(); ++s) totals[style_name(kAllStyles[s])] = 0;
  for (size_t noun = 0; noun < synth_nouns().size(); ++noun) {
    const std::array<double, 4> profile = style_shares(o.profile, static_cast<int>(noun));
    for (size_t s = 0; s < kAllStyles.size(); ++s) {
      const char* style = style_name(kAllStyles[s]);
      counts[synth_nouns()[noun]][style] = per_noun[noun][s];
      shares[synth_nouns()[noun]][style] = profile[s];
      totals[style] = totals[style].get<int64_t>() + per_noun[noun][s];
    }
  }
  return {{"task", "synthetic add/subtract word problems (iwsi synth; shared/docs/DEMO.md)"},
          {"seed", o.seed},
          {"profile", habit_profile_name(o.profile)},
          {"sizes", {{"train", o.train_size}, {"pool", o.pool_size}, {"valid", o.valid_size}, {"test", o.test_size}}},
          {"start_range", {kMinStart, kMaxStart}},
          {"operand_range", {kMinOperand, kMaxOperand}},
          {"value_range", {0, kMaxValue}},
          {"steps_range", {kMinSteps, kMaxSteps}},
          {"vocab_size", vocab_size},
          {"train_style_totals", totals},
          {"train_style_counts", counts},
          {"profile_style_shares", shares}};
}

std::string readme(const SynthTask& task) {
  std::ostringstream text;
  text << "# Synthetic IWSI task (written by `iwsi synth`, seed " << task.options.seed << ", profile "
       << habit_profile_name(task.options.profile) << ")\n\n"
       << "- `train.jsonl` (" << task.train.size() << "): the labeled set the base model is trained on; rationale "
       << "styles clean / jumping / redundant / spurious by object noun (counts in `task.json`).\n"
       << "- `pool.jsonl` (" << task.pool.size() << "), `valid.jsonl` (" << task.valid.size() << "), `test.jsonl` ("
       << task.test.size() << "): clean rationales; the pool's are not used by the method (gold answers are, for evaluation).\n"
       << "- GSM8K format (`\"#### N\"` becomes `The answer is N.`): `--data.name synthetic --data.dir <this folder>`.\n"
       << "- `tokenizer.json`, `tokenizer_config.json`, `generation_config.json`: a word-level tokenizer for every text "
       << "of the task; `base_config.json`: the demo's base model (copy it as `config.json` into a model folder with "
       << "the three tokenizer files).\n"
       << "- The tokenizer splits on whitespace: newlines are not tokens and decode to spaces, so the stop string "
       << "`\\nQ:` never matches generated text; generation ends at `</s>` (trained after every answer) or at a stop "
       << "string such as `Q:` (`--eval.stop Q:`, `--sampling.stop Q:`).\n";
  return text.str();
}

}  // namespace

void check_synth_options(const SynthOptions& o) {
  for (const auto& [name, size] : {std::pair<const char*, int64_t>{"train_size", o.train_size},
                                   {"pool_size", o.pool_size}, {"valid_size", o.valid_size}, {"test_size", o.test_size}})
    IWSI_CHECK(size >= 1 && size <= 10000000, "option --synth.", name, "=", size, " is outside [1, 10000000]");
  IWSI_CHECK(o.valid_size * 20 <= o.pool_size, "option --synth.valid_size=", o.valid_size,
             " is more than 5% of --synth.pool_size=", o.pool_size, " (the labeled valid set must stay tiny: at most ",
             o.pool_size / 20, ")");
}

SynthTask make_synth_task(const SynthOptions& options) {
  check_synth_options(options);
  SynthRng problem_rng(options.seed, kProblemStream), style_rng(options.seed, kStyleStream);
  const int64_t total = options.train_size + options.pool_size + options.valid_size + options.test_size;
  const std::vector<Problem> problems = distinct_problems(problem_rng, total);
  const std::vector<Problem> train(problems.begin(), problems.begin() + options.train_size);
  const std::vector<Style> styles = train_styles(train, options.profile, style_rng);

  SynthTask task;
  task.options = options;
  size_t next = 0;
  for (size_t i = 0; i < train.size(); ++i, ++next) task.train.push_back(make_record("train", i, problems[next], styles[i], style_rng));
  for (auto [split, records, size] : {std::make_tuple("pool", &task.pool, options.pool_size),
                                      std::make_tuple("valid", &task.valid, options.valid_size),
                                      std::make_tuple("test", &task.test, options.test_size)})
    for (int64_t i = 0; i < size; ++i, ++next) records->push_back(make_record(split, i, problems[next], Style::clean, style_rng));
  return task;
}

std::vector<std::array<int64_t, 4>> train_style_counts(const SynthTask& task) {
  std::vector<std::array<int64_t, 4>> counts(synth_nouns().size(), std::array<int64_t, 4>{});
  for (const SynthRecord& record : task.train) ++counts[record.noun][static_cast<size_t>(record.style)];
  return counts;
}

std::string synth_record_json(const SynthRecord& record) {
  const ordered_json line = {
      {"question", record.question}, {"answer", record.answer_field}, {"style", style_name(record.style)}, {"id", record.id}};
  return line.dump();
}

void write_synth_task(const SynthTask& task, const std::string& dir) {
  const std::vector<std::string> vocabulary = synth_vocabulary();
  const std::set<std::string> known(vocabulary.begin(), vocabulary.end());
  for (const auto* split : {&task.train, &task.pool, &task.valid, &task.test})
    for (const SynthRecord& record : *split) check_covered(record, known);

  std::error_code ec;
  fs::create_directories(dir, ec);
  IWSI_CHECK(!ec && fs::is_directory(dir), "option --synth.output_dir=", dir, ": cannot create the directory",
             ec ? ": " + ec.message() : "");
  const fs::path root(dir);
  write_file_atomically((root / "train.jsonl").string(), jsonl(task.train));
  write_file_atomically((root / "pool.jsonl").string(), jsonl(task.pool));
  write_file_atomically((root / "valid.jsonl").string(), jsonl(task.valid));
  write_file_atomically((root / "test.jsonl").string(), jsonl(task.test));
  write_file_atomically((root / "tokenizer.json").string(), synth_tokenizer_json(vocabulary).dump(1) + "\n");
  write_file_atomically((root / "tokenizer_config.json").string(), synth_tokenizer_config_json().dump(2) + "\n");
  write_file_atomically((root / "generation_config.json").string(), synth_generation_config_json().dump(2) + "\n");
  const int64_t vocab_size = static_cast<int64_t>(vocabulary.size());
  write_file_atomically((root / "base_config.json").string(), synth_base_model_config_json(vocab_size).dump(2) + "\n");
  write_file_atomically((root / "README.md").string(), readme(task));
  write_file_atomically((root / "task.json").string(), task_description(task, vocab_size).dump(2) + "\n");
}

}  // namespace iwsi
