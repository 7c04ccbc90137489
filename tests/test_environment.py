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


def pyproject_requirements(root: Path = ROOT) -> dict[str, str]:
    data = tomllib.loads((root / "pyproject.toml").read_text())
    reqs = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["test"]
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
