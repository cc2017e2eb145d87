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

const lines = fs.readFileSync(corpusFile, "utf8").split("\n").filter((l) => l.length > 0);
const started = Date.now();
const out = lines.map((line) => {
  const ids = tokenizer.encode(JSON.parse(line)).ids;
  const decoded = ids.length > 0 ? tokenizer.decode(ids, { skip_special_tokens: true }) : "";
  return JSON.stringify({ ids, decoded });
});
fs.writeFileSync(outputFile, out.join("\n") + "\n");
console.log(`encode_hf: ${modelDir}: ${lines.length} strings in ${Date.now() - started} ms`);
