// Loading and saving HF Llama/Qwen2 checkpoint directories (safetensors only).
// The expected tensor list comes from the config (llama_slots), so loading and saving agree on
// names and shapes by construction. Every error names the file and the tensor.
#include "model/checkpoint.h"

#include <filesystem>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "model/safetensors.h"
#include "model/torch_compat.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;

struct Slot {
  std::string name;
  std::vector<int64_t> shape;
  torch::Tensor* tensor;
};

// Every tensor a model with this config has, with its HF name and shape, pointing into `m`.
std::vector<Slot> llama_slots(Llama& m) {
  const LlamaConfig& c = m.config;
  const int64_t C = c.hidden_size, I = c.intermediate_size, D = c.head_dim;
  const int64_t Dq = c.num_heads * D, Dkv = c.num_kv_heads * D;
  m.layers.resize(c.num_layers);
  std::vector<Slot> s;
  s.push_back({"model.embed_tokens.weight", {c.vocab_size, C}, &m.embed});
  auto linear = [&](const std::string& name, Linear& l, int64_t out, int64_t in, bool bias) {
    s.push_back({name + ".weight", {out, in}, &l.weight});
    if (bias) s.push_back({name + ".bias", {out}, &l.bias});
  };
  for (int64_t i = 0; i < c.num_layers; ++i) {
    LlamaLayer& L = m.layers[i];
    std::string p = "model.layers." + std::to_string(i) + ".";
    s.push_back({p + "input_layernorm.weight", {C}, &L.input_norm});
    s.push_back({p + "post_attention_layernorm.weight", {C}, &L.post_attention_norm});
    linear(p + "self_attn.q_proj", L.q, Dq, C, c.attention_bias);
    linear(p + "self_attn.k_proj", L.k, Dkv, C, c.attention_bias);
    linear(p + "self_attn.v_proj", L.v, Dkv, C, c.attention_bias);
    linear(p + "self_attn.o_proj", L.o, C, Dq, c.has_o_bias());
    linear(p + "mlp.gate_proj", L.gate, I, C, c.mlp_bias);
    linear(p + "mlp.up_proj", L.up, I, C, c.mlp_bias);
    linear(p + "mlp.down_proj", L.down, C, I, c.mlp_bias);
  }
  s.push_back({"model.norm.weight", {C}, &m.final_norm});
  if (!c.tie_word_embeddings) s.push_back({"lm_head.weight", {c.vocab_size, C}, &m.lm_head.weight});
  return s;
}

// The opened safetensors files of a checkpoint and which file holds each tensor.
struct Shards {
  std::vector<std::unique_ptr<SafetensorsFile>> files;
  std::map<std::string, const SafetensorsFile*> where;  // tensor name -> file
};

Shards open_shards(const std::string& dir) {
  Shards sh;
  fs::path index = fs::path(dir) / "model.safetensors.index.json", single = fs::path(dir) / "model.safetensors";
  std::vector<std::string> shard_names;
  nlohmann::json weight_map;
  if (fs::exists(index)) {
    std::ifstream in(index);
    try {
      weight_map = nlohmann::json::parse(in).at("weight_map");
    } catch (const nlohmann::json::exception& ex) {
      fail(index.string(), ": cannot read 'weight_map': ", ex.what());
    }
    std::set<std::string> uniq;
    IWSI_CHECK(weight_map.is_object(), index.string(), ": 'weight_map' is not an object");
    for (const auto& [name, file] : weight_map.items()) {
      IWSI_CHECK(file.is_string(), index.string(), ": weight_map entry of tensor '", name, "' is not a file name");
      uniq.insert(file.get<std::string>());
    }
    shard_names.assign(uniq.begin(), uniq.end());
  } else {
    IWSI_CHECK(fs::exists(single), "no model.safetensors or model.safetensors.index.json in ", dir);
    shard_names.push_back("model.safetensors");
  }
  for (const std::string& name : shard_names) {
    sh.files.push_back(std::make_unique<SafetensorsFile>((fs::path(dir) / name).string()));
    const SafetensorsFile* f = sh.files.back().get();
    for (const auto& [tensor, entry] : f->entries) {
      auto [it, fresh] = sh.where.emplace(tensor, f);
      IWSI_CHECK(fresh, "tensor '", tensor, "' is in both ", it->second->path, " and ", f->path);
    }
  }
  for (const auto& [tensor, file] : weight_map.items()) {
    auto it = sh.where.find(tensor);
    IWSI_CHECK(it != sh.where.end() && fs::path(it->second->path).filename() == file.get<std::string>(), index.string(),
               ": weight_map puts tensor '", tensor, "' in ", file.get<std::string>(), " but that file does not hold it");
  }
  return sh;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << torch::IntArrayRef(shape);
  return os.str();
}

// A tied checkpoint may still carry lm_head.weight (some exporters write it); accept it only as an
// exact copy of the embedding, since the model will use the embedding.
bool is_redundant_tied_head(const Llama& m, const Shards& sh, const std::string& name) {
  if (name != "lm_head.weight" || !m.config.tie_word_embeddings) return false;
  const SafetensorsFile* f = sh.where.at(name);
  const SafetensorsFile* e = sh.where.at("model.embed_tokens.weight");
  torch::Tensor head = f->tensor(name), embed = e->tensor("model.embed_tokens.weight");
  IWSI_CHECK(head.sizes() == embed.sizes() && head.scalar_type() == embed.scalar_type() && torch::equal(head, embed),
             f->path, ": tensor 'lm_head.weight' differs from model.embed_tokens.weight but config.json says "
             "tie_word_embeddings = true");
  return true;
}

void reject_unexpected(const Llama& m, const Shards& sh, const std::vector<Slot>& slots) {
  std::set<std::string> expected;
  for (const Slot& s : slots) expected.insert(s.name);
  const std::string inv_freq = "rotary_emb.inv_freq";  // a non-persistent buffer older exporters saved
  for (const auto& [name, file] : sh.where) {
    if (expected.count(name)) continue;
    bool is_inv_freq = name.size() >= inv_freq.size() && name.compare(name.size() - inv_freq.size(), inv_freq.size(), inv_freq) == 0;
    if (is_inv_freq || is_redundant_tied_head(m, sh, name)) continue;
    fail(file->path, ": unexpected tensor '", name, "' (not part of a ", m.config.model_type,
         " model with this config.json)");
  }
}

}  // namespace

Llama load_llama(const std::string& dir, torch::ScalarType dtype, torch::Device device) {
  IWSI_CHECK(compute_dtype_supported(dtype, device), "load_llama ", dir, ": compute dtype ", dtype_name(dtype),
             " is not supported on ", device.str(), " with this libtorch (use float32 or bfloat16)");
  Llama m;
  m.config = read_llama_config((fs::path(dir) / "config.json").string());
  Shards sh = open_shards(dir);
  std::vector<Slot> slots = llama_slots(m);
  for (const Slot& s : slots) {
    auto it = sh.where.find(s.name);
    IWSI_CHECK(it != sh.where.end(), dir, ": missing tensor '", s.name, "' (",
               sh.files.size() == 1 ? sh.files[0]->path : std::string("no shard holds it"), ")");
    const SafetensorsFile& f = *it->second;
    const SafetensorsEntry& e = f.entry(s.name);
    IWSI_CHECK(e.dtype == "F32" || e.dtype == "F16" || e.dtype == "BF16", f.path, ": tensor '", s.name,
               "' has dtype ", e.dtype, "; supported: F32, F16, BF16");
    IWSI_CHECK(e.shape == s.shape, f.path, ": tensor '", s.name, "' has shape ", shape_str(e.shape), ", expected ",
               shape_str(s.shape));
    // The one conversion: from the mapped bytes straight to the compute dtype on the device. copy=true
    // so a tensor never aliases the mapping even when dtype and device already match.
    *s.tensor = f.tensor(s.name).to(device, dtype, /*non_blocking=*/false, /*copy=*/true);
  }
  reject_unexpected(m, sh, slots);
  if (m.config.tie_word_embeddings) m.lm_head.weight = m.embed;
  m.rope_inv_freq = rope_inverse_frequencies(m.config, device);
  return m;
}

std::vector<std::pair<std::string, torch::Tensor>> llama_named_tensors(const Llama& model) {
  Llama view = model;  // shallow: tensors are shared handles; llama_slots only needs addresses
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const Slot& s : llama_slots(view)) {
    IWSI_ASSERT(s.tensor->defined() && s.tensor->sizes() == torch::IntArrayRef(s.shape), "model tensor '", s.name,
               "' is ", s.tensor->defined() ? "of shape " + shape_str(s.tensor->sizes().vec()) : std::string("missing"),
               ", config says ", shape_str(s.shape));
    out.emplace_back(s.name, *s.tensor);
  }
  return out;
}

namespace {


// Weight files a previous save left that the new one does not write: a directory must load as what
// was just saved, never as a mix.
void remove_stale_weights(const fs::path& dir, const std::set<std::string>& written) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool weights = name == "model.safetensors" || name == "model.safetensors.index.json" ||
                         (name.rfind("model-", 0) == 0 && name.find("-of-") != std::string::npos &&
                          entry.path().extension() == ".safetensors");
    if (weights && !written.count(name)) fs::remove(entry.path(), ec);
  }
}

}  // namespace

void save_llama(const Llama& model, const std::string& dir, torch::ScalarType file_dtype, int64_t max_shard_bytes) {
  IWSI_CHECK(file_dtype == torch::kFloat32 || file_dtype == torch::kFloat16 || file_dtype == torch::kBFloat16,
             "save_llama ", dir, ": file dtype must be float32, float16 or bfloat16");
  IWSI_CHECK(max_shard_bytes > 0, "save_llama ", dir, ": max_shard_bytes must be positive");
  const auto tensors = llama_named_tensors(model);
  std::error_code ec;
  fs::create_directories(dir, ec);
  IWSI_CHECK(!ec, "save_llama: cannot create directory ", dir, ": ", ec.message());

  // Shards of consecutive tensors, each closed before it would pass max_shard_bytes (a tensor larger
  // than the limit gets a shard of its own), as Hugging Face's save_pretrained splits them.
  const int64_t element_size = c10::elementSize(file_dtype);
  std::vector<std::vector<std::pair<std::string, torch::Tensor>>> shards(1);
  int64_t shard_bytes = 0, total_bytes = 0;
  for (const auto& named : tensors) {
    const int64_t bytes = named.second.numel() * element_size;
    if (shard_bytes > 0 && shard_bytes + bytes > max_shard_bytes) shards.emplace_back(), shard_bytes = 0;
    shards.back().push_back(named);
    shard_bytes += bytes, total_bytes += bytes;
  }

  std::set<std::string> written = {"config.json"};
  if (shards.size() == 1) {
    write_safetensors((fs::path(dir) / "model.safetensors").string(), tensors, {{"format", "pt"}}, file_dtype);
    written.insert("model.safetensors");
  } else {
    nlohmann::json weight_map = nlohmann::json::object();
    char name[64];
    for (size_t i = 0; i < shards.size(); ++i) {
      std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
      write_safetensors((fs::path(dir) / name).string(), shards[i], {{"format", "pt"}}, file_dtype);
      for (const auto& named : shards[i]) weight_map[named.first] = name;
      written.insert(name);
    }
    // The index last: a reader that finds it finds every shard it names complete.
    const nlohmann::json index = {{"metadata", {{"total_size", total_bytes}}}, {"weight_map", weight_map}};
    write_file_atomically((fs::path(dir) / "model.safetensors.index.json").string(), index.dump(2) + "\n");
    written.insert("model.safetensors.index.json");
  }
  remove_stale_weights(dir, written);

  nlohmann::json config = model.config.to_json();
  config["torch_dtype"] = dtype_name(file_dtype);
  write_file_atomically((fs::path(dir) / "config.json").string(), config.dump(2) + "\n");
}

}  // namespace iwsi
