// Training texts -> token samples: sft_tokens() for written texts, sample_sft_tokens() (the model's
// own ids) for generated ones (prompt masked, answer + EOS trained, the same split DS scoring uses), then the whole sequence cut to `max_length` tokens (paper: 400). A sample whose
// prompt alone fills max_length has nothing left to train and is left out (counted, not silent).
// Deliberately no batching or shuffling (batch_order.h).
#pragma once

#include <cstdint>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "train/token_loss.h"
#include "pipeline/training_texts.h"

namespace iwsi {

struct TrainingSet {
  std::vector<TokenSample> samples;
  int64_t truncated = 0;  // samples cut to max_length (still trained)
  int64_t dropped = 0;    // samples left out: no answer token within max_length
  int64_t tokens = 0;     // sum of sample lengths after truncation
  int64_t text_encoded = 0;  // generated samples whose answer is not the model's ids alone (sft_tokens.h)
};

TrainingSet tokenize_training_texts(const Tokenizer& tokenizer, const std::vector<TrainingText>& texts,
                                    int64_t max_length);

}  // namespace iwsi
