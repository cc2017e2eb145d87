// Carving a labeled file into few-shot exemplars, question pool and valid set, and taking
// prefixes of fixed size -- deterministic, file-order rules with no randomness, so every MPI
// rank and every rerun sees the same splits. Deliberately no file reading (dataset.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/example.h"

namespace iwsi {

// The default few-shot exemplars: the last `count` records (in file order) that have a
// rationale and no style other than "clean"; taking them from the end keeps the pool a prefix
// of the file (GSM8K: exactly the paper's train[:7099]). A dataset without rationales falls
// back to its last `count` records. Throws when the file has fewer than `count` records.
std::vector<int64_t> default_exemplar_indices(const std::vector<Example>& labeled, int count,
                                              const std::string& dataset);

// labeled[i] for each index, in the order given; throws on an out-of-range or repeated index.
std::vector<Example> pick_examples(const std::vector<Example>& labeled, const std::vector<int64_t>& indices,
                                   const std::string& dataset);

struct LabeledParts {
  std::vector<Example> exemplars, pool, valid;
};

// Exemplars = labeled[exemplar_indices]; of the remaining records in file order, leaving out
// `held_out` too (the records a valid file was written for), the first `pool_size` form the pool
// and the next `valid_size` (-1 = all the rest) the valid set. Throws when a held-out record is
// also an exemplar.
LabeledParts split_labeled(const std::vector<Example>& labeled, const std::vector<int64_t>& exemplar_indices,
                           const std::vector<int64_t>& held_out, int64_t pool_size, int64_t valid_size,
                           const std::string& dataset);

// The first n examples (-1 = all); throws naming `option` when fewer than n exist.
std::vector<Example> first_n(std::vector<Example> examples, int64_t n, const char* option, const std::string& dataset);

}  // namespace iwsi
