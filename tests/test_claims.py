"""Claims that cannot drift (course_lib.show.claims): listed for every lesson, and caught when false.

A lesson states each comparison between numbers it prints with ``claim(text,
holds)`` (or writes the sentence from the numbers with ``compare`` and the
interval sentences). This file lists every claim of every notebook
(``pytest tests/test_claims.py -s`` prints them), checks that each states its
sentence literally, and runs lessons' own claim cells on numbers that
contradict them: each must raise ``ClaimError``, which fails the notebook
under nbval.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course_lib.show.claims import ClaimError, claim, compare

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for folder in ("notebooks", "solutions") for p in (ROOT / folder).glob("[0-9][0-9]_*.ipynb"))
SENTENCE_MAKERS = {"claim", "compare", "difference_sentence", "skill_sentence", "versus", "describe"}


def code_cells(path: Path) -> list[tuple[int, str]]:
    cells = json.loads(path.read_text())["cells"]
    return [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "code"]


def calls(source: str, names=SENTENCE_MAKERS) -> list[ast.Call]:
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if name in names:
                found.append(node)
    return found


def claims_in(path: Path) -> list[tuple[int, str]]:
    """(cell, sentence as written) of every claim(...) in a notebook."""
    out = []
    for i, source in code_cells(path):
        for node in calls(source, {"claim"}):
            text = node.args[0] if node.args else None
            if not isinstance(text, (ast.Constant, ast.JoinedStr)) or len(node.args) + len(node.keywords) < 2:
                raise AssertionError(f"{path.name} cell {i}: claim(text, holds) needs its sentence as a "
                                     f"string literal and a condition: {ast.unparse(node)}")
            out.append((i, ast.unparse(text)))
    return out


def test_every_claim_is_listed_with_its_sentence():
    listing = {p.relative_to(ROOT).as_posix(): claims_in(p) for p in NOTEBOOKS}
    for name, found in listing.items():
        for cell, text in found:
            print(f"{name} cell {cell}: {text}")
    # the lessons that use the mechanism so far
    assert len(listing["notebooks/00_setup_and_data_tour.ipynb"]) >= 1
    assert len(listing["notebooks/01_autoregressive_models.ipynb"]) >= 3
    assert len(listing["notebooks/02_moving_average_models.ipynb"]) >= 2
    assert len(listing["notebooks/03_arma_and_forecast_evaluation.ipynb"]) >= 5
    assert len(listing["notebooks/04_recurrent_networks.ipynb"]) >= 3
    assert len(listing["notebooks/06_graph_neural_networks.ipynb"]) >= 3
    assert len(listing["notebooks/07_attention_sequence_models.ipynb"]) >= 5
    assert len(listing["notebooks/05_lstm_gru_next_item.ipynb"]) >= 3
    assert len(listing["notebooks/10_your_own_data.ipynb"]) >= 1


def test_claim_prints_when_true_and_raises_when_false(capsys):
    assert claim("2 is less than 3", 2 < 3, evidence="2 against 3") is None   # a cell's last line shows it once
    assert capsys.readouterr().out == "✔ checked on this run: 2 is less than 3 (2 against 3)\n"
    with pytest.raises(ClaimError, match="the lesson says: '3 is less than 2', but this run contradicts it"):
        claim("3 is less than 2", 3 < 2)
    with pytest.raises(ClaimError):
        claim("an empty table has rows", pd.Series([], dtype=float).any())


def test_compare_writes_the_sentence_from_the_numbers():
    assert compare("RNN", 0.95, "ARMA", 0.81, "MASE", higher_is_better=False) == \
        "ARMA has the lower MASE: 0.810 against 0.950 for RNN"
    assert compare("GRU", 0.31, "Markov", 0.29, "MRR@20", higher_is_better=True) == \
        "GRU has the higher MRR@20: 0.310 against 0.290 for Markov"
    assert compare("a", 0.3001, "b", 0.3004, "HR", higher_is_better=True) == "a and b have the same HR (0.300)"


def cell_with(path: Path, needle: str) -> str:
    found = [s for _, s in code_cells(path) if needle in s and "claim(" in s]
    assert len(found) == 1, f"{path.name}: expected one claim cell with {needle!r}"
    return found[0]


def run_cell(source: str, namespace: dict) -> None:
    exec(compile(source, "<lesson cell>", "exec"), {"claim": claim, "compare": compare, **namespace})


class FakeChoice:
    """Just what lesson 04's verdict cell reads from a ForecastChoice."""

    def __init__(self, validation, test):
        self.validation, self.test = validation, test

    def versus(self, a, b):
        return f"{a} against {b}"


RNNS = [f"RNN(16) window 12, seed {s}" for s in (0, 1, 2)]


def lesson04_table(rnn: list[float], arma: float, snaive: float, rnn_s: float = 60.0, arma_s: float = 5.0):
    names = ["seasonal naive (m=6)", "ARIMA(0,1,1) + weekday", *RNNS]
    return pd.DataFrame({"model": names, "MASE(m=6)": [snaive, arma, *rnn],
                         "fit_seconds": [0.0, arma_s, rnn_s, rnn_s, rnn_s]})


def test_lesson04_verdict_is_checked_against_the_run(capsys):
    """Lesson 04's own verdict cell, on numbers that agree and on numbers that contradict it."""
    source = cell_with(ROOT / "notebooks" / "04_recurrent_networks.ipynb", "RNN_NAMES")

    def run(valid, test):
        run_cell(source, {"choice": FakeChoice(valid, test), "board": test, "valid": valid.set_index("model"),
                          "RNN_NAMES": RNNS, "ARMA_NAME": "ARIMA(0,1,1) + weekday"})

    agree = lesson04_table(rnn=[1.10, 1.2, 1.3], arma=0.90, snaive=1.00)
    run(agree, agree)
    assert capsys.readouterr().out.count("checked on this run") == 2
    one_seed_wins = lesson04_table(rnn=[1.10, 0.85, 1.3], arma=0.90, snaive=1.00)
    with pytest.raises(ClaimError, match="loses to the ARMA"):
        run(agree, one_seed_wins)
    beats_naive_on_test = lesson04_table(rnn=[0.95, 0.97, 0.99], arma=0.90, snaive=1.00)
    with pytest.raises(ClaimError, match="seasonal naive"):
        run(agree, beats_naive_on_test)
    ahead_on_validation = lesson04_table(rnn=[0.95, 1.2, 1.3], arma=0.90, snaive=1.00)
    run(ahead_on_validation, agree)     # the validation block may differ: the cell says how, no claim
    assert "1 of the 3 seeds had a lower MASE" in capsys.readouterr().out


def test_lesson03_claims_are_checked_against_the_run():
    """Lesson 03's claim that plain ARMA loses to seasonal naive on validation, contradicted."""
    source = cell_with(ROOT / "notebooks" / "03_arma_and_forecast_evaluation.ipynb", "PLAIN_ARMA")
    names = ["seasonal naive (m=6)", "ARMA(2,3)", "ARMA(3,2) log", "ARIMA(0,1,1) + weekday log"]
    ok = pd.DataFrame({"model": names, "MASE(m=6)": [1.0, 1.2, 1.5, 0.9]})
    namespace = {"M": 6, "P": 2, "Q": 3, "P_LOG": 3, "Q_LOG": 2, "np": np,
                 "choice": type("C", (), {"validation": ok, "chosen": "ARIMA(0,1,1) + weekday log"})()}
    run_cell(source, namespace)
    arma_wins = ok.assign(**{"MASE(m=6)": [1.0, 0.95, 1.5, 0.9]})
    namespace["choice"].validation = arma_wins
    with pytest.raises(ClaimError, match="plain ARMA"):
        run_cell(source, namespace)


def lesson07_ranks(sasrec_shift: float, n_sessions: int = 300, per_session: int = 3):
    """Fake target ranks of lesson 07's models: the neural ones near the top, markov lower."""
    rng = np.random.default_rng(0)
    n = n_sessions * per_session
    base = rng.integers(1, 30, size=n)
    ranks = {"pop": base + 40, "markov": base + 4, "sknn": base + 10, "gru4rec": np.maximum(base - 2, 1),
             "sasrec": np.maximum(base - 1 + sasrec_shift, 1).astype(int)}
    return ranks, np.repeat(np.arange(n_sessions), per_session)


def test_lesson07_comparisons_are_printed_from_intervals_and_the_claim_is_caught(capsys):
    """Lesson 07's leaderboard sentences: printed from the intervals, and its claim fails when
    SASRec is made worse than the baseline."""
    from course_lib.evaluate.uncertainty import difference_sentence, ranking_intervals, vs_column

    source = cell_with(ROOT / "notebooks" / "07_attention_sequence_models.ipynb", "neural = [")

    def namespace(shift):
        ranks, units = lesson07_ranks(shift)
        board = pd.DataFrame({"model": list(ranks), "train_s": np.arange(len(ranks), dtype=float)})
        return {"ranks": ranks, "units": units, "baseline": "markov", "board": board,
                "intervals": ranking_intervals(ranks, units, baseline="markov"),
                "ranking_intervals": ranking_intervals, "difference_sentence": difference_sentence,
                "vs_column": vs_column}

    run_cell(source, namespace(0))
    out = capsys.readouterr().out
    assert "sasrec +" in out and "over markov, 95 % CI" in out and "checked on this run" in out
    assert "highest MRR@20: gru4rec" in out
    with pytest.raises(ClaimError, match="each beat the best simple baseline"):
        run_cell(source, namespace(12))


def lesson05_board(pop_mrr: float, gru_s: float = 20.0):
    """What lesson 05's claim cell reads: the ranked board (a few rows, interval columns)."""
    models = ["gru4rec", "lstm", "markov", "sknn", "pop"]
    mrr = np.array([0.60, 0.59, 0.47, 0.45, pop_mrr])
    return pd.DataFrame({"model": models, "MRR@20": mrr, "MRR@20_lower": mrr - 0.01,
                         "MRR@20_upper": mrr + 0.01, "train_s": [gru_s, 18.0, 0.04, 0.03, 0.01]})


def test_lesson05_claims_are_checked_against_the_run(capsys):
    """Lesson 05's claims (popularity far behind; neural models train longer), contradicted."""
    source = cell_with(ROOT / "notebooks" / "05_lstm_gru_next_item.ipynb", "popularity is far behind")
    namespace = {"BASELINES": ("pop", "markov", "sknn")}
    run_cell(source, {**namespace, "board": lesson05_board(pop_mrr=0.02)})
    assert capsys.readouterr().out.count("checked on this run") == 2
    with pytest.raises(ClaimError, match="popularity is far behind"):
        run_cell(source, {**namespace, "board": lesson05_board(pop_mrr=0.445)})
    with pytest.raises(ClaimError, match="training time"):
        run_cell(source, {**namespace, "board": lesson05_board(pop_mrr=0.02, gru_s=0.01)})


def test_lesson05_seed_claim_is_checked_against_the_run():
    """Lesson 05's claim that seeds move the GRU less than the choice of test sessions, contradicted."""
    source = cell_with(ROOT / "notebooks" / "05_lstm_gru_next_item.ipynb", "ranked.seed_runs")

    class Runs:
        def per_seed(self, metrics):
            return pd.DataFrame({"seed": [0, 1, 2], "MRR@20": [0.59, 0.60, 0.61]})

    def ranked_with(spread):
        row = {"model": "gru4rec", "MRR@20": 0.6, "MRR@20_lower": 0.59, "MRR@20_upper": 0.61,
               "MRR@20_seed_sd": spread / 2, "MRR@20_seed_min": 0.6 - spread / 2,
               "MRR@20_seed_max": 0.6 + spread / 2}
        board = pd.DataFrame([row])
        return type("Ranked", (), {"seed_runs": {"gru4rec": Runs()}})(), board

    ranked, board = ranked_with(0.005)
    run_cell(source, {"ranked": ranked, "board": board})
    ranked, board = ranked_with(0.05)
    with pytest.raises(ClaimError, match="seeds"):
        run_cell(source, {"ranked": ranked, "board": board})


def test_lesson10_otto_claims_are_checked_against_the_run(tmp_path, capsys):
    """Lesson 10's claims on the 20 OTTO sessions (most tasks skipped; no model told apart), contradicted."""
    import matplotlib.pyplot as plt

    from course_lib.tasks.results import NextItemResult, TaskResult

    source = cell_with(ROOT / "notebooks" / "10_your_own_data.ipynb", "otto_results")

    def results(n_skipped: int, separable: bool):
        board = pd.DataFrame({"model": ["sknn", "gru4rec"], "MRR@20_vs_sknn_excludes_0": [False, separable]})
        board.attrs.update(baseline="sknn", n_predictions=10)
        out = [NextItemResult("next_item", "Next-item recommendation", leaderboard=board, notes=["a note"])]
        return out + [TaskResult(f"t{i}", f"task {i}", skipped="too few" if i < n_skipped else None)
                      for i in range(3)]

    def namespace(found):
        return {"otto_path": Path("otto.jsonl"), "otto": None, "settings": None, "plt": plt,
                "run_tasks": lambda *args, **kwargs: found, "write_report": lambda *args: tmp_path}

    run_cell(source, namespace(results(3, False)))
    assert capsys.readouterr().out.count("checked on this run") == 2
    with pytest.raises(ClaimError, match="too few for most tasks"):
        run_cell(source, namespace(results(1, False)))
    with pytest.raises(ClaimError, match="tells no model apart"):
        run_cell(source, namespace(results(3, True)))
