// Encodes a corpus with iwsi::Tokenizer for the Hugging Face parity test (run.sh): one JSON string per
// input line; one {"ids": [...], "decoded": "..."} object per output line, in the same order, where
// decoded = decode(encode(text), skip_special_tokens=true). Prints the encode time to stderr.
// Usage: encode_corpus TOKENIZER_PATH CORPUS.jsonl OUTPUT.jsonl
//
// encode_corpus --boundary TOKENIZER_PATH checks the one token boundary of training and scoring
// (src/score/sft_tokens.h) on this tokenizer: for prompts as generate writes them ("...A: ") and
// answers of several shapes, prompt ids + encode_continuation(answer) decode to prompt + answer, the
// prompt ids are the ids generation feeds the model, and no answer token holds the prompt's last
// character (nothing merged across the join). Exits 1 naming the first failing pair.
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

int check_boundary(const char* path) {
  const iwsi::Tokenizer tokenizer = iwsi::Tokenizer::load(path);
  const std::vector<std::string> prompts = {
      "Q: Natalia sold clips to 48 of her friends in April. How many clips did she sell?\nA: ",
      "Q: Is the sky green?\nA: ", "Q: 12 + 30 = ?\nA:", "Q: Café au lait – combien?\nA: ",
      "Q: Tom has a cat.\n\nA: "};
  const std::vector<std::string> answers = {
      "She sold 48 / 2 = 24 clips in May. The answer is 72.", "No. The sky is blue. The answer is no.",
      " 42. The answer is 42.", "Trois euros, soit 3 €. The answer is 3.", "\nThe cat is big.", "72"};
  int checked = 0, merged = 0;
  for (const std::string& prompt : prompts) {
    const std::vector<int32_t> prompt_ids = tokenizer.encode(prompt, true);
    const std::string prompt_text = tokenizer.decode(prompt_ids, true);
    for (const std::string& answer : answers) {
      std::vector<int32_t> ids = prompt_ids;
      const std::vector<int32_t> answer_ids = tokenizer.encode_continuation(answer);
      ids.insert(ids.end(), answer_ids.begin(), answer_ids.end());
      const std::string decoded = tokenizer.decode(ids, true), want = prompt_text + answer;
      if (decoded != want) {
        std::cerr << "boundary: " << path << ": prompt ids + continuation of " << nlohmann::json(answer).dump()
                  << " decode to " << nlohmann::json(decoded).dump() << ", expected " << nlohmann::json(want).dump() << "\n";
        return 1;
      }
      // Decoding the answer ids alone gives the answer (or, with a SentencePiece Strip decoder, the
      // answer less one leading space): no token straddles the join.
      const std::string alone = tokenizer.decode(answer_ids, true);
      if (decoded.compare(decoded.size() - answer.size(), answer.size(), answer) != 0 ||
          (alone != answer && alone != answer.substr(answer.find_first_not_of(' ') == 0 ? 0 : 1))) {
        std::cerr << "boundary: " << path << ": the answer ids of " << nlohmann::json(answer).dump() << " decode alone to "
                  << nlohmann::json(alone).dump() << "\n";
        return 1;
      }
      ++checked;
      merged += tokenizer.encode(prompt + answer, true) != ids;  // what encoding one text would have trained on
    }
  }
  std::cerr << "boundary: " << path << ": " << checked << " prompt/answer joins read back exactly (" << merged
            << " of them tokenized otherwise when prompt + answer is encoded as one text)\n";
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--boundary") {
    try {
      return check_boundary(argv[2]);
    } catch (const std::exception& e) {
      std::cerr << "encode_corpus: " << e.what() << '\n';
      return 1;
    }
  }
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
