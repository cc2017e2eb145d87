// Datasets: file readers with file:line errors, each dataset's splits and formats, the
// synthetic task's files, and the prompt texts. Reads the real files under
// $IWSI_SHARED_DIR/data; malformed inputs are written to a scratch folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "data/text.h"
#include "data/dataset.h"
#include "data/dataset_readers.h"
#include "data/json_records.h"
#include "data/splits.h"
#include "expect_error.h"
#include "test_paths.h"

namespace iwsi {
namespace {

std::string data_root() { return testing::shared_dir() + "/data"; }

DatasetOptions options_for(const std::string& name, const std::string& dir) {
  DatasetOptions options;
  options.name = name;
  options.data_dir = dir;
  return options;
}

DatasetSplits load(const std::string& name) { return load_dataset(options_for(name, data_root())); }

void write_file(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

using testing::error_of;

// ---- raw readers ---------------------------------------------------------------------------

TEST(SplitCommas, TrimsItemsAndDropsEmptyOnes) {
  EXPECT_EQ(split_commas(" a, b,,c , "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_commas("").empty());
  EXPECT_TRUE(split_commas(" , ").empty());
}

TEST(ReadJsonl, PairsEveryRecordWithItsLineAndSkipsBlankLines) {
  const std::string path = testing::scratch_dir("jsonl") + "/ok.jsonl";
  write_file(path, "{\"a\": 1}\n\n{\"a\": 2}\r\n");
  const auto records = read_jsonl(path);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].line, 3);
  EXPECT_EQ(records[1].value.at("a"), 2);
}

TEST(ReadJsonl, BadJsonNamesFileAndLine) {
  const std::string path = testing::scratch_dir("jsonl") + "/bad.jsonl";
  write_file(path, "{\"a\": 1}\n{\"a\": \n");
  EXPECT_ERROR_CONTAINS(read_jsonl(path), path + ":2: invalid JSON");
}

TEST(ReadJsonl, MissingFileNamesThePath) {
  EXPECT_ERROR_CONTAINS(read_jsonl("/nonexistent/dir/x.jsonl"), "/nonexistent/dir/x.jsonl");
}

TEST(JsonArray, ElementLinesIgnoreBracketsInsideStrings) {
  const std::string text = "[\n  {\"a\": \"[{,\\\"\"},\n  [1, 2],\n\n  3\n]";
  EXPECT_EQ(json_array_element_lines(text), (std::vector<int64_t>{2, 3, 5}));
  EXPECT_TRUE(json_array_element_lines("[]").empty());
}

TEST(JsonArray, RecordErrorsNameTheElementsLine) {
  const std::string path = testing::scratch_dir("svamp") + "/SVAMP.json";
  write_file(
      path,
      "[\n {\"ID\": \"x\", \"Body\": \"b\", \"Question\": \"q\", \"Equation\": \"( 1.0 + 1.0 )\", \"Answer\": 2.0},\n"
      " {\"ID\": \"y\", \"Body\": \"b\", \"Question\": \"q\", \"Answer\": 2.0}\n]\n");
  EXPECT_ERROR_CONTAINS(read_svamp(path), path + ":3: missing string field \"Equation\"");
}

// ---- GSM8K ---------------------------------------------------------------------------------

TEST(Gsm8kRationale, RemovesCalculatorNotesAndRewritesTheFinalLine) {
  EXPECT_EQ(format_gsm8k_rationale("Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72"),
            "Natalia sold 48/2 = 24 clips in May.\nThe answer is 72.");
  EXPECT_EQ(format_gsm8k_rationale("Big: 1,000 + 80 = <<1000+80=1080>>1,080\n#### 1,080"),
            "Big: 1,000 + 80 = 1,080\nThe answer is 1,080.");
  EXPECT_EQ(gsm8k_final_answer("x\n#### 1,080"), "1080");
  EXPECT_EQ(gsm8k_final_answer("x\n#### -10"), "-10");
  EXPECT_ERROR_CONTAINS(format_gsm8k_rationale("no final line"), "####");
  EXPECT_ERROR_CONTAINS(gsm8k_final_answer("x\n#### many"), "not a number");
}

TEST(Gsm8k, PoolIsThePapersFirst7099TrainQuestionsAndExemplarsComeFromTheEnd) {
  const DatasetSplits d = load("gsm8k");
  EXPECT_EQ(d.kind, AnswerKind::number);
  EXPECT_EQ(d.pool.size(), 7099u);
  EXPECT_EQ(d.valid.size(), 7473u - 7099u - 3u);
  EXPECT_EQ(d.test.size(), 1319u);
  ASSERT_EQ(d.exemplars.size(), 3u);
  EXPECT_EQ(d.exemplars[0].id, "train.jsonl:7471");
  EXPECT_EQ(d.exemplars[2].id, "train.jsonl:7473");
  EXPECT_EQ(d.pool[0].id, "train.jsonl:1");
  EXPECT_EQ(d.pool.back().id, "train.jsonl:7099");
  EXPECT_EQ(d.valid[0].id, "train.jsonl:7100");
  EXPECT_EQ(d.pool[0].answer, "72");
  EXPECT_EQ(d.pool[0].rationale,
            "Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\n"
            "The answer is 72.");
  EXPECT_EQ(d.test[0].id, "test.jsonl:1");
}

TEST(Gsm8k, ExplicitExemplarIndicesAreRemovedFromThePool) {
  DatasetOptions options = options_for("gsm8k", data_root());
  options.exemplar_indices = {0, 1, 2};
  const DatasetSplits d = load_dataset(options);
  EXPECT_EQ(d.exemplars[0].id, "train.jsonl:1");
  EXPECT_EQ(d.pool[0].id, "train.jsonl:4");
  EXPECT_EQ(d.pool.size(), 7099u);
  EXPECT_EQ(d.valid.back().id, "train.jsonl:7473");
}

TEST(Gsm8k, SizeOptionsTakePrefixes) {
  DatasetOptions options = options_for("gsm8k", data_root());
  options.pool_size = 100;
  options.valid_size = 20;
  options.test_size = 50;
  options.num_exemplars = 0;
  const DatasetSplits d = load_dataset(options);
  EXPECT_EQ(d.pool.size(), 100u);
  EXPECT_EQ(d.valid.size(), 20u);
  EXPECT_EQ(d.valid[0].id, "train.jsonl:101");
  EXPECT_EQ(d.test.size(), 50u);
  EXPECT_TRUE(d.exemplars.empty());
}

// ---- the other datasets --------------------------------------------------------------------

TEST(Svamp, LastThreeHundredAreTheTestSetAndRationalesComeFromTheEquation) {
  const DatasetSplits d = load("svamp");
  EXPECT_EQ(d.pool.size(), 665u);
  EXPECT_EQ(d.valid.size(), 700u - 665u - 3u);
  EXPECT_EQ(d.test.size(), 300u);
  EXPECT_EQ(d.test.front().id, "chal-701");
  EXPECT_EQ(d.test.back().id, "chal-1000");
  EXPECT_EQ(d.exemplars[0].id, "chal-698");
  const Example& first = d.pool[0];
  EXPECT_EQ(first.id, "chal-1");
  EXPECT_EQ(first.question,
            "Each pack of dvds costs 76 dollars. If there is a discount of 25 dollars on each pack "
            "How much do you have to pay to buy each pack?");
  EXPECT_EQ(first.answer, "51");
  EXPECT_EQ(first.rationale, "( 76.0 - 25.0 ) = 51. The answer is 51.");
}

TEST(StrategyQa, YesNoBecomeChoicesAAndBWithTheFactsAsRationale) {
  const DatasetSplits d = load("strategyqa");
  EXPECT_EQ(d.kind, AnswerKind::choice);
  EXPECT_EQ(d.pool.size(), 1580u);
  EXPECT_EQ(d.valid.size(), 79u);
  EXPECT_EQ(d.test.size(), 229u);
  const Example& first = d.test[0];
  EXPECT_EQ(first.id, "e0044a7b4d146d611e73");
  EXPECT_EQ(first.question,
            "Will the Albany in Georgia reach a hundred thousand occupants before the one in New York? "
            "Answer Choices are: A)yes; B)no.");
  EXPECT_EQ(first.answer, "B");
  EXPECT_EQ(first.rationale,
            "Albany, GA has around 75,000 people. Albany, NY has almost 100,000 people. The answer is (B).");
}

TEST(Anli, DevIsTheLabeledFileAndLabelsMapToYesNoImpossible) {
  const DatasetSplits d = load("anli-r1");
  EXPECT_EQ(d.pool.size(), 950u);
  EXPECT_EQ(d.valid.size(), 47u);
  EXPECT_EQ(d.test.size(), 500u);
  const Example& second = d.pool[1];  // label "e"
  EXPECT_EQ(second.id, "e66af435-eef1-491b-af2a-4825d54611e1");
  EXPECT_EQ(second.answer, "A");
  EXPECT_EQ(second.question.rfind("\"Franco Zeffirelli, KBE", 0), 0u);
  EXPECT_NE(second.question.find("\" Based on this premise, can we conclude the hypothesis \""), std::string::npos);
  EXPECT_NE(second.question.find("\" is true?\nAnswer Choices are: A)yes; B)no; C)impossible to tell."),
            std::string::npos);
  EXPECT_EQ(second.rationale,
            "Franco Zeffirelli was a senator so he had a political career. The system likely was fooled because I "
            "used words not used in the context. The answer is (A).");
  EXPECT_EQ(d.pool[0].answer, "B");  // label "c"
  EXPECT_EQ(load("anli").pool[1].id, second.id);
  const DatasetSplits r3 = load("anli-r3");
  EXPECT_EQ(r3.pool.size(), 1140u);
  EXPECT_EQ(r3.valid.size(), 57u);
}

TEST(Anli, UnknownLabelNamesFileAndLine) {
  const std::string root = testing::scratch_dir("anli-bad");
  std::filesystem::create_directories(root + "/anli/R2");
  const std::string good = R"({"uid": "u1", "context": "c", "hypothesis": "h", "label": "n", "reason": "r"})";
  write_file(root + "/anli/R2/dev.jsonl",
             good + "\n" + R"({"uid": "u2", "context": "c", "hypothesis": "h", "label": "x"})" + "\n");
  write_file(root + "/anli/R2/test.jsonl", good + "\n");
  EXPECT_ERROR_CONTAINS(load_dataset(options_for("anli-r2", root)),
                        root + "/anli/R2/dev.jsonl:2: unknown ANLI label \"x\"");
}

TEST(OpenBookQa, OptionsAreParsedFromTheTsvAndTheStemBecomesAQuestion) {
  const DatasetSplits d = load("openbookqa");
  EXPECT_EQ(d.pool.size(), 4750u);
  EXPECT_EQ(d.valid.size(), 4957u - 4750u - 3u);
  EXPECT_EQ(d.test.size(), 500u);
  const Example& first = d.pool[0];
  EXPECT_EQ(first.id, "7-980");
  EXPECT_EQ(first.question,
            "The sun is responsible for? Answer Choices are: A)puppies learning new tricks; B)children growing up "
            "and getting old; C)flowers wilting in a vase; D)plants sprouting, blooming and wilting.");
  EXPECT_EQ(first.answer, "D");
  EXPECT_EQ(first.rationale, "");  // OpenBookQA Main has no explanations
}

TEST(OpenBookQa, FewShotPrefixNeedsRationalesThisDatasetLacks) {
  EXPECT_ERROR_CONTAINS(few_shot_prefix(load("openbookqa").exemplars), "has no rationale");
}

TEST(CommonsenseQa, DevIsTheTestSetWithFiveOptions) {
  const DatasetSplits d = load("commonsenseqa");
  EXPECT_EQ(d.pool.size(), 9250u);
  EXPECT_EQ(d.valid.size(), 9741u - 9250u - 3u);
  EXPECT_EQ(d.test.size(), 1221u);
  EXPECT_EQ(d.test[0].question,
            "A revolving door is convenient for two direction travel, but it also serves as a security measure at a "
            "what? Answer Choices are: A)bank; B)library; C)department store; D)mall; E)new york.");
  EXPECT_EQ(d.test[0].answer, "A");
}

// ---- the synthetic task --------------------------------------------------------------------

std::string synthetic_line(const std::string& style, int answer) {
  return R"({"question": "ann has )" + std::to_string(answer) +
         R"( apples . how many apples does ann have ?", "answer": "answer )" + std::to_string(answer) + R"( .\n#### )" +
         std::to_string(answer) + R"(", "style": ")" + style + "\"}\n";
}

std::string make_synthetic_task(const std::string& name) {
  const std::string dir = testing::scratch_dir(name);
  write_file(dir + "/train.jsonl", synthetic_line("clean", 1) + synthetic_line("clean", 2) +
                                       synthetic_line("clean", 3) + synthetic_line("clean", 4) +
                                       synthetic_line("jumping", 5));
  write_file(dir + "/pool.jsonl",
             synthetic_line("clean", 6) + synthetic_line("jumping", 7) + synthetic_line("clean", 8));
  write_file(dir + "/valid.jsonl", synthetic_line("clean", 9));
  write_file(dir + "/test.jsonl", R"({"id": "t-1", "question": "q", "answer": "#### 10", "style": "clean"})"
                                  "\n");
  return dir;
}

TEST(SyntheticDataset, ReadsTheFourFilesAndPicksCleanExemplarsFromTheEndOfTrain) {
  const DatasetSplits d = load_dataset(options_for("synthetic", make_synthetic_task("synth-ok")));
  EXPECT_EQ(d.kind, AnswerKind::number);
  ASSERT_EQ(d.pool.size(), 3u);
  EXPECT_EQ(d.pool[1].style, "jumping");
  EXPECT_EQ(d.pool[1].answer, "7");
  EXPECT_EQ(d.pool[1].rationale, "answer 7 .\nThe answer is 7.");
  EXPECT_EQ(d.pool[1].id, "pool.jsonl:2");
  EXPECT_EQ(d.valid.size(), 1u);
  EXPECT_EQ(d.test[0].id, "t-1");
  ASSERT_EQ(d.exemplars.size(), 3u);  // train lines 2-4: line 5 is "jumping"
  EXPECT_EQ(d.exemplars[0].id, "train.jsonl:2");
  EXPECT_EQ(d.exemplars[2].id, "train.jsonl:4");
}

TEST(SyntheticDataset, TrainFileIsOnlyReadForExemplars) {
  const std::string dir = make_synthetic_task("synth-no-train");
  std::filesystem::remove(dir + "/train.jsonl");
  DatasetOptions options = options_for("synthetic", dir);
  options.num_exemplars = 0;
  EXPECT_EQ(load_dataset(options).pool.size(), 3u);
  options.num_exemplars = 1;
  EXPECT_ERROR_CONTAINS(load_dataset(options), dir + "/train.jsonl");
}

TEST(SyntheticDataset, MalformedRecordsNameFileAndLine) {
  const std::string dir = make_synthetic_task("synth-bad");
  write_file(dir + "/pool.jsonl", synthetic_line("clean", 1) + "{\"question\": \"q\", \"answer\": \"no marker\"}\n");
  EXPECT_ERROR_CONTAINS(load_dataset(options_for("synthetic", dir)),
                        dir + "/pool.jsonl:2: GSM8K-format answer has no \"####\"");
  write_file(dir + "/pool.jsonl", synthetic_line("clean", 1) + "{\"question\": \"q\"}\n");
  EXPECT_ERROR_CONTAINS(load_dataset(options_for("synthetic", dir)),
                        dir + "/pool.jsonl:2: missing string field \"answer\"");
  write_file(dir + "/pool.jsonl", "{\"question\": \"q\", \"answer\": \"#### 1\"}\n[1,\n");
  EXPECT_ERROR_CONTAINS(load_dataset(options_for("synthetic", dir)), dir + "/pool.jsonl:2: invalid JSON");
  write_file(dir + "/pool.jsonl", "[1]\n");
  EXPECT_ERROR_CONTAINS(load_dataset(options_for("synthetic", dir)), dir + "/pool.jsonl:1: expected a JSON object");
}

TEST(SyntheticDataset, SizesLargerThanTheFileAreErrors) {
  DatasetOptions options = options_for("synthetic", make_synthetic_task("synth-size"));
  options.pool_size = 4;
  EXPECT_ERROR_CONTAINS(load_dataset(options), "pool_size 4 exceeds the 3 records");
}

// ---- options -------------------------------------------------------------------------------

TEST(DatasetOptions, InvalidValuesAreNamed) {
  EXPECT_ERROR_CONTAINS(load("mnist"), "unknown dataset \"mnist\" (valid names: gsm8k, svamp");
  DatasetOptions options = options_for("svamp", data_root());
  options.pool_size = 698;
  EXPECT_ERROR_CONTAINS(load_dataset(options), "pool_size 698 exceeds the 697 labeled records of svamp");
  options = options_for("svamp", data_root());
  options.valid_size = 33;
  EXPECT_ERROR_CONTAINS(load_dataset(options), "valid_size 33 exceeds the 32 labeled records");
  options = options_for("svamp", data_root());
  options.exemplar_indices = {5, 700};
  EXPECT_ERROR_CONTAINS(load_dataset(options), "exemplar index 700 is out of range");
  options.exemplar_indices = {5, 5};
  EXPECT_ERROR_CONTAINS(load_dataset(options), "exemplar index 5 is listed twice");
  options = options_for("svamp", data_root());
  options.test_size = -2;
  EXPECT_ERROR_CONTAINS(load_dataset(options), "test_size must be >= -1");
  EXPECT_ERROR_CONTAINS(load_dataset(options_for("gsm8k", "/nonexistent")), "/nonexistent/gsm8k/train.jsonl");
}

// ---- prompts -------------------------------------------------------------------------------

TEST(PromptText, FewShotPrefixThenQuestionThenAnswerCue) {
  const std::vector<Example> exemplars = {{"e1", "1+1?", "2", "1+1=2. The answer is 2.", ""},
                                          {"e2", "2+2?", "4", "2+2=4. The answer is 4.", ""}};
  const std::string prefix = few_shot_prefix(exemplars);
  EXPECT_EQ(prefix, "Q: 1+1?\nA: 1+1=2. The answer is 2.\nQ: 2+2?\nA: 2+2=4. The answer is 4.\n");
  const Example question{"q", "3+3?", "6", "", ""};
  EXPECT_EQ(generation_prompt(prefix, question), prefix + "Q: 3+3?\nA: ");
  EXPECT_EQ(training_prompt(question), "Q: 3+3?\nA: ");
  EXPECT_EQ(few_shot_prefix({}), "");
  EXPECT_EQ(generation_prompt(few_shot_prefix({}), question), "Q: 3+3?\nA: ");
}

TEST(PromptText, Gsm8kDefaultPromptStartsWithTheFirstExemplar) {
  const DatasetSplits d = load("gsm8k");
  const std::string prompt = generation_prompt(few_shot_prefix(d.exemplars), d.test[0]);
  EXPECT_EQ(prompt.rfind("Q: " + d.exemplars[0].question + "\nA: " + d.exemplars[0].rationale + "\nQ: ", 0), 0u);
  EXPECT_EQ(prompt.substr(prompt.size() - 5), "?\nA: ");
}

}  // namespace
}  // namespace iwsi
