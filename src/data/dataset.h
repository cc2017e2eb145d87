// load_dataset: a named dataset read from its files and split into few-shot exemplars, the
// unlabeled question pool, the small labeled valid set and the test set, with the paper's
// sizes by default (../shared/docs/IWSI.md sections 1, 6, 7; the choices made are in src/data/README.md).
// Deliberately takes paths as arguments (never the environment) and does no logging.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/example.h"
#include "data/json_records.h"
#include "data/prompt.h"
#include "data/rationale.h"

namespace iwsi {

struct DatasetOptions {
  std::string name;      // one of dataset_names()
  std::string data_dir;  // the shared data root (holding gsm8k/, svamp/, ...), or a synthetic task's dir
  int64_t pool_size = -1, valid_size = -1, test_size = -1;  // -1 = the dataset's default
  int num_exemplars = 3;                                    // ignored when exemplar_indices is set
  std::vector<int64_t> exemplar_indices;                    // into the labeled file; empty = defaults
  std::string prompt_file;  // exemplars written by hand (data/written_examples.h); replaces the two above
  // The valid set written by hand (data/written_examples.h), for datasets whose valid records have
  // no rationale; valid_size then takes the file's first records. Its source records leave the pool.
  std::string valid_file;
};

DatasetSplits load_dataset(const DatasetOptions& options);

// "gsm8k", "svamp", "strategyqa", "anli" (= "anli-r1"), "anli-r1", "anli-r2", "anli-r3",
// "openbookqa", "commonsenseqa", "synthetic".
const std::vector<std::string>& dataset_names();

}  // namespace iwsi
