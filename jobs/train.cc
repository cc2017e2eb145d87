// `iwsi train`: fine-tuning on the kept samples of a selection (../shared/docs/IWSI.md section 1 step 5), or
// on GSM8K-format human solutions; LoRA on a frozen base (default) or every weight (`full`, from a
// base model or from scratch). Data parallel over the ranks with exact resume from checkpoints.
// Writes the adapter (PEFT layout) or the model (HF layout + tokenizer files), then train.h5, the
// step log, last: a committed train.h5 means the directory is complete.
#include <filesystem>
#include <sstream>

#include "core/log.h"
#include "data/text.h"
#include "dist/on_rank0.h"
#include "job.h"
#include "model/checkpoint.h"
#include "model/lora.h"
#include "model/lora_adapter_file.h"
#include "model/torch_compat.h"
#include "options.h"
#include "pipeline/selection_file.h"
#include "runtime/numerics.h"
#include "runtime/stop_signal.h"
#include "store/output_claim.h"
#include "store/output_file.h"
#include "train/fingerprint.h"
#include "train/train_checkpoint.h"
#include "pipeline/train_file.h"
#include "train/trainer.h"
#include "train/training_set.h"

namespace iwsi {
namespace jobs::train {  // named, not anonymous: jobs/ compiles as one unity file

namespace fs = std::filesystem;

void describe(po::options_description& options) {
  options.add_options()
      ("train.output_dir", po::value<std::string>()->required(), "directory for the adapter / model, train.h5 and checkpoint/")
      ("train.candidates", po::value<std::string>()->default_value(""), "candidate file (iwsi generate); with --train.selection")
      ("train.selection", po::value<std::string>()->default_value(""), "selection file (iwsi filter): the kept rows and weights")
      ("train.jsonl", po::value<std::string>()->default_value(""), "instead: GSM8K-format JSON Lines {\"question\", \"answer\": \"... #### N\"}")
      ("train.mode", po::value<std::string>()->default_value("lora"), "lora (adapters on the frozen base) or full (every weight)")
      ("train.lora_r", po::value<int64_t>()->default_value(64), "LoRA rank")
      ("train.lora_alpha", po::value<double>()->default_value(16), "LoRA alpha (scale = alpha / r)")
      ("train.lora_dropout", po::value<double>()->default_value(0.05, "0.05"), "LoRA dropout (per-sample masks, independent of batching)")
      ("train.lora_targets", po::value<std::string>()->default_value("q_proj,v_proj,gate_proj,up_proj,down_proj"), "comma-separated projections")
      ("train.init_config", po::value<std::string>()->default_value(""), "full mode from scratch: HF config.json of a random model (seeded by train.seed)")
      ("train.tokenizer", po::value<std::string>()->default_value(""), "with --train.init_config: directory holding tokenizer.json")
      ("train.max_length", po::value<int64_t>()->default_value(400), "tokens per sample at most (prompt + answer)")
      ("train.batch_size", po::value<int64_t>()->default_value(32), "global batch (samples per optimizer step, over all ranks)")
      ("train.micro_batch", po::value<int64_t>()->default_value(1), "samples per forward pass on a rank (gradient accumulation)")
      ("train.epochs", po::value<int64_t>()->default_value(4), "passes over the training set (unless --train.max_steps)")
      ("train.max_steps", po::value<int64_t>()->default_value(-1), "optimizer steps (-1 = epochs x steps per epoch)")
      ("train.lr", po::value<double>()->default_value(3e-4, "3e-4"), "peak learning rate")
      ("train.allreduce", po::value<std::string>()->default_value("auto"), "gradient sum over ranks: auto (NCCL for GPUs on several ranks), nccl (even on one rank) or mpi")
      ("train.beta1", po::value<double>()->default_value(0.9, "0.9"), "AdamW beta1")
      ("train.beta2", po::value<double>()->default_value(0.999, "0.999"), "AdamW beta2")
      ("train.eps", po::value<double>()->default_value(1e-6, "1e-6"), "AdamW epsilon")
      ("train.weight_decay", po::value<double>()->default_value(0.0), "AdamW decoupled weight decay")
      ("train.schedule", po::value<std::string>()->default_value("cosine"), "cosine or linear decay to 0")
      ("train.warmup_steps", po::value<int64_t>()->default_value(0), "linear warmup steps")
      ("train.max_grad_norm", po::value<double>()->default_value(1.0), "clip the global gradient norm (0 = off)")
      ("train.seed", po::value<int64_t>()->default_value(0), "data order, LoRA init, dropout, random init")
      ("train.checkpoint_every", po::value<int64_t>()->default_value(50), "steps between checkpoints in <output_dir>/checkpoint")
      ("train.stop_after", po::value<int64_t>()->default_value(-1), "stop as on a signal after this many steps (checkpoint, exit 75); -1 = never");
  // The shared [model] options, except that model.path is optional here: full training from scratch
  // (--train.init_config) has no base model.
  po::options_description model;
  describe_model_options(model);
  for (const auto& option : model.options())
    if (option->long_name() != "model.path") options.add(option);
  options.add_options()("model.path", po::value<std::string>()->default_value(""),
                        "base model directory (config.json, *.safetensors, tokenizer.json)");
}

struct Inputs {
  std::string candidates, selection, jsonl, model_path, init_config, tokenizer_dir;
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const std::string* path : {&candidates, &selection, &jsonl, &model_path, &init_config, &tokenizer_dir})
      if (!path->empty()) out.push_back(*path);
    return out;
  }
};

Inputs read_inputs(const JobContext& context, const std::string& mode) {
  Inputs in{context.get<std::string>("train.candidates"), context.get<std::string>("train.selection"),
            context.get<std::string>("train.jsonl"),      context.get<std::string>("model.path"),
            context.get<std::string>("train.init_config"), context.get<std::string>("train.tokenizer")};
  const bool from_selection = !in.candidates.empty() || !in.selection.empty();
  IWSI_CHECK(from_selection != !in.jsonl.empty(), "give the training data either as --train.candidates with ",
             "--train.selection, or as --train.jsonl (not both, not neither)");
  IWSI_CHECK(!from_selection || (!in.candidates.empty() && !in.selection.empty()),
             "--train.candidates and --train.selection go together (the selection names rows of the candidate file)");
  if (!in.init_config.empty()) {
    IWSI_CHECK(mode == "full", "--train.init_config (a random model) needs --train.mode full");
    IWSI_CHECK(in.model_path.empty(), "give --train.init_config (from scratch) or --model.path (a base model), not both");
    IWSI_CHECK(!in.tokenizer_dir.empty(), "--train.init_config needs --train.tokenizer (a directory with tokenizer.json)");
  } else {
    IWSI_CHECK(!in.model_path.empty(), "--model.path is required (the base model", mode == "full" ? ", or --train.init_config" : "", ")");
    IWSI_CHECK(in.tokenizer_dir.empty(), "--train.tokenizer is only for --train.init_config; the tokenizer comes from --model.path");
  }
  return in;
}

TrainerConfig trainer_config(const JobContext& context) {
  TrainerConfig c;
  c.batch_size = context.get<int64_t>("train.batch_size");
  c.micro_batch = context.get<int64_t>("train.micro_batch");
  c.epochs = context.get<int64_t>("train.epochs");
  c.max_steps = context.get<int64_t>("train.max_steps");
  c.max_grad_norm = context.get<double>("train.max_grad_norm");
  c.seed = static_cast<uint64_t>(context.get<int64_t>("train.seed"));
  c.adamw = {context.get<double>("train.beta1"), context.get<double>("train.beta2"), context.get<double>("train.eps"),
             context.get<double>("train.weight_decay")};
  c.schedule = context.get<std::string>("train.schedule");
  c.lr = context.get<double>("train.lr");
  c.warmup_steps = context.get<int64_t>("train.warmup_steps");
  c.checkpoint_dir = (fs::path(context.get<std::string>("train.output_dir")) / "checkpoint").string();
  c.checkpoint_every = context.get<int64_t>("train.checkpoint_every");
  c.stop_after = context.get<int64_t>("train.stop_after");
  check_trainer_config(c);
  check_schedule({c.schedule, c.lr, c.warmup_steps, 1});
  return c;
}

LoraConfig lora_config(const JobContext& context) {
  LoraConfig c;
  c.r = context.get<int64_t>("train.lora_r");
  c.alpha = context.get<double>("train.lora_alpha");
  c.dropout = context.get<double>("train.lora_dropout");
  c.targets = split_commas(context.get<std::string>("train.lora_targets"));
  return c;  // add_lora checks the values and names the unknown targets
}

// The model to train (LoRA adapters added in lora mode) and its tokenizer.
LoadedModel build_model(const JobContext& context, const Inputs& in, const std::string& mode, uint64_t seed) {
  if (in.init_config.empty()) {
    LoadedModel loaded = load_model(context);
    if (mode == "lora") add_lora(loaded.model, lora_config(context), seed);
    return loaded;
  }
  const torch::Device device = context.device();
  Tokenizer tokenizer = Tokenizer::load(in.tokenizer_dir);
  const LlamaConfig config = read_llama_config(in.init_config);
  const torch::ScalarType dtype = compute_dtype(context, config, device);
  IWSI_CHECK(tokenizer.vocab_size() <= config.vocab_size, in.tokenizer_dir, ": the tokenizer has ", tokenizer.vocab_size(),
             " tokens but ", in.init_config, " only ", config.vocab_size, " embeddings");
  log_info0("train: a random model from ", in.init_config, " (seed ", seed, "), ", dtype_name(dtype), " on ", device.str());
  return LoadedModel{"", initial_llama(config, seed, dtype, device), std::move(tokenizer), device};
}

TrainingSet read_training_set(const JobContext& context, const Inputs& in, const Tokenizer& tokenizer) {
  const std::vector<TrainingText> texts =
      in.jsonl.empty() ? selected_candidate_texts(in.candidates, in.selection) : gsm8k_jsonl_texts(in.jsonl);
  const int64_t max_length = context.get<int64_t>("train.max_length");
  TrainingSet set = tokenize_training_texts(tokenizer, texts, max_length);
  IWSI_CHECK(!set.samples.empty(), "the training set is empty: ", texts.size(), " texts in ",
             in.jsonl.empty() ? in.selection : in.jsonl,
             texts.empty() ? std::string() : cat(", none with an answer token within --train.max_length=", max_length));
  log_info0("train: ", set.samples.size(), " samples, ", set.tokens, " tokens (", set.truncated, " cut to ", max_length,
            " tokens, ", set.dropped, " left out: prompt alone fills max_length)");
  if (set.text_encoded > 0)
    log_info0("train: ", set.text_encoded, " generated samples partly re-encoded from their text (a stop string cut "
              "inside a token, or a rewritten tail); the others train on the model's own ids");
  return set;
}

// Rank 0 writes the adapter (lora) or the model and its tokenizer files (full) into `dir`.
void write_model_files(const JobContext& context, const LoadedModel& loaded, const Inputs& in, const std::string& mode,
                       const std::string& dir) {
  on_rank0([&] {
    if (mode == "lora") {
      save_lora_adapter(loaded.model, lora_config(context), dir, in.model_path);
      return;
    }
    // The base's dtype, as merge keeps it (a bf16 base trained in float32 on the CPU is saved as bf16,
    // the size users expect); a model from scratch, or a base without a declared dtype, in the compute
    // dtype (float64 as float32).
    const std::string declared = loaded.model.config.checkpoint_dtype;
    const torch::ScalarType compute = loaded.model.embed.scalar_type();
    const torch::ScalarType dtype = declared == "bfloat16" || declared == "float16" || declared == "float32"
                                        ? parse_dtype(declared)
                                        : compute == torch::kFloat64 ? torch::kFloat32 : compute;
    save_llama(loaded.model, dir, dtype);
    const std::string tokenizer_dir = in.init_config.empty() ? in.model_path : in.tokenizer_dir;
    for (const char* name : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
                             "generation_config.json"}) {
      const fs::path from = fs::path(tokenizer_dir) / name;
      if (!fs::exists(from)) continue;
      std::error_code ec;
      const fs::path to = fs::path(dir) / name;
      fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
      IWSI_CHECK(!ec, "cannot copy ", from.string(), " to ", dir, ": ", ec.message());
      fs::permissions(to, fs::perms::owner_write, fs::perm_options::add, ec);  // a read-only source stays replaceable
    }
  });
}

// Options that say where things go or how fast, and input paths (their content is hashed instead).
// The numerics are checked on their own, by rounding key, so that a refusal can say so.
const std::set<std::string>& not_in_fingerprint() {
  static const std::set<std::string> names = {"train.output_dir", "train.checkpoint_every", "train.stop_after",
                                              "runtime.threads",  "train.candidates",       "train.selection",
                                              "train.jsonl",      "model.path",             "train.init_config",
                                              "train.tokenizer",  "runtime.numerics",  // checked apart
                                              "train.allreduce"};  // the same sums either way
  return names;
}

int run(const JobContext& context) {
  const std::string mode = context.get<std::string>("train.mode");
  IWSI_CHECK(mode == "lora" || mode == "full", "option --train.mode=", mode, ": expected lora or full");
  const std::string dir = context.get<std::string>("train.output_dir");
  const Inputs in = read_inputs(context, mode);
  TrainerConfig config = trainer_config(context);
  const bool into_model = !in.model_path.empty() && fs::exists(dir) && fs::exists(in.model_path) &&
                          fs::equivalent(dir, in.model_path);
  IWSI_CHECK(!into_model, "--train.output_dir ", dir,
             " is the base model's directory; choose another one");
  const OutputClaim claim = claim_output("train.output_dir", dir, OutputKind::directory, in.files());
  const std::string train_file = (fs::path(dir) / "train.h5").string();
  on_rank0([&] {  // from here on, this directory holds no finished-looking result until train.h5 is committed
    fs::create_directories(dir);
    clear_training_result(dir);
  });
  const Provenance provenance = context.provenance(in.files());
  if (!in.selection.empty()) {  // files() lists the candidate file first
    const H5Id selection = open_output_for_read(in.selection, kSelectionSchema, kSelectionVersion);
    check_made_from(selection, in.selection, provenance.inputs.at(0), "train.candidates");
  }
  config.fingerprint = training_fingerprint(ini_without(context.options.effective_ini, not_in_fingerprint()), provenance.inputs);
  config.numerics = rounding_key(context.numerics_identity());

  LoadedModel loaded = build_model(context, in, mode, config.seed);
  const TrainingSet set = read_training_set(context, in, loaded.tokenizer);
  config.per_sample_dropout = mode == "lora" && context.get<double>("train.lora_dropout") > 0;
  FlatParameters params = flatten_parameters(mode == "lora" ? lora_parameters(loaded.model) : llama_named_tensors(loaded.model));
  GradientAllReduce allreduce(loaded.model.embed.device(),
                              parse_allreduce_choice(context.get<std::string>("train.allreduce"), "option --train.allreduce"));
  const StopAtSafePoints safe_points;  // a signal now ends training at a step, with a checkpoint
  const TrainResult result = iwsi::train(loaded.model, params, set.samples, config, allreduce);
  if (!result.finished) {
    log_warn0("train: stopped before the last step; run the same command again to resume from ", config.checkpoint_dir);
    return kExitRequeue;
  }

  write_model_files(context, loaded, in, mode, dir);
  const TrainSummary summary{mode, static_cast<int64_t>(set.samples.size()), set.dropped, set.truncated, params.numel(),
                             result.resumed_at};
  write_train_file(train_file, provenance, summary, result.steps);
  remove_train_checkpoint(config.checkpoint_dir);
  double tokens = 0, seconds = 0;
  for (const StepRecord& r : result.steps) tokens += static_cast<double>(r.tokens), seconds += r.seconds;
  log_info0("train: ", mode, " training done, final loss ", result.steps.back().loss, ", ",
            static_cast<int64_t>(seconds > 0 ? tokens / seconds : 0), " tokens/s over ", result.steps.size(),
            " steps; wrote ", dir);
  return 0;
}

}  // namespace jobs::train

JobEntry train_job() {
  return {"train", "LoRA or full fine-tuning on a selection (or GSM8K-format solutions), data parallel, resumable",
          jobs::train::describe, jobs::train::run};
}

}  // namespace iwsi
