// `iwsi bench`: prefill and decode tokens/s of the sampling engine, ms per decode step, peak RSS and
// KV cache size, for stories260K and a random Llama of the demo's size, at each batch size: greedy
// with ignore_eos, one warm-up run, best of N. Compare with scripts/bench_reference.py (same table,
// eager PyTorch) at the same --runtime.threads. Every rank runs it; rank 0 prints.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "core/digest_cache.h"

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
      ("bench.device", po::value<std::string>()->default_value("cpu"), "auto, cpu, cuda or cuda:N")
      ("bench.hash", po::value<std::string>()->default_value(""),
       "instead of decoding: hash this file or directory's files as a job records an input (SHA-256: "
       "without the digest cache, filling a fresh one, then from it) and print GB/s");
}

// What recording `path` as an input costs: every file SHA-256'd (OpenSSL), then the same through a
// fresh digest cache (hash + store) and again (lookups only). Rank 0 runs it; the page cache is as
// the machine has it (run twice, or drop caches, to tell disk from hashing speed).
void hash_benchmark(const std::string& path) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  if (fs::is_directory(path)) {
    for (const auto& entry : fs::directory_iterator(path))
      if (entry.is_regular_file()) files.push_back(entry.path().string());
  } else {
    IWSI_CHECK(fs::is_regular_file(path), "option --bench.hash=", path, ": no such file or directory");
    files.push_back(path);
  }
  double bytes = 0;
  for (const std::string& file : files) bytes += static_cast<double>(fs::file_size(file));
  const std::string cache = (fs::temp_directory_path() / ("iwsi_bench_digests." + std::to_string(::getpid()))).string();
  auto timed = [&](const std::string& cache_dir) {
    const auto start = std::chrono::steady_clock::now();
    // No racy window: the benchmark measures the cache, whatever the files' age.
    for (const std::string& file : files) cached_file_sha256(file, cache_dir, /*racy_seconds=*/0);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const double plain = timed(""), fill = timed(cache), hit = timed(cache);
  std::error_code ec;
  fs::remove_all(cache, ec);
  std::printf("iwsi bench --bench.hash %s: %zu files, %.3f GB\n", path.c_str(), files.size(), bytes / 1e9);
  std::printf("  SHA-256 (OpenSSL), no cache   %8.3f s  %6.2f GB/s\n", plain, bytes / 1e9 / plain);
  std::printf("  first run, filling the cache  %8.3f s  %6.2f GB/s\n", fill, bytes / 1e9 / fill);
  std::printf("  later runs, from the cache    %8.3f s\n", hit);
  std::fflush(stdout);
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
  if (const std::string hash = context.get<std::string>("bench.hash"); !hash.empty()) {
    if (context.world.rank() == 0) hash_benchmark(hash);
    return 0;
  }
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
