// `iwsi eval`: accuracy of a model on a split (../shared/docs/IWSI.md section 1 step 6): greedy decoding with
// the few-shot prompt, answers extracted (section 4) and compared with the gold ones, one row per
// question into an "iwsi.eval" file. The model is the base model, the base model plus a LoRA adapter
// (--eval.adapter), or a merged model (just --model.path). The split is cut into fixed chunks of
// --eval.batch_rows questions, each decoded as one batch, and ranks take contiguous runs of chunks:
// greedy decoding of the same batches gives the same file for any rank count.
#include <algorithm>
#include <filesystem>

#include "core/log.h"
#include "core/progress.h"
#include "data/prompt.h"
#include "dist/shard.h"
#include "job.h"
#include "model/lora.h"
#include "model/lora_adapter_file.h"
#include "options.h"
#include "pipeline/eval_file.h"
#include "pipeline/evaluation.h"
#include "store/attributes.h"
#include "store/output_claim.h"
#include "store/output_file.h"
#include "pipeline/train_file.h"

namespace iwsi {
namespace jobs::eval {  // named, not anonymous: jobs/ compiles as one unity file

void describe(po::options_description& options) {
  options.add_options()
      ("eval.output", po::value<std::string>()->required(), "evaluation file to write (HDF5)")
      ("eval.adapter", po::value<std::string>()->default_value(""), "PEFT LoRA adapter directory applied to --model.path (\"\" = none)")
      ("eval.split", po::value<std::string>()->default_value("test"), "questions to answer: test, valid or pool")
      ("eval.max_new_tokens", po::value<int64_t>()->default_value(256), "generated tokens per answer at most")
      ("eval.max_length", po::value<int64_t>()->default_value(0), "prompt + answer tokens at most, as transformers' max_length (0 = off; the paper's code: 800)")
      ("eval.protocol", po::value<std::string>()->default_value("ours"),
       "ours: the answer cut at --eval.stop, our extraction (IWSI.md section 4); paper: the official code's -- no stop string, the last \"the answer is\" of the whole continuation, int(float(x)) comparison")
      ("eval.batch_rows", po::value<int64_t>()->default_value(64), "questions decoded together (fixed chunks, so results do not depend on the rank count)")
      ("eval.stop", po::value<std::vector<std::string>>()->default_value(std::vector<std::string>{"\\nQ:"}, "\\nQ:")->composing(),
       "stop string (repeatable; \\n for newline); the answer is cut before it");
  describe_data_options(options);
  describe_model_options(options);
}

const std::vector<Example>& split_questions(const DatasetSplits& splits, const std::string& split) {
  if (split == "test") return splits.test;
  if (split == "valid") return splits.valid;
  if (split == "pool") return splits.pool;
  fail("option --eval.split=", split, ": expected test, valid or pool");
}

AnswerRule answer_rule(const std::string& protocol) {
  if (protocol == "ours") return AnswerRule::ours;
  if (protocol == "paper") return AnswerRule::paper;
  fail("option --eval.protocol=", protocol, ": expected ours or paper");
}

// The paper's protocol reads the whole continuation: no stop string cuts it.
std::vector<std::string> stop_strings(const JobContext& context, AnswerRule rule) {
  std::vector<std::string> stops;
  if (rule == AnswerRule::paper) return stops;
  for (const std::string& stop : context.get<std::vector<std::string>>("eval.stop")) {
    IWSI_CHECK(!stop.empty(), "option --eval.stop: empty stop string");
    stops.push_back(unescape(stop));
  }
  return stops;
}

// "eos 7, stop_string 2, length 1" over all ranks.
std::string finish_summary(const EvalRows& rows) {
  std::vector<int64_t> counts(4, 0);
  for (int8_t reason : rows.finish_reason) ++counts.at(static_cast<size_t>(reason));
  counts = allreduce_sum(counts);
  std::string text;
  for (size_t r = 0; r < counts.size(); ++r)
    if (counts[r] > 0) text += cat(text.empty() ? "" : ", ", finish_reason_name(static_cast<FinishReason>(r)), " ", counts[r]);
  return text;
}

int run(const JobContext& context) {
  const std::string output = context.get<std::string>("eval.output");
  const std::string adapter = context.get<std::string>("eval.adapter");
  const std::string split = context.get<std::string>("eval.split");
  const int64_t max_new_tokens = context.get<int64_t>("eval.max_new_tokens");
  const int64_t batch_rows = context.get<int64_t>("eval.batch_rows");
  check_range("eval.max_new_tokens", static_cast<double>(max_new_tokens), 1, 1e7);
  check_range("eval.batch_rows", static_cast<double>(batch_rows), 1, 1e6);
  const int64_t max_length = context.get<int64_t>("eval.max_length");
  check_range("eval.max_length", static_cast<double>(max_length), 0, 1e7);
  const std::string protocol = context.get<std::string>("eval.protocol");
  const AnswerRule rule = answer_rule(protocol);
  const std::vector<std::string> stops = stop_strings(context, rule);
  IWSI_CHECK(adapter.empty() || std::filesystem::is_directory(adapter), "option --eval.adapter=", adapter,
             ": no such directory (expected a PEFT LoRA adapter directory with adapter_config.json)");

  const DatasetOptions data = dataset_options(context);
  const OutputClaim claim = claim_output("eval.output", output, OutputKind::file,
                                         concat({dataset_inputs(data), {context.get<std::string>("model.path"), adapter}}));
  const DatasetSplits splits = load_dataset(data);
  const std::vector<Example>& questions = split_questions(splits, split);
  IWSI_CHECK(!questions.empty(), "dataset ", data.name, ": the ", split, " split is empty; nothing to evaluate");
  for (const Example& question : questions)
    IWSI_CHECK(!question.answer.empty(), "dataset ", data.name, ": ", split, " question ", question.id,
               " has no gold answer to evaluate against");

  if (!adapter.empty()) check_training_finished(adapter);
  LoadedModel loaded = load_model(context);
  if (!adapter.empty()) {
    const LoraConfig lora = load_lora_adapter(loaded.model, adapter);
    log_info0("eval: LoRA adapter ", adapter, " (r ", lora.r, ", alpha ", lora.alpha, ") on ", loaded.path);
  }
  const EvalSetup setup{loaded.model, loaded.tokenizer, few_shot_prefix(splits.exemplars), splits.kind,
                        greedy_params(loaded.tokenizer, max_new_tokens, stops, max_length),
                        EngineOptions{batch_rows, EngineOptions{}.max_prefill_tokens, max_positions(context)}, rule};
  std::vector<std::string> inputs = concat({dataset_inputs(data), {loaded.path}});
  if (!adapter.empty()) inputs.push_back(adapter);
  const Provenance provenance = context.provenance(inputs);

  const int64_t total = static_cast<int64_t>(questions.size());
  const ShardRange mine = chunk_run_of(total, batch_rows, context.world.rank(), context.world.size());
  log_info0("eval: ", total, " ", data.name, " ", split, " questions, greedy, at most ", max_new_tokens, " new tokens",
            max_length > 0 ? cat(" and ", max_length, " in all") : "", ", ", protocol, " protocol, in chunks of ",
            batch_rows, " on ", context.world.size(), " rank(s)");
  torch::NoGradGuard no_grad;
  EvalRows rows;
  Progress progress("eval (rank 0's share)", mine.size(), "questions");
  for (int64_t begin = mine.begin; begin < mine.end; begin += batch_rows) {
    const int64_t end = std::min(mine.end, begin + batch_rows);
    rows.append(naming_model(loaded.path, adapter, [&] { return evaluate_questions(setup, questions, begin, end); }));
    progress.update(end - mine.begin);
  }

  int64_t correct_here = 0;
  for (int8_t correct : rows.correct) correct_here += correct;
  const int64_t correct = allreduce_sum(correct_here);
  const double accuracy = 100.0 * static_cast<double>(correct) / static_cast<double>(total);
  const std::string finishes = finish_summary(rows);

  OutputFile out(output, kEvalSchema, kEvalVersion, provenance);
  set_attribute(out.id(), "accuracy", accuracy);
  set_attribute(out.id(), "correct", correct);
  set_attribute(out.id(), "total", total);
  set_attribute(out.id(), "dataset", data.name);
  set_attribute(out.id(), "split", split);
  set_attribute(out.id(), "model_path", loaded.path);
  set_attribute(out.id(), "adapter", adapter);
  set_attribute(out.id(), "few_shot_prefix", setup.few_shot);
  set_attribute(out.id(), "protocol", protocol);
  write_eval_rows(out.id(), rows);
  out.commit();
  log_info0("eval: accuracy ", accuracy, "% (", correct, " of ", total, " correct) on ", data.name, " ", split, " with ",
            loaded.path, adapter.empty() ? "" : " + adapter " + adapter, "; answers ended by ", finishes, "; wrote ", output);
  return 0;
}

}  // namespace jobs::eval

JobEntry eval_job() {
  return {"eval", "greedy few-shot answers on a split, answer extraction, accuracy (base, + LoRA adapter, or merged)",
          jobs::eval::describe, jobs::eval::run};
}

}  // namespace iwsi
