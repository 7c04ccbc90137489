"""Sentences about a run's numbers that cannot drift from the run (every lesson; lesson 03 first).

A sentence in Markdown such as "the ARMA model wins" was true the day it was
written. After a change of data, seed or library it may be false, and
nothing notices. So a lesson states every comparison between numbers it
prints in one of two ways, both in code:

* **produced from the numbers**: :func:`compare` (or
  :func:`course_lib.evaluate.uncertainty.difference_sentence` when the
  comparison has an interval) writes the sentence, so it always says what
  the run shows;
* **claimed**: :func:`claim` states the sentence the lesson's prose relies
  on together with the test that makes it true. It prints the sentence when
  the run agrees and raises :class:`ClaimError` when it does not, so the
  notebook (and its nbval test) fails instead of teaching something false.

Prose around a claim may repeat it; it must not compare numbers that no
claim checks. ``tests/test_claims.py`` lists every claim of every lesson.
"""
from __future__ import annotations


class ClaimError(AssertionError):
    """A lesson's sentence that this run's numbers contradict."""


def claim(text: str, holds, evidence: str = "") -> None:
    """State ``text``; raise :class:`ClaimError` unless ``holds`` is true.

    ``evidence`` (the numbers behind it) is printed with the sentence and
    included in the error. Returns nothing, so a cell that ends with a claim
    shows its line once, not a second time as the cell's result.
    """
    detail = f" ({evidence})" if evidence else ""
    if not bool(holds):
        raise ClaimError(f"the lesson says: {text!r}, but this run contradicts it{detail}. "
                         "Rewrite the sentence (and the prose that relies on it), or find out "
                         "why the numbers changed.")
    print(f"✔ checked on this run: {text}{detail}")


def compare(name_a: str, value_a: float, name_b: str, value_b: float, metric: str, *,
            higher_is_better: bool, digits: int = 3) -> str:
    """The sentence that compares two printed numbers, written from them.

    ``compare("RNN", 0.95, "ARMA", 0.81, "MASE(m=6)", higher_is_better=False)``
    -> ``"ARMA has the lower MASE(m=6): 0.810 against 0.950 for RNN"``.
    """
    a, b = round(float(value_a), digits), round(float(value_b), digits)
    if a == b:
        return f"{name_a} and {name_b} have the same {metric} ({a:.{digits}f})"
    a_wins = (a > b) == higher_is_better
    winner, loser = (name_a, name_b) if a_wins else (name_b, name_a)
    w, v = (a, b) if a_wins else (b, a)
    word = "higher" if (w > v) else "lower"
    return f"{winner} has the {word} {metric}: {w:.{digits}f} against {v:.{digits}f} for {loser}"
