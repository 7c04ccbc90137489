"""The checker of exercise 05.4 (reading an interval over test sessions): each misreading gets its own hint."""
from __future__ import annotations

import numpy as np
import pytest

from course_lib.course.lesson05_checks import better_than_baseline


@pytest.fixture(scope="module")
def exercise():
    """The exercise's data: 300 test sessions, ranks that share how hard each session is."""
    rng = np.random.default_rng(51)
    sizes = rng.integers(2, 8, 300)
    units = np.repeat(np.arange(300), sizes)
    n = len(units)
    hard = rng.gamma(1.5, 6, 300)[units]
    markov = np.ceil(hard * rng.uniform(0.5, 1.5, n)).astype(int)
    other = np.ceil(rng.gamma(1.5, 6, 300)[units] * rng.uniform(0.5, 1.5, n)).astype(int)
    ranks = {"markov": markov,
             "A": np.maximum(1, markov - (rng.random(n) < 0.25).astype(int)),
             "B": np.where(rng.random(300)[units] < 0.5, markov, np.maximum(1, other - 1)),
             "C": markov + 2 * (rng.random(n) < 0.3)}
    return ranks, units


@pytest.mark.parametrize("answer, verdict", [
    (None, "not attempted"),
    (["A"], "correct"),
    ("A", "correct"),
    (["A", "B"], "B has a higher MRR@20, but the interval"),
    (["B"], "B has a higher MRR@20, but the interval"),
    ([], "read the paired difference"),
    (["A", "C"], "worse, not better"),
    (3, "give a list of model names"),
])
def test_each_reading_gets_its_verdict(capsys, exercise, answer, verdict):
    ranks, units = exercise
    better_than_baseline(answer, ranks, units, "markov")
    assert verdict in capsys.readouterr().out
