"""Seeded pipelines print the same tables in two fresh processes; lessons seed what they draw.

Two halves, which together replace running whole lessons again (issue 14: the
suite ran lessons 03 and 05 once more only to compare their tables):

* ``repeatable_run.py`` is lessons 03, 05 and 07's pipelines at a small size
  (the lessons' own seeding, data, splits, tuning on validation, models and
  intervals). It runs twice, in two fresh Pythons with different hash seeds
  (set iteration order changes between them, as between two learners'
  runs), and both must print the same tables. A deliberately unseeded model
  is caught by the same comparison.
* Every lesson seeds NumPy (and from lesson 04 on, Keras) in its first code cell, and none draws
  from an unseeded generator or tunes within a time budget (which would make
  its choices depend on the machine's speed). A deliberately broken cell is
  caught.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = Path(__file__).with_name("repeatable_run.py")
NOTEBOOKS = sorted(p for folder in ("notebooks", "solutions", "exercises")
                   for p in (ROOT / folder).glob("*.ipynb"))


def printed_twice() -> tuple[str, str]:
    """What ``repeatable_run.py`` prints in two fresh processes (hash seeds 1 and 2).

    One after the other: the second reads the programs the first compiled from
    the suite's JAX compilation cache, instead of both compiling them at once
    (measured on an otherwise idle machine: 30 s wall and 37 CPU s one after the
    other, against 25 s and 49 CPU s side by side; in the suite, whose two
    groups keep both cores busy, the CPU seconds are what count).
    """
    outputs = []
    for seed in (1, 2):
        run = subprocess.run([sys.executable, str(RUN)], cwd=ROOT, text=True, capture_output=True,
                             env={**os.environ, "PYTHONHASHSEED": str(seed)}, timeout=600)
        assert run.returncode == 0, run.stderr[-3000:]
        outputs.append(run.stdout)
    return outputs[0], outputs[1]


@pytest.fixture(scope="module")
def two_runs() -> list[tuple[str, str]]:
    """The two runs' output, as (the seeded pipelines, the deliberately unseeded model)."""
    from repeatable_run import UNSEEDED_MARK

    runs = [out.split(UNSEEDED_MARK + "\n") for out in printed_twice()]
    assert all(len(parts) == 2 for parts in runs), runs[0][-3000:]
    return [tuple(parts) for parts in runs]


@pytest.mark.slow
def test_the_lessons_pipelines_print_the_same_tables_in_two_fresh_processes(two_runs):
    (first, _), (second, _) = two_runs
    assert "chosen on validation:" in first and "baseline:" in first
    for model in ("markov", "sknn", "gru4rec", "lstm", "sasrec"):
        assert f",{model}," in first, f"{model} missing from the leaderboard"
    assert first.count("\n") >= 30, first
    assert first == second


@pytest.mark.slow
def test_an_unseeded_model_is_caught(two_runs):
    (_, first), (_, second) = two_runs
    assert "noisy-markov" in first
    assert first != second


# a call that draws without a seed, or a choice made within a time budget
UNSEEDED = [
    (re.compile(r"default_rng\(\s*\)"), "default_rng() without a seed"),
    (re.compile(r"np\.random\.(rand|randn|randint|random|choice|normal|uniform|permutation|shuffle)\("),
     "NumPy's global generator (draw from default_rng(SEED))"),
    (re.compile(r"(?<![\w.])random\.(random|randint|choice|shuffle|sample|uniform)\("), "Python's random module"),
    (re.compile(r"seed\s*=\s*None"), "seed=None"),
    (re.compile(r"budget_s\s*=\s*(?!math\.inf\b|0\b)|--budget-s\s+(?!0\b)"),
     "a time budget (the choices would depend on the machine's speed: math.inf or 0)"),
]


TUNERS = re.compile(r"\b(run_tasks|tune_models|tune_on_validation)\(")


def unseeded_lines(source: str) -> list[str]:
    """The lines of ``source`` (a notebook's code) that draw without a seed or tune within a budget.

    The task layer's tuners default to a 100 s budget (the command line's),
    so code that calls one must set ``budget_s`` itself (math.inf or 0).
    """
    found = [f"{why}: {line.strip()}" for line in source.splitlines() for pattern, why in UNSEEDED
             if pattern.search(line)]
    if TUNERS.search(source) and not re.search(r"budget_s\s*=", source):
        found.append("a tuner with its default time budget of 100 s: set budget_s=math.inf (or 0)")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebooks_seed_what_they_draw(path):
    code = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    if path.parent.name == "notebooks":
        assert "np.random.seed(SEED)" in code[0], f"{path.name}: the first code cell seeds NumPy"
        if path.name >= "04":  # the deep-learning half trains networks
            assert "keras.utils.set_random_seed(SEED)" in code[0], f"{path.name}: the first code cell seeds Keras"
    found = unseeded_lines("\n".join(code))
    assert not found, f"{path.relative_to(ROOT)}: " + "; ".join(found)


def test_the_notebook_check_catches_unseeded_draws_and_budgets():
    assert unseeded_lines("rng = np.random.default_rng(SEED)\nx = rng.normal()\n"
                          "s = NextItemSettings(models=('gru4rec', 'sknn'),\n    budget_s=math.inf)\n"
                          "run_tasks(events, Settings(next_item=s))\n--budget-s 0") == []
    for broken in ("rng = np.random.default_rng()", "x = np.random.normal(size=3)", "random.shuffle(items)",
                   "SessionRNN(seed=None)", "tune_model(gru, valid, budget_s=30)",
                   "!course-lib report log.csv --budget-s 30", "results = run_tasks(events, Settings())"):
        assert unseeded_lines(broken), broken
