"""The exercise system: checkers give three verdicts; exercises/ is generated from solutions/."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from course_lib.datasets import make_shop
from course_lib.prep import daily_series, time_split
from course_lib.course import lesson00_checks as check

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def events():
    return make_shop(5_000, seed=1).events


def verdict(capsys, fn, *args):
    fn(*args)
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0, out
    return out


def test_conversion_rate_checker(capsys, events):
    right = events.loc[events["event_type"] == "purchase", "session_id"].nunique() / events["session_id"].nunique()
    assert "not attempted" in verdict(capsys, check.session_conversion_rate, None, events)
    assert ": correct" in verdict(capsys, check.session_conversion_rate, right, events)
    assert "wrong, hint: that is purchases per *event*" in verdict(
        capsys, check.session_conversion_rate, (events["event_type"] == "purchase").mean(), events)
    assert "percentage" in verdict(capsys, check.session_conversion_rate, 100 * right, events)
    assert ": wrong" in verdict(capsys, check.session_conversion_rate, "0.5", events)


def test_weekday_checker(capsys, events):
    daily = daily_series(events, event_type="view")
    best = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][int(daily.groupby(daily.index.day_of_week).mean().idxmax())]
    assert ": correct" in verdict(capsys, check.busiest_weekday, best, daily)
    assert ": correct" in verdict(capsys, check.busiest_weekday, best.upper() + "DAY", daily)
    other = "Mon" if best != "Mon" else "Tue"
    assert ": wrong, hint" in verdict(capsys, check.busiest_weekday, other, daily)
    assert "weekday name" in verdict(capsys, check.busiest_weekday, "Funday", daily)


def test_top_share_checker(capsys, events):
    views = events.loc[events["event_type"] == "view", "item_id"].value_counts()
    n = round(0.2 * len(views))
    assert ": correct" in verdict(capsys, check.top_share, views.iloc[:n].sum() / views.sum(), events)
    assert ": wrong" in verdict(capsys, check.top_share, 0.2, events)
    assert "not attempted" in verdict(capsys, check.top_share, ..., events)


def test_split_checker_catches_each_leak_and_each_missing_part(capsys, events):
    # cut inside a session, so that one session straddles it
    long = events.groupby("session_id").filter(lambda g: len(g) > 3)
    cut = long.groupby("session_id")["timestamp"].nth(2).iloc[len(long) // 20]
    train, test = time_split(events, cut)

    def says(train_answer, test_answer):
        return verdict(capsys, check.leak_free_split, train_answer, test_answer, cut, events)

    assert ": correct" in says(train, test) and "in progress at the cut: 1" in says(train, test)
    assert ": correct" in says(train.sample(frac=1, random_state=0), test)        # order does not matter
    before = events[events["timestamp"] < cut]                                    # nor the index
    after = events[events["timestamp"] >= cut]
    assert ": correct" in says(before, after[~after["session_id"].isin(before["session_id"])])
    assert "learn from the future" in says(events, test)
    assert "before the cut" in says(train, events)
    assert "in both sets" in says(train, after)
    # the straddling session dropped from train instead of from test: no leak, but train is incomplete
    straddling = set(train["session_id"]) & set(after["session_id"])
    assert "every event before the cut" in says(train[~train["session_id"].isin(straddling)], after)
    assert "every event before the cut" in says(train.iloc[:-10], test)
    assert "every event at or after the cut" in says(train, test.head(5))
    assert "not attempted" in says(None, None)


def test_committed_exercises_match_a_fresh_generation():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_exercises.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generation_removes_solutions_and_keeps_stubs(tmp_path):
    import nbformat

    sys.path.insert(0, str(ROOT / "scripts"))
    from make_exercises import to_exercise

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Intro\n<!-- BEGIN SOLUTION -->\nsecret\n<!-- END SOLUTION -->\nend"),
        nbformat.v4.new_code_cell("x = None  # your answer\n# BEGIN SOLUTION\nx = 42\n# END SOLUTION"),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\ncheck(x)", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="✔ Exercise 9.1: correct, yes\n")]),
    ])
    ex = to_exercise(nb)
    assert "secret" not in ex.cells[0].source and "end" in ex.cells[0].source
    assert ex.cells[1].source == "x = None  # your answer"
    assert "Exercise 9.1: not attempted" in ex.cells[2].outputs[0]["text"]
    assert "x = 42" in nb.cells[1].source  # the solution notebook itself is untouched
