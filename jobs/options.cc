#include "options.h"

#include <algorithm>
#include <filesystem>

#include "core/log.h"
#include "model/checkpoint.h"
#include "model/torch_compat.h"

namespace iwsi {

void describe_data_options(po::options_description& options) {
  options.add_options()
      ("data.name", po::value<std::string>()->required(), "dataset: gsm8k, svamp, strategyqa, anli-r1/2/3, openbookqa, commonsenseqa, synthetic")
      ("data.dir", po::value<std::string>()->default_value("../shared/data"), "data root (holding gsm8k/, svamp/, ...), or a synthetic task's directory")
      ("data.pool_size", po::value<int64_t>()->default_value(-1), "unlabeled questions used (-1 = the paper's split)")
      ("data.valid_size", po::value<int64_t>()->default_value(-1), "labeled valid samples (-1 = the paper's split)")
      ("data.test_size", po::value<int64_t>()->default_value(-1), "test questions (-1 = all)")
      ("data.exemplars", po::value<int>()->default_value(3), "few-shot exemplars in the prompt, drawn from the dataset")
      ("data.prompt_file", po::value<std::string>()->default_value(""), "few-shot exemplars from a JSON Lines file instead (question, rationale, source); \"\" = drawn")
      ("data.valid_file", po::value<std::string>()->default_value(""), "the valid set from a JSON Lines file with written rationales (question, rationale, source), its sources left out of the pool; \"\" = the labeled records after the pool");
}

DatasetOptions dataset_options(const JobContext& context) {
  DatasetOptions options;
  options.name = context.get<std::string>("data.name");
  options.data_dir = context.get<std::string>("data.dir");
  options.pool_size = context.get<int64_t>("data.pool_size");
  options.valid_size = context.get<int64_t>("data.valid_size");
  options.test_size = context.get<int64_t>("data.test_size");
  options.num_exemplars = context.get<int>("data.exemplars");
  options.prompt_file = context.get<std::string>("data.prompt_file");
  check_range("data.exemplars", options.num_exemplars, 0, 64);
  options.valid_file = context.get<std::string>("data.valid_file");
  const auto check_file = [](const char* option, const std::string& path) {
    IWSI_CHECK(path.empty() || std::filesystem::is_regular_file(path), "option --", option, "=", path, ": no such file");
  };
  check_file("data.prompt_file", options.prompt_file);
  check_file("data.valid_file", options.valid_file);
  const auto& names = dataset_names();
  if (std::find(names.begin(), names.end(), options.name) == names.end()) {
    std::string list;
    for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
    fail("option --data.name=", options.name, " is not a known dataset (", list, ")");
  }
  return options;
}

std::vector<std::string> dataset_inputs(const DatasetOptions& options) {
  std::string folder = options.data_dir + "/" + options.name;
  if (options.name == "synthetic") folder = options.data_dir;
  if (options.name == "anli") folder = options.data_dir + "/anli/R1";
  if (options.name.rfind("anli-r", 0) == 0) folder = options.data_dir + "/anli/R" + options.name.substr(6);
  std::vector<std::string> inputs = {folder};
  for (const std::string& file : {options.prompt_file, options.valid_file})
    if (!file.empty()) inputs.push_back(file);
  return inputs;
}

std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> lists) {
  std::vector<std::string> all;
  for (const std::vector<std::string>& list : lists) all.insert(all.end(), list.begin(), list.end());
  return all;
}

void describe_model_options(po::options_description& options) {
  options.add_options()
      ("model.path", po::value<std::string>()->required(), "Hugging Face model directory (config.json, *.safetensors, tokenizer.json)")
      ("model.dtype", po::value<std::string>()->default_value("auto"), "compute dtype: auto (the checkpoint's dtype on a GPU, float32 on the CPU), float32, bfloat16, float16 (CUDA); float64 to check numerics (slow)")
      ("model.device", po::value<std::string>()->default_value("auto"), "auto (cuda:<local rank> if GPUs, else cpu), cpu, cuda, cuda:N")
      ("model.max_positions", po::value<int64_t>()->default_value(0), "positions a prompt + generation may use; 0 = max_position_embeddings of config.json (raise it only knowingly: RoPE past the trained length degrades answers)");
}

void describe_sampling_options(po::options_description& options) {
  options.add_options()
      ("sampling.m", po::value<int64_t>()->default_value(1), "samples per prompt")
      ("sampling.temperature", po::value<double>()->default_value(1.0), "0 = greedy")
      ("sampling.top_k", po::value<int64_t>()->default_value(0), "0 = off")
      ("sampling.top_p", po::value<double>()->default_value(1.0), "1 = off")
      ("sampling.max_new_tokens", po::value<int64_t>()->default_value(128), "generated tokens per sample at most")
      ("sampling.max_length", po::value<int64_t>()->default_value(0), "prompt + generated tokens per sample at most, as transformers' max_length (0 = off; the paper's code: 1024)")
      ("sampling.seed", po::value<int64_t>()->default_value(0), "a sample depends only on (seed, prompt index, sample index)")
      ("sampling.stop", po::value<std::vector<std::string>>()->composing(), "stop string (repeatable; \\n for newline); the text is cut before it")
      ("sampling.stop_token_ids", po::value<std::vector<int64_t>>()->composing()->multitoken(), "token ids that end a sample besides EOS")
      ("sampling.ignore_eos", po::value<bool>()->default_value(false)->implicit_value(true), "never stop at EOS / stop tokens")
      ("sampling.batch_rows", po::value<int64_t>()->default_value(64), "samples decoded together per forward pass");
}

torch::ScalarType compute_dtype(const JobContext& context, const LlamaConfig& config, torch::Device device) {
  const std::string option = context.get<std::string>("model.dtype");
  const torch::ScalarType dtype = resolve_compute_dtype(option, config.checkpoint_dtype, device);
  if (option == "auto")
    log_info0("model.dtype = auto: ", dtype_name(dtype), " (checkpoint ",
              config.checkpoint_dtype.empty() ? "dtype not declared" : config.checkpoint_dtype, ", ", device.str(), ")");
  return dtype;
}

LoadedModel load_model(const JobContext& context) {
  const std::string path = context.get<std::string>("model.path");
  const torch::Device device = context.device();
  std::error_code ec;
  IWSI_CHECK(std::filesystem::is_directory(path, ec), "option --model.path=", path,
             ": no such directory (a Hugging Face model directory: config.json, *.safetensors, tokenizer.json)");
  const torch::ScalarType dtype = compute_dtype(context, read_llama_config(path + "/config.json"), device);
  Tokenizer tokenizer = Tokenizer::load(path);  // first: the cheaper file to find wrong
  LoadedModel loaded{path, load_llama(path, dtype, device), std::move(tokenizer), device};
  IWSI_CHECK(loaded.tokenizer.vocab_size() <= loaded.model.config.vocab_size, loaded.path,
             ": the tokenizer has ", loaded.tokenizer.vocab_size(), " tokens but the model only ",
             loaded.model.config.vocab_size, " embeddings (tokenizer of another model?)");
  log_info0("model ", loaded.path, ": ", loaded.model.config.num_layers, " layers, hidden ",
            loaded.model.config.hidden_size, ", vocab ", loaded.model.config.vocab_size, ", ", dtype_name(dtype), " on ",
            loaded.device.str());
  return loaded;
}

SamplingParams sampling_limits(const JobContext& context, const std::string& section, const Tokenizer& tokenizer) {
  const auto option = [&](const char* name) { return section + "." + name; };
  SamplingParams params;
  params.temperature = context.get<double>(option("temperature"));
  params.top_k = context.get<int64_t>(option("top_k"));
  params.top_p = context.get<double>(option("top_p"));
  params.max_new_tokens = context.get<int64_t>(option("max_new_tokens"));
  params.max_length = context.get<int64_t>(option("max_length"));
  params.seed = static_cast<uint64_t>(context.get<int64_t>(option("seed")));
  check_range(option("temperature"), params.temperature, 0, 100);
  check_range(option("top_k"), static_cast<double>(params.top_k), 0, 1e9);
  check_range(option("top_p"), params.top_p, 0, 1, /*low_open=*/true);
  check_range(option("max_new_tokens"), static_cast<double>(params.max_new_tokens), 1, 1e7);
  check_range(option("max_length"), static_cast<double>(params.max_length), 0, 1e7);
  params.eos_ids = tokenizer.eos_ids();
  return params;
}

SamplingParams sampling_params(const JobContext& context, const Tokenizer& tokenizer) {
  SamplingParams params = sampling_limits(context, "sampling", tokenizer);
  params.ignore_eos = context.get<bool>("sampling.ignore_eos");
  check_range("sampling.m", static_cast<double>(context.get<int64_t>("sampling.m")), 1, 1e6);
  if (context.has("sampling.stop"))
    for (const std::string& stop : context.get<std::vector<std::string>>("sampling.stop")) {
      IWSI_CHECK(!stop.empty(), "option --sampling.stop: empty stop string");
      params.stop_strings.push_back(unescape(stop));
    }
  if (context.has("sampling.stop_token_ids"))
    for (int64_t id : context.get<std::vector<int64_t>>("sampling.stop_token_ids")) {
      check_range("sampling.stop_token_ids", static_cast<double>(id), 0, tokenizer.vocab_size() - 1);
      params.stop_token_ids.push_back(static_cast<int32_t>(id));
    }
  return params;
}

int64_t max_positions(const JobContext& context) {
  const int64_t positions = context.get<int64_t>("model.max_positions");
  check_range("model.max_positions", static_cast<double>(positions), 0, 1e9);
  return positions;
}

EngineOptions engine_options(const JobContext& context) {
  EngineOptions options;
  options.max_batch_rows = context.get<int64_t>("sampling.batch_rows");
  check_range("sampling.batch_rows", static_cast<double>(options.max_batch_rows), 1, 1e6);
  options.max_positions = max_positions(context);
  return options;
}

}  // namespace iwsi
