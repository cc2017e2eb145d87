// Reading and writing HF config.json for the architectures forward() implements (llama, qwen2).
// Anything that would change the math and that we do not implement (other activations, rope types,
// sliding windows, quantization, q/k norms) is rejected here, naming the file and the field, rather
// than silently producing a different model. Defaults follow the HF config classes.
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

RopeScaling read_rope_scaling(const json& j, const std::string& where) {
  RopeScaling r;
  if (!present(j, "rope_scaling")) return r;
  const json& s = j.at("rope_scaling");
  IWSI_CHECK(s.is_object(), where, ": field 'rope_scaling' must be an object or null");
  // Newer HF configs say "rope_type", older ones "type".
  std::string type = s.contains("rope_type") ? s.at("rope_type").get<std::string>()
                     : s.contains("type")    ? s.at("type").get<std::string>()
                                             : "";
  if (type == "default") return r;
  IWSI_CHECK(type == "llama3", where, ": rope_scaling type '", type,
             "' is not supported (field 'rope_scaling'; supported: none, default, llama3)");
  std::string w = where + " rope_scaling";
  r.type = type;
  r.factor = get_double(s, "factor", w, 0);
  r.low_freq_factor = get_double(s, "low_freq_factor", w, 0);
  r.high_freq_factor = get_double(s, "high_freq_factor", w, 0);
  r.original_max_position_embeddings = get_int(s, "original_max_position_embeddings", w);
  IWSI_CHECK(r.factor > 0 && r.low_freq_factor > 0 && r.high_freq_factor > r.low_freq_factor, where,
             ": field 'rope_scaling' needs factor > 0 and high_freq_factor > low_freq_factor > 0");
  return r;
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
  c.rope_theta = get_double(j, "rope_theta", where, 10000.0);
  c.rope_scaling = read_rope_scaling(j, where);
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
