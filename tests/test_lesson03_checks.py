"""The checker of exercise 03.4 (reading an interval): each misreading gets its own hint."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from course_lib.course.lesson03_checks import better_than_benchmark


@pytest.fixture(scope="module")
def per_origin():
    rng = np.random.default_rng(34)   # the exercise's data
    hard = rng.gamma(4, 0.25, 30)
    return pd.DataFrame({"seasonal naive": hard, "A": hard * 0.90 + rng.normal(0, 0.03, 30),
                         "B": hard * 0.97 + rng.normal(0, 0.25, 30),
                         "C": hard * 1.08 + rng.normal(0, 0.03, 30)}).round(3)


@pytest.mark.parametrize("answer, verdict", [
    (None, "not attempted"),
    (["A"], "correct"),
    ("A", "correct"),
    (["A", "B"], "B has a lower MASE, but the interval"),
    (["B"], "B has a lower MASE, but the interval"),
    ([], "read the paired difference"),
    (["A", "C"], "worse, not better"),
    (3, "give a list of model names"),
])
def test_each_reading_gets_its_verdict(capsys, per_origin, answer, verdict):
    better_than_benchmark(answer, per_origin, "seasonal naive")
    assert verdict in capsys.readouterr().out
