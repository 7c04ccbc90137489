"""Exercise feedback: "not attempted", "wrong, hint: ..." or "correct" (every lesson).

Each lesson's checkers (``course_lib.course.lessonNN_checks``) compute the
right answer from the same data the learner has, compare, and report with
:func:`report`. The texts come from here only, so the exercise generator
(``scripts/make_exercises.py``) can write the "not attempted" verdict the
untouched exercise notebooks print.
"""
from __future__ import annotations

import math

import numpy as np

NOT_ATTEMPTED, WRONG, CORRECT = "not attempted", "wrong", "correct"


def verdict_text(exercise_id: str, status: str, detail: str = "") -> str:
    """The one line a checker prints."""
    if status == NOT_ATTEMPTED:
        detail = detail or "replace the None above with your answer, then run this cell again."
    mark = {CORRECT: "✔", WRONG: "✘", NOT_ATTEMPTED: "…"}[status]
    return f"{mark} Exercise {exercise_id}: {status}" + (f", {detail}" if detail else "")


def report(exercise_id: str, status: str, detail: str = "") -> None:
    """Print the verdict (a checker returns nothing, so a notebook shows only the line)."""
    print(verdict_text(exercise_id, status, detail))


def is_missing(answer) -> bool:
    """An answer the learner has not filled in yet (None or ...)."""
    return answer is None or answer is Ellipsis


def close(answer, expected, rel: float = 1e-3, abs_: float = 1e-9) -> bool:
    """Numbers (or arrays of numbers) equal within a tolerance."""
    try:
        a = np.asarray(answer, dtype=float)
        e = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    if a.shape != e.shape:
        return False
    return bool(np.all(np.abs(a - e) <= abs_ + rel * np.abs(e))) and not (
        a.size == 1 and math.isnan(float(a.ravel()[0])))


def whole_number(answer) -> int | None:
    """An answer that must be a whole number (an order, a count, an item id) as an int; None when
    it is not one, e.g. 3.9 or "three", so that a checker never truncates 3.9 to a correct 3."""
    if isinstance(answer, (bool, np.bool_)):
        return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return int(value) if value.is_integer() else None


def answer_set(answer) -> set | None:
    """A model name or a list of them as a set (None: neither)."""
    try:
        return {answer} if isinstance(answer, str) else set(answer)
    except TypeError:
        return None


def against_baseline(table, baseline: str, vs: str, higher_is_better: bool):
    """For the interval exercises (03.4, 05.4): which models of ``table`` (rows: models, with
    ``vs`` and its ``_lower``/``_upper`` columns) beat ``baseline`` with an interval that excludes
    0, which only look better by their point value, and which look worse."""
    others = [m for m in table.index if m != baseline]
    sign = 1 if higher_is_better else -1
    edge = f"{vs}_lower" if higher_is_better else f"{vs}_upper"
    beat = {m for m in others if sign * table.loc[m, edge] > 0}
    looks_better = {m for m in others if sign * table.loc[m, vs] > 0}
    looks_worse = {m for m in others if sign * table.loc[m, vs] < 0}
    return beat, looks_better, looks_worse
