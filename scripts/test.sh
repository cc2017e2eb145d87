#!/usr/bin/env bash
# Runs the whole test suite (unit, MPI at 1/2/3 ranks, tokenizer parity, end-to-end jobs) with CTest.
# Usage: scripts/test.sh [extra ctest arguments]     (after scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec ctest --test-dir build --output-on-failure "$@"
