"""The layers of ``course_lib`` are a contract, not only a description.

``pyproject.toml`` lists them for import-linter (``[tool.importlinter]``):
foundation (``backend``, ``files``) -> ``datasets`` -> ``prep`` -> ``models`` ->
``evaluate`` -> ``show`` -> ``tasks`` -> ``cli`` and, beside it, ``course``.
A module may import only the layers below it in that list, at module level
or inside a function, directly or through another module. The test runs the
contract on the library, and on copies with one wrong import each, which
must break it.
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the ``course_lib`` found in ``root``, with ``root``'s contract."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_course_lib_keeps_its_layers():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module, added, inside_a_function, breaks", [
    ("models/baselines.py", "from course_lib.tasks import settings", True, True),  # lower imports higher
    ("prep/split.py", "import course_lib.evaluate.ranking", False, True),
    ("show/plots.py", "from course_lib.course import exercise", True, True),     # library imports course
    ("cli.py", "from course_lib.course import exercise", False, True),           # siblings stay apart
    ("datasets/schema.py", "from course_lib.files import write_folder", False, False),  # foundation: fine
], ids=["models->tasks in a function", "prep->evaluate", "show->course in a function", "cli->course",
        "datasets->files is allowed"])
def test_a_wrong_import_breaks_the_contract(tmp_path, module, added, inside_a_function, breaks):
    shutil.copytree(ROOT / "course_lib", tmp_path / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    path = tmp_path / "course_lib" / module
    line = f"\n\ndef _added():\n    {added}\n" if inside_a_function else f"\n{added}\n"
    path.write_text(path.read_text() + line)
    result = lint(tmp_path)
    if not breaks:
        assert result.returncode == 0, result.stdout
        return
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    importer = "course_lib." + module.removesuffix(".py").replace("/", ".")
    assert importer in result.stdout, result.stdout


def function_level_imports():
    """(file, line, module, the two lines before) of every course_lib import inside a function."""
    found = []
    for path in sorted((ROOT / "course_lib").rglob("*.py")):
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for sub in ast.walk(node):
                names = ([sub.module or ""] if isinstance(sub, ast.ImportFrom) else
                         [a.name for a in sub.names] if isinstance(sub, ast.Import) else [])
                for name in names:
                    if name.startswith("course_lib"):
                        before = " ".join(lines[max(0, sub.lineno - 3):sub.lineno])
                        found.append((path.relative_to(ROOT), sub.lineno, name, before))
    return found


def test_a_course_lib_import_inside_a_function_says_why_it_is_lazy():
    """Only a heavy import stays lazy (inside a function), and a comment says so."""
    unexplained = [f"{path}:{line} {name}" for path, line, name, before in function_level_imports()
                   if "lazy" not in before]
    assert unexplained == []
    lazy = {(str(path), name) for path, _, name, _ in function_level_imports()}
    assert {path for path, _ in lazy} <= {"course_lib/cli.py", "course_lib/doctor.py"}, lazy


def test_the_readme_gives_each_layers_size_within_a_tenth():
    """The README's table of layers (modules, and lines to about two figures) against
    ``scripts/layer_sizes.py``: it had said 5,500 lines for a library of 15,800, counts from the
    first week of the course. Modules exactly (a new one belongs in the table), lines within 10 %."""
    import re

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from layer_sizes import layer_sizes
    finally:
        sys.path.pop(0)
    readme = (ROOT / "README.md").read_text()
    table = {m["name"]: (int(m["modules"]), int(m["lines"].replace(",", "")))
             for m in re.finditer(r"^  \| (\d) \| `(?P<name>[\w.]+)` \| [^|]+ \| (?P<modules>\d+) \| "
                                  r"(?P<lines>[\d,]+) \|$", readme, re.M)}
    sizes = layer_sizes()
    assert set(table) == {name for _, name, _, _ in sizes}, "a layer is missing from the README's table"
    for _, name, modules, lines in sizes:
        said_modules, said_lines = table[name]
        assert said_modules == modules, f"{name}: the README says {said_modules} modules, there are {modules}"
        assert abs(said_lines - lines) <= 0.1 * lines, f"{name}: the README says {said_lines} lines, there are {lines}"
    said = int(re.search(r"layers 0-6\) is about ([\d,]+) lines", readme)[1].replace(",", ""))
    library = sum(lines for level, _, _, lines in sizes if level <= 6)
    assert abs(said - library) <= 0.1 * library, f"the README says {said} lines, layers 0-6 hold {library}"
