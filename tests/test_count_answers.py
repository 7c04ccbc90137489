"""Checkers whose answers are counts or ids take whole numbers only: 3.9 is not read as 3 (exercises
01.2, 02.3, 05.3, 06.3, 07.3 and 10.4 use ``course_lib.course.exercise.whole_number``)."""
from __future__ import annotations

import numpy as np
import pytest

from course_lib.course import lesson01_checks, lesson02_checks, lesson05_checks, lesson06_checks, lesson07_checks
from course_lib.course.exercise import whole_number


def verdict(capsys, check, *args):
    check(*args)
    return capsys.readouterr().out


PREFIX = [0, 0, 5, 9, 5, 7]    # nodes 5, 9, 7; edges 5->9, 9->5, 5->7


@pytest.mark.parametrize("answer, expected", [
    ((3, 3), "correct"), ([3.0, 3.0], "correct"), ((3.9, 3.2), "two whole numbers"),
    ("33", "a pair"), ((3, 3, 3), "a pair"), (3, "a pair")])
def test_session_graph_size_takes_two_whole_numbers(capsys, answer, expected):
    assert expected in verdict(capsys, lesson06_checks.session_graph_size, answer, PREFIX)


@pytest.mark.parametrize("answer, expected", [
    (548 * 64 + 10 * 64, "correct"), (548 * 64 + 10 * 64 + 28, "one dim-sized vector"),
    (548 * 64 + 10 * 64 + 0.5, "whole number"), (548 * 64, "add the position embeddings")])
def test_embedding_parameters_are_counted_exactly(capsys, answer, expected):
    assert expected in verdict(capsys, lesson07_checks.embedding_parameters, answer, 548, 10, 64)


def test_an_item_id_is_a_whole_number(capsys):
    sessions = [np.array([1, 2, 3]), np.array([1, 2, 4]), np.array([2, 3])]
    assert "correct" in verdict(capsys, lesson05_checks.most_frequent_successor, 2, sessions, 1)
    assert "whole number" in verdict(capsys, lesson05_checks.most_frequent_successor, 2.7, sessions, 1)


def test_whole_number_answers_are_not_truncated(capsys):
    assert [whole_number(a) for a in (3, 3.0, "3", np.int64(3))] == [3, 3, 3, 3]
    assert [whole_number(a) for a in (3.9, "three", None, True, float("nan"))] == [None] * 5
    p, q = len(lesson01_checks.MYSTERY_AR), len(lesson02_checks.MYSTERY_MA)
    assert ": correct" in verdict(capsys, lesson01_checks.ar_order, p)
    assert "whole number" in verdict(capsys, lesson01_checks.ar_order, p + 0.9)
    assert ": correct" in verdict(capsys, lesson02_checks.ma_order, float(q))
    assert "whole number" in verdict(capsys, lesson02_checks.ma_order, q + 0.5)
