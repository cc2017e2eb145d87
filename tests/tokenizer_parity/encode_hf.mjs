// Encodes the parity corpus with Hugging Face's JavaScript tokenizers (@huggingface/tokenizers), the
// expected side of the parity test: one {"ids": [...], "decoded": "..."} line per corpus line, where
// ids = encode(text) with special tokens and decoded = decode(ids, skip_special_tokens=true).
// Run from the folder holding node_modules. Usage: node encode_hf.mjs MODEL_DIR CORPUS.jsonl OUTPUT.jsonl
import fs from "fs";
import path from "path";
import { createRequire } from "module";

const [modelDir, corpusFile, outputFile] = process.argv.slice(2);
if (!outputFile) {
  console.error("usage: node encode_hf.mjs MODEL_DIR CORPUS.jsonl OUTPUT.jsonl");
  process.exit(2);
}
// Resolve the package from the working directory (the install folder), not from this script's folder.
const require = createRequire(path.join(process.cwd(), "noop.js"));
const { Tokenizer } = require("@huggingface/tokenizers");

const readJson = (name) => JSON.parse(fs.readFileSync(path.join(modelDir, name), "utf8"));
const configPath = path.join(modelDir, "tokenizer_config.json");
const tokenizer = new Tokenizer(readJson("tokenizer.json"), fs.existsSync(configPath) ? readJson("tokenizer_config.json") : {});

// transformers (not the tokenizers library) honours tokenizer_config's add_bos_token / add_eos_token by
// rebuilding the post-processor (DeepSeek-V3's tokenizer.json adds no BOS; its config asks for one). The
// expected ids are what transformers' tokenizer(text) gives, so do the same here.
const config = fs.existsSync(configPath) ? readJson("tokenizer_config.json") : {};
const tokenContent = (token) => (typeof token === "string" ? token : token?.content);
const specialId = (flag, token) => {
  if (typeof config[flag] !== "boolean") return undefined;
  if (!config[flag]) return null;
  const id = tokenizer.token_to_id(tokenContent(config[token]));
  if (id === undefined) throw new Error(`${configPath}: ${flag} is true but ${token} is not a token`);
  return id;
};
const bos = specialId("add_bos_token", "bos_token"), eos = specialId("add_eos_token", "eos_token");
// What the post-processor wraps around a text: the ids before and after those of "x".
const plainX = tokenizer.encode("x", { add_special_tokens: false }).ids;
const fullX = tokenizer.encode("x").ids;
const at = fullX.findIndex((_, i) => plainX.every((id, j) => fullX[i + j] === id));
const templatePrefix = fullX.slice(0, at), templateSuffix = fullX.slice(at + plainX.length);
const encode = (text) => {
  if (bos === undefined && eos === undefined) return tokenizer.encode(text).ids;
  const prefix = bos === undefined ? templatePrefix : bos === null ? [] : [bos];
  const suffix = eos === undefined ? templateSuffix : eos === null ? [] : [eos];
  return [...prefix, ...tokenizer.encode(text, { add_special_tokens: false }).ids, ...suffix];
};

const lines = fs.readFileSync(corpusFile, "utf8").split("\n").filter((l) => l.length > 0);
const started = Date.now();
const out = lines.map((line) => {
  const ids = encode(JSON.parse(line));
  const decoded = ids.length > 0 ? tokenizer.decode(ids, { skip_special_tokens: true }) : "";
  return JSON.stringify({ ids, decoded });
});
fs.writeFileSync(outputFile, out.join("\n") + "\n");
console.log(`encode_hf: ${modelDir}: ${lines.length} strings in ${Date.now() - started} ms`);
