// `iwsi bench`: prefill and decode tokens/s of the sampling engine, ms per decode step, peak RSS and
// KV cache size, for stories260K and a random Llama of the demo's size, at each batch size: greedy
// with ignore_eos, one warm-up run, best of N. Compare with scripts/bench_reference.py (same table,
// eager PyTorch) at the same --runtime.threads. Every rank runs it; rank 0 prints.
#include <iostream>
#include <sstream>

#include "core/log.h"
#include "job.h"
#include "model/checkpoint.h"
#include "model/torch_compat.h"
#include "sample/benchmark.h"

namespace iwsi {
namespace jobs::bench {  // named, not anonymous: jobs/ compiles as one unity file

void describe(po::options_description& options) {
  options.add_options()
      ("bench.model", po::value<std::string>()->default_value("../shared/models/stories260K"),
       "HF model directory (its tokenizer is used for both models)")
      ("bench.batches", po::value<std::string>()->default_value("1,64"), "comma-separated batch sizes")
      ("bench.prompt_tokens", po::value<int64_t>()->default_value(32), "prompt length in tokens")
      ("bench.new_tokens", po::value<int64_t>()->default_value(128), "tokens generated per row")
      ("bench.repeats", po::value<int64_t>()->default_value(3), "timed runs after the warm-up (best is shown)")
      ("bench.device", po::value<std::string>()->default_value("cpu"), "auto, cpu, cuda or cuda:N");
}

std::vector<int64_t> parse_batches(const std::string& text) {
  std::vector<int64_t> batches;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    int64_t b = 0;
    try {
      b = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    IWSI_CHECK(used == item.size() && b >= 1, "option --bench.batches=", text, ": '", item, "' is not a batch size");
    batches.push_back(b);
  }
  IWSI_CHECK(!batches.empty(), "option --bench.batches is empty");
  return batches;
}

int run(const JobContext& context) {
  BenchmarkSettings settings;
  settings.prompt_tokens = context.get<int64_t>("bench.prompt_tokens");
  settings.new_tokens = context.get<int64_t>("bench.new_tokens");
  settings.repeats = context.get<int64_t>("bench.repeats");
  check_range("bench.prompt_tokens", static_cast<double>(settings.prompt_tokens), 1, 1e6);
  check_range("bench.new_tokens", static_cast<double>(settings.new_tokens), 2, 1e6);
  check_range("bench.repeats", static_cast<double>(settings.repeats), 1, 1000);
  const std::vector<int64_t> batches = parse_batches(context.get<std::string>("bench.batches"));
  const torch::Device device = parse_device(context.get<std::string>("bench.device"), "bench.device");
  const std::string dir = context.get<std::string>("bench.model");

  const Tokenizer tokenizer = Tokenizer::load(dir);
  const Llama real = load_llama(dir, torch::kFloat32, device);
  const Llama demo = random_llama(demo_llama_config(), /*seed=*/0, torch::kFloat32, device);
  std::ostringstream table;
  table << "iwsi bench (" << library_versions() << ", " << context.threads.threads << " thread(s), " << device
        << "), prompt " << settings.prompt_tokens << ", " << settings.new_tokens << " new tokens, greedy, best of "
        << settings.repeats << "\n"
        << benchmark_table_header() << "\n";
  for (const auto& [name, model] : {std::pair<std::string, const Llama*>{"stories260K", &real}, {"random-demo", &demo}}) {
    for (int64_t batch : batches) {
      const BenchmarkRow row = run_decode_benchmark(name, *model, tokenizer, batch, settings);
      table << benchmark_table_row(row) << "\n";
      log_info0("bench: ", name, " batch ", batch, " done");
    }
  }
  if (context.world.rank() == 0) std::cout << table.str() << std::flush;
  return 0;
}

}  // namespace jobs::bench

JobEntry bench_job() {
  return {"bench", "decode benchmark: prefill/decode tokens/s, ms/step, peak RSS (see scripts/bench_reference.py)",
          jobs::bench::describe, jobs::bench::run};
}

}  // namespace iwsi
