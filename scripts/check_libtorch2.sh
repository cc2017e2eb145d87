#!/usr/bin/env bash
# Builds iwsi against libtorch 2.x and runs its tests, on a machine that has neither a GPU nor
# libtorch 2.x: in a Debian 13 ("trixie") chroot, whose packages bring libtorch 2.6, GCC 14,
# HDF5 1.14 and Open MPI 5 (this machine has 1.13, 12, 1.10 and 4).
#
#   scripts/check_libtorch2.sh cpu    libtorch-dev 2.6 (CPU)
#   scripts/check_libtorch2.sh cuda   libtorch-cuda-dev 2.6 + NCCL + CUDA 12.4 toolkit: compiles and
#                                     links the CUDA and NCCL paths (IWSI_WITH_CUDA/NCCL), then runs
#                                     the tests on the CPU, as a CUDA build does on a node without GPU
#
# Root only (debootstrap, chroot, mounts). The chroot lives in $IWSI_TRIXIE_ROOT (default
# /var/tmp/iwsi-trixie, about 2 GB for cpu and 12 GB with cuda) and is reused by later runs; the
# working tree (tracked and untracked, not ignored) is copied into it, ../shared is mounted
# read-only. The first cpu run took 12 minutes here (downloads, 6-minute build, tests).
#
# Left out: the Slurm suite (no Slurm daemons in the chroot) and the tokenizer parity test (npm; it
# does not touch libtorch). cuDNN is not in Debian (its package downloads it from NVIDIA), so the
# cuda variant installs a placeholder package and a stub libcudnn.so.9 whose functions exist but do
# nothing: libtorch_cuda is linked with BIND_NOW and must resolve them, and iwsi never calls them.
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-cpu}
case "$variant" in cpu | cuda) ;; *) echo "usage: $0 cpu|cuda" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "$0: needs root (debootstrap, chroot, mount)" >&2; exit 2; }
ROOT=${IWSI_TRIXIE_ROOT:-/var/tmp/iwsi-trixie}
SHARED=$(realpath "${IWSI_SHARED_DIR:-../shared}")
MIRROR=http://deb.debian.org/debian
# Inside the chroot: the copy of the tree and, beside it, the shared folder (its default ../shared).
TREE=/opt/iwsi-check/iwsi

if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  command -v debootstrap >/dev/null || apt-get install -y -q debootstrap
  echo "check_libtorch2: debootstrap trixie into $ROOT"
  debootstrap --variant=minbase --components=main,contrib,non-free trixie "$ROOT" "$MIRROR"
fi

mounts=()
mount_in() {  # mount_in SOURCE TARGET [options]: bind (or proc/sysfs) mount, undone on exit
  mkdir -p "$ROOT$2"
  mountpoint -q "$ROOT$2" && return
  case "$1" in proc | sysfs) mount -t "$1" "$1" "$ROOT$2" ;; *) mount --bind "$1" "$ROOT$2" ;; esac
  mounts=("$ROOT$2" "${mounts[@]}")
  if [ "${3:-}" = ro ]; then mount -o remount,ro,bind "$ROOT$2"; fi
}
cleanup() { for m in "${mounts[@]}"; do umount "$m" || true; done; }
trap cleanup EXIT
mount_in proc /proc
mount_in sysfs /sys  # hwloc (Open MPI) reads the CPU topology there
mount_in /dev /dev
mount_in /dev/pts /dev/pts
mount_in "$SHARED" "$(dirname "$TREE")/shared" ro
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
in_root() { chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 bash -c "$1"; }

common="cmake g++ make pkg-config libopenblas0-pthread openmpi-bin libopenmpi-dev libhdf5-openmpi-dev
  hdf5-tools libboost-program-options-dev libgtest-dev nlohmann-json3-dev libssl-dev libonig-dev python3-h5py python3-numpy
  python3-matplotlib"
common=$(echo $common)  # one line: it is pasted into a command string
if [ "$variant" = cpu ]; then
  in_root "apt-get update -q && apt-get install -y -q --no-install-recommends $common libtorch-dev"
else
  in_root "set -e
    if ! dpkg -s nvidia-cudnn >/dev/null 2>&1; then
      mkdir -p /tmp/cudnn-placeholder/DEBIAN
      printf '%s\n' 'Package: nvidia-cudnn' 'Version: 9.1.0.70~cuda12+1' 'Architecture: amd64' \
        'Maintainer: iwsi <none@localhost>' 'Provides: libcudnn-dev, libcudnn.so, libcudnn.so.9' \
        'Description: placeholder: the real package downloads cuDNN from NVIDIA' \
        >/tmp/cudnn-placeholder/DEBIAN/control
      dpkg-deb --build /tmp/cudnn-placeholder /tmp/nvidia-cudnn.deb && dpkg -i /tmp/nvidia-cudnn.deb
    fi
    apt-get update -q
    apt-get install -y -q --no-install-recommends $common libtorch-cuda-dev libnccl-dev nvidia-cuda-toolkit \
      nvidia-cuda-dev
    if [ ! -e /usr/local/lib/libcudnn.so.9 ]; then
      nm -D --undefined-only /usr/lib/x86_64-linux-gnu/libtorch_cuda*.so | awk '{print \$2}' |
        sed -n 's/^\(cudnn[A-Za-z0-9_]*\).*/int \1(void) { return 1; }/p' | sort -u >/tmp/cudnn_stub.c
      echo 'libcudnn.so.9 { global: *; };' >/tmp/cudnn_stub.map
      gcc -shared -fPIC -Wl,-soname,libcudnn.so.9 -Wl,--version-script=/tmp/cudnn_stub.map \
        -o /usr/local/lib/libcudnn.so.9 /tmp/cudnn_stub.c
      ldconfig
    fi"
fi

echo "check_libtorch2: copying the working tree into $ROOT$TREE"
mkdir -p "$ROOT$TREE"
find "$ROOT$TREE" -mindepth 1 -maxdepth 1 ! -name 'build-*' -exec rm -rf {} +
git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$ROOT$TREE"

build=build-$variant
in_root "set -e; cd $TREE
  cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release -Wno-dev >/tmp/cmake-$build.log 2>&1 ||
    { cat /tmp/cmake-$build.log; exit 1; }
  grep '^-- iwsi:' /tmp/cmake-$build.log
  cmake --build $build -j $(nproc)
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  ctest --test-dir $build --output-on-failure -E '^(job_slurm_suite|tokenizer_parity)\$'"
echo "check_libtorch2: $variant build against libtorch 2.x passed its tests"
