#!/usr/bin/env bash
# Gathers, on this (Debian 12) machine, what a GPU machine's image lacks to build iwsi: Open MPI,
# parallel HDF5, Boost.Program_options, nlohmann-json, GoogleTest, OpenSSL's libcrypto and
# Oniguruma, as the Debian packages themselves (.deb, compressed), into an ignored folder that
# travels with the working tree. scripts/gpu_check.sh unpacks them there into a relocatable prefix
# (dpkg-deb -x; no root, no apt). The image brings CMake, ninja, a compiler, CUDA and libtorch
# (PyTorch's pip package).
# usage: scripts/gpu_bundle.sh [OUT_DIR]   (default: third_party/gpu-bundle; at most 60 MiB, checked)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-third_party/gpu-bundle}
LIMIT_MIB=60   # the working tree travels to the GPU machine with at most 64 MiB of ignored files

# The packages, with the runtime libraries Open MPI and HDF5 load that a CUDA image rarely has.
# Not here: compilers, libc, libstdc++, zlib (every image has them), Fortran/C++ HDF5 bindings.
PACKAGES=(
  libopenmpi-dev libopenmpi3 openmpi-bin openmpi-common libpmix2 libpmix-dev libhwloc15 libhwloc-plugins
  libhwloc-dev libevent-2.1-7 libevent-core-2.1-7 libevent-pthreads-2.1-7 libevent-extra-2.1-7
  libevent-openssl-2.1-7 libfabric1 libucx0 libibverbs1 libibverbs-dev ibverbs-providers librdmacm1
  libnl-3-200 libnl-route-3-200 libnl-3-dev libnl-route-3-dev libpsm-infinipath1 libpsm2-2 libmunge2
  libpciaccess0 libxnvctrl0
  libhdf5-openmpi-dev libhdf5-openmpi-103-1 libhdf5-openmpi-hl-100 libaec0 libaec-dev libsz2 libcurl4
  libboost-program-options-dev libboost-program-options1.74-dev libboost-program-options1.74.0 libboost1.74-dev
  nlohmann-json3-dev libgtest-dev libssl-dev libssl3 libonig-dev libonig5
  libcurl4-openssl-dev zlib1g-dev   # HDF5 links -lcurl -lz: the unversioned names
)
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "$0: needs apt-get and dpkg-deb (Debian)" >&2; exit 2; }
mkdir -p "$OUT"
rm -f "$OUT"/*.deb "$OUT/MANIFEST"
# apt-get download runs as _apt where it can; a root-owned folder only warns.
(cd "$OUT" && apt-get download -q "${PACKAGES[@]}" 2>&1 | grep -v "^W: Download is performed unsandboxed") ||
  { echo "$0: apt-get download failed (run apt-get update?)" >&2; exit 1; }
{
  echo "# iwsi GPU bundle: Debian $(cat /etc/debian_version) packages, made $(date -u +%FT%TZ) by scripts/gpu_bundle.sh"
  for deb in "$OUT"/*.deb; do
    echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version) $(sha256sum "$deb" | cut -d' ' -f1)"
  done
} >"$OUT/MANIFEST"
count=$(ls "$OUT"/*.deb | wc -l)
[ "$count" = "${#PACKAGES[@]}" ] || { echo "$0: got $count of ${#PACKAGES[@]} packages" >&2; exit 1; }
bytes=$(du -cb "$OUT"/*.deb | tail -1 | cut -f1)
mib=$((bytes / 1048576))
echo "gpu_bundle: $count packages, $mib MiB in $OUT (limit $LIMIT_MIB MiB; MANIFEST lists versions and SHA-256)"
[ "$mib" -le "$LIMIT_MIB" ] || { echo "$0: the bundle is over $LIMIT_MIB MiB" >&2; exit 1; }
