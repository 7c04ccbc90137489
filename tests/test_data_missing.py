"""Without the real data, every lesson that uses it says so in one sentence and goes on.

Honest hiding: the lessons' code runs with a copy of ``course_lib`` outside
the repository (so ``datasets/`` is not beside it) and an empty
``COURSE_DATA_DIR``, as when a lesson is run away from its clone. To stay
cheap, each lesson runs its setup cell, the imports of the cells before its
data cell, and the data cell itself (which goes on to use the stand-in: a
plot and a fit, or the next-item split), all in one Python process.
``tests/test_uci_retail.py`` checks that the stand-in supports the rest of
the lessons' protocols (trading days with m = 6, 28-day splits, 90-day churn).
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DATA_CALL = "online_retail_or_stand_in("
SENTENCE = "UCI Online Retail is not in"


def code_cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code"]


def uses_online_retail(path: Path) -> bool:
    return any("online_retail" in cell for cell in code_cells(path))


def imports_only(source: str) -> str:
    """The top-level import statements of a cell (they are cheap; the rest may not be)."""
    tree = ast.parse(source)
    return "\n".join(ast.get_source_segment(source, node) for node in tree.body
                     if isinstance(node, (ast.Import, ast.ImportFrom)))


def snippet(path: Path) -> str:
    """Setup cell, earlier cells' imports, and the data cell."""
    cells = code_cells(path)
    data = next(i for i, cell in enumerate(cells) if DATA_CALL in cell)
    return "\n\n".join([cells[0]] + [imports_only(c) for c in cells[1:data]] + [cells[data]])


RUNNER = """
import contextlib, io, json, sys, traceback
import matplotlib
matplotlib.use("Agg")
import course_lib
results = {"course_lib": course_lib.__file__}
for name, code in json.loads(open(sys.argv[1]).read()).items():
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, name, "exec"), {"__name__": "__main__"})
        results[name] = {"stdout": out.getvalue(), "error": None}
    except BaseException:
        results[name] = {"stdout": out.getvalue(), "error": traceback.format_exc()}
print(json.dumps(results))
"""


def test_every_lesson_that_uses_online_retail_goes_through_the_stand_in():
    users = [p.name for p in LESSONS if uses_online_retail(p)]
    assert len(users) >= 6, users  # 00, 01, 02, 03, 04, 08
    for path in LESSONS:
        if uses_online_retail(path):
            assert any(DATA_CALL in cell for cell in code_cells(path)), path.name
            assert not any("SystemExit" in cell for cell in code_cells(path)), path.name


@pytest.mark.slow
def test_lessons_say_one_sentence_and_go_on_without_the_data(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "course_lib", site / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    empty = tmp_path / "no data here"
    empty.mkdir()
    work = tmp_path / "lessons"
    work.mkdir()
    snippets = {p.name: snippet(p) for p in LESSONS if uses_online_retail(p)}
    (work / "snippets.json").write_text(json.dumps(snippets))
    (work / "runner.py").write_text(RUNNER)
    env = {**os.environ, "COURSE_DATA_DIR": str(empty), "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "runner.py", "snippets.json"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert results.pop("course_lib").startswith(str(site))  # not the repository's copy
    for name, result in results.items():
        assert result["error"] is None, f"{name}:\n{result['error']}"
        said = [line for line in result["stdout"].splitlines() if SENTENCE in line]
        assert len(said) == 1, f"{name} said {len(said)} times:\n{result['stdout']}"
        assert said[0].endswith(".") and "synthetic shop" in said[0]
        assert "Traceback" not in result["stdout"]
