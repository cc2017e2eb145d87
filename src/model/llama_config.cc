// Reading and writing HF config.json for the architectures forward() implements (llama, qwen2).
// Anything that would change the math and that we do not implement (other activations, rope types,
// sliding windows, quantization, q/k norms) is rejected here, naming the file and the field, rather
// than silently producing a different model. Defaults follow the HF config classes.
#include <algorithm>
#include <fstream>

#include "core/error.h"
#include "model/llama.h"

namespace iwsi {
namespace {

using nlohmann::json;

bool present(const json& j, const char* field) { return j.contains(field) && !j.at(field).is_null(); }

int64_t get_int(const json& j, const char* field, const std::string& where, std::optional<int64_t> dflt = {}) {
  if (!present(j, field)) {
    IWSI_CHECK(dflt.has_value(), where, ": required field '", field, "' is missing");
    return *dflt;
  }
  IWSI_CHECK(j.at(field).is_number_integer(), where, ": field '", field, "' must be an integer, got ", j.at(field).dump());
  return j.at(field).get<int64_t>();
}

double get_double(const json& j, const char* field, const std::string& where, double dflt) {
  if (!present(j, field)) return dflt;
  IWSI_CHECK(j.at(field).is_number(), where, ": field '", field, "' must be a number, got ", j.at(field).dump());
  return j.at(field).get<double>();
}

bool get_bool(const json& j, const char* field, const std::string& where, bool dflt) {
  if (!present(j, field)) return dflt;
  IWSI_CHECK(j.at(field).is_boolean(), where, ": field '", field, "' must be true/false, got ", j.at(field).dump());
  return j.at(field).get<bool>();
}

// The llama3 frequency scaling, from the `rope_scaling` object (transformers v4) or from
// `rope_parameters` (v5), both of which name the type in "rope_type" (older files: "type").
RopeScaling read_rope_scaling(const json& s, const std::string& field, const std::string& where) {
  RopeScaling r;
  std::string type = s.contains("rope_type") ? s.at("rope_type").get<std::string>()
                     : s.contains("type")    ? s.at("type").get<std::string>()
                                             : "default";
  IWSI_CHECK(type == "default" || type == "llama3", where, ": RoPE type '", type, "' is not supported (field '", field,
             "'; supported: default, llama3)");
  // Keys we do not read would change the frequencies or the attention scale: refuse them by name.
  static const std::vector<std::string> kDefaultKeys = {"rope_type", "type", "rope_theta"};
  static const std::vector<std::string> kLlama3Keys = {"factor", "low_freq_factor", "high_freq_factor",
                                                       "original_max_position_embeddings"};
  for (const auto& [key, value] : s.items()) {
    if (value.is_null()) continue;
    bool known = std::find(kDefaultKeys.begin(), kDefaultKeys.end(), key) != kDefaultKeys.end() ||
                 (type == "llama3" && std::find(kLlama3Keys.begin(), kLlama3Keys.end(), key) != kLlama3Keys.end());
    if (key == "partial_rotary_factor" && value.is_number() && value.get<double>() == 1.0) known = true;
    IWSI_CHECK(known, where, ": field '", field, ".", key, "' is not supported with RoPE type '", type, "'");
  }
  if (type == "default") return r;
  std::string w = where + " " + field;
  r.type = type;
  r.factor = get_double(s, "factor", w, 0);
  r.low_freq_factor = get_double(s, "low_freq_factor", w, 0);
  r.high_freq_factor = get_double(s, "high_freq_factor", w, 0);
  r.original_max_position_embeddings = get_int(s, "original_max_position_embeddings", w);
  IWSI_CHECK(r.factor > 0 && r.low_freq_factor > 0 && r.high_freq_factor > r.low_freq_factor, where, ": field '", field,
             "' needs factor > 0 and high_freq_factor > low_freq_factor > 0");
  return r;
}

bool same_scaling(const RopeScaling& a, const RopeScaling& b) {
  return a.type == b.type && (a.type.empty() || (a.factor == b.factor && a.low_freq_factor == b.low_freq_factor &&
                                                 a.high_freq_factor == b.high_freq_factor &&
                                                 a.original_max_position_embeddings == b.original_max_position_embeddings));
}

// RoPE theta and scaling. transformers v4 writes a top-level `rope_theta` and `rope_scaling`; v5 writes
// one `rope_parameters` object holding both (and per layer type for hybrid models, which we refuse). A
// v5 file without rope_parameters falls back to the v4 fields. Where a file holds both layouts they
// must agree: which one a given transformers version reads is not ours to guess.
void read_rope(const json& j, const std::string& where, LlamaConfig& c) {
  const double legacy_theta = get_double(j, "rope_theta", where, 10000.0);
  RopeScaling legacy;
  if (present(j, "rope_scaling")) {
    IWSI_CHECK(j.at("rope_scaling").is_object(), where, ": field 'rope_scaling' must be an object or null");
    legacy = read_rope_scaling(j.at("rope_scaling"), "rope_scaling", where);
  }
  c.rope_theta = legacy_theta, c.rope_scaling = legacy;
  if (!present(j, "rope_parameters")) return;
  const json& p = j.at("rope_parameters");
  IWSI_CHECK(p.is_object(), where, ": field 'rope_parameters' must be an object or null");
  for (const auto& [key, value] : p.items())
    IWSI_CHECK(!value.is_object(), where, ": field 'rope_parameters.", key,
               "': RoPE settings per layer type (hybrid attention) are not supported");
  c.rope_scaling = read_rope_scaling(p, "rope_parameters", where);
  c.rope_theta = get_double(p, "rope_theta", where + " rope_parameters", legacy_theta);
  IWSI_CHECK(!present(j, "rope_theta") || legacy_theta == c.rope_theta, where, ": field 'rope_parameters.rope_theta' (",
             c.rope_theta, ") disagrees with field 'rope_theta' (", legacy_theta, ")");
  IWSI_CHECK(!present(j, "rope_scaling") || same_scaling(legacy, c.rope_scaling), where,
             ": field 'rope_parameters' disagrees with field 'rope_scaling'");
}

// The checkpoint's dtype: transformers >= 4.56 writes `dtype`, older versions `torch_dtype`.
std::string read_checkpoint_dtype(const json& j, const std::string& where) {
  std::string dtype;
  for (const char* field : {"dtype", "torch_dtype"}) {
    if (!present(j, field)) continue;
    IWSI_CHECK(j.at(field).is_string(), where, ": field '", field, "' must be a string, got ", j.at(field).dump());
    const std::string value = j.at(field).get<std::string>();
    IWSI_CHECK(dtype.empty() || dtype == value, where, ": field 'dtype' (", dtype, ") disagrees with field 'torch_dtype' (",
               value, ")");
    dtype = value;
  }
  return dtype;
}

void reject_unsupported(const json& j, const std::string& where, const std::string& model_type) {
  IWSI_CHECK(model_type == "llama" || model_type == "qwen2", where, ": model_type '", model_type,
             "' is not supported (field 'model_type'; supported: llama, qwen2",
             model_type == "qwen3" ? "; qwen3 needs q/k RMSNorm, not implemented" : "", ")");
  std::string act = present(j, "hidden_act") ? j.at("hidden_act").get<std::string>() : "silu";
  IWSI_CHECK(act == "silu", where, ": field 'hidden_act' = '", act, "' is not supported (only silu)");
  IWSI_CHECK(!present(j, "quantization_config"), where, ": field 'quantization_config': quantized checkpoints are not supported");
  IWSI_CHECK(get_double(j, "partial_rotary_factor", where, 1.0) == 1.0, where,
             ": field 'partial_rotary_factor' != 1 is not supported");
  IWSI_CHECK(!get_bool(j, "use_sliding_window", where, false), where,
             ": field 'use_sliding_window' = true is not supported");
  // transformers v5 lists each layer's attention; we implement full attention only.
  if (present(j, "layer_types")) {
    IWSI_CHECK(j.at("layer_types").is_array(), where, ": field 'layer_types' must be a list");
    for (size_t i = 0; i < j.at("layer_types").size(); ++i)
      IWSI_CHECK(j.at("layer_types")[i] == "full_attention", where, ": field 'layer_types[", i, "]' = ",
                 j.at("layer_types")[i].dump(), " is not supported (only full_attention)");
  }
}

std::vector<int32_t> read_eos(const json& j, const std::string& where) {
  std::vector<int32_t> out;
  if (!present(j, "eos_token_id")) return out;
  const json& e = j.at("eos_token_id");
  if (e.is_number_integer()) return {e.get<int32_t>()};
  IWSI_CHECK(e.is_array(), where, ": field 'eos_token_id' must be an integer, a list or null");
  for (const auto& x : e) {
    IWSI_CHECK(x.is_number_integer(), where, ": field 'eos_token_id' holds a non-integer ", x.dump());
    out.push_back(x.get<int32_t>());
  }
  return out;
}

LlamaConfig parse_config(const json& j, const std::string& where) {
  IWSI_CHECK(j.is_object(), where, ": not a JSON object");
  IWSI_CHECK(present(j, "model_type") && j.at("model_type").is_string(), where, ": field 'model_type' is missing");
  LlamaConfig c;
  c.model_type = j.at("model_type").get<std::string>();
  reject_unsupported(j, where, c.model_type);
  bool qwen2 = c.model_type == "qwen2";
  c.vocab_size = get_int(j, "vocab_size", where);
  c.hidden_size = get_int(j, "hidden_size", where);
  c.intermediate_size = get_int(j, "intermediate_size", where);
  c.num_layers = get_int(j, "num_hidden_layers", where);
  c.num_heads = get_int(j, "num_attention_heads", where);
  c.num_kv_heads = get_int(j, "num_key_value_heads", where, c.num_heads);
  IWSI_CHECK(c.vocab_size > 0 && c.hidden_size > 0 && c.intermediate_size > 0 && c.num_layers > 0 &&
                 c.num_heads > 0 && c.num_kv_heads > 0,
             where, ": sizes must be positive");
  c.head_dim = get_int(j, "head_dim", where, c.hidden_size / c.num_heads);
  IWSI_CHECK(c.num_heads % c.num_kv_heads == 0, where, ": field 'num_key_value_heads' (", c.num_kv_heads,
             ") must divide num_attention_heads (", c.num_heads, ")");
  IWSI_CHECK(c.head_dim > 0 && c.head_dim % 2 == 0, where, ": field 'head_dim' must be positive and even, got ", c.head_dim);
  c.max_position_embeddings = get_int(j, "max_position_embeddings", where, qwen2 ? 32768 : 2048);
  c.rms_norm_eps = get_double(j, "rms_norm_eps", where, 1e-6);
  read_rope(j, where, c);
  c.checkpoint_dtype = read_checkpoint_dtype(j, where);
  c.tie_word_embeddings = get_bool(j, "tie_word_embeddings", where, false);
  // Qwen2 has q/k/v biases by construction (its config has no such field) and no MLP bias.
  c.attention_bias = qwen2 ? true : get_bool(j, "attention_bias", where, false);
  c.mlp_bias = qwen2 ? false : get_bool(j, "mlp_bias", where, false);
  if (present(j, "bos_token_id")) c.bos_token_id = static_cast<int32_t>(get_int(j, "bos_token_id", where));
  c.eos_token_ids = read_eos(j, where);
  return c;
}

}  // namespace

LlamaConfig llama_config_from_json(const json& j, const std::string& where) {
  try {
    return parse_config(j, where);
  } catch (const nlohmann::json::exception& ex) {  // a field of the wrong JSON type
    fail(where, ": unexpected value type in the config: ", ex.what());
  }
}

LlamaConfig read_llama_config(const std::string& path) {
  std::ifstream in(path);
  IWSI_CHECK(in.good(), "cannot open model config ", path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& ex) {
    fail(path, ": not valid JSON: ", ex.what());
  }
  return llama_config_from_json(j, path);
}

nlohmann::json LlamaConfig::to_json() const {
  bool qwen2 = model_type == "qwen2";
  nlohmann::json j = {
      {"architectures", {qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM"}},
      {"model_type", model_type},
      {"vocab_size", vocab_size},
      {"hidden_size", hidden_size},
      {"intermediate_size", intermediate_size},
      {"num_hidden_layers", num_layers},
      {"num_attention_heads", num_heads},
      {"num_key_value_heads", num_kv_heads},
      {"head_dim", head_dim},
      {"hidden_act", "silu"},
      {"max_position_embeddings", max_position_embeddings},
      {"rms_norm_eps", rms_norm_eps},
      {"rope_theta", rope_theta},
      {"tie_word_embeddings", tie_word_embeddings},
  };
  if (rope_scaling.type.empty()) {
    j["rope_scaling"] = nullptr;
  } else {
    j["rope_scaling"] = {{"rope_type", rope_scaling.type},
                         {"factor", rope_scaling.factor},
                         {"low_freq_factor", rope_scaling.low_freq_factor},
                         {"high_freq_factor", rope_scaling.high_freq_factor},
                         {"original_max_position_embeddings", rope_scaling.original_max_position_embeddings}};
  }
  if (qwen2) {
    j["use_sliding_window"] = false;
  } else {
    j["attention_bias"] = attention_bias;
    j["mlp_bias"] = mlp_bias;
  }
  j["bos_token_id"] = bos_token_id ? nlohmann::json(*bos_token_id) : nlohmann::json(nullptr);
  if (eos_token_ids.empty()) j["eos_token_id"] = nullptr;
  else if (eos_token_ids.size() == 1) j["eos_token_id"] = eos_token_ids[0];
  else j["eos_token_id"] = eos_token_ids;
  return j;
}

}  // namespace iwsi
