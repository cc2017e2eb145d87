"""Exit 0 iff two iwsi HDF5 files hold bit-identical data in the given tables (datasets only;
attributes such as times and provenance, and tables not named, are ignored).
usage: same_data.py A.h5 B.h5 TABLE [TABLE ...]"""
import sys

import h5py
import numpy as np


def datasets(group, prefix=""):
    out = {}
    for name, item in group.items():
        if isinstance(item, h5py.Dataset):
            out[prefix + name] = item[()]
        else:
            out.update(datasets(item, prefix + name + "/"))
    return out


a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
ok = True
for table in sys.argv[3:]:
    da, db = datasets(a[table]), datasets(b[table])
    if da.keys() != db.keys():
        print(f"{table}: columns differ: {sorted(da)} vs {sorted(db)}")
        ok = False
        continue
    for name in da:
        if da[name].dtype != db[name].dtype or not np.array_equal(
                da[name], db[name], equal_nan=da[name].dtype.kind == "f"):
            print(f"{table}/{name} differs")
            ok = False
sys.exit(0 if ok else 1)
