# The GPU bring-up kit's CPU dry run (scripts/gpu_bundle.sh + scripts/gpu_check.sh --cpu), so that
# the script is known to work before a GPU machine is lent: the bundle is gathered (Debian
# packages), unpacked into a relocatable prefix, iwsi is configured and built against it alone (a
# second build tree), and the checks run on the CPU: stories260K's reference ids exact, bench
# figures, a one-rank train. What needs CUDA or PyTorch must say "skipped", nothing may fail.
source "$(dirname "$0")/lib.bash"
export IWSI_GPU_BUNDLE=$WORK/bundle IWSI_GPU_PREFIX=$WORK/prefix IWSI_GPU_BUILD=$WORK/build
check "gpu_bundle.sh gathers the packages (under 60 MiB)" scripts/gpu_bundle.sh "$IWSI_GPU_BUNDLE"
scripts/gpu_check.sh "$WORK/report" --cpu; rc=$?
check "gpu_check.sh --cpu exits 0" test $rc = 0
R=$WORK/report/report.md
row() { grep "^| $1 |" "$R" | cut -d'|' -f3 | xargs; }
for name in probe bundle build stories260K_reference bench_decode train_one_rank; do
  check "report: $name ok" test "$(row $name)" = ok
done
check "report: the unit tests are left to CI's own build, interop to a GPU (skipped, not passed)" \
  test "$(row unit_tests)" = skipped -a "$(row interop_and_hf_baselines)" = skipped
check "report: every reference case equal on the CPU" grep -q "5 of 5 reference cases: greedy ids exactly equal" "$R"
found=$(grep -E '^(MPI_C_HEADER_DIR|HDF5_C_LIBRARY_hdf5|Boost_INCLUDE_DIR|OPENSSL_CRYPTO_LIBRARY):' "$IWSI_GPU_BUILD/CMakeCache.txt")
check "the build found MPI, HDF5, Boost and libcrypto in the bundle's prefix, not in /usr" \
  test "$(grep -c "=$IWSI_GPU_PREFIX/" <<<"$found")" = 4
check "... and iwsi runs on the prefix's libraries" \
  bash -c "LD_LIBRARY_PATH='$IWSI_GPU_PREFIX/usr/lib/x86_64-linux-gnu' ldd '$IWSI_GPU_BUILD/iwsi' | grep -E 'lib(mpi|hdf5_openmpi|onig)\.' | grep -vc '$IWSI_GPU_PREFIX' | grep -qx 0"
cat "$R"
finish
