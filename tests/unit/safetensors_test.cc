// safetensors reading/writing and HF checkpoint directories: a hand-check of the written bytes,
// bit-exact save/load round trips (tied, untied, Qwen2 biases, sharded index), half-precision files,
// and strict loading errors that must name the file and the tensor at fault.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <tuple>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/checkpoint.h"
#include "model/safetensors.h"
#include "expect_error.h"
#include "float_bounds.h"
#include "test_paths.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Named = std::vector<std::pair<std::string, torch::Tensor>>;

std::string stories_dir(bool tied = true) {
  return testing::shared_dir() + "/models/" + (tied ? "stories260K" : "stories260K-untied");
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

using testing::expect_error;

void expect_same_model(const Llama& a, const Llama& b) {
  EXPECT_EQ(a.config.to_json(), b.config.to_json());
  Named ta = llama_named_tensors(a), tb = llama_named_tensors(b);
  ASSERT_EQ(ta.size(), tb.size());
  for (size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].first, tb[i].first);
    EXPECT_TRUE(testing::tensors_equal(ta[i].second, tb[i].second)) << ta[i].first;
  }
  EXPECT_TRUE(testing::tensors_equal(a.lm_head.weight, b.lm_head.weight));
  EXPECT_TRUE(testing::tensors_equal(a.rope_inv_freq, b.rope_inv_freq));
}

// A checkpoint directory with stories260K's config and the given tensors.
std::string make_checkpoint(const std::string& name, const Named& tensors) {
  std::string dir = testing::scratch_dir(name);
  fs::copy_file(stories_dir() + "/config.json", dir + "/config.json", fs::copy_options::overwrite_existing);
  write_safetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
  return dir;
}

TEST(Safetensors, WrittenBytesFollowTheSpec) {
  std::string path = testing::scratch_dir("st_write") + "/t.safetensors";
  torch::Tensor a = torch::arange(6, torch::kFloat32).view({2, 3}) / 7;
  torch::Tensor b = torch::tensor({1.5, -2.25, 3.0}).to(torch::kBFloat16);
  torch::Tensor c = torch::tensor({int64_t(-3), int64_t(1) << 40});
  torch::Tensor d = torch::rand({4, 5}).t();  // non-contiguous: written in logical order
  torch::Tensor e = torch::zeros({0, 3}, torch::kFloat16);
  write_safetensors(path, {{"zeta", a}, {"alpha", b}, {"c", c}, {"d", d}, {"empty", e}}, {{"format", "pt"}, {"k", "v"}});

  std::string bytes = read_bytes(path);
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u);
  ASSERT_LE(8 + n, bytes.size());
  json h = json::parse(bytes.substr(8, n));
  EXPECT_EQ(h["__metadata__"], json({{"format", "pt"}, {"k", "v"}}));
  EXPECT_EQ(h["zeta"], json({{"dtype", "F32"}, {"shape", {2, 3}}, {"data_offsets", {0, 24}}}));
  EXPECT_EQ(h["alpha"], json({{"dtype", "BF16"}, {"shape", {3}}, {"data_offsets", {24, 30}}}));
  EXPECT_EQ(h["c"], json({{"dtype", "I64"}, {"shape", {2}}, {"data_offsets", {30, 46}}}));
  EXPECT_EQ(h["d"], json({{"dtype", "F32"}, {"shape", {5, 4}}, {"data_offsets", {46, 126}}}));
  EXPECT_EQ(h["empty"], json({{"dtype", "F16"}, {"shape", {0, 3}}, {"data_offsets", {126, 126}}}));
  EXPECT_EQ(bytes.size(), 8 + n + 126);
  const char* data = bytes.data() + 8 + n;
  EXPECT_EQ(std::memcmp(data, a.data_ptr(), 24), 0);
  EXPECT_EQ(std::memcmp(data + 30, c.data_ptr(), 16), 0);
  EXPECT_EQ(std::memcmp(data + 46, d.contiguous().data_ptr(), 80), 0);

  SafetensorsFile f(path);
  EXPECT_EQ(f.names(), (std::vector<std::string>{"alpha", "c", "d", "empty", "zeta"}));
  EXPECT_EQ(f.metadata.at("k"), "v");
  EXPECT_TRUE(testing::tensors_equal(f.tensor("zeta"), a));
  EXPECT_TRUE(testing::tensors_equal(f.tensor("alpha"), b));
  EXPECT_TRUE(testing::tensors_equal(f.tensor("c"), c));
  EXPECT_TRUE(testing::tensors_equal(f.tensor("d"), d));
  EXPECT_EQ(f.tensor("empty").sizes(), e.sizes());
  expect_error([&] { f.tensor("nope"); }, {path, "nope"});
  expect_error([&] { write_safetensors(path, {{"x", a}, {"x", a}}); }, {"duplicate", "'x'"});
}

TEST(Safetensors, ReadsTheStoriesFileAndViewsOutliveTheFileObject) {
  torch::Tensor embed;
  {
    SafetensorsFile f(stories_dir() + "/model.safetensors");
    EXPECT_EQ(f.names().size(), 47u);
    EXPECT_EQ(f.metadata.at("format"), "pt");
    EXPECT_EQ(f.entry("model.embed_tokens.weight").dtype, "F32");
    embed = f.tensor("model.embed_tokens.weight");
  }
  EXPECT_EQ(embed.sizes(), torch::IntArrayRef({512, 64}));
  EXPECT_TRUE(torch::isfinite(embed).all().item<bool>());  // still mapped: the view holds the mapping
}

TEST(Checkpoint, SaveThenLoadIsBitExact) {
  for (bool tied : {true, false}) {
    Llama m = load_llama(stories_dir(tied));
    EXPECT_EQ(m.config.tie_word_embeddings, tied);
    if (tied) {
      EXPECT_TRUE(m.lm_head.weight.is_same(m.embed));
    }
    std::string dir = testing::scratch_dir(tied ? "rt_tied" : "rt_untied");
    save_llama(m, dir);
    SafetensorsFile f(dir + "/model.safetensors");
    EXPECT_EQ(f.has("lm_head.weight"), !tied);
    EXPECT_EQ(f.names().size(), tied ? 47u : 48u);
    EXPECT_FALSE(fs::exists(dir + "/model.safetensors.tmp." + std::to_string(getpid())));
    Llama r = load_llama(dir);
    expect_same_model(m, r);
    // The original file's bytes are reproduced exactly (same names, dtype, values).
    for (const auto& name : f.names())
      EXPECT_TRUE(testing::tensors_equal(f.tensor(name), SafetensorsFile(stories_dir(tied) + "/model.safetensors").tensor(name))) << name;
  }
}

TEST(Checkpoint, HalfPrecisionFilesRoundTripWithinDtypeTolerance) {
  Llama m = load_llama(stories_dir());
  for (auto [dtype, name, rel] : {std::tuple{torch::kFloat16, "F16", 1.0 / 2048}, std::tuple{torch::kBFloat16, "BF16", 1.0 / 256}}) {
    std::string dir = testing::scratch_dir(std::string("half_") + name);
    save_llama(m, dir, dtype);
    EXPECT_EQ(SafetensorsFile(dir + "/model.safetensors").entry("model.norm.weight").dtype, name);
    EXPECT_EQ(json::parse(std::ifstream(dir + "/config.json")).at("torch_dtype"), dtype == torch::kFloat16 ? "float16" : "bfloat16");
    Llama r = load_llama(dir);  // converted to float32 on load
    Named a = llama_named_tensors(m), b = llama_named_tensors(r);
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(b[i].second.scalar_type(), torch::kFloat32);
      EXPECT_TRUE(testing::tensors_equal(b[i].second, a[i].second.to(dtype).to(torch::kFloat32))) << a[i].first;
      EXPECT_TRUE(((b[i].second - a[i].second).abs() <= a[i].second.abs() * rel + 1e-7).all().item<bool>()) << a[i].first;
    }
    Llama rb = load_llama(dir, torch::kBFloat16);  // and loadable straight into a half compute dtype
    EXPECT_EQ(rb.layers[0].q.weight.scalar_type(), torch::kBFloat16);
  }
}

TEST(Checkpoint, Qwen2BiasesRoundTrip) {
  LlamaConfig c = read_llama_config(stories_dir() + "/config.json");
  c.model_type = "qwen2";
  c.attention_bias = true;
  c.tie_word_embeddings = false;
  c.rope_scaling = {"llama3", 8.0, 1.0, 4.0, 128};
  Llama m = random_llama(c, 3);
  std::string dir = testing::scratch_dir("qwen2_rt");
  save_llama(m, dir);
  SafetensorsFile f(dir + "/model.safetensors");
  EXPECT_TRUE(f.has("model.layers.4.self_attn.v_proj.bias"));
  EXPECT_FALSE(f.has("model.layers.0.self_attn.o_proj.bias"));
  EXPECT_FALSE(f.has("model.layers.0.mlp.up_proj.bias"));
  Llama r = load_llama(dir);
  EXPECT_EQ(r.config.model_type, "qwen2");
  expect_same_model(m, r);
}

TEST(Checkpoint, LoadsAShardedIndex) {
  Llama m = load_llama(stories_dir(false));
  std::string dir = testing::scratch_dir("sharded");
  fs::copy_file(stories_dir(false) + "/config.json", dir + "/config.json", fs::copy_options::overwrite_existing);
  Named all = llama_named_tensors(m), first(all.begin(), all.begin() + 20), second(all.begin() + 20, all.end());
  write_safetensors(dir + "/model-00001-of-00002.safetensors", first);
  write_safetensors(dir + "/model-00002-of-00002.safetensors", second);
  json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", json::object()}};
  for (const auto& [n, t] : first) index["weight_map"][n] = "model-00001-of-00002.safetensors";
  for (const auto& [n, t] : second) index["weight_map"][n] = "model-00002-of-00002.safetensors";
  std::ofstream(dir + "/model.safetensors.index.json") << index.dump();
  expect_same_model(m, load_llama(dir));

  index["weight_map"]["model.norm.weight"] = "model-00001-of-00002.safetensors";  // wrong shard named
  std::ofstream(dir + "/model.safetensors.index.json") << index.dump();
  expect_error([&] { load_llama(dir); }, {"model.safetensors.index.json", "model.norm.weight"});
}

TEST(Checkpoint, SavesShardsWithAnIndexPastTheShardLimit) {
  Llama m = load_llama(stories_dir(false));
  const std::string dir = testing::scratch_dir("save_sharded");
  save_llama(m, dir);  // one file first: the sharded save must remove it
  ASSERT_TRUE(fs::exists(dir + "/model.safetensors"));
  // The embedding and lm_head are 512 x 64 float32 = 131,072 bytes each; 200,000-byte shards hold one
  // of them, or several of the smaller layer tensors.
  const int64_t limit = 200'000;
  save_llama(m, dir, torch::kFloat32, limit);
  EXPECT_FALSE(fs::exists(dir + "/model.safetensors"));
  const json index = json::parse(std::ifstream(dir + "/model.safetensors.index.json"));
  std::set<std::string> files;
  int64_t bytes = 0;
  for (const auto& [name, file] : index.at("weight_map").items()) files.insert(file.get<std::string>());
  for (const auto& [name, tensor] : llama_named_tensors(m)) bytes += tensor.numel() * 4;
  EXPECT_EQ(index.at("metadata").at("total_size").get<int64_t>(), bytes);
  EXPECT_EQ(index.at("weight_map").size(), llama_named_tensors(m).size());
  const size_t n = files.size();
  EXPECT_GE(n, static_cast<size_t>(bytes / limit));
  size_t i = 0;
  for (const std::string& file : files) {
    char expected[64];
    std::snprintf(expected, sizeof expected, "model-%05zu-of-%05zu.safetensors", ++i, n);
    EXPECT_EQ(file, expected);
    const int64_t size = static_cast<int64_t>(fs::file_size(dir + "/" + file));
    SafetensorsFile shard(dir + "/" + file);
    int64_t data = 0;
    for (const std::string& name : shard.names()) data += shard.entry(name).end - shard.entry(name).begin;
    EXPECT_TRUE(data <= limit || shard.names().size() == 1) << file << " holds " << data << " bytes";
    EXPECT_LT(data, size);
  }
  expect_same_model(m, load_llama(dir));
  save_llama(m, dir);  // and back to one file: the shards and the index go
  EXPECT_FALSE(fs::exists(dir + "/model.safetensors.index.json"));
  EXPECT_FALSE(fs::exists(dir + "/model-00001-of-" + std::string(5 - std::to_string(n).size(), '0') +
                          std::to_string(n) + ".safetensors"));
  expect_same_model(m, load_llama(dir));
}

TEST(Checkpoint, StrictLoadingErrorsNameTheFileAndTensor) {
  const Named good = llama_named_tensors(load_llama(stories_dir()));
  auto edited = [&](const std::function<void(Named&)>& edit) {
    Named t = good;
    edit(t);
    return t;
  };
  auto find = [](Named& t, const std::string& name) -> torch::Tensor& {
    for (auto& [n, x] : t)
      if (n == name) return x;
    throw std::runtime_error("no " + name);
  };

  std::string dir = make_checkpoint("err_missing", edited([](Named& t) { t.erase(t.begin() + 30); }));
  expect_error([&] { load_llama(dir); }, {dir, "missing tensor", good[30].first});

  dir = make_checkpoint("err_shape", edited([&](Named& t) { find(t, "model.norm.weight") = torch::ones({65}); }));
  expect_error([&] { load_llama(dir); }, {dir + "/model.safetensors", "model.norm.weight", "shape [65]", "expected [64]"});

  dir = make_checkpoint("err_unexpected", edited([](Named& t) { t.emplace_back("model.layers.0.self_attn.extra.weight", torch::ones({2})); }));
  expect_error([&] { load_llama(dir); }, {dir + "/model.safetensors", "unexpected tensor", "model.layers.0.self_attn.extra.weight"});

  dir = make_checkpoint("err_dtype", edited([&](Named& t) { find(t, "model.norm.weight") = torch::ones({64}, torch::kInt32); }));
  expect_error([&] { load_llama(dir); }, {dir + "/model.safetensors", "model.norm.weight", "I32"});

  dir = make_checkpoint("err_tied_head", edited([&](Named& t) { t.emplace_back("lm_head.weight", good[0].second + 1); }));
  expect_error([&] { load_llama(dir); }, {dir + "/model.safetensors", "lm_head.weight", "tie_word_embeddings"});

  // Tolerated extras: rotary inv_freq buffers, and a tied lm_head.weight equal to the embedding.
  dir = make_checkpoint("ok_extras", edited([&](Named& t) {
    t.emplace_back("model.layers.0.self_attn.rotary_emb.inv_freq", torch::ones({4}));
    t.emplace_back("lm_head.weight", good[0].second);
  }));
  EXPECT_NO_THROW(load_llama(dir));

  // Truncated: the last tensor in the file runs past the end; then a file shorter than its header.
  dir = make_checkpoint("err_truncated", good);
  std::string path = dir + "/model.safetensors";
  const std::string last = good.back().first;  // data is in write order: the last tensor is cut
  fs::resize_file(path, fs::file_size(path) - 100);
  expect_error([&] { load_llama(dir); }, {path, last, "truncated"});
  fs::resize_file(path, 100);
  expect_error([&] { load_llama(dir); }, {path, "header"});
  fs::resize_file(path, 3);
  expect_error([&] { load_llama(dir); }, {path, "too short"});
  fs::remove(path);
  expect_error([&] { load_llama(dir); }, {dir, "model.safetensors"});
}

// A file of F32 tensors `name -> [begin, end)` over `data_bytes` bytes, written by hand.
std::string raw_safetensors(const std::string& name, const std::vector<std::tuple<std::string, int64_t, int64_t>>& tensors,
                            int64_t data_bytes) {
  json header = json::object();
  for (const auto& [tensor, begin, end] : tensors)
    header[tensor] = {{"dtype", "F32"}, {"shape", {(end - begin) / 4}}, {"data_offsets", {begin, end}}};
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const std::string path = testing::scratch_dir("safetensors_raw") + "/" + name;
  std::ofstream out(path, std::ios::binary);
  const uint64_t size = text.size();
  out.write(reinterpret_cast<const char*>(&size), 8);  // little-endian on every host we build for
  out << text << std::string(static_cast<size_t>(data_bytes), '\0');
  return path;
}

TEST(Safetensors, TensorsMustTileTheDataSection) {
  EXPECT_NO_THROW(SafetensorsFile(raw_safetensors("ok.safetensors", {{"a", 0, 8}, {"b", 8, 16}}, 16)));
  const std::string overlap = raw_safetensors("overlap.safetensors", {{"a", 0, 8}, {"b", 4, 12}}, 12);
  expect_error([&] { SafetensorsFile file(overlap); }, {overlap, "'b'", "'a'", "overlapping"});
  const std::string gap = raw_safetensors("gap.safetensors", {{"a", 0, 8}, {"b", 12, 16}}, 16);
  expect_error([&] { SafetensorsFile file(gap); }, {gap, "'b'", "a hole between tensors"});
  const std::string tail = raw_safetensors("tail.safetensors", {{"a", 0, 8}}, 16);
  expect_error([&] { SafetensorsFile file(tail); }, {tail, "end at data byte 8", "holds 16 bytes"});
}

}  // namespace
}  // namespace iwsi
