// answer_nll: length-sorted right-padded blocks, one forward_hidden per block, then the lm_head and
// log-sum-exp on the predicted positions only, in row chunks so a 128k vocabulary never needs a
// (B, T, V) logits tensor. Right padding needs no key mask: causal attention never looks ahead.
#include "model/loss.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace iwsi {
namespace {

void check_samples(const LlamaConfig& c, const std::vector<std::vector<int32_t>>& prompts,
                   const std::vector<std::vector<int32_t>>& answers, bool scope_full) {
  IWSI_ASSERT(prompts.size() == answers.size(), "answer_nll: ", prompts.size(), " prompts but ", answers.size(), " answers");
  for (size_t i = 0; i < prompts.size(); ++i) {
    IWSI_CHECK(!answers[i].empty(), "answer_nll: sample ", i, " has an empty answer");
    IWSI_CHECK(scope_full ? prompts[i].size() + answers[i].size() >= 2 : !prompts[i].empty(), "answer_nll: sample ", i,
               " has an empty prompt, so nothing predicts its first answer token");
    for (const auto* seq : {&prompts[i], &answers[i]})
      for (int32_t id : *seq)
        IWSI_CHECK(id >= 0 && id < c.vocab_size, "answer_nll: sample ", i, " has token id ", id,
                   " outside the vocabulary [0, ", c.vocab_size, ")");
  }
}

// Sample indices grouped into blocks, longest first, each block's rows * longest <= max_tokens.
std::vector<std::vector<size_t>> make_blocks(const std::vector<int64_t>& lengths, int64_t max_tokens) {
  std::vector<size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });
  std::vector<std::vector<size_t>> blocks;
  for (size_t i : order) {
    if (blocks.empty() || int64_t(blocks.back().size() + 1) * lengths[blocks.back().front()] > max_tokens)
      blocks.emplace_back();
    blocks.back().push_back(i);
  }
  return blocks;
}

// Adds each predicted token's NLL of one block to sums[sample] / counts[sample].
void score_block(const Llama& model, const std::vector<size_t>& block, const std::vector<std::vector<int32_t>>& prompts,
                 const std::vector<std::vector<int32_t>>& answers, bool scope_full, std::vector<double>& sums,
                 std::vector<int64_t>& counts) {
  const int64_t B = static_cast<int64_t>(block.size());
  const int64_t T = static_cast<int64_t>(prompts[block[0]].size() + answers[block[0]].size());
  torch::Tensor ids = torch::zeros({B, T}, torch::kLong);                         // (B, T), right-padded with 0
  std::vector<int64_t> rows, targets, owner;                                      // one entry per predicted token
  auto ids_a = ids.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const auto &p = prompts[block[b]], &a = answers[block[b]];
    const int64_t P = static_cast<int64_t>(p.size()), S = P + static_cast<int64_t>(a.size());
    for (int64_t t = 0; t < S; ++t) ids_a[b][t] = t < P ? p[t] : a[t - P];
    for (int64_t t = scope_full ? 0 : P - 1; t + 1 < S; ++t) {  // position t predicts token t+1
      rows.push_back(b * T + t);
      targets.push_back(ids_a[b][t + 1]);
      owner.push_back(static_cast<int64_t>(block[b]));
    }
  }
  torch::Tensor positions = torch::arange(T, torch::kLong).unsqueeze(0).expand({B, T});
  torch::Tensor hidden = forward_hidden(model, ids, positions, torch::Tensor(), nullptr);  // (B, T, C)
  const torch::Device device = hidden.device();
  torch::Tensor picked = hidden.reshape({B * T, hidden.size(2)})
                             .index_select(0, torch::tensor(rows, torch::kLong).to(device));  // (N, C)
  torch::Tensor target_t = torch::tensor(targets, torch::kLong).to(device);                     // (N)
  const int64_t N = picked.size(0), V = model.config.vocab_size;
  const int64_t chunk = std::max<int64_t>(1, (int64_t(1) << 26) / V);  // <= 256 MB of float32 logits at a time
  for (int64_t start = 0; start < N; start += chunk) {
    int64_t n = std::min(chunk, N - start);
    torch::Tensor logits = lm_head_logits(model, picked.narrow(0, start, n));  // (n, V) float32
    torch::Tensor nll = torch::logsumexp(logits, -1) - logits.gather(1, target_t.narrow(0, start, n).unsqueeze(1)).squeeze(1);
    torch::Tensor nll_cpu = nll.to(torch::kCPU, torch::kFloat64);
    auto nll_a = nll_cpu.accessor<double, 1>();
    for (int64_t i = 0; i < n; ++i) {
      sums[owner[start + i]] += nll_a[i];
      counts[owner[start + i]] += 1;
    }
  }
}

// The (B, T) right-padded ids of a block of token sequences (T = the block's longest).
torch::Tensor padded_ids(const std::vector<size_t>& block, const std::vector<std::vector<int32_t>>& sequences) {
  int64_t T = 0;
  for (size_t i : block) T = std::max<int64_t>(T, static_cast<int64_t>(sequences[i].size()));
  torch::Tensor ids = torch::zeros({static_cast<int64_t>(block.size()), T}, torch::kLong);
  auto ids_a = ids.accessor<int64_t, 2>();
  for (size_t b = 0; b < block.size(); ++b)
    for (size_t t = 0; t < sequences[block[b]].size(); ++t) ids_a[b][t] = sequences[block[b]][t];
  return ids;
}

}  // namespace

std::vector<std::vector<double>> next_token_log_probs(const Llama& model, const std::vector<std::vector<int32_t>>& prompt_ids,
                                                      const std::vector<int32_t>& token_ids, int64_t max_batch_tokens) {
  torch::NoGradGuard no_grad;
  IWSI_CHECK(max_batch_tokens > 0, "next_token_log_probs: max_batch_tokens must be positive");
  const int64_t V = model.config.vocab_size;
  for (int32_t id : token_ids)
    IWSI_CHECK(id >= 0 && id < V, "next_token_log_probs: candidate token id ", id, " outside the vocabulary [0, ", V, ")");
  std::vector<int64_t> lengths(prompt_ids.size());
  for (size_t i = 0; i < prompt_ids.size(); ++i) {
    IWSI_CHECK(!prompt_ids[i].empty(), "next_token_log_probs: prompt ", i, " is empty");
    for (int32_t id : prompt_ids[i])
      IWSI_CHECK(id >= 0 && id < V, "next_token_log_probs: prompt ", i, " has token id ", id,
                 " outside the vocabulary [0, ", V, ")");
    lengths[i] = static_cast<int64_t>(prompt_ids[i].size());
  }
  std::vector<std::vector<double>> result(prompt_ids.size());
  for (const auto& block : make_blocks(lengths, max_batch_tokens)) {
    torch::Tensor ids = padded_ids(block, prompt_ids);  // (B, T)
    const int64_t B = ids.size(0), T = ids.size(1);
    std::vector<int64_t> last_rows;
    for (int64_t b = 0; b < B; ++b) last_rows.push_back(b * T + lengths[block[b]] - 1);
    torch::Tensor positions = torch::arange(T, torch::kLong).unsqueeze(0).expand({B, T});
    torch::Tensor hidden = forward_hidden(model, ids, positions, torch::Tensor(), nullptr);  // (B, T, C)
    const torch::Device device = hidden.device();
    torch::Tensor last = hidden.reshape({B * T, hidden.size(2)}).index_select(0, torch::tensor(last_rows).to(device));
    torch::Tensor log_probs = torch::log_softmax(lm_head_logits(model, last), -1)  // (B, V)
                                  .index_select(1, torch::tensor(std::vector<int64_t>(token_ids.begin(), token_ids.end())).to(device))
                                  .to(torch::kCPU, torch::kFloat64);
    auto a = log_probs.accessor<double, 2>();
    for (int64_t b = 0; b < B; ++b)
      for (size_t j = 0; j < token_ids.size(); ++j) result[block[b]].push_back(a[b][j]);
  }
  return result;
}

std::vector<double> answer_nll(const Llama& model, const std::vector<std::vector<int32_t>>& prompt_ids,
                               const std::vector<std::vector<int32_t>>& answer_ids, bool scope_full,
                               int64_t max_batch_tokens) {
  torch::NoGradGuard no_grad;
  check_samples(model.config, prompt_ids, answer_ids, scope_full);
  IWSI_CHECK(max_batch_tokens > 0, "answer_nll: max_batch_tokens must be positive");
  std::vector<int64_t> lengths(prompt_ids.size());
  for (size_t i = 0; i < lengths.size(); ++i) lengths[i] = int64_t(prompt_ids[i].size() + answer_ids[i].size());
  std::vector<double> sums(prompt_ids.size(), 0.0);
  std::vector<int64_t> counts(prompt_ids.size(), 0);
  for (const auto& block : make_blocks(lengths, max_batch_tokens))
    score_block(model, block, prompt_ids, answer_ids, scope_full, sums, counts);
  for (size_t i = 0; i < sums.size(); ++i) sums[i] /= static_cast<double>(counts[i]);
  return sums;
}

}  // namespace iwsi
