"""Links the outputs found under a run or sweep directory into cells: one cell per candidate file,
holding the weights, selections, trainings and evaluations in its directory tree. Links follow the
files' contents first (a train file's `inputs` provenance names its selection file by SHA-256; an
eval file's `adapter` path names its train directory) and fall back to the names of the binary's
plan (jobs/plan.h, the same for `iwsi run` and the Slurm scripts: filter-X.h5, train-X/, eval-X.h5 in
one directory, X = strategy[-kK]). k comes from the selection file, T from the candidate file's
config. It reads only attributes, never the big columns."""
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from typing import List, Optional

from iwsi_files import IwsiFileError, IwsiFile, parse_ini

STRATEGY_ORDER = ["base", "none", "lmsi", "entropy", "entropy-paper", "self", "self-paper", "rm", "iwsi", "iwsi-w",
                  "oracle"]
METHOD_NAMES = {"base": "base", "none": "none", "lmsi": "LMSI", "entropy": "entropy", "self": "self",
                "rm": "rm", "iwsi": "IWSI", "iwsi-w": "IWSI-w", "oracle": "oracle",
                "entropy-paper": "entropy (paper)", "self-paper": "self (paper)"}
# the strategies whose selection depends on k
K_STRATEGIES = {"iwsi", "entropy", "self", "rm", "entropy-paper", "self-paper"}
_NAME_LABEL = (r"^(?:{prefixes})-(base|none|lmsi|entropy-paper|entropy|self-paper|self|rm|iwsi-w|iwsi|oracle)"
               r"(?:-k([0-9]+(?:\.[0-9]+)?))?$")
SELECTION_PREFIXES, TRAIN_PREFIXES, EVAL_PREFIXES = ("filter",), ("train",), ("eval",)


@dataclass
class Selection:
    file: IwsiFile
    strategy: str
    k: float
    _sha256: Optional[str] = field(default=None, repr=False)

    @property
    def sha256(self):  # of the file's bytes, as provenance records it; computed once, when first asked
        if self._sha256 is None:
            digest = hashlib.sha256()
            with open(self.file.path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            self._sha256 = digest.hexdigest()
        return self._sha256


@dataclass
class Training:
    file: IwsiFile
    strategy: str
    k: Optional[float]
    selection: Optional[Selection]


@dataclass
class Evaluation:
    file: IwsiFile
    strategy: str  # "base" for the model without adapter
    k: Optional[float]
    selection: Optional[Selection] = None
    training: Optional[Training] = None


@dataclass
class Cell:
    name: str  # its directory relative to the report root, "." for the root itself
    directory: str
    candidates: IwsiFile
    temperature: Optional[float]
    weights: Optional[IwsiFile] = None
    selections: List[Selection] = field(default_factory=list)
    trainings: List[Training] = field(default_factory=list)
    evaluations: List[Evaluation] = field(default_factory=list)

    @property
    def slug(self):  # suffix for this cell's output file names
        return "" if self.name == "." else "_" + re.sub(r"[^A-Za-z0-9._-]", "-", self.name.replace(os.sep, "_"))

    @property
    def title(self):
        where = "run" if self.name == "." else f"run `{self.name}`"
        return f"{where} (T = {self.temperature:g})" if self.temperature is not None else where


@dataclass
class Layout:
    root: str
    cells: List[Cell]
    shared_evaluations: List[Evaluation]  # base-model evals above every cell (e.g. at a sweep's root)
    notes: List[str]  # how links that the contents could not settle were resolved


def method_key(strategy, k):
    order = STRATEGY_ORDER.index(strategy) if strategy in STRATEGY_ORDER else len(STRATEGY_ORDER)
    return order, strategy, -1.0 if k is None else k


def method_label(strategy, k):
    name = METHOD_NAMES.get(strategy, strategy)
    return f"{name} k={k:g}" if strategy in K_STRATEGIES and k is not None else name


def candidate_rows(candidates):
    return candidates.rows("candidates")


def _temperature(candidates, cell_name, notes):
    value = parse_ini(candidates.attr("config", "")).get("sampling", {}).get("temperature")
    if value is not None:
        try:
            return float(value)
        except ValueError:
            pass
    match = re.search(r"(?:^|[/_])T([0-9]+(?:\.[0-9]+)?)(?:$|[/_])", cell_name)
    if match:
        notes.append(f"{candidates.path}: no [sampling] temperature in its config; T = {match.group(1)} "
                     "taken from the directory name")
        return float(match.group(1))
    return None


def _is_under(path, directory):
    return os.path.commonpath([os.path.abspath(path), os.path.abspath(directory)]) == os.path.abspath(directory)


def _owner(path, cells):
    owners = [c for c in cells if _is_under(path, c.directory)]
    return max(owners, key=lambda c: len(os.path.abspath(c.directory))) if owners else None


def _inputs(file):
    try:
        items = json.loads(file.attr("inputs", "[]") or "[]")
        return [i for i in items if isinstance(i, dict)]
    except json.JSONDecodeError:
        return []


def name_label(name, prefixes):
    """(strategy, k or None) from a name such as filter-iwsi-k80, train-lmsi or eval-iwsi-w
    (extension removed), or None when the name is not one of the plan's."""
    match = re.match(_NAME_LABEL.format(prefixes="|".join(prefixes)), name)
    return (match.group(1), float(match.group(2)) if match.group(2) else None) if match else None


def _stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def _selection_named(directory, label, selections):
    """The selection file in `directory` whose name carries `label`, or None."""
    directory = os.path.abspath(directory)
    return next((s for s in selections if os.path.dirname(os.path.abspath(s.file.path)) == directory and
                 name_label(_stem(s.file.path), SELECTION_PREFIXES) == label), None)


def _link_training(file, selections, notes):
    for item in _inputs(file):  # provenance: the selection file it trained on, by content
        for s in selections:
            if item.get("sha256") and item["sha256"] == s.sha256:
                return Training(file, s.strategy, s.k, s)
    train_dir = os.path.dirname(os.path.abspath(file.path))
    label = name_label(os.path.basename(train_dir), TRAIN_PREFIXES)
    selection = _selection_named(os.path.dirname(train_dir), label, selections) if label else None
    if selection:
        return Training(file, selection.strategy, selection.k, selection)
    if label:
        notes.append(f"{file.path}: its selection file was not found; strategy taken from the directory name")
        return Training(file, label[0], label[1], None)
    notes.append(f"{file.path}: no selection file in its inputs and no strategy in its directory name; "
                 "listed under the directory name")
    return Training(file, os.path.basename(train_dir), None, None)


def _path_match(train_dir, adapter):
    """How many trailing components of train_dir appear, in order and contiguous, in the adapter path."""
    wanted = [c for c in os.path.abspath(train_dir).split(os.sep) if c]
    have = [c for c in adapter.replace("\\", "/").split("/") if c and c != "."]
    best = 0
    for n in range(1, len(wanted) + 1):
        tail = wanted[-n:]
        if not any(have[i:i + n] == tail for i in range(len(have) - n + 1)):
            break
        best = n
    return best


def _link_evaluation(file, trainings, selections, notes):
    adapter = file.attr("adapter")
    if adapter == "":
        return Evaluation(file, "base", None)
    if adapter:
        scores = [(_path_match(os.path.dirname(t.file.path), adapter), i) for i, t in enumerate(trainings)]
        best = max((s for s, _ in scores), default=0)
        matches = [trainings[i] for s, i in scores if s == best and best > 0]
        if len(matches) == 1:
            t = matches[0]
            return Evaluation(file, t.strategy, t.k, t.selection, t)
    label = name_label(_stem(file.path), EVAL_PREFIXES)
    if label == ("base", None):
        return Evaluation(file, "base", None)
    selection = _selection_named(os.path.dirname(file.path), label, selections) if label else None
    if selection:
        training = next((t for t in trainings if t.selection is selection), None)
        return Evaluation(file, selection.strategy, selection.k, selection, training)
    if label:
        notes.append(f"{file.path}: its adapter '{adapter}' matches no train directory; strategy taken from "
                     "the file name")
        return Evaluation(file, label[0], label[1])
    notes.append(f"{file.path}: its adapter '{adapter}' matches no train directory and its name no strategy; "
                 "listed under its file name")
    return Evaluation(file, _stem(file.path), None)


def _check_rows(cell):
    rows = candidate_rows(cell.candidates)
    if cell.weights is not None and cell.weights.rows("candidates") != rows:
        raise IwsiFileError(f"{cell.weights.path} has weights for {cell.weights.rows('candidates')} candidates but "
                            f"{cell.candidates.path} has {rows}: it was computed from another candidate file")
    for s in cell.selections:
        if int(s.file.attr("candidates")) != rows:
            raise IwsiFileError(f"{s.file.path} selects from {s.file.attr('candidates')} candidates but "
                                f"{cell.candidates.path} has {rows}: it was computed from another candidate file")


def build_layout(root, files):
    """The cells under `root` from its checked files (iwsi_files.discover)."""
    notes, cells = [], []
    by_schema = {}
    for f in files:
        by_schema.setdefault(f.schema, []).append(f)
    for candidates in by_schema.get("iwsi.candidates", []):
        directory = os.path.dirname(os.path.abspath(candidates.path))
        twin = next((c for c in cells if c.directory == directory), None)
        if twin:
            raise IwsiFileError(f"{directory} holds two candidate files ({os.path.basename(twin.candidates.path)}, "
                                f"{os.path.basename(candidates.path)}); put each run in its own directory")
        name = os.path.relpath(directory, os.path.abspath(root))
        cells.append(Cell(name, directory, candidates, _temperature(candidates, name, notes)))
    shared = []
    for schema in ("iwsi.weights", "iwsi.selection", "iwsi.train", "iwsi.eval"):
        for f in by_schema.get(schema, []):
            cell = _owner(f.path, cells)
            if cell is None:
                if schema == "iwsi.eval" and f.attr("adapter") == "":
                    shared.append(Evaluation(f, "base", None))
                    continue
                raise IwsiFileError(f"{f.path}: no iwsi.candidates file in its directory or any directory above it "
                                    f"within {root} (missing candidates.h5?)")
            if schema == "iwsi.weights":
                if cell.weights is not None:
                    notes.append(f"{cell.directory}: several weights files; using {cell.weights.path}, "
                                 f"ignoring {f.path}")
                    continue
                cell.weights = f
            elif schema == "iwsi.selection":
                cell.selections.append(Selection(f, str(f.attr("strategy")), float(f.attr("k"))))
            elif schema == "iwsi.train":
                cell.trainings.append(_link_training(f, cell.selections, notes))
            else:
                cell.evaluations.append(_link_evaluation(f, cell.trainings, cell.selections, notes))
    if not cells and not shared:
        raise IwsiFileError(f"{root}: no iwsi output files found (expected candidates.h5 and the files after it)")
    for cell in cells:
        _check_rows(cell)
        cell.selections.sort(key=lambda s: method_key(s.strategy, s.k))
        cell.trainings.sort(key=lambda t: method_key(t.strategy, t.k))
        cell.evaluations.sort(key=lambda e: method_key(e.strategy, e.k))
    cells.sort(key=lambda c: (c.temperature is None, c.temperature or 0.0, c.name))
    return Layout(root, cells, shared, notes)
