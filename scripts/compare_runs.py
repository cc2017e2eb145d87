#!/usr/bin/python3
"""Compares two run directories bit for bit: every dataset of every HDF5 file, every safetensors
file, and the accuracy table. Attributes, which describe the run rather than its results (when, where,
with which threads and CPU: started_at, hostnames, numerics, config, inputs), are not compared, and
neither are the datasets that time the run (TIMINGS: seconds, tokens/s, which rank took a chunk). Exit 0 when everything is equal, 1 with one line per difference otherwise.

    /usr/bin/python3 scripts/compare_runs.py RUN_A RUN_B
"""
import hashlib
import os
import sys

import h5py
import numpy as np


TIMINGS = {"steps/seconds", "steps/tokens_per_s", "chunks/seconds", "chunks/rank"}


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def equal(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":  # bit for bit: NaNs equal, -0.0 != 0.0
        return a.tobytes() == b.tobytes()
    return bool(np.all(a == b))


def files(root):
    for base, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not (base == root and d == "report")]  # analysis output, not results
        for name in names:
            if name.endswith((".h5", ".safetensors")) or name == "accuracy.md":
                yield os.path.relpath(os.path.join(base, name), root)


def main(a, b):
    problems = []
    names_a, names_b = set(files(a)), set(files(b))
    for name in sorted(names_a ^ names_b):
        problems.append(f"{name}: only in {a if name in names_a else b}")
    compared = 0
    for name in sorted(names_a & names_b):
        pa, pb = os.path.join(a, name), os.path.join(b, name)
        if name.endswith(".h5"):
            with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
                da, db = datasets(fa), datasets(fb)
                for key in sorted((set(da) | set(db)) - TIMINGS):
                    if key not in da or key not in db or not equal(da[key], db[key]):
                        problems.append(f"{name}: dataset {key} differs")
                    compared += 1
        else:
            if name.endswith(".safetensors") or name == "accuracy.md":
                digest = [hashlib.sha256(open(p, "rb").read()).hexdigest() for p in (pa, pb)]
                if digest[0] != digest[1]:
                    problems.append(f"{name}: {'tensors' if name.endswith('.safetensors') else 'tables'} differ")
                compared += 1
    if compared == 0:
        problems.append(f"nothing to compare: no HDF5, safetensors or accuracy.md files in {a} and {b}")
    for p in problems:
        print(p)
    print(f"compare_runs: {compared} datasets and files compared, {len(problems)} differ")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
