// The batch loop behind generate() (engine.h): plan batches of sample rows, prefill each distinct
// prompt of a batch once into a left-padded batch cache, then decode all live rows with one forward
// per step, choosing tokens on the CPU from a few numbers per row (logit_summary.h, pick.h) and
// compacting finished rows out of the cache in place when a quarter of the computed rows are done.
#include "sample/engine.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "core/heartbeat.h"
#include "core/log.h"
#include "sample/logit_summary.h"
#include "sample/pick.h"
#include "core/rng.h"
#include "sample/stop.h"

namespace iwsi {
namespace {

std::string request_label(const std::vector<GenerationRequest>& requests, int64_t r) {
  const std::string& label = requests[static_cast<size_t>(r)].label;
  return label.empty() ? "request " + std::to_string(r) : label;
}

struct RowRef {
  int64_t request = 0, sample = 0, out = 0;  // out: index in the result vector
};

// All sample rows, shortest prompt first (stable, so ties keep request order), cut into batches.
std::vector<std::vector<RowRef>> plan_batches(const std::vector<GenerationRequest>& requests, int64_t max_rows) {
  std::vector<int64_t> out_offset(requests.size() + 1, 0);
  for (size_t r = 0; r < requests.size(); ++r) out_offset[r + 1] = out_offset[r] + requests[r].num_samples;
  std::vector<int64_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return requests[a].prompt_ids.size() < requests[b].prompt_ids.size();
  });
  std::vector<std::vector<RowRef>> batches;
  for (int64_t r : order) {
    for (int64_t j = 0; j < requests[r].num_samples; ++j) {
      if (batches.empty() || static_cast<int64_t>(batches.back().size()) == max_rows) batches.emplace_back();
      batches.back().push_back({r, j, out_offset[r] + j});
    }
  }
  return batches;
}

// One batch's device state after prefill.
struct BatchState {
  KVCache cache;              // (L, R, Hkv, Tmax, D), prompts right-aligned at [Pmax - P_b, Pmax)
  torch::Tensor key_valid;    // (R, Tmax) bool: false on the left padding
  torch::Tensor first_logits; // (R, V) float32: the distribution of each row's first new token
  std::vector<int64_t> prompt_len;  // (R) P_b, the RoPE position of the row's first new token
};

torch::Tensor long_tensor(const std::vector<int64_t>& v, torch::Device device) {
  return torch::tensor(v, torch::kLong).to(device);
}

// One forward over the distinct prompts [begin, end) (left-padded to the longest, Pc), whose cache
// and last-position logits are copied into the rows that sample them.
void prefill_chunk(const Llama& model, const std::vector<const std::vector<int32_t>*>& prompts, int64_t begin,
                   int64_t end, const std::vector<int64_t>& row_prompt, int64_t Pmax, BatchState& b) {
  const torch::Device device = model.embed.device();
  const int64_t U = end - begin;
  int64_t Pc = 0;
  for (int64_t u = begin; u < end; ++u) Pc = std::max<int64_t>(Pc, prompts[u]->size());
  torch::Tensor ids = torch::zeros({U, Pc}, torch::kLong), pos = torch::zeros({U, Pc}, torch::kLong);  // (U, Pc)
  torch::Tensor valid = torch::zeros({U, Pc}, torch::kBool);                                            // (U, Pc)
  auto ia = ids.accessor<int64_t, 2>(), pa = pos.accessor<int64_t, 2>();
  auto va = valid.accessor<bool, 2>();
  for (int64_t u = 0; u < U; ++u) {
    const std::vector<int32_t>& p = *prompts[begin + u];
    const int64_t pad = Pc - static_cast<int64_t>(p.size());
    for (int64_t t = 0; t < static_cast<int64_t>(p.size()); ++t) ia[u][pad + t] = p[t], pa[u][pad + t] = t, va[u][pad + t] = true;
  }
  KVCache chunk = make_kv_cache(model, U, Pc);
  torch::Tensor logits = forward(model, ids, pos, valid, &chunk, /*last_only=*/true).select(1, 0).to(torch::kFloat32);  // (U, V)

  std::vector<int64_t> dest, src;  // batch rows sampling these prompts, and their chunk-local prompt
  for (size_t r = 0; r < row_prompt.size(); ++r)
    if (row_prompt[r] >= begin && row_prompt[r] < end) dest.push_back(r), src.push_back(row_prompt[r] - begin);
  torch::Tensor d = long_tensor(dest, device), s = long_tensor(src, device);
  b.cache.k.narrow(3, Pmax - Pc, Pc).index_copy_(1, d, chunk.k.index_select(1, s));
  b.cache.v.narrow(3, Pmax - Pc, Pc).index_copy_(1, d, chunk.v.index_select(1, s));
  b.first_logits.index_copy_(0, d, logits.index_select(0, s));
}

// Prefills each distinct prompt of the batch once, in chunks of at most max_prefill_tokens padded
// tokens, into a cache with room for max_new_tokens - 1 more positions.
BatchState prefill_batch(const Llama& model, const std::vector<GenerationRequest>& requests,
                         const std::vector<RowRef>& rows, int64_t max_new_tokens, int64_t max_prefill_tokens) {
  const torch::Device device = model.embed.device();
  const int64_t R = static_cast<int64_t>(rows.size());
  // Distinct prompts in row order (rows come shortest prompt first, so chunks have similar lengths).
  std::vector<const std::vector<int32_t>*> prompts;
  std::vector<int64_t> row_prompt(R);
  BatchState b;
  int64_t Pmax = 0;
  for (int64_t r = 0; r < R; ++r) {
    if (r == 0 || rows[r].request != rows[r - 1].request) prompts.push_back(&requests[rows[r].request].prompt_ids);
    row_prompt[r] = static_cast<int64_t>(prompts.size()) - 1;
    b.prompt_len.push_back(static_cast<int64_t>(prompts.back()->size()));
    Pmax = std::max(Pmax, b.prompt_len.back());
  }
  const int64_t Tmax = Pmax + max_new_tokens - 1;
  b.cache = make_kv_cache(model, R, Tmax);
  b.first_logits = torch::empty({R, model.config.vocab_size}, torch::TensorOptions().dtype(torch::kFloat32).device(device));
  const int64_t U = static_cast<int64_t>(prompts.size());
  for (int64_t begin = 0, end = 0; begin < U; begin = end) {
    int64_t longest = static_cast<int64_t>(prompts[begin]->size());
    for (end = begin + 1; end < U; ++end) {
      const int64_t l = std::max<int64_t>(longest, prompts[end]->size());
      if ((end - begin + 1) * l > max_prefill_tokens) break;
      longest = l;
    }
    prefill_chunk(model, prompts, begin, end, row_prompt, Pmax, b);
  }
  torch::Tensor valid = torch::ones({R, Tmax}, torch::kBool);  // (R, Tmax)
  for (int64_t r = 0; r < R; ++r) valid[r].narrow(0, 0, Pmax - b.prompt_len[r]).fill_(false);
  b.key_valid = valid.to(device);
  b.cache.length = Pmax;
  return b;
}

struct RowState {
  std::vector<int32_t> tokens;
  double sum_logprob = 0;
  bool done = false;
  FinishReason finish = FinishReason::length;
};

// Row i's token from its candidates, or from its whole logits row when they do not decide.
// Returns the token and sets *raw_logit to its raw logit.
int64_t choose_token(const LogitSummary& s, int64_t i, const torch::Tensor& logits, const SamplingParams& params,
                     double u, PickScratch& scratch, float* raw_logit) {
  const int64_t K = s.values.size(1);
  const float* values = s.values.data_ptr<float>() + i * K;
  const int64_t* ids = s.ids.data_ptr<int64_t>() + i * K;
  const double lse_scaled = s.lse.data_ptr<double>()[2 * i + 1];
  std::vector<float>& cl = scratch.logits;
  std::vector<int64_t>& ci = scratch.ids;
  cl.assign(values, values + K);
  ci.assign(ids, ids + K);
  sort_candidates(cl.data(), ci.data(), K);
  Candidates c{cl.data(), ci.data(), K, K == s.vocab, lse_scaled};
  const int64_t token = pick_token(c, params, u);
  if (token >= 0) {
    *raw_logit = cl[std::find(ci.begin(), ci.end(), token) - ci.begin()];
    return token;
  }
  torch::Tensor row = logits[i].to(torch::kCPU).contiguous();  // (V): rare, see candidate_count
  const float* all = row.data_ptr<float>();
  const int64_t whole = pick_from_row(all, s.vocab, params, u, lse_scaled, scratch);
  IWSI_CHECK(whole >= 0, "generate: no token could be chosen (non-finite logits?)");
  *raw_logit = all[whole];
  return whole;
}

// Copies the cache rows of the live rows to the front (in place: each source row is at or after its
// destination, so ascending order never overwrites a row still to be moved) and shrinks the views.
void compact(KVCache& full, KVCache& view, torch::Tensor& key_valid, std::vector<int64_t>& slot_row,
             const std::vector<RowState>& state) {
  std::vector<int64_t> keep;
  for (size_t i = 0; i < slot_row.size(); ++i)
    if (!state[slot_row[i]].done) keep.push_back(static_cast<int64_t>(i));
  for (size_t i = 0; i < keep.size(); ++i) {
    if (keep[i] == static_cast<int64_t>(i)) continue;
    full.k.select(1, i).copy_(full.k.select(1, keep[i]));
    full.v.select(1, i).copy_(full.v.select(1, keep[i]));
    slot_row[i] = slot_row[keep[i]];
  }
  const int64_t live = static_cast<int64_t>(keep.size());
  slot_row.resize(keep.size());
  key_valid = key_valid.index_select(0, long_tensor(keep, key_valid.device()));
  view.k = full.k.narrow(1, 0, live);
  view.v = full.v.narrow(1, 0, live);
}

// Decodes one prefilled batch to the end; fills the batch's rows of `results`.
// The positions a row may use: the option, else the model's trained length.
int64_t position_limit(const Llama& model, const EngineOptions& options) {
  return options.max_positions > 0 ? options.max_positions : model.config.max_position_embeddings;
}

void decode_batch(const Llama& model, const StopRules& stop, const std::vector<GenerationRequest>& requests,
                  const std::vector<RowRef>& rows, const SamplingParams& params, int64_t context, BatchState& b,
                  std::vector<Sample>& results, int64_t& tokens_so_far,
                  const std::function<void(int64_t)>& on_progress) {
  const torch::Device device = model.embed.device();
  const int64_t R = static_cast<int64_t>(rows.size());
  std::vector<RowState> state(R);
  std::vector<int64_t> slot_row(R);  // computed slot -> batch row (they differ after compaction)
  std::iota(slot_row.begin(), slot_row.end(), 0);
  KVCache view = b.cache;            // the first slot_row.size() rows of b.cache
  torch::Tensor key_valid = b.key_valid;  // (slots, Tmax)
  torch::Tensor logits = b.first_logits;  // (slots, V)
  b.first_logits = torch::Tensor();
  PickScratch scratch;
  for (int64_t step = 0;; ++step) {
    heartbeat();
    // Reduce the step's logits on the device: top candidates and normalizers to the CPU.
    const LogitSummary s = summarize_logits(logits, params);
    const double* lse = s.lse.data_ptr<double>();
    // Choose each live row's token with its own counter-based uniform, then apply the stop rules.
    int64_t live = 0;
    for (size_t i = 0; i < slot_row.size(); ++i) {
      RowState& st = state[slot_row[i]];
      if (st.done) continue;
      const RowRef& ref = rows[slot_row[i]];
      IWSI_CHECK(std::isfinite(lse[2 * i]), "generate: the model's logits are not finite (NaN or inf) for ",
                 request_label(requests, ref.request), ", sample ", ref.sample, ", step ", step,
                 ": its weights hold NaN/inf, or the compute dtype overflows");
      const double u = counter_uniform(params.seed, requests[ref.request].stream, ref.sample, step);
      float raw = 0;
      const int32_t token = static_cast<int32_t>(choose_token(s, i, logits, params, u, scratch, &raw));
      st.tokens.push_back(token);
      st.sum_logprob += static_cast<double>(raw) - lse[2 * i];
      if (auto reason = stop.token_stop(token)) st.done = true, st.finish = *reason;
      else if (stop.has_stop_strings() && stop.stop_string_reached(st.tokens)) st.done = true, st.finish = FinishReason::stop_string;
      else if (static_cast<int64_t>(st.tokens.size()) >= params.max_new_tokens) st.done = true;
      else if (context > 0 && b.prompt_len[slot_row[i]] + static_cast<int64_t>(st.tokens.size()) >= context) st.done = true;
      // transformers' max_length: a prompt already at the limit still gets its first token, as there.
      else if (params.max_length > 0 && b.prompt_len[slot_row[i]] + static_cast<int64_t>(st.tokens.size()) >= params.max_length) st.done = true;
      tokens_so_far += 1;
      live += !st.done;
    }
    if (on_progress) on_progress(tokens_so_far);
    // Finished when no row is live (max_new_tokens ends every row at the same step).
    if (live == 0) break;
    // Drop finished rows from the computation once they are a quarter of the computed rows.
    if (live * 4 <= static_cast<int64_t>(slot_row.size()) * 3) compact(b.cache, view, key_valid, slot_row, state);
    // The next forward: each slot's newest token at its own RoPE position (finished slots feed a dummy).
    const int64_t slots = static_cast<int64_t>(slot_row.size());
    torch::Tensor ids = torch::zeros({slots, 1}, torch::kLong), pos = torch::empty({slots, 1}, torch::kLong);  // (S, 1)
    int64_t* ip = ids.data_ptr<int64_t>();
    int64_t* pp = pos.data_ptr<int64_t>();
    for (int64_t i = 0; i < slots; ++i) {
      const RowState& st = state[slot_row[i]];
      if (!st.done) ip[i] = st.tokens.back();
      pp[i] = b.prompt_len[slot_row[i]] + step;
    }
    torch::Tensor valid = key_valid.narrow(1, 0, view.length + 1);  // (S, length + 1)
    logits = forward(model, ids.to(device), pos.to(device), valid, &view, /*last_only=*/true).select(1, 0).to(torch::kFloat32);  // (S, V)
  }
  for (int64_t r = 0; r < R; ++r) {
    Sample& out = results[rows[r].out];
    out.request = rows[r].request;
    out.sample_index = rows[r].sample;
    out.token_ids = std::move(state[r].tokens);
    out.text = stop.final_text(out.token_ids);
    out.sum_logprob = state[r].sum_logprob;
    out.length = static_cast<int64_t>(out.token_ids.size());
    out.finish = state[r].finish;
  }
}

void check_requests(const Llama& model, const std::vector<GenerationRequest>& requests, const SamplingParams& params,
                    const EngineOptions& options) {
  const int64_t V = model.config.vocab_size, context = position_limit(model, options);
  const std::string limit_name = options.max_positions > 0 ? "--model.max_positions" : "max_position_embeddings in its config.json";
  bool capped = false;
  for (size_t r = 0; r < requests.size(); ++r) {
    const std::string what = request_label(requests, static_cast<int64_t>(r));
    IWSI_CHECK(requests[r].num_samples >= 0, "generate: ", what, " asks for ", requests[r].num_samples, " samples");
    if (requests[r].num_samples == 0) continue;
    IWSI_CHECK(!requests[r].prompt_ids.empty(), "generate: ", what, " has an empty prompt (at least BOS is needed)");
    for (int32_t id : requests[r].prompt_ids)
      IWSI_CHECK(id >= 0 && id < V, "generate: ", what, " has token id ", id, " outside the vocabulary [0, ", V, ")");
    const int64_t length = static_cast<int64_t>(requests[r].prompt_ids.size());
    IWSI_CHECK(context <= 0 || length <= context, "generate: the prompt of ", what, " has ", length,
               " tokens, but the model reads at most ", context, " (", limit_name, "); ",
               "shorten the question or the few-shot prompt (fewer --data.exemplars), or raise --model.max_positions ",
               "knowingly: RoPE past the trained length degrades answers");
    capped = capped || (context > 0 && length + params.max_new_tokens > context);
  }
  static std::atomic<bool> warned{false};  // once per process, not once per chunk
  if (capped && !warned.exchange(true))
    log_warn("generate: some prompts + max_new_tokens (", params.max_new_tokens, ") exceed the model's ", context,
             " positions (", limit_name, "); those rows end at ", context, " tokens, finished by length");
  static std::atomic<bool> warned_past{false};
  if (options.max_positions > model.config.max_position_embeddings && !warned_past.exchange(true))
    log_warn("generate: --model.max_positions ", options.max_positions, " lets rows run past the ",
             model.config.max_position_embeddings, " positions the model was trained on (max_position_embeddings)");
}

}  // namespace

std::vector<Sample> generate(const Llama& model, const Tokenizer& tokenizer, const std::vector<GenerationRequest>& requests,
                             const SamplingParams& params, const EngineOptions& options,
                             const std::function<void(int64_t tokens_so_far)>& on_progress) {
  check_sampling_params(params);
  IWSI_CHECK(options.max_batch_rows >= 1, "generate: max_batch_rows must be >= 1, got ", options.max_batch_rows);
  IWSI_CHECK(options.max_prefill_tokens >= 1, "generate: max_prefill_tokens must be >= 1");
  check_requests(model, requests, params, options);
  torch::NoGradGuard no_grad;
  const StopRules stop(params, tokenizer);
  std::vector<std::vector<RowRef>> batches = plan_batches(requests, options.max_batch_rows);
  int64_t total = 0;
  for (const auto& batch : batches) total += static_cast<int64_t>(batch.size());
  std::vector<Sample> results(total);
  int64_t tokens_so_far = 0;
  for (const auto& batch : batches) {
    if (params.max_new_tokens == 0) {  // nothing to generate: empty samples, finished by length
      for (const RowRef& row : batch) results[row.out].request = row.request, results[row.out].sample_index = row.sample;
      continue;
    }
    BatchState state = prefill_batch(model, requests, batch, params.max_new_tokens, options.max_prefill_tokens);
    decode_batch(model, stop, requests, batch, params, position_limit(model, options), state, results, tokens_so_far,
                 on_progress);
  }
  return results;
}

}  // namespace iwsi
