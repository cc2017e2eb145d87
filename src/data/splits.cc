// Deterministic exemplar / pool / valid splits; see splits.h.
#include "data/splits.h"

#include <set>

#include "core/error.h"

namespace iwsi {

std::vector<int64_t> default_exemplar_indices(const std::vector<Example>& labeled, int count,
                                              const std::string& dataset) {
  IWSI_CHECK(count >= 0, "num_exemplars must be >= 0, got ", count);
  IWSI_CHECK(static_cast<size_t>(count) <= labeled.size(), "num_exemplars ", count, " exceeds the ", labeled.size(),
             " labeled records of ", dataset);
  std::vector<int64_t> chosen;
  for (int64_t i = static_cast<int64_t>(labeled.size()) - 1; i >= 0 && static_cast<int>(chosen.size()) < count; --i) {
    const Example& example = labeled[i];
    if (!example.rationale.empty() && (example.style.empty() || example.style == "clean")) chosen.push_back(i);
  }
  if (static_cast<int>(chosen.size()) < count) {  // no (or too few) rationales: plain last records
    chosen.clear();
    for (int64_t i = static_cast<int64_t>(labeled.size()) - count; i < static_cast<int64_t>(labeled.size()); ++i)
      chosen.push_back(i);
    return chosen;
  }
  return {chosen.rbegin(), chosen.rend()};
}

std::vector<Example> pick_examples(const std::vector<Example>& labeled, const std::vector<int64_t>& indices,
                                   const std::string& dataset) {
  std::set<int64_t> seen;
  std::vector<Example> picked;
  for (int64_t index : indices) {
    IWSI_CHECK(index >= 0 && index < static_cast<int64_t>(labeled.size()), "exemplar index ", index,
               " is out of range for the ", labeled.size(), " labeled records of ", dataset);
    IWSI_CHECK(seen.insert(index).second, "exemplar index ", index, " is listed twice for ", dataset);
    picked.push_back(labeled[index]);
  }
  return picked;
}

LabeledParts split_labeled(const std::vector<Example>& labeled, const std::vector<int64_t>& exemplar_indices,
                           const std::vector<int64_t>& held_out, int64_t pool_size, int64_t valid_size,
                           const std::string& dataset) {
  LabeledParts parts;
  parts.exemplars = pick_examples(labeled, exemplar_indices, dataset);
  std::set<int64_t> excluded(exemplar_indices.begin(), exemplar_indices.end());
  for (int64_t index : held_out) {
    IWSI_CHECK(index >= 0 && index < static_cast<int64_t>(labeled.size()), "held-out index ", index,
               " is out of range for the ", labeled.size(), " labeled records of ", dataset);
    IWSI_CHECK(excluded.insert(index).second, "record ", labeled[index].id, " of ", dataset,
               " is both a few-shot exemplar and a written valid example");
  }
  const char* taken = held_out.empty() ? "the exemplars" : "the exemplars and the valid file's records";
  std::vector<Example> rest;
  for (size_t i = 0; i < labeled.size(); ++i)
    if (!excluded.count(static_cast<int64_t>(i))) rest.push_back(labeled[i]);
  IWSI_CHECK(pool_size >= 0 && pool_size <= static_cast<int64_t>(rest.size()), "pool_size ", pool_size, " exceeds the ",
             rest.size(), " labeled records of ", dataset, " left after ", taken);
  const int64_t left = static_cast<int64_t>(rest.size()) - pool_size;
  if (valid_size < 0) valid_size = left;
  IWSI_CHECK(valid_size <= left, "valid_size ", valid_size, " exceeds the ", left, " labeled records of ", dataset,
             " left after the pool and ", taken);
  parts.pool.assign(rest.begin(), rest.begin() + pool_size);
  parts.valid.assign(rest.begin() + pool_size, rest.begin() + pool_size + valid_size);
  return parts;
}

std::vector<Example> first_n(std::vector<Example> examples, int64_t n, const char* option, const std::string& dataset) {
  if (n < 0) return examples;
  IWSI_CHECK(n <= static_cast<int64_t>(examples.size()), option, " ", n, " exceeds the ", examples.size(),
             " records available for ", dataset);
  examples.resize(n);
  return examples;
}

}  // namespace iwsi
