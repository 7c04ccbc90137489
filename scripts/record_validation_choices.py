"""Record lesson 08's validation choices beside the shipped behaviour models.

    python scripts/record_validation_choices.py          # about two minutes

Runs ``notebooks/08_pretrained_behaviour_model.ipynb`` with every choice made
on validation there and then (``COURSE_RECORD_CHOICES``, see
``course_lib.evaluate.recorded_choices``), and writes what it chose, with the
fingerprint of what each choice depended on, to
``datasets/behaviour/validation_choices.json``. The file is replaced only when
the whole notebook ran. Run it after ``scripts/build_behaviour_models.py``:
with new models the old records no longer match, and the lesson would choose
on validation itself (correct, only slower).
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

from course_lib.evaluate.recorded_choices import RECORD_VARIABLE  # noqa: E402
from course_lib.files import replace_file  # noqa: E402
from course_lib.tasks.behaviour import SHIPPED  # noqa: E402

LESSON = ROOT / "notebooks" / "08_pretrained_behaviour_model.ipynb"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebook", default=str(LESSON), help="the notebook to run (default: lesson 08)")
    parser.add_argument("--out", default=str(SHIPPED / "validation_choices.json"), help="the record file")
    args = parser.parse_args(argv)

    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        partial = Path(tmp) / "choices.json"
        os.environ[RECORD_VARIABLE] = str(partial)     # the kernel inherits it
        notebook = nbformat.read(args.notebook, as_version=4)
        NotebookClient(notebook, timeout=1800, kernel_name="python3",
                       resources={"metadata": {"path": str(Path(args.notebook).parent)}}).execute()
        records = json.loads(partial.read_text())
    replace_file(args.out, json.dumps(records, indent=1, sort_keys=True) + "\n")
    for record in sorted(records.values(), key=lambda r: r["what"]):
        print(f"{record['what']}: {json.dumps(record['choice'].get('params', record['choice'].get('epochs')))}")
    print(f"{len(records)} choice{'' if len(records) == 1 else 's'} recorded in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
