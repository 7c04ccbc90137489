#!/usr/bin/env python3
"""Modules and lines of code per layer of course_lib, as the README's table gives them.

    python scripts/layer_sizes.py

The layers are read from the import-linter contract in pyproject.toml (the
one tests/test_layers.py enforces), so the table follows the contract.
"""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_lib"


def layer_files(name: str) -> list[Path]:
    folder = PACKAGE / name
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [PACKAGE / f"{name}.py"]


def layer_sizes() -> list[tuple[int, str, int, int]]:
    """(layer, package or module, modules, lines) for every name in the contract, lowest first."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = config["contracts"][0]["layers"]
    rows = []
    for level, layer in enumerate(reversed(layers)):  # lowest first, as the README lists them
        for i, name in enumerate(n.strip() for n in layer.split("|")):  # siblings: a row each
            package_init = [PACKAGE / "__init__.py"] if level == 0 and i == 0 else []
            files = layer_files(name) + package_init
            lines = sum(len(f.read_text().splitlines()) for f in files)
            rows.append((level, name, len(files), lines))
    return rows


def main() -> int:
    rows = layer_sizes()
    print("| layer | package or module | modules | lines |\n|---|---|---|---|")
    for level, name, modules, lines in rows:
        print(f"| {level} | `{name}` | {modules} | {lines:,} |")
    print(f"| | all of course_lib | {sum(r[2] for r in rows)} | {sum(r[3] for r in rows):,} |")
    library = sum(r[3] for r in rows if r[0] <= 6)
    print(f"\nthe library a prototyper uses (layers 0-6): {library:,} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
