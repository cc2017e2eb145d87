"""Reading iwsi's HDF5 outputs offline with h5py (docs/SCHEMA.md): a file is accepted only when it
is a finished output (`complete` == 1) of a schema this folder knows, at a version it can read, and
holds the columns and attributes the analysis needs; anything else is an IwsiFileError, one line
naming the file and what is wrong. Also: ragged and text columns, the INI text of the `config`
attribute, and finding every output under a directory by its `schema` attribute (never by name).
It does not interpret the files or link them into runs (run_layout.py does)."""
import os
from dataclasses import dataclass, field

import h5py
import numpy as np

# Schemas analyzed here -> the newest schema_version this code reads.
READABLE = {"iwsi.candidates": 1, "iwsi.weights": 1, "iwsi.selection": 1, "iwsi.train": 1, "iwsi.eval": 1}
# Outputs of iwsi that hold nothing analyzed here: the MPI self-check, generate's resumable chunks
# and the self baseline's judgments (its selection file is analyzed like any other).
IGNORED = {"iwsi.check", "iwsi.chunk", "iwsi.judgments"}

# What the analysis reads from each schema: columns as "table/column", then root attributes.
REQUIRED = {
    "iwsi.candidates": (["questions/question_index", "candidates/question_index", "candidates/sample_index",
                         "candidates/text"], []),
    "iwsi.weights": (["candidates/loss", "candidates/w_prime", "candidates/w_ds", "valid/loss"],
                     ["valid_mean_loss"]),
    "iwsi.selection": (["kept/row", "kept/question_index", "kept/sample_index", "kept/weight", "kept/w_ds"],
                       ["strategy", "k", "kept", "eligible", "candidates", "sigma_k"]),
    "iwsi.train": (["steps/step", "steps/loss"], []),
    "iwsi.eval": (["questions/question_index", "questions/correct"], ["accuracy", "correct", "total"]),
}


class IwsiFileError(Exception):
    """One line: the file and what is wrong with it."""


def _python_value(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass
class IwsiFile:
    """A checked output file: its root attributes in memory, its columns read on demand."""
    path: str
    schema: str
    version: int
    attrs: dict = field(repr=False)

    def attr(self, name, default=None):
        return self.attrs.get(name, default)

    def has_column(self, name):
        with h5py.File(self.path, "r") as f:
            return name in f

    def column(self, name):
        """A fixed column ("table/column") as a numpy array."""
        with h5py.File(self.path, "r") as f:
            if name not in f:
                raise IwsiFileError(f"{self.path}: {self.schema} lacks column '{name}'")
            return f[name][()]

    def rows(self, table):
        with h5py.File(self.path, "r") as f:
            first = next(iter(f[table].values()))
            return len(first["offsets"]) - 1 if isinstance(first, h5py.Group) else len(first)

    def ragged(self, name, rows=None):
        """A ragged column: list of arrays, one per row (all rows, or the given row numbers)."""
        with h5py.File(self.path, "r") as f:
            if name not in f or "offsets" not in f[name] or "values" not in f[name]:
                raise IwsiFileError(f"{self.path}: {self.schema} lacks ragged column '{name}'")
            offsets, values = f[name]["offsets"], f[name]["values"]
            if rows is None:  # one read of everything beats many small reads
                o, v = offsets[()], values[()]
                return [v[o[i]:o[i + 1]] for i in range(len(o) - 1)]
            out = []
            for i in rows:
                begin, end = offsets[int(i)], offsets[int(i) + 1]
                out.append(values[begin:end])
            return out

    def text(self, name, rows=None):
        """A text column (ragged int8 bytes, UTF-8) as a list of str."""
        return [np.asarray(r, dtype=np.int8).tobytes().decode("utf-8", errors="replace")
                for r in self.ragged(name, rows)]


def open_checked(path, expect=None):
    """The IwsiFile at `path`, or IwsiFileError naming the file and the problem. `expect` is a schema
    name the file must hold; without it any schema in READABLE or IGNORED is accepted."""
    if not os.path.exists(path):
        if os.path.exists(path + ".tmp"):
            raise IwsiFileError(f"{path} is unfinished (only {path}.tmp exists): the job that writes it did not "
                                "complete; run it again")
        raise IwsiFileError(f"{path}: no such file")
    try:
        with h5py.File(path, "r") as f:
            attrs = {name: _python_value(value) for name, value in f.attrs.items()}
            present = set()
            f.visit(present.add)
    except OSError as error:
        raise IwsiFileError(f"{path} is not a readable HDF5 file ({error})") from None
    if "schema" not in attrs:
        raise IwsiFileError(f"{path} is not an iwsi output (no 'schema' attribute)")
    schema = str(attrs["schema"])
    if expect is not None and schema != expect:
        raise IwsiFileError(f"{path} holds '{schema}', expected '{expect}'")
    if schema not in READABLE and schema not in IGNORED:
        raise IwsiFileError(f"{path} holds unknown schema '{schema}'; this report reads "
                            f"{', '.join(sorted(READABLE))}")
    version = int(attrs.get("schema_version", -1))
    if schema in READABLE and not 1 <= version <= READABLE[schema]:
        raise IwsiFileError(f"{path} has {schema} version {version}; this report reads versions 1 to "
                            f"{READABLE[schema]}: update analysis/ or re-run the job with a matching iwsi")
    if attrs.get("complete") != 1:
        raise IwsiFileError(f"{path} is incomplete (complete = {attrs.get('complete')}); run the job that "
                            "writes it again")
    columns, needed_attrs = REQUIRED.get(schema, ([], []))
    for name in columns:
        if name not in present:
            raise IwsiFileError(f"{path}: {schema} lacks column '{name}'")
    for name in needed_attrs:
        if name not in attrs:
            raise IwsiFileError(f"{path}: {schema} lacks root attribute '{name}'")
    return IwsiFile(path, schema, version, attrs)


def discover(root):
    """Every analyzable output under `root`, found by its schema attribute, in path order, and the
    problems met: a list of IwsiFileError for bad files and for `<name>.tmp` files whose `<name>`
    does not exist. Skips generate's chunk directories (`*.chunks`) and hidden directories."""
    if not os.path.isdir(root):
        raise IwsiFileError(f"{root}: no such directory")
    files, problems = [], []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and not d.endswith(".chunks"))
        for name in sorted(names):
            path = os.path.join(directory, name)
            if name.endswith(".h5.tmp") and not os.path.exists(path[:-len(".tmp")]):
                problems.append(IwsiFileError(
                    f"{path[:-len('.tmp')]} is unfinished (only {path} exists): the job that writes it did "
                    "not complete; run it again"))
            elif name.endswith(".h5"):
                try:
                    checked = open_checked(path)
                except IwsiFileError as error:
                    problems.append(error)
                    continue
                if checked.schema in READABLE:
                    files.append(checked)
    return files, problems


def parse_ini(text):
    """{section: {key: value}} from INI text as iwsi writes it (`[section]`, `key = value`); other
    lines are ignored, so a value such as `<unprintable>` never breaks the parse."""
    sections, current = {}, None
    for raw in (text or "").splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            sections.setdefault(current, {})
        elif "=" in line and current is not None and not line.startswith(("#", ";")):
            key, value = line.split("=", 1)
            sections[current][key.strip()] = value.strip()
    return sections
