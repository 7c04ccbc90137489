"""Reading time of every lesson, computed one way from its prose and its code.

    .venv/bin/python -m book.reading_time            # print the table
    .venv/bin/python -m book.reading_time --write    # update each lesson's header and the README's table

Method: prose is read at 238 words a minute, the mean silent reading rate for
non-fiction in Brysbaert (2019), "How many words do we read per minute? A review
and meta-analysis of reading rate", Journal of Memory and Language 109, 104047.
Each non-blank line of code (comments included) adds 10 seconds: reading it,
running it and looking at what it prints (our assumption; no study measures
this for notebooks). The total is rounded to the nearest 5 minutes, at least 10.
Words are the whitespace-separated tokens of the markdown cells, without HTML
comments; a formula counts by its tokens. ``tests/test_reading_time.py`` keeps
the headers and the README in step with this computation.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE = 238
SECONDS_PER_CODE_LINE = 10

HEADER_TIME = re.compile(r"(\*\*Time:\*\* about )(\d+)( minutes of reading)")
README_ROW = re.compile(r"^(\| (\d\d) \| \[[^\]]+\]\(notebooks/[^)]+\) \| )(\d+)( min \|.*)$", re.M)


def lessons(root: Path = ROOT) -> list[Path]:
    """The numbered lessons, in order (``notebooks/NN_*.ipynb``)."""
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def counts(path: Path) -> tuple[int, int]:
    """(prose words, non-blank code lines) of a notebook."""
    cells = json.loads(Path(path).read_text())["cells"]
    words = lines = 0
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            words += len(re.sub(r"<!--.*?-->", "", source, flags=re.S).split())
        elif cell["cell_type"] == "code":
            lines += sum(1 for line in source.splitlines() if line.strip())
    return words, lines


def reading_minutes(path: Path) -> int:
    """Minutes to read a lesson: words / 238 + 10 s per code line, to the nearest 5 (at least 10)."""
    words, lines = counts(path)
    minutes = words / WORDS_PER_MINUTE + lines * SECONDS_PER_CODE_LINE / 60
    return max(10, 5 * round(minutes / 5))


def stated_in_header(path: Path) -> int | None:
    """The reading time the lesson's first cell states ("**Time:** about N minutes of reading")."""
    first = "".join(json.loads(Path(path).read_text())["cells"][0]["source"])
    found = HEADER_TIME.search(first)
    return int(found.group(2)) if found else None


def stated_in_readme(root: Path = ROOT) -> dict[str, int]:
    """Lesson number -> minutes in the README's lesson table."""
    text = (root / "README.md").read_text()
    return {m.group(2): int(m.group(3)) for m in README_ROW.finditer(text)}


def write(root: Path = ROOT) -> list[str]:
    """Put the computed times into every lesson header and the README table; say what changed."""
    changed = []
    readme = (root / "README.md").read_text()
    for path in lessons(root):
        minutes = reading_minutes(path)
        nb = nbformat.read(path, as_version=4)
        header = nb.cells[0].source
        new = HEADER_TIME.sub(lambda m: f"{m.group(1)}{minutes}{m.group(3)}", header)
        if new != header:
            nb.cells[0].source = new
            nbformat.write(nb, path)
            changed.append(f"{path.name}: header {minutes} min")
        number = path.name[:2]
        readme = README_ROW.sub(
            lambda m: f"{m.group(1)}{minutes}{m.group(4)}" if m.group(2) == number else m.group(0), readme)
    if readme != (root / "README.md").read_text():
        (root / "README.md").write_text(readme)
        changed.append("README.md: lesson table")
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="update the headers and the README table")
    args = parser.parse_args(argv)
    print(f"{'lesson':42} {'words':>6} {'code lines':>10} {'minutes':>7}")
    for path in lessons():
        words, lines = counts(path)
        print(f"{path.stem:42} {words:6d} {lines:10d} {reading_minutes(path):7d}")
    if args.write:
        for line in write() or ["nothing to change"]:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
