"""The per-candidate numbers of one cell, read once: the candidate file's index and answer columns
(absent for `iwsi decode` files, which have no answers) and the weights file's loss / w' / w_DS
(NaN outside D_c). Text columns are not read here (they can be large; read only the rows needed)."""
from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass
class CandidateColumns:
    question_index: np.ndarray
    sample_index: np.ndarray
    length: Optional[np.ndarray]
    parsed: Optional[np.ndarray]      # bool
    consistent: Optional[np.ndarray]  # bool: in D_c
    correct: Optional[np.ndarray]     # int8: 1 / 0, -1 without gold
    loss: Optional[np.ndarray] = None
    w_prime: Optional[np.ndarray] = None
    w_ds: Optional[np.ndarray] = None

    @property
    def labeled(self):
        """True when D_c has at least one candidate with a gold answer to compare with."""
        return self.correct is not None and self.consistent is not None and \
            bool(np.any(self.correct[self.consistent] != -1))


def read_cell_columns(cell):
    c = cell.candidates

    def optional(name, as_bool=False):
        if not c.has_column(name):
            return None
        values = np.asarray(c.column(name))
        return values == 1 if as_bool else values

    columns = CandidateColumns(np.asarray(c.column("candidates/question_index")),
                               np.asarray(c.column("candidates/sample_index")),
                               optional("candidates/length"), optional("candidates/parsed", True),
                               optional("candidates/consistent", True), optional("candidates/correct"))
    if cell.weights is not None:
        w = cell.weights
        columns.loss, columns.w_prime, columns.w_ds = (np.asarray(w.column(f"candidates/{n}"), dtype=float)
                                                       for n in ("loss", "w_prime", "w_ds"))
        if columns.consistent is None:  # D_c is exactly what the weights file scored
            columns.consistent = np.isfinite(columns.w_ds)
    return columns
