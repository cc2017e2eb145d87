// Encodes a corpus with iwsi::Tokenizer for the Hugging Face parity test (run.sh): one JSON string per
// input line; one {"ids": [...], "decoded": "..."} object per output line, in the same order, where
// decoded = decode(encode(text), skip_special_tokens=true). Prints the encode time to stderr.
// Usage: encode_corpus TOKENIZER_PATH CORPUS.jsonl OUTPUT.jsonl
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " TOKENIZER_PATH CORPUS.jsonl OUTPUT.jsonl\n";
    return 2;
  }
  try {
    const auto t0 = std::chrono::steady_clock::now();
    const iwsi::Tokenizer tokenizer = iwsi::Tokenizer::load(argv[1]);
    const auto t1 = std::chrono::steady_clock::now();
    std::ifstream corpus(argv[2]);
    std::ofstream out(argv[3]);
    if (!corpus || !out) throw std::runtime_error("cannot open the corpus or the output file");
    std::string line;
    size_t count = 0;
    while (std::getline(corpus, line)) {
      const std::string text = nlohmann::json::parse(line).get<std::string>();
      const std::vector<int32_t> ids = tokenizer.encode(text);
      const nlohmann::json record = {{"ids", ids}, {"decoded", tokenizer.decode(ids, true)}};
      out << record.dump() << '\n';
      ++count;
    }
    const auto t2 = std::chrono::steady_clock::now();
    using ms = std::chrono::duration<double, std::milli>;
    std::cerr << "encode_corpus: " << argv[1] << ": load " << ms(t1 - t0).count() << " ms, " << count
              << " strings encoded+decoded in " << ms(t2 - t1).count() << " ms\n";
  } catch (const std::exception& e) {
    std::cerr << "encode_corpus: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
