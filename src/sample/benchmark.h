// The decode benchmark behind `iwsi bench` (jobs/bench.cc): prefill and decode tokens/s of the
// sampling engine at a given batch size, with the process's peak RSS and the KV cache size, printed
// as one table row per (model, batch). scripts/bench_reference.py prints the same table for an eager
// PyTorch generate loop on the same prompts, so the two can be compared line by line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/llama.h"
#include "tokenizer/tokenizer.h"

namespace iwsi {

struct BenchmarkSettings {
  int64_t prompt_tokens = 32;
  int64_t new_tokens = 128;
  int64_t repeats = 3;  // timed runs after one warm-up; the best is reported (least disturbed by other work)
};

struct BenchmarkRow {
  std::string model;
  int64_t batch = 0;
  double prefill_tokens_per_s = 0, decode_tokens_per_s = 0, ms_per_step = 0;
  double peak_rss_mb = 0;     // VmHWM since the timed runs started (reset through /proc/self/clear_refs)
  double kv_cache_mb = 0;     // the engine's batch cache: K and V, every layer, prompt + new tokens - 1
};

// The demo's model size (d_model 128, 2 layers, 4 heads, kv 4, intermediate 344, vocab 160).
LlamaConfig demo_llama_config();

// `batch` prompts of `prompt_tokens` ids: BOS (1) then a fixed pseudo-random walk over [3, vocab)
// (the same formula as scripts/bench_reference.py).
std::vector<std::vector<int32_t>> benchmark_prompts(int64_t batch, int64_t prompt_tokens, int64_t vocab);

// Greedy with ignore_eos, one distinct prompt per row, all rows in one batch: one warm-up run, then
// `repeats` timed runs. Prefill time = until the first token of every row is chosen; decode time =
// the remaining new_tokens - 1 steps.
BenchmarkRow run_decode_benchmark(const std::string& name, const Llama& model, const Tokenizer& tokenizer,
                                  int64_t batch, const BenchmarkSettings& settings);

std::string benchmark_table_header();
std::string benchmark_table_row(const BenchmarkRow& row);

double peak_rss_mb();    // VmHWM of /proc/self/status, in MiB (NaN when unavailable)
void reset_peak_rss();   // writes 5 to /proc/self/clear_refs (no-op when not permitted)

}  // namespace iwsi
