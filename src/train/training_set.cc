#include "train/training_set.h"

#include "core/config.h"
#include "score/sft_tokens.h"

namespace iwsi {

TrainingSet tokenize_training_texts(const Tokenizer& tokenizer, const std::vector<TrainingText>& texts,
                                    int64_t max_length) {
  check_range("train.max_length", static_cast<double>(max_length), 2, 1e9);
  TrainingSet set;
  for (const TrainingText& text : texts) {
    SftTokens tokens = text.generated_ids.empty()
                           ? sft_tokens(tokenizer, text.prompt, text.answer)
                           : sample_sft_tokens(tokenizer, text.prompt, text.generated_ids, text.answer);
    if (!tokens.model_ids_only) ++set.text_encoded;
    TokenSample sample;
    sample.prompt_length = static_cast<int64_t>(tokens.prompt.size());
    sample.weight = text.weight;
    sample.ids = std::move(tokens.prompt);
    sample.ids.insert(sample.ids.end(), tokens.answer.begin(), tokens.answer.end());
    if (sample.prompt_length >= max_length) {
      ++set.dropped;
      continue;
    }
    if (static_cast<int64_t>(sample.ids.size()) > max_length) {
      sample.ids.resize(static_cast<size_t>(max_length));
      ++set.truncated;
    }
    set.tokens += static_cast<int64_t>(sample.ids.size());
    set.samples.push_back(std::move(sample));
  }
  return set;
}

}  // namespace iwsi
