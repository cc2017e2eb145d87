#!/usr/bin/env bash
# Installs the Debian packages the jobs and the demo need (only the missing ones, so running it again
# is cheap), makes sure matrix products use OpenBLAS, then configures and builds build/iwsi (Release).
# The test suite's extra packages and binaries come with scripts/test.sh.
# Usage: scripts/setup.sh            (as root, or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_packages.sh setup \
  cmake g++ make pkg-config git \
  libtorch-dev libopenblas0-pthread `# libtorch 1.13 (CPU); OpenBLAS: ~30x faster matmul than reference BLAS` \
  openmpi-bin libopenmpi-dev \
  libhdf5-openmpi-dev hdf5-tools `# parallel HDF5 (MPI-IO) and h5dump` \
  libboost-program-options-dev nlohmann-json3-dev libssl-dev libonig-dev \
  python3-h5py python3-numpy python3-matplotlib `# offline analysis and the demo report (/usr/bin/python3)`

blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) ;;
  *) echo "setup: warning: libblas.so.3 is $blas, not OpenBLAS; matrix products will be slow" >&2 ;;
esac

# Tests stay off unless a previous scripts/test.sh switched them on (then they stay configured).
tests=$(grep -s '^IWSI_BUILD_TESTS:BOOL=' build/CMakeCache.txt | cut -d= -f2 || true)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DIWSI_BUILD_TESTS="${tests:-OFF}" >/dev/null
cmake --build build -j "$(nproc)" --target iwsi iwsi-tools
echo "setup: built $(pwd)/build/iwsi"
