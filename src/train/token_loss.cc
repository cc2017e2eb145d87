#include "train/token_loss.h"

#include <algorithm>

#include "core/error.h"

namespace iwsi {

torch::Tensor answer_token_nll(const Llama& model, const std::vector<const TokenSample*>& samples) {
  IWSI_CHECK(!samples.empty(), "answer_token_nll: no samples");
  const int64_t B = static_cast<int64_t>(samples.size());
  int64_t T = 0;
  for (const TokenSample* s : samples) {
    const int64_t S = static_cast<int64_t>(s->ids.size());
    IWSI_CHECK(s->prompt_length >= 1 && s->prompt_length < S, "answer_token_nll: a sample of ", S,
               " tokens with prompt length ", s->prompt_length, " has no answer token to train (or no prompt)");
    T = std::max(T, S);
  }
  // Right padding needs no key mask: causal attention never looks at later (padding) positions.
  torch::Tensor ids = torch::zeros({B, T}, torch::kLong);  // (B, T)
  auto ids_a = ids.accessor<int64_t, 2>();
  std::vector<int64_t> rows, targets, owner;  // one entry per trained token: flat position, target id, sample
  for (int64_t b = 0; b < B; ++b) {
    const TokenSample& s = *samples[b];
    const int64_t S = static_cast<int64_t>(s.ids.size());
    for (int64_t t = 0; t < S; ++t) {
      IWSI_CHECK(s.ids[t] >= 0 && s.ids[t] < model.config.vocab_size, "answer_token_nll: token id ", s.ids[t],
                 " outside the vocabulary [0, ", model.config.vocab_size, ")");
      ids_a[b][t] = s.ids[t];
    }
    for (int64_t t = s.prompt_length - 1; t + 1 < S; ++t) {  // position t predicts token t + 1
      rows.push_back(b * T + t);
      targets.push_back(s.ids[t + 1]);
      owner.push_back(b);
    }
  }
  const torch::Device device = model.embed.device();
  auto on_device = [&](const std::vector<int64_t>& v) { return torch::tensor(v, torch::kLong).to(device); };
  torch::Tensor positions = torch::arange(T, torch::kLong).unsqueeze(0).expand({B, T});
  torch::Tensor hidden = forward_hidden(model, ids, positions, torch::Tensor(), nullptr);                      // (B, T, C)
  torch::Tensor picked = hidden.reshape({B * T, hidden.size(2)}).index_select(0, on_device(rows));            // (N, C)
  torch::Tensor logits = lm_head_logits(model, picked);                                                        // (N, V) f32
  torch::Tensor nll = torch::logsumexp(logits, -1) - logits.gather(1, on_device(targets).unsqueeze(1)).squeeze(1);  // (N)
  torch::Tensor owners = on_device(owner);
  torch::Tensor sums = torch::zeros({B}, nll.options()).index_add(0, owners, nll);                             // (B)
  torch::Tensor counts = torch::zeros({B}, nll.options()).index_add(0, owners, torch::ones_like(nll));         // (B)
  return sums / counts;
}

}  // namespace iwsi
