"""environment.yml (conda/Binder) and pyproject.toml name the same packages and ranges."""
from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
REQ = re.compile(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$")


def parse(requirement: str) -> tuple[str, str]:
    name, _extras, spec = REQ.match(requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


#: extras environment.yml (conda, Binder: the learner's environment) carries; ``scale``
#: (DuckDB, pyspark: course-lib prepare beyond one machine) is pip-only, installed by
#: tasks.py test and by ``pip install -e .[scale]``
CONDA_EXTRAS = ("test",)
ALL_EXTRAS = ("test", "scale")


def pyproject_requirements(root: Path = ROOT, extras=CONDA_EXTRAS) -> dict[str, str]:
    data = tomllib.loads((root / "pyproject.toml").read_text())
    reqs = list(data["project"]["dependencies"])
    for extra in extras:
        reqs += data["project"]["optional-dependencies"][extra]
    return dict(parse(r) for r in reqs)


def conda_requirements(root: Path = ROOT) -> tuple[dict[str, str], list[str]]:
    deps, pip = {}, []
    section = None
    for line in (root / "environment.yml").read_text().splitlines():
        stripped = line.split("#")[0].rstrip()
        if not stripped.strip():
            continue
        if stripped.startswith("dependencies:"):
            section = "deps"
            continue
        if section == "deps" and re.match(r"^\s{2}- pip:", stripped):
            section = "pip"
            continue
        if section == "deps" and re.match(r"^\s{2}- ", stripped):
            deps.update([parse(stripped.strip()[2:])])
        elif section == "pip" and re.match(r"^\s{6}- ", stripped):
            pip.append(stripped.strip()[2:])
    return deps, pip


def compare(root: Path = ROOT) -> list[str]:
    """Differences between the two files, as sentences (empty when they agree)."""
    py = pyproject_requirements(root)
    conda, pip = conda_requirements(root)
    problems = []
    for name, spec in py.items():
        if name not in conda:
            problems.append(f"{name} is in pyproject.toml but not in environment.yml")
        elif conda[name] != spec:
            problems.append(f"{name}: pyproject.toml says {spec!r}, environment.yml {conda[name]!r}")
    for name in conda:
        if name not in py and name not in ("python", "pip"):
            problems.append(f"{name} is in environment.yml but not in pyproject.toml")
    if "-e ." not in pip:
        problems.append("environment.yml does not install course_lib itself (pip: -e .)")
    return problems


def test_environment_yml_and_pyproject_agree():
    assert compare() == []


def test_python_floor_agrees():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    conda, _ = conda_requirements()
    assert data["project"]["requires-python"] == conda["python"] == ">=3.10"


def test_the_check_catches_a_drift(tmp_path):
    """A deliberately broken copy: the comparison must notice."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    broken = (ROOT / "environment.yml").read_text().replace("statsmodels>=0.14", "statsmodels>=0.13")
    broken = broken.replace("  - tqdm>=4.66\n", "")
    (tmp_path / "environment.yml").write_text(broken)
    problems = compare(tmp_path)
    assert any("statsmodels" in p for p in problems)
    assert any(p.startswith("tqdm is in pyproject.toml") for p in problems)


# --------------------------------------------------------------------------- #
# every import of the course is covered by a declared dependency

import ast  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402

SCANNED = ["course_lib", "scripts", "notebooks", "solutions", "exercises"]
#: libraries a benchmark compares the course's own code with, installed in a throwaway
#: environment by that script itself (never a dependency of the course)
COMPARED_ONLY = {"scripts/benchmark_uplift_libraries.py": {"sklift", "causalml"}}


def _top_level_imports(source: str) -> set[str]:
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def imports_in(paths) -> dict[str, set[str]]:
    """Top-level module -> files that import it (Python files and notebook code cells)."""
    found: dict[str, set[str]] = {}
    for path in paths:
        if path.suffix == ".py":
            sources = [path.read_text()]
        else:
            cells = json.loads(path.read_text())["cells"]
            sources = ["\n".join(line for line in "".join(c["source"]).splitlines()
                                 if not line.lstrip().startswith(("%", "!")))
                       for c in cells if c["cell_type"] == "code"]
        for source in sources:
            for name in _top_level_imports(source):
                found.setdefault(name, set()).add(str(path))
    return found


def _in_repo(path: str) -> str:
    """``path`` relative to the repository (as COMPARED_ONLY names it), or as it is outside it."""
    path = Path(path)
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def uncovered_imports(paths, declared: set[str]) -> list[str]:
    """Imports whose distribution is not declared (stdlib and course_lib are fine)."""
    providers = importlib.metadata.packages_distributions()
    problems = []
    for module, where in sorted(imports_in(paths).items()):
        if module in sys.stdlib_module_names or module in ("course_lib", "__future__"):
            continue
        if any((folder / f"{module}.py").exists() for folder in (ROOT, ROOT / "scripts")):
            continue   # tasks.py (the suite's own runner), or a script importing a sibling script
        if all(module in COMPARED_ONLY.get(_in_repo(w), ()) for w in where):
            continue
        dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        if not dists:
            problems.append(f"{module} (imported in {sorted(where)[0]}) is not installed at all")
        elif not dists & declared:
            problems.append(f"{module} (imported in {sorted(where)[0]}) comes from {sorted(dists)}, "
                            "which pyproject.toml does not declare")
    return problems


def course_files(root: Path = ROOT):
    files = []
    for folder in SCANNED:
        files += sorted((root / folder).rglob("*.py")) + sorted((root / folder).glob("*.ipynb"))
    return files


def test_every_import_is_covered_by_the_declared_packages():
    assert course_files(), "nothing scanned"
    declared = set(pyproject_requirements(extras=ALL_EXTRAS))
    assert uncovered_imports(course_files(), declared) == []


def test_the_scale_extra_stays_out_of_the_learners_environment_and_imports():
    """DuckDB and pyspark are optional: not in environment.yml, and course_lib imports them
    only inside the functions that need them (so every module imports without them)."""
    scale = set(pyproject_requirements(extras=ALL_EXTRAS)) - set(pyproject_requirements())
    assert scale == {"duckdb", "pyspark"}
    conda, _ = conda_requirements()
    assert not scale & set(conda)
    top_level = []
    for path in sorted((ROOT / "course_lib").rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            top_level += [f"{path.name}: {n}" for n in names if n.split(".")[0] in scale]
    assert top_level == []


def test_the_import_check_catches_an_undeclared_package(tmp_path):
    """A deliberately broken copy: a notebook that imports a package nobody declared."""
    bad = tmp_path / "99_broken.ipynb"
    bad.write_text(json.dumps({"cells": [{"cell_type": "code", "source": ["import pytest_socket\n", "import json"],
                                          "metadata": {}, "outputs": [], "execution_count": None}],
                               "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    problems = uncovered_imports([bad], set(pyproject_requirements()))
    assert len(problems) == 1 and problems[0].startswith("pytest_socket")
