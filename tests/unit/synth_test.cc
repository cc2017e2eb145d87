// The synthetic task of `iwsi synth` (src/synth): seeded and byte-for-byte deterministic; every gold
// answer is what the question computes (evaluated here independently from the question's words);
// rationales follow their style; train styles per noun follow the habit profile; splits are
// disjoint; the tokenizer covers every text with no [UNK]; the real loaders read the files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "data/answer.h"
#include "data/dataset.h"
#include "data/rationale.h"
#include "model/llama.h"
#include "synth/task.h"
#include "synth/vocabulary.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> words_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// The question's value computed from its words alone: "has N" starts, "buys/finds/gets N" adds,
// "gives/loses/sells N" takes away. Checks the task's ranges on the way.
int evaluate_question(const std::string& question) {
  const std::vector<std::string> w = words_of(question);
  const std::set<std::string> adds = {"buys", "finds", "gets"}, takes = {"gives", "loses", "sells"};
  int value = -1, steps = 0;
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == "has") {
      value = std::stoi(w[i + 1]);
      EXPECT_TRUE(value >= 2 && value <= 12) << question;
    } else if (adds.count(w[i]) || takes.count(w[i])) {
      const int operand = std::stoi(w[i + 1]);
      EXPECT_TRUE(operand >= 1 && operand <= 9) << question;
      value += adds.count(w[i]) ? operand : -operand;
      EXPECT_TRUE(value >= 0 && value <= 30) << question;
      ++steps;
    }
  }
  EXPECT_TRUE(steps == 2 || steps == 3) << question;
  return value;
}

struct Equation {
  int left, operand, result;
  char op;
  bool holds() const { return result == (op == '+' ? left + operand : left - operand); }
};

// The "a op b = c ." equations of an answer field's steps (before "####").
std::vector<Equation> equations_of(const std::string& answer_field) {
  const std::vector<std::string> w = words_of(answer_field.substr(0, answer_field.find("####")));
  EXPECT_EQ(w.size() % 6, 0u) << answer_field;
  std::vector<Equation> equations;
  for (size_t i = 0; i + 5 < w.size(); i += 6) {
    EXPECT_TRUE((w[i + 1] == "+" || w[i + 1] == "-") && w[i + 3] == "=" && w[i + 5] == ".") << answer_field;
    equations.push_back({std::stoi(w[i]), std::stoi(w[i + 2]), std::stoi(w[i + 4]), w[i + 1][0]});
  }
  return equations;
}

int step_count(const std::string& question) {
  int steps = 0;
  for (const std::string& word : words_of(question))
    steps += word == "buys" || word == "finds" || word == "gets" || word == "gives" || word == "loses" || word == "sells";
  return steps;
}

std::vector<const SynthRecord*> all_records(const SynthTask& task) {
  std::vector<const SynthRecord*> out;
  for (const auto* split : {&task.train, &task.pool, &task.valid, &task.test})
    for (const SynthRecord& record : *split) out.push_back(&record);
  return out;
}

// One default-size task (DEMO.md: 3000 / 1500 / 75 / 1000, mild, seed 0), written once.
class SynthDefaultTask : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    task_ = new SynthTask(make_synth_task(SynthOptions{}));
    dir_ = new std::string(testing::scratch_dir("synth-default"));
    write_synth_task(*task_, *dir_);
  }
  static void TearDownTestSuite() {
    delete task_;
    delete dir_;
  }
  static SynthTask* task_;
  static std::string* dir_;
};
SynthTask* SynthDefaultTask::task_ = nullptr;
std::string* SynthDefaultTask::dir_ = nullptr;

TEST(SynthStyleQuota, GivesTheRemainderToTheLargestFractionsAndSumsToTheCount) {
  // apples, mild: 80 / 10 / 5 / 5 % of 295 = 236, 29.5, 14.75, 14.75
  EXPECT_EQ(style_quota({0.80, 0.10, 0.05, 0.05}, 295), (std::array<int64_t, 4>{236, 29, 15, 15}));
  EXPECT_EQ(style_quota({0.38, 0.52, 0.05, 0.05}, 10), (std::array<int64_t, 4>{4, 5, 1, 0}));  // 3.8 5.2 .5 .5
  EXPECT_EQ(style_quota({0.6, 0.3, 0.05, 0.05}, 10), (std::array<int64_t, 4>{6, 3, 1, 0}));
  EXPECT_EQ(style_quota({0.32, 0.58, 0.05, 0.05}, 100), (std::array<int64_t, 4>{32, 58, 5, 5}));  // 0.58 * 100 is 57.99999999999999
  EXPECT_EQ(style_quota({0.8, 0.1, 0.05, 0.05}, 0), (std::array<int64_t, 4>{0, 0, 0, 0}));
}

TEST(SynthProfiles, FollowDemoMd) {
  EXPECT_DOUBLE_EQ(style_shares(HabitProfile::mild, 0)[0], 0.80);  // apples: 80% clean
  EXPECT_DOUBLE_EQ(style_shares(HabitProfile::mild, 0)[1], 0.10);
  EXPECT_DOUBLE_EQ(style_shares(HabitProfile::mild, 9)[1], 0.58);  // toys
  EXPECT_DOUBLE_EQ(style_shares(HabitProfile::mild, 6)[1], 0.52);  // shells
  EXPECT_DOUBLE_EQ(style_shares(HabitProfile::strong, 1)[1], 0.30);  // pens
  EXPECT_DOUBLE_EQ(style_shares(HabitProfile::strong, 9)[1], 0.65);
  for (HabitProfile profile : {HabitProfile::mild, HabitProfile::strong})
    for (int noun = 0; noun < 10; ++noun) {
      const auto s = style_shares(profile, noun);
      EXPECT_NEAR(s[0] + s[1] + s[2] + s[3], 1.0, 1e-12);
      EXPECT_DOUBLE_EQ(s[2], 0.05);
      EXPECT_DOUBLE_EQ(s[3], 0.05);
    }
  try {
    parse_habit_profile("medium");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "option --synth.profile=medium: expected mild or strong");
  }
}

TEST(SynthTaskFiles, SameSeedGivesByteIdenticalFilesAndOtherSeedsOtherProblems) {
  SynthOptions options;
  options.seed = 7;
  options.train_size = 400, options.pool_size = 200, options.valid_size = 10, options.test_size = 100;
  const std::string a = testing::scratch_dir("synth-seed7-a"), b = testing::scratch_dir("synth-seed7-b"),
                    c = testing::scratch_dir("synth-seed8");
  write_synth_task(make_synth_task(options), a);
  write_synth_task(make_synth_task(options), b);
  options.seed = 8;
  write_synth_task(make_synth_task(options), c);
  const std::vector<std::string> files = {"train.jsonl", "pool.jsonl", "valid.jsonl", "test.jsonl", "tokenizer.json",
                                          "tokenizer_config.json", "generation_config.json", "base_config.json",
                                          "task.json", "README.md"};
  for (const std::string& file : files) {
    ASSERT_TRUE(fs::is_regular_file(fs::path(a) / file)) << file;
    EXPECT_EQ(read_file(fs::path(a) / file), read_file(fs::path(b) / file)) << file;
    EXPECT_FALSE(fs::exists(fs::path(a) / (file + ".tmp"))) << file;
  }
  for (const char* file : {"train.jsonl", "pool.jsonl", "valid.jsonl", "test.jsonl", "task.json"})
    EXPECT_NE(read_file(fs::path(a) / file), read_file(fs::path(c) / file)) << file;
  // The vocabulary comes from the grammar, not the draw.
  EXPECT_EQ(read_file(fs::path(a) / "tokenizer.json"), read_file(fs::path(c) / "tokenizer.json"));
}

TEST_F(SynthDefaultTask, EveryGoldAnswerParsesAndIsWhatTheQuestionComputes) {
  int64_t checked = 0;
  for (const SynthRecord* record : all_records(*task_)) {
    const int value = evaluate_question(record->question);
    const std::optional<std::string> gold = extract_answer(format_gsm8k_rationale(record->answer_field), AnswerKind::number);
    ASSERT_TRUE(gold.has_value()) << record->id;
    EXPECT_EQ(*gold, std::to_string(value)) << record->id << ": " << record->question;
    EXPECT_EQ(gsm8k_final_answer(record->answer_field), std::to_string(value)) << record->id;
    EXPECT_EQ(record->answer, value) << record->id;
    ++checked;
  }
  EXPECT_EQ(checked, 3000 + 1500 + 75 + 1000);
}

TEST_F(SynthDefaultTask, RationalesFollowTheirStyle) {
  std::map<std::string, int64_t> seen;
  for (const SynthRecord* record : all_records(*task_)) {
    const std::vector<Equation> eq = equations_of(record->answer_field);
    const int steps = step_count(record->question), answer = evaluate_question(record->question);
    const std::string style = style_name(record->style);
    ++seen[style];
    for (const Equation& e : eq) EXPECT_TRUE(e.result >= 0 && e.result <= 30 && e.left >= 0 && e.left <= 30) << record->id;
    if (style == "jumping") {
      EXPECT_TRUE(eq.empty()) << record->id;
      EXPECT_EQ(record->answer_field, "#### " + std::to_string(answer));
      continue;
    }
    ASSERT_FALSE(eq.empty()) << record->id;
    EXPECT_EQ(eq.back().result, answer) << record->id;
    int wrong = 0;
    for (const Equation& e : eq) wrong += !e.holds();
    if (style == "clean") {
      ASSERT_EQ(static_cast<int>(eq.size()), steps) << record->id;
      EXPECT_EQ(wrong, 0) << record->id;
      for (size_t i = 1; i < eq.size(); ++i) EXPECT_EQ(eq[i].left, eq[i - 1].result) << record->id;
    } else if (style == "redundant") {
      EXPECT_EQ(static_cast<int>(eq.size()), steps + 1) << record->id;
      EXPECT_EQ(wrong, 0) << record->id;
    } else {
      ASSERT_EQ(style, "spurious");
      EXPECT_EQ(static_cast<int>(eq.size()), steps) << record->id;
      EXPECT_GE(wrong, 1) << record->id;  // a wrong intermediate result, and the last one to land on the answer
    }
  }
  EXPECT_EQ(seen["clean"] + seen["jumping"] + seen["redundant"] + seen["spurious"], 5575);
  for (const auto* split : {&task_->pool, &task_->valid, &task_->test})
    for (const SynthRecord& record : *split) EXPECT_EQ(record.style, Style::clean) << record.id;
}

TEST_F(SynthDefaultTask, TrainStylesPerNounFollowTheMildProfile) {
  const auto counts = train_style_counts(*task_);
  for (int noun = 0; noun < 10; ++noun) {
    const int64_t total = counts[noun][0] + counts[noun][1] + counts[noun][2] + counts[noun][3];
    EXPECT_GT(total, 200) << synth_nouns()[noun];  // ~300 each: the nouns are drawn uniformly
    const auto shares = style_shares(HabitProfile::mild, noun);
    for (size_t s = 0; s < 4; ++s)
      EXPECT_LE(std::abs(static_cast<double>(counts[noun][s]) / total - shares[s]), 1.0 / total)
          << synth_nouns()[noun] << " " << style_name(kAllStyles[s]);
  }
  // The habit rises with the noun: apples mostly clean, toys mostly jumping.
  EXPECT_GT(counts[0][0], 3 * counts[0][1]);
  EXPECT_GT(counts[9][1], counts[9][0]);
}

TEST(SynthTaskStyles, StrongProfileHasMoreJumping) {
  SynthOptions options;
  options.profile = HabitProfile::strong;
  const auto counts = train_style_counts(make_synth_task(options));
  for (int noun = 0; noun < 10; ++noun) {
    const int64_t total = counts[noun][0] + counts[noun][1] + counts[noun][2] + counts[noun][3];
    EXPECT_LE(std::abs(static_cast<double>(counts[noun][1]) / total - style_shares(HabitProfile::strong, noun)[1]),
              1.0 / total);
  }
}

TEST_F(SynthDefaultTask, SplitsAreDisjointAndValidIsAtMostFivePercentOfPool) {
  std::set<std::string> questions;
  for (const SynthRecord* record : all_records(*task_)) questions.insert(record->question);
  EXPECT_EQ(questions.size(), 5575u);
  EXPECT_LE(task_->valid.size() * 20, task_->pool.size());
  SynthOptions options;
  options.valid_size = 76;
  try {
    make_synth_task(options);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "option --synth.valid_size=76 is more than 5% of --synth.pool_size=1500 "
                           "(the labeled valid set must stay tiny: at most 75)");
  }
  options = SynthOptions{};
  options.test_size = 0;
  EXPECT_THROW(check_synth_options(options), Error);
}

TEST_F(SynthDefaultTask, TokenizerCoversEveryTextAndDecodesItBackWithSpaces) {
  const Tokenizer tokenizer = Tokenizer::load(*dir_);
  EXPECT_EQ(tokenizer.vocab_size(), static_cast<int32_t>(synth_vocabulary().size()));
  EXPECT_EQ(tokenizer.bos_id(), std::optional<int32_t>(1));
  EXPECT_EQ(tokenizer.eos_ids(), std::vector<int32_t>{2});
  EXPECT_EQ(tokenizer.pad_id(), std::optional<int32_t>(3));
  EXPECT_EQ(tokenizer.token_to_id("[UNK]"), std::optional<int32_t>(0));
  for (const SynthRecord* record : all_records(*task_)) {
    const std::string text = "Q: " + record->question + "\nA: " + format_gsm8k_rationale(record->answer_field);
    const std::vector<int32_t> ids = tokenizer.encode(text, true);
    ASSERT_EQ(ids.front(), 1) << record->id;
    for (int32_t id : ids) ASSERT_NE(id, 0) << record->id << ": " << text;
    ASSERT_EQ(ids.size(), words_of(text).size() + 1) << record->id;  // one token per word, plus <s>
    std::string spaced;
    for (const std::string& word : words_of(text)) spaced += (spaced.empty() ? "" : " ") + word;
    ASSERT_EQ(tokenizer.decode(ids, true), spaced) << record->id;
  }
  const std::vector<int32_t> answer = tokenizer.encode("The answer is 9.", false);
  EXPECT_EQ(tokenizer.id_to_token(answer.back()), "9.");
}

TEST_F(SynthDefaultTask, LoadDatasetReadsTheSplitsWithTheirSizes) {
  DatasetOptions options;
  options.name = "synthetic";
  options.data_dir = *dir_;
  const DatasetSplits splits = load_dataset(options);
  EXPECT_EQ(splits.kind, AnswerKind::number);
  EXPECT_EQ(splits.pool.size(), 1500u);
  EXPECT_EQ(splits.valid.size(), 75u);
  EXPECT_EQ(splits.test.size(), 1000u);
  ASSERT_EQ(splits.exemplars.size(), 3u);
  for (const Example& exemplar : splits.exemplars) EXPECT_EQ(exemplar.style, "clean");
  EXPECT_EQ(splits.test[0].id, "test-0");
  EXPECT_EQ(splits.test[0].question, task_->test[0].question);
  EXPECT_EQ(splits.test[0].answer, std::to_string(task_->test[0].answer));
  const std::string& rationale = splits.valid[3].rationale;
  EXPECT_EQ(rationale.substr(rationale.find('\n')), "\nThe answer is " + std::to_string(task_->valid[3].answer) + ".");
}

TEST_F(SynthDefaultTask, BaseConfigIsTheDemoModelOverTheTaskVocabulary) {
  const LlamaConfig config = read_llama_config(*dir_ + "/base_config.json");
  EXPECT_EQ(config.vocab_size, Tokenizer::load(*dir_).vocab_size());
  EXPECT_EQ(config.hidden_size, 128);
  EXPECT_EQ(config.num_layers, 2);
  EXPECT_EQ(config.num_heads, 4);
  EXPECT_EQ(config.num_kv_heads, 4);
  EXPECT_EQ(config.head_dim, 32);
  EXPECT_EQ(config.intermediate_size, 344);
  EXPECT_EQ(config.max_position_embeddings, 512);
  EXPECT_DOUBLE_EQ(config.rope_theta, 10000.0);
  EXPECT_DOUBLE_EQ(config.rms_norm_eps, 1e-5);
  EXPECT_TRUE(config.tie_word_embeddings);
  EXPECT_EQ(config.bos_token_id, std::optional<int32_t>(1));
  EXPECT_EQ(config.eos_token_ids, std::vector<int32_t>{2});
}

TEST_F(SynthDefaultTask, TaskJsonRecordsTheSettingsAndTheStyleCounts) {
  const nlohmann::json j = nlohmann::json::parse(read_file(*dir_ + "/task.json"));
  EXPECT_EQ(j.at("seed"), 0);
  EXPECT_EQ(j.at("profile"), "mild");
  EXPECT_EQ(j.at("sizes").at("train"), 3000);
  EXPECT_EQ(j.at("sizes").at("valid"), 75);
  EXPECT_EQ(j.at("vocab_size"), static_cast<int64_t>(synth_vocabulary().size()));
  const auto counts = train_style_counts(*task_);
  int64_t jumping = 0;
  for (int noun = 0; noun < 10; ++noun) {
    EXPECT_EQ(j.at("train_style_counts").at(synth_nouns()[noun]).at("jumping"), counts[noun][1]);
    jumping += counts[noun][1];
  }
  EXPECT_EQ(j.at("train_style_totals").at("jumping"), jumping);
}

}  // namespace
}  // namespace iwsi
