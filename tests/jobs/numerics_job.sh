# Results do not depend on the CPU's kernels or the thread count (runtime.numerics = deterministic,
# the default): the demo scaled down to seconds, run twice under contrasting numerics settings
# (libtorch's CPU capability, OpenBLAS's kernel, 1 vs 2 threads per rank), gives bit-identical
# files and accuracy table, and every file records the numerics it was computed with.
source "$(dirname "$0")/lib.bash"
SIZES=(--config configs/demo.ini --synth.train_size 300 --synth.pool_size 100 --synth.valid_size 5
       --synth.test_size 30 --run.base_steps 20 --run.ks 50 --train.max_steps 6)
run_demo() {  # run_demo DIR THREADS [env...]: the scaled-down demo into DIR
  local dir=$1 threads=$2; shift 2
  env "$@" mpirun -np 2 "$IWSI" run "${SIZES[@]}" --run.dir "$dir" --data.dir "$dir/task" \
    --model.path "$dir/base" --runtime.threads "$threads" >"$dir.log" 2>&1 || { tail -n 20 "$dir.log"; return 1; }
}
# The widest kernels this CPU offers against the narrowest, and one thread against two.
if grep -qw avx512f /proc/cpuinfo; then wide=avx512; else wide=avx2; fi
check "run A: OPENBLAS_CORETYPE and ATEN_CPU_CAPABILITY unset, 1 thread per rank" \
  run_demo "$WORK/a" 1 -u OPENBLAS_CORETYPE -u ATEN_CPU_CAPABILITY
check "run B: ATEN_CPU_CAPABILITY=$wide, OPENBLAS_CORETYPE=Sandybridge, 2 threads per rank" \
  run_demo "$WORK/b" 2 ATEN_CPU_CAPABILITY=$wide OPENBLAS_CORETYPE=Sandybridge
check "every HDF5 dataset, safetensors file and the accuracy table are bit-identical" \
  "$PY" scripts/compare_runs.py "$WORK/a" "$WORK/b"
check "the jobs logged the pinned numerics" grep -q "numerics: deterministic" "$WORK/a.log"
check "every file records its numerics: deterministic, same rounding key, the threads it ran with" \
  "$PY" - "$WORK/a" "$WORK/b" <<'PY'
import glob, json, os, sys
import h5py
a, b = sys.argv[1:]
isa = open("/proc/cpuinfo").read()
files = sorted(os.path.relpath(p, a) for p in glob.glob(f"{a}/**/*.h5", recursive=True))
assert len(files) >= 8, files
for name in files:
    na = json.loads(h5py.File(f"{a}/{name}", "r").attrs["numerics"])
    nb = json.loads(h5py.File(f"{b}/{name}", "r").attrs["numerics"])
    assert na["mode"] == nb["mode"] == "deterministic", name
    assert na["rounding_key"] == nb["rounding_key"], (name, na, nb)
    assert (na["kernel_threads"], nb["kernel_threads"]) == (1, 2) and na["torch_threads"] == nb["torch_threads"] == 1
    if " avx2 " in isa and " fma " in isa:
        assert na["loops"] == "avx2-fma" and na["aten_capability"] == nb["aten_capability"] == "AVX2", na
    assert na["cpu"] and na["blas"] and na["libtorch"] and na["device"] == "cpu", na
PY
finish
