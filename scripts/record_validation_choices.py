"""Record the choices lessons 08 and 09 make on validation, for the lessons to reuse.

    python scripts/record_validation_choices.py          # about ten minutes

Runs ``notebooks/08_pretrained_behaviour_model.ipynb`` and
``notebooks/09_case_study.ipynb`` with every choice made on validation there
and then (``COURSE_RECORD_CHOICES``, see ``course_lib.evaluate.recorded_choices``),
and writes what they chose, with the fingerprint of what each choice depended
on, to ``datasets/recorded_choices.json``, and the weights of the networks
lessons 08 and 09 refit for their next-item boards to ``datasets/recorded_choices.npz``.
The files are replaced only when every notebook ran. Run it after ``scripts/build_behaviour_models.py`` or a change to
the code that prepares the windows, trains and tunes models (``recorded_choices.CODE``): the old
records no longer match, and the lessons choose on validation themselves
(correct, only slower).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.evaluate.recorded_choices import RECORD_VARIABLE, SHIPPED_RECORDS  # noqa: E402
from course_lib.files import replace_file  # noqa: E402

LESSONS = [ROOT / "notebooks" / "08_pretrained_behaviour_model.ipynb", ROOT / "notebooks" / "09_case_study.ipynb"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebook", action="append", help="a notebook to run (default: lessons 08 and 09)")
    parser.add_argument("--out", default=str(SHIPPED_RECORDS), help="the record file")
    args = parser.parse_args(argv)

    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        partial = Path(tmp) / "choices.json"
        os.environ[RECORD_VARIABLE] = str(partial)     # the kernel inherits it
        for path in args.notebook or LESSONS:   # one after the other: each adds its records
            print(f"running {path} ...", flush=True)
            notebook = nbformat.read(path, as_version=4)
            NotebookClient(notebook, timeout=1800, kernel_name="python3",
                           resources={"metadata": {"path": str(Path(path).parent)}}).execute()
        records = json.loads(partial.read_text())
        weights = partial.with_suffix(".npz")   # the networks the lessons restore (RecordedChoices.fitted)
        if weights.is_file():
            replace_file(Path(args.out).with_suffix(".npz"), weights.read_bytes())
    replace_file(args.out, json.dumps(records, indent=1) + "\n")
    for record in sorted(records.values(), key=lambda r: r["what"]):
        choice = record["choice"]   # epochs of a classifier, or the chosen settings of each tuned model
        shown = (choice["epochs"] if "epochs" in choice else
                 f"{choice['arrays']} arrays" if "arrays" in choice else {k: r["params"] for k, r in choice.items()})
        print(f"{record['what']}: {json.dumps(shown)}")
    print(f"{len(records)} record{'' if len(records) == 1 else 's'} written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
