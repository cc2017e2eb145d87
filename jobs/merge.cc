// `iwsi merge`: a PEFT LoRA adapter merged into its base model (W += scale * B A), written as a plain
// Hugging Face checkpoint directory in the base's layout (config.json + model.safetensors in the
// base's dtype, the base's tokenizer files, iwsi_provenance.json) that every job loads as --model.path.
// Rank 0 does the work while the other ranks wait; the output is written under a temp name and
// renamed when complete. Deliberately no training, no sharded output, no other adapter formats.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "job.h"
#include "model/checkpoint.h"
#include "model/lora.h"
#include "model/lora_adapter_file.h"
#include "model/torch_compat.h"
#include "store/output_claim.h"
#include "store/provenance.h"
#include "pipeline/train_file.h"

namespace iwsi {
namespace jobs::merge {  // named, not anonymous: jobs/ compiles as one unity file

namespace fs = std::filesystem;

// Copied from the base when present, so the output is a complete model directory.
const char* const kTokenizerFiles[] = {"tokenizer.json", "tokenizer_config.json", "generation_config.json",
                                       "special_tokens_map.json"};

void describe(po::options_description& options) {
  options.add_options()
      ("merge.base", po::value<std::string>()->required(), "base model directory (config.json, *.safetensors, tokenizer files)")
      ("merge.adapter", po::value<std::string>()->required(), "PEFT LoRA adapter directory (adapter_config.json, adapter_model.safetensors)")
      ("merge.output", po::value<std::string>()->required(), "directory for the merged model (a previous model there is replaced)")
      ("merge.dtype", po::value<std::string>()->default_value("base"), "dtype of the written weights: base (the dtype the base's config.json declares), float32, bfloat16, float16");
}

// The dtype the base's config.json declares ("dtype" or "torch_dtype"); float32 when it declares none
// or one we do not write, so a bf16 base merges to bf16.
torch::ScalarType base_file_dtype(const std::string& base) {
  const std::string path = (fs::path(base) / "config.json").string();
  IWSI_CHECK(fs::is_regular_file(path), "option --merge.base=", base, ": no config.json there");
  const std::string name = read_llama_config(path).checkpoint_dtype;
  return name == "bfloat16" || name == "float16" ? parse_dtype(name, path) : torch::kFloat32;
}

bool is_within(const fs::path& path, const fs::path& dir) {  // path == dir or below it
  const fs::path p = fs::weakly_canonical(path), d = fs::weakly_canonical(dir);
  auto mismatch = std::mismatch(d.begin(), d.end(), p.begin(), p.end());
  return mismatch.first == d.end();
}

// An existing output is replaced only when it is empty or a model directory (config.json), so a
// mistyped --merge.output never deletes unrelated files; nor may it hold the base or the adapter.
void check_output_replaceable(const std::string& output, const std::string& base, const std::string& adapter) {
  IWSI_CHECK(!is_within(base, output) && !is_within(adapter, output), "option --merge.output=", output,
             ": would replace the base or the adapter it reads");
  if (!fs::exists(output)) return;
  IWSI_CHECK(fs::is_directory(output) && (fs::is_empty(output) || fs::exists(fs::path(output) / "config.json")),
             "option --merge.output=", output, ": exists and is not a model directory; not replacing it");
}

// Puts the finished `tmp` at `output` (checked by check_output_replaceable).
void replace_directory(const std::string& tmp, const std::string& output) {
  std::error_code ec;
  if (fs::exists(output)) {
    const std::string old = output + ".old";
    fs::remove_all(old);
    fs::rename(output, old, ec);
    IWSI_CHECK(!ec, "cannot move the previous ", output, " aside: ", ec.message());
    fs::rename(tmp, output, ec);
    IWSI_CHECK(!ec, "cannot rename ", tmp, " to ", output, ": ", ec.message());
    fs::remove_all(old);
    return;
  }
  if (fs::path(output).has_parent_path()) fs::create_directories(fs::path(output).parent_path());
  fs::rename(tmp, output, ec);
  IWSI_CHECK(!ec, "cannot rename ", tmp, " to ", output, ": ", ec.message());
}

void write_provenance_json(const std::string& path, const Provenance& p) {
  nlohmann::json j = {{"job", p.job},
                      {"config", p.config},
                      {"git_commit", p.git_commit},
                      {"versions", p.versions},
                      {"mpi_ranks", p.ranks},
                      {"hostnames", p.hostnames},
                      {"started_at", p.started_at},
                      {"finished_at", utc_now_iso8601()},
                      {"inputs", nlohmann::json::parse(inputs_to_json(p.inputs))}};
  if (!p.numerics.empty()) j["numerics"] = nlohmann::json::parse(p.numerics);
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  IWSI_CHECK(out.good(), "write error on ", path);
}

// Rank 0's work: load, merge, write the directory under a temp name, rename.
void merge_and_write(const std::string& base, const std::string& adapter, const std::string& output,
                     torch::ScalarType file_dtype, const Provenance& provenance) {
  // bf16 -> bf16 stays in bf16 (half the memory, loading is exact); anything else goes via float32.
  // Either way merge_lora adds B A in float32 and each weight is rounded to the file dtype once.
  const torch::ScalarType load_dtype =
      file_dtype == torch::kBFloat16 && base_file_dtype(base) == torch::kBFloat16 ? torch::kBFloat16 : torch::kFloat32;
  log_info0("merge: loading ", base, " (", dtype_name(load_dtype), ") and the adapter ", adapter);
  Llama model = load_llama(base, load_dtype, torch::kCPU);
  const LoraConfig config = load_lora_adapter(model, adapter);
  std::string targets;
  for (const std::string& t : config.targets) targets += (targets.empty() ? "" : ",") + t;
  log_info0("merge: adapter r = ", config.r, ", alpha = ", config.alpha, ", targets ", targets, " on ",
            model.layers.size(), " layers");
  merge_lora(model);

  const std::string tmp = output + ".tmp";
  fs::remove_all(tmp);  // a leftover of an interrupted run of this job
  save_llama(model, tmp, file_dtype);
  for (const char* name : kTokenizerFiles) {
    const fs::path from = fs::path(base) / name;
    if (fs::exists(from)) fs::copy_file(from, fs::path(tmp) / name);
  }
  write_provenance_json((fs::path(tmp) / "iwsi_provenance.json").string(), provenance);
  replace_directory(tmp, output);
  log_info0("merge: wrote ", output, " (", dtype_name(file_dtype), ")");
}

int run(const JobContext& context) {
  const std::string base = context.get<std::string>("merge.base");
  const std::string adapter = context.get<std::string>("merge.adapter");
  const std::string output = context.get<std::string>("merge.output");
  const std::string dtype = context.get<std::string>("merge.dtype");
  IWSI_CHECK(fs::is_directory(base), "option --merge.base=", base, ": no such directory");
  IWSI_CHECK(fs::is_directory(adapter), "option --merge.adapter=", adapter, ": no such directory");
  check_output_replaceable(output, base, adapter);
  const OutputClaim claim = claim_output("merge.output", output, OutputKind::directory, {base, adapter});
  check_training_finished(adapter);
  const torch::ScalarType file_dtype =
      dtype == "base" ? base_file_dtype(base) : parse_dtype(dtype, "option --merge.dtype");
  const Provenance provenance = context.provenance({base, adapter});  // collective
  if (context.world.rank() == 0) merge_and_write(base, adapter, output, file_dtype, provenance);
  barrier();  // the other ranks idle here; a failure on rank 0 ends them through the job's abort
  return 0;
}

}  // namespace jobs::merge

JobEntry merge_job() {
  return {"merge", "merge a PEFT LoRA adapter into its base model, written as a Hugging Face model directory",
          jobs::merge::describe, jobs::merge::run};
}

}  // namespace iwsi
