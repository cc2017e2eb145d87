"""The texts a reward model scores for the `rm` baseline: one JSON line per self-consistent (D_c)
candidate of a candidate file, {"question": i, "sample": j, "question_text": ..., "answer": ...},
in the file's row order. A reward model reads `question_text` + its EOS + `answer` (the official
RM_weight.py) and writes {"question": i, "sample": j, "score": x} for `iwsi filter --filter.rm_scores`
(README: "Reward-model scores"). The output is written under a temporary name and renamed.

usage: /usr/bin/python3 analysis/rm_inputs.py CANDIDATES.h5 OUT.jsonl"""
import json
import os
import sys

import numpy as np

from iwsi_files import IwsiFileError, open_checked


def rm_inputs(candidates):
    """[(question index, sample index, question text, answer text)] of the D_c rows."""
    question_index = candidates.column("candidates/question_index")
    sample_index = candidates.column("candidates/sample_index")
    rows = np.where(candidates.column("candidates/consistent") == 1)[0]
    prompts = dict(zip(candidates.column("questions/question_index").tolist(), candidates.text("questions/prompt")))
    answers = candidates.text("candidates/text", rows)
    return [(int(question_index[r]), int(sample_index[r]), prompts[int(question_index[r])], answer.strip())
            for r, answer in zip(rows, answers)]


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.rsplit("\n", 1)[-1])
    try:
        candidates = open_checked(argv[1], "iwsi.candidates")
        rows = rm_inputs(candidates)
    except IwsiFileError as error:
        sys.exit(f"error: {error}")
    temporary = argv[2] + ".tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        for question, sample, question_text, answer in rows:
            out.write(json.dumps({"question": question, "sample": sample, "question_text": question_text,
                                  "answer": answer}, ensure_ascii=False) + "\n")
    os.replace(temporary, argv[2])
    print(f"{argv[2]}: {len(rows)} consistent candidates of {argv[1]} to score")


if __name__ == "__main__":
    main(sys.argv)
