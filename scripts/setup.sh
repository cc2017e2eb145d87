#!/usr/bin/env bash
# Installs every Debian package iwsi needs (only the missing ones, so running it again is cheap),
# makes sure matrix products use OpenBLAS, then configures and builds into ./build (Release).
# Usage: scripts/setup.sh            (as root, or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  cmake g++ make pkg-config git
  libtorch-dev libopenblas0-pthread            # libtorch 1.13 (CPU); OpenBLAS: ~30x faster matmul than reference BLAS
  openmpi-bin libopenmpi-dev                   # MPI
  libhdf5-openmpi-dev hdf5-tools               # parallel HDF5 (MPI-IO) and h5dump
  libboost-program-options-dev libgtest-dev nlohmann-json3-dev
  slurmctld slurmd slurm-client munge          # a local Slurm cluster for the Slurm tests
  python3-h5py python3-numpy python3-matplotlib python3-pandas   # offline analysis (/usr/bin/python3)
  python3-torch                                # the Python reference of the decode benchmark
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Node + npm run Hugging Face's JavaScript tokenizers for the parity tests; images often ship them
# outside Debian's packaging (nodesource), so they are installed only when absent.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PACKAGES[@]} packages present"
fi

blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) ;;
  *) echo "setup: warning: libblas.so.3 is $blas, not OpenBLAS; matrix products will be slow" >&2 ;;
esac

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
echo "setup: built $(pwd)/build/iwsi"
