#!/usr/bin/env bash
# Runs the whole test suite (unit, MPI at 1/2/3 ranks, tokenizer parity, end-to-end jobs, a local
# Slurm cluster) with CTest, after installing and building what it needs: scripts/setup.sh, then
# GoogleTest, Slurm + munge and Node/npm (Hugging Face's JavaScript tokenizers), then the test binaries.
# Usage: scripts/test.sh [extra ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

packages=(libgtest-dev slurmctld slurmd slurm-client munge)
# Images often ship Node outside Debian's packaging (nodesource): install Debian's only when absent.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
scripts/install_packages.sh test "${packages[@]}"

cmake -S . -B build -DIWSI_BUILD_TESTS=ON >/dev/null
cmake --build build -j "$(nproc)"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec ctest --test-dir build --output-on-failure "$@"
