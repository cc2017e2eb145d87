"""Prints, for each path given, 1 if it is a complete iwsi output and 0 if not, one per line, so
the Slurm scripts can skip finished stages. An `.h5` path is complete when it opens as HDF5 and its
root attribute `complete` is 1 (docs/SCHEMA.md); any other path when it exists (markers written by
rename). It does not check that an output is up to date with its inputs (see README, Slurm).
usage: /usr/bin/python3 slurm/is_complete.py PATH [PATH ...]"""
import os
import sys

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")  # never block on (or disturb) a job's open file
import h5py  # noqa: E402  (after the environment is set)


def is_complete(path):
    if not path.endswith(".h5"):
        return os.path.exists(path)
    if not os.path.isfile(path):
        return False
    try:
        with h5py.File(path, "r") as f:
            return int(f.attrs.get("complete", 0)) == 1
    except (OSError, ValueError, TypeError):
        return False  # not HDF5, truncated, or an attribute of another type


for arg in sys.argv[1:]:
    print(1 if is_complete(arg) else 0)
