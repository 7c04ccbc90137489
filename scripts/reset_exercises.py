#!/usr/bin/env python3
"""Put the exercise notebooks back in their fresh state, without losing a learner's work.

    python3 tasks.py reset-exercises            # every lesson's exercises
    python3 tasks.py reset-exercises 04 07      # only lessons 04 and 07
    python3 tasks.py reset-exercises --force    # also those a learner has edited (backed up first)

The fresh state is what ``scripts/make_exercises.py`` generates from
``solutions/``. A notebook that differs from it only by outputs, execution
counts or metadata (the learner ran it) is reset. One whose cells differ
(the learner wrote answers) is **left alone** unless ``--force`` is given; then
it is first copied to ``exercise_backups/<date-time>/`` (outside the tests'
folders, ignored by git), and only then replaced.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_exercises import to_exercise  # noqa: E402

BACKUPS = "exercise_backups"


def cells_of(text: str) -> list[tuple[str, str]]:
    """(cell type, source) of every cell: what a learner edits; outputs and run state left out."""
    nb = nbformat.reads(text, as_version=4)
    return [(cell.cell_type, cell.source.strip()) for cell in nb.cells]


def reset(root: Path = ROOT, lessons=(), force: bool = False, log=print) -> dict[str, str]:
    """Reset ``root/exercises`` from ``root/solutions``; return {notebook: what happened}.

    What happened is one of ``"fresh"`` (nothing to do), ``"written"``
    (missing, or differed only in outputs), ``"kept"`` (edited by the learner,
    not reset without ``force``) and ``"backed up and reset"``.
    """
    root = Path(root)
    wanted = {str(n).zfill(2) for n in lessons}
    solutions = sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb"))
    unknown = wanted - {p.name[:2] for p in solutions}
    if unknown:
        raise SystemExit(f"no exercises for lesson(s) {', '.join(sorted(unknown))} in {root / 'solutions'}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    done = {}
    for solution in solutions:
        if wanted and solution.name[:2] not in wanted:
            continue
        target = root / "exercises" / solution.name
        fresh = nbformat.writes(to_exercise(nbformat.read(solution, as_version=4))) + "\n"
        current = target.read_text() if target.exists() else None
        if current == fresh:
            done[solution.name] = "fresh"
            continue
        if current is not None and cells_of(current) != cells_of(fresh):
            if not force:
                done[solution.name] = "kept"
                log(f"kept   {target.relative_to(root)}: you have edited it (reset it with --force; "
                    f"it is backed up first)")
                continue
            backup = root / BACKUPS / stamp / solution.name
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, backup)
            if backup.read_bytes() != target.read_bytes():
                raise SystemExit(f"could not back up {target}: nothing was reset")
            done[solution.name] = "backed up and reset"
            log(f"backed up {target.relative_to(root)} to {backup.relative_to(root)}")
        else:
            done[solution.name] = "written"
        target.parent.mkdir(exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.write_text(fresh)
        partial.replace(target)
        log(f"reset  {target.relative_to(root)}")
    return done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers (default: all)")
    parser.add_argument("--force", action="store_true",
                        help="also reset notebooks you have edited (each is backed up first)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    done = reset(args.root, args.lessons, args.force)
    fresh = sum(v == "fresh" for v in done.values())
    print(f"{len(done)} exercise notebook(s): {fresh} already fresh, "
          f"{sum(v != 'fresh' and v != 'kept' for v in done.values())} reset, "
          f"{sum(v == 'kept' for v in done.values())} kept because you edited them")
    return 1 if "kept" in done.values() else 0


if __name__ == "__main__":
    sys.exit(main())
