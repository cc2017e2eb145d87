// Timing of the sampling engine (benchmark.h): warm-up, best-of-N timed generate() calls with the
// prefill/decode split taken at the first progress callback, and the table formatting.
#include "sample/benchmark.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "model/torch_compat.h"
#include "sample/engine.h"

namespace iwsi {

LlamaConfig demo_llama_config() {
  LlamaConfig c;
  c.vocab_size = 160;
  c.hidden_size = 128;
  c.intermediate_size = 344;
  c.num_layers = 2;
  c.num_heads = 4;
  c.num_kv_heads = 4;
  c.head_dim = 32;
  c.max_position_embeddings = 512;
  c.rms_norm_eps = 1e-5;
  c.rope_theta = 10000;
  c.bos_token_id = 1;
  c.eos_token_ids = {2};
  return c;
}

std::vector<std::vector<int32_t>> benchmark_prompts(int64_t batch, int64_t prompt_tokens, int64_t vocab) {
  std::vector<std::vector<int32_t>> prompts(batch);
  for (int64_t b = 0; b < batch; ++b) {
    prompts[b].push_back(1);
    for (int64_t t = 1; t < prompt_tokens; ++t)
      prompts[b].push_back(static_cast<int32_t>(3 + (b * 7919 + t * 104729 + b * t * 31) % (vocab - 3)));
  }
  return prompts;
}

double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // "VmHWM:   123 kB"
  }
  return std::numeric_limits<double>::quiet_NaN();
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

BenchmarkRow run_decode_benchmark(const std::string& name, const Llama& model, const Tokenizer& tokenizer,
                                  int64_t batch, const BenchmarkSettings& settings) {
  using Clock = std::chrono::steady_clock;
  std::vector<GenerationRequest> requests;
  for (auto& prompt : benchmark_prompts(batch, settings.prompt_tokens, model.config.vocab_size))
    requests.push_back({std::move(prompt), 1, static_cast<uint64_t>(requests.size())});
  SamplingParams params;
  params.temperature = 0;
  params.ignore_eos = true;
  params.max_new_tokens = settings.new_tokens;
  EngineOptions options;
  options.max_batch_rows = batch;
  const torch::Device device = model.embed.device();

  // One run: the first progress callback comes once every row has its first token (prefill done).
  auto timed_run = [&](double* prefill_s, double* decode_s) {
    const Clock::time_point start = Clock::now();
    Clock::time_point first;
    bool seen = false;
    generate(model, tokenizer, requests, params, options, [&](int64_t) {
      if (!seen) device_synchronize(device), first = Clock::now(), seen = true;
    });
    device_synchronize(device);
    const Clock::time_point end = Clock::now();
    *prefill_s = std::chrono::duration<double>(first - start).count();
    *decode_s = std::chrono::duration<double>(end - first).count();
  };
  double prefill_s = 0, decode_s = 0;
  timed_run(&prefill_s, &decode_s);  // warm-up: allocator pools, lazy initializations
  reset_peak_rss();
  double best_prefill = std::numeric_limits<double>::infinity(), best_decode = best_prefill;
  for (int64_t r = 0; r < std::max<int64_t>(1, settings.repeats); ++r) {
    timed_run(&prefill_s, &decode_s);
    best_prefill = std::min(best_prefill, prefill_s);
    best_decode = std::min(best_decode, decode_s);
  }
  const LlamaConfig& c = model.config;
  const int64_t steps = std::max<int64_t>(1, settings.new_tokens - 1);
  BenchmarkRow row;
  row.model = name;
  row.batch = batch;
  row.prefill_tokens_per_s = static_cast<double>(batch * settings.prompt_tokens) / best_prefill;
  row.decode_tokens_per_s = static_cast<double>(batch * steps) / best_decode;
  row.ms_per_step = 1000.0 * best_decode / static_cast<double>(steps);
  row.peak_rss_mb = peak_rss_mb();
  row.kv_cache_mb = 2.0 * static_cast<double>(c.num_layers * batch * c.num_kv_heads * c.head_dim *
                                              (settings.prompt_tokens + settings.new_tokens - 1) *
                                              model.embed.element_size()) / (1024.0 * 1024.0);
  return row;
}

std::string benchmark_table_header() {
  char line[160];
  std::snprintf(line, sizeof line, "%-13s%6s%15s%14s%10s%13s%9s", "model", "batch", "prefill tok/s", "decode tok/s",
                "ms/step", "peak RSS MB", "KV MB");
  return line;
}

std::string benchmark_table_row(const BenchmarkRow& r) {
  char line[160];
  std::snprintf(line, sizeof line, "%-13s%6lld%15.0f%14.0f%10.3f%13.1f%9.2f", r.model.c_str(),
                static_cast<long long>(r.batch), r.prefill_tokens_per_s, r.decode_tokens_per_s, r.ms_per_step,
                r.peak_rss_mb, r.kv_cache_mb);
  return line;
}

}  // namespace iwsi
