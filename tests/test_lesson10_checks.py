"""Lesson 10's exercise checkers: each gives the three verdicts, and a hint for the usual slips."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from course_lib.datasets import make_shop
from course_lib.course import lesson10_checks as check

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "boutique_events.csv.gz"
MAPPING = {"user": "visitor", "session": "visit", "item": "article", "time": "stamp", "event": "action"}


def verdict(capsys, fn, *args, **kwargs):
    fn(*args, **kwargs)
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0, out
    return out


@pytest.fixture(scope="module")
def clicks(tmp_path_factory):
    shop = make_shop(2_000, seed=4).events
    frame = pd.DataFrame({"visitor": shop["user_id"],
                          "visit": "S" + shop["session_id"].astype(str).str.zfill(5),
                          "article": shop["item_id"],
                          "stamp": (shop["timestamp"] - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1),
                          "action": shop["event_type"].astype(str)})
    path = tmp_path_factory.mktemp("clicks") / "clicks.csv"
    frame.to_csv(path, index=False)
    return path


def test_time_format(capsys):
    texts = ["01-31-2024 02:05 PM", "12-13-2024 11:59 PM"]
    meant = ["2024-01-31 14:05", "2024-12-13 23:59"]
    assert "not attempted" in verdict(capsys, check.time_format, None, texts, meant)
    assert ": correct" in verdict(capsys, check.time_format, "%m-%d-%Y %I:%M %p", texts, meant)
    assert "%I (12-hour clock)" in verdict(capsys, check.time_format, "%m-%d-%Y %H:%M %p", texts, meant)
    assert "cannot read" in verdict(capsys, check.time_format, "%d-%m-%Y %I:%M %p", texts, meant)
    assert "swapped" in verdict(capsys, check.time_format, "%d-%m-%Y %I:%M %p", ["03-02-2024 02:05 PM"],
                                ["2024-03-02 14:05"])


def test_column_mapping(capsys, clicks):
    assert "not attempted" in verdict(capsys, check.column_mapping, None, clicks, MAPPING)
    assert ": correct" in verdict(capsys, check.column_mapping, MAPPING, clicks, MAPPING)
    no_session = {k: v for k, v in MAPPING.items() if k != "session"}
    assert "own session column" in verdict(capsys, check.column_mapping, no_session, clicks, MAPPING)
    assert "the loader says: no column for timestamp" in verdict(
        capsys, check.column_mapping, {"user": "visitor"}, clicks, MAPPING)
    swapped = {**MAPPING, "user": "visit", "session": "visitor"}
    assert "wrong thing" in verdict(capsys, check.column_mapping, swapped, clicks, MAPPING)
    assert "unexpected keyword" in verdict(capsys, check.column_mapping, {**MAPPING, "usr": "x"}, clicks, MAPPING)


def test_first_bad_line(capsys, clicks, tmp_path):
    lines = clicks.read_text().splitlines(keepends=True)
    lines[99] = lines[99].rstrip("\n") + ",extra\n"
    edited = tmp_path / "edited.csv"
    edited.write_text("".join(lines))
    assert ": correct" in verdict(capsys, check.first_bad_line, 100, edited, MAPPING)
    assert "counts data rows" in verdict(capsys, check.first_bad_line, 99, edited, MAPPING)
    assert "0-based" in verdict(capsys, check.first_bad_line, 98, edited, MAPPING)
    assert "not attempted" in verdict(capsys, check.first_bad_line, None, edited, MAPPING)


def test_sessions_with_gap(capsys, clicks):
    no_session = {k: v for k, v in MAPPING.items() if k != "session"}
    from course_lib.datasets import load_events

    right = load_events(clicks, **no_session, session_gap="2min")["session_id"].nunique()
    default = load_events(clicks, **no_session)["session_id"].nunique()
    assert right != default
    assert ": correct" in verdict(capsys, check.sessions_with_gap, right, clicks, no_session, "2min")
    assert "default gap" in verdict(capsys, check.sessions_with_gap, default, clicks, no_session, "2min")
    assert "a number" in verdict(capsys, check.sessions_with_gap, "many", clicks, no_session, "2min")
