// load_dataset: which files each dataset reads, its default sizes, and the split itself.
// The per-format parsing is in math_readers.cc / choice_readers.cc, the split rules in splits.cc.
#include "data/dataset.h"

#include "core/error.h"
#include "data/dataset_readers.h"
#include "data/written_examples.h"
#include "data/splits.h"

namespace iwsi {
namespace {

constexpr int64_t kRest = -1;  // valid: every labeled record left after the pool
constexpr int64_t kAll = -1;   // test: the whole test file

// The paper's sizes where it states them (../shared/docs/IWSI.md, the paper code's DATASET_SPLIT), else
// about 95% of the labeled file as pool and the rest as valid. Reasons in src/data/README.md.
struct SplitDefaults {
  int64_t pool, valid, test;
};
constexpr SplitDefaults kGsm8k{/*pool=*/7099, /*valid=*/kRest, /*test=*/kAll};
constexpr SplitDefaults kSvamp{/*pool=*/665, /*valid=*/kRest, /*test=*/kAll};
constexpr SplitDefaults kStrategyQa{/*pool=*/1580, /*valid=*/79 /* 5% of the pool */, /*test=*/kAll};
constexpr SplitDefaults kAnliR1R2{/*pool=*/950, /*valid=*/kRest, /*test=*/500 /* the paper's test[:500] */};
constexpr SplitDefaults kAnliR3{/*pool=*/1140, /*valid=*/kRest, /*test=*/500};
constexpr SplitDefaults kOpenBookQa{/*pool=*/4750, /*valid=*/kRest, /*test=*/kAll};
constexpr SplitDefaults kCommonsenseQa{/*pool=*/9250, /*valid=*/kRest, /*test=*/kAll};

// A dataset as read from disk: the labeled records the exemplars, pool and valid set come
// from, and the test records.
struct DatasetSource {
  AnswerKind kind = AnswerKind::number;
  std::vector<Example> labeled, test;
  SplitDefaults defaults{0, kRest, kAll};
};

constexpr int64_t kSvampTestSize = 300;  // the usual 700 / 300 re-split of SVAMP's 1000 problems

DatasetSource read_svamp_source(const std::string& root) {
  const std::string path = root + "/svamp/SVAMP.json";
  std::vector<Example> all = read_svamp(path);
  IWSI_CHECK(static_cast<int64_t>(all.size()) > kSvampTestSize, path, ": expected more than ", kSvampTestSize,
             " records");
  DatasetSource source{AnswerKind::number, {}, {}, kSvamp};
  source.test.assign(all.end() - kSvampTestSize, all.end());
  all.resize(all.size() - kSvampTestSize);
  source.labeled = std::move(all);
  return source;
}

// Offline the ANLI train splits are missing, so a round's dev set is its labeled file.
DatasetSource read_anli_source(const std::string& root, const std::string& round) {
  const std::string dir = root + "/anli/" + round;
  return {AnswerKind::choice, read_anli(dir + "/dev.jsonl"), read_anli(dir + "/test.jsonl"),
          round == "R3" ? kAnliR3 : kAnliR1R2};
}

DatasetSource read_source(const std::string& name, const std::string& root) {
  const AnswerKind choice = AnswerKind::choice;
  if (name == "gsm8k")
    return {AnswerKind::number, read_gsm8k_format(root + "/gsm8k/train.jsonl"),
            read_gsm8k_format(root + "/gsm8k/test.jsonl"), kGsm8k};
  if (name == "svamp") return read_svamp_source(root);
  if (name == "strategyqa")  // the authors' dev split is the test set (the official test has no labels)
    return {choice, read_strategyqa(root + "/strategyqa/train.json"), read_strategyqa(root + "/strategyqa/dev.json"),
            kStrategyQa};
  if (name == "anli" || name == "anli-r1") return read_anli_source(root, "R1");
  if (name == "anli-r2") return read_anli_source(root, "R2");
  if (name == "anli-r3") return read_anli_source(root, "R3");
  if (name == "openbookqa")
    return {choice, read_openbookqa(root + "/openbookqa/train.tsv"), read_openbookqa(root + "/openbookqa/test.tsv"),
            kOpenBookQa};
  if (name == "commonsenseqa")  // the official test file has no labels: dev is the test set
    return {choice, read_commonsenseqa(root + "/commonsenseqa/train_rand_split.jsonl"),
            read_commonsenseqa(root + "/commonsenseqa/dev_rand_split.jsonl"), kCommonsenseQa};
  std::string valid;
  for (const std::string& known : dataset_names()) valid += (valid.empty() ? "" : ", ") + known;
  fail("unknown dataset \"", name, "\" (valid names: ", valid, ")");
}

int64_t resolve_size(int64_t requested, int64_t default_value) { return requested == -1 ? default_value : requested; }

void check_options(const DatasetOptions& options) {
  IWSI_CHECK(!options.data_dir.empty(), "dataset ", options.name, ": data_dir is empty");
  IWSI_CHECK(options.pool_size >= -1, "pool_size must be >= -1 (-1 = default), got ", options.pool_size);
  IWSI_CHECK(options.valid_size >= -1, "valid_size must be >= -1 (-1 = default), got ", options.valid_size);
  IWSI_CHECK(options.test_size >= -1, "test_size must be >= -1 (-1 = default), got ", options.test_size);
  IWSI_CHECK(options.num_exemplars >= 0, "num_exemplars must be >= 0, got ", options.num_exemplars);
  IWSI_CHECK(options.prompt_file.empty() || options.exemplar_indices.empty(),
             "a prompt file and exemplar indices exclude each other");
}

bool names_sources(const std::vector<WrittenExample>& written) {
  for (const WrittenExample& one : written)
    if (!one.source.empty()) return true;
  return false;
}

std::vector<WrittenExample> read_if_given(const std::string& path, AnswerKind kind) {
  return path.empty() ? std::vector<WrittenExample>{} : read_written_examples(path, kind);
}

// The synthetic task ships its splits as files; its labeled train.jsonl (the base model's
// training data) only supplies the few-shot exemplars and is read only when they are needed.
DatasetSplits load_synthetic(const DatasetOptions& options) {
  const std::string& dir = options.data_dir;
  DatasetSplits splits;
  splits.name = options.name;
  splits.kind = AnswerKind::number;
  splits.pool = first_n(read_gsm8k_format(dir + "/pool.jsonl"), options.pool_size, "pool_size", options.name);
  splits.test = first_n(read_gsm8k_format(dir + "/test.jsonl"), options.test_size, "test_size", options.name);
  // The task's splits are separate files, so written examples' sources are only checked: a valid
  // file's against the valid.jsonl it replaces, a prompt file's against train.jsonl.
  std::vector<Example> valid = read_gsm8k_format(dir + "/valid.jsonl");
  if (!options.valid_file.empty()) {
    const std::vector<WrittenExample> written = read_written_examples(options.valid_file, splits.kind);
    if (names_sources(written)) written_source_indices(written, valid, options.name);
    valid = written_examples(written);
  }
  splits.valid = first_n(std::move(valid), options.valid_size, "valid_size", options.name);
  if (!options.prompt_file.empty()) {
    const std::vector<WrittenExample> prompt = read_written_examples(options.prompt_file, splits.kind);
    if (names_sources(prompt)) written_source_indices(prompt, read_gsm8k_format(dir + "/train.jsonl"), options.name);
    splits.exemplars = written_examples(prompt);
    return splits;
  }
  if (options.exemplar_indices.empty() && options.num_exemplars == 0) return splits;
  const std::vector<Example> labeled = read_gsm8k_format(dir + "/train.jsonl");
  const std::vector<int64_t> indices = options.exemplar_indices.empty()
                                           ? default_exemplar_indices(labeled, options.num_exemplars, options.name)
                                           : options.exemplar_indices;
  splits.exemplars = pick_examples(labeled, indices, options.name);
  return splits;
}

}  // namespace

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = {"gsm8k",   "svamp",   "strategyqa", "anli",          "anli-r1",
                                                 "anli-r2", "anli-r3", "openbookqa", "commonsenseqa", "synthetic"};
  return names;
}

DatasetSplits load_dataset(const DatasetOptions& options) {
  check_options(options);
  if (options.name == "synthetic") return load_synthetic(options);
  DatasetSource source = read_source(options.name, options.data_dir);
  const std::vector<WrittenExample> prompt = read_if_given(options.prompt_file, source.kind);
  const std::vector<WrittenExample> written_valid = read_if_given(options.valid_file, source.kind);
  const std::vector<int64_t> exemplar_indices =
      !prompt.empty()                    ? written_source_indices(prompt, source.labeled, options.name)
      : options.exemplar_indices.empty() ? default_exemplar_indices(source.labeled, options.num_exemplars, options.name)
                                         : options.exemplar_indices;
  const bool valid_written = !written_valid.empty();
  const int64_t valid_size = resolve_size(options.valid_size, source.defaults.valid);
  LabeledParts parts = split_labeled(source.labeled, exemplar_indices,
                                     written_source_indices(written_valid, source.labeled, options.name),
                                     resolve_size(options.pool_size, source.defaults.pool),
                                     valid_written ? 0 : valid_size, options.name);
  DatasetSplits splits;
  splits.name = options.name;
  splits.kind = source.kind;
  splits.pool = std::move(parts.pool);
  // A written valid set takes valid_size only when given: a dataset's default size (StrategyQA's 79)
  // is about its labeled file, not about the file the user wrote.
  splits.valid = valid_written ? first_n(written_examples(written_valid), options.valid_size, "valid_size", options.name)
                               : std::move(parts.valid);
  splits.exemplars = prompt.empty() ? std::move(parts.exemplars) : written_examples(prompt);
  splits.test =
      first_n(std::move(source.test), resolve_size(options.test_size, source.defaults.test), "test_size", options.name);
  return splits;
}

}  // namespace iwsi
