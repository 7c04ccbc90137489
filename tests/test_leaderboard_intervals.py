"""Every leaderboard of the tasks and the CLI carries its intervals (issue 13): next item (sessions
as units, seeds), yes/no (cases), demand (chosen on validation origins), the report's trust section."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import course_lib  # noqa: F401  (chooses the Keras backend first)
from course_lib.datasets import make_shop
from course_lib.evaluate.next_item import board_with_intervals, choose_baseline, leaderboard, metrics_row, verdict
from course_lib.prep.holidays import easter, holidays_between
from course_lib.tasks.next_item import rank_models, split_log
from course_lib.tasks.settings import NextItemSettings
from cli_runner import course_lib_command

METRICS = ("HR@10", "HR@20", "MRR@20", "NDCG@10")


def contains_point(board, metrics=METRICS) -> bool:
    return all(((board[f"{m}_lower"] <= board[m] + 1e-12) & (board[m] <= board[f"{m}_upper"] + 1e-12)).all()
               for m in metrics)


@pytest.fixture(scope="module")
def big_split():
    """About 10,000 test predictions (lesson 05's shop and test window)."""
    events = make_shop(100_000, seed=0).events
    settings = NextItemSettings(models=("pop", "markov"), test_days=14, budget_s=0)
    split, _ = split_log(events, settings)
    return split, settings


def test_mrr_interval_is_a_few_hundredths_wide_at_10000_predictions(big_split):
    split, settings = big_split
    ranked = rank_models(split, settings, progress=False, log=lambda m: None)
    board = ranked.board
    assert 9_000 <= board.attrs["n_predictions"] <= 15_000, board.attrs["n_predictions"]
    assert contains_point(board)
    width = (board["MRR@20_upper"] - board["MRR@20_lower"]).max()
    assert 0.005 < width < 0.03, width
    # no validation scores: the baseline is the best on the test, and the note says so
    assert ranked.baseline == "markov" and "test window" in ranked.baseline_note
    assert board.set_index("model").loc["pop", "MRR@20_vs_markov_excludes_0"]
    assert verdict(board, ("pop", "markov")).startswith("Only markov was evaluated") is False
    # the interval columns cost a fraction of a second: the ranks are not scored again
    assert ranked.interval_seconds < 30
    # validation scores given for models without a tuning result (lesson 09): they choose it
    on_validation = rank_models(split, settings, progress=False, log=lambda m: None,
                                validation={"pop": 0.5, "markov": 0.1})
    assert on_validation.baseline == "pop" and "validation window (MRR@20 0.5000)" in on_validation.baseline_note
    assert "MRR@20_vs_pop" in on_validation.board


def test_every_model_is_fitted_with_the_fit_it_is_given(big_split):
    """Lesson 09 passes RecordedChoices.fitted, which restores a recorded network instead."""
    split, settings = big_split
    fitted = []

    def fit(model, sessions, n_items, progress=False):
        assert sessions is split.train and n_items == split.n_items
        fitted.append(model.name)
        return model.fit(sessions, n_items)

    given = rank_models(split, settings, progress=False, log=None, fit=fit)
    assert fitted == ["pop", "markov"]
    timing = [c for c in given.board if c.endswith("_s")]
    pd.testing.assert_frame_equal(given.board.drop(columns=timing),
                                  rank_models(split, settings, progress=False, log=None).board.drop(columns=timing))


def fake_board(ranks: dict, units, validation=None):
    rows = [metrics_row(name, r, 1.0, 0.1, 10) for name, r in ranks.items()]
    board = leaderboard(rows)
    baseline, how = choose_baseline(board, ("pop", "markov"), validation)
    out = board_with_intervals(board, ranks, units, baseline=baseline, n_resamples=500)
    out.attrs.update(baseline_note=how)
    return out


def test_a_winner_is_named_only_when_the_interval_excludes_0():
    rng = np.random.default_rng(0)
    units = np.repeat(np.arange(400), 5)
    markov = rng.integers(1, 40, len(units))
    clearly = np.maximum(1, markov // 3)                       # every rank better
    same = np.where(rng.random(len(units)) < 0.5, markov, markov[::-1])  # a shuffle: no real gain
    board = fake_board({"markov": markov, "gru4rec": clearly}, units)
    assert verdict(board, ("pop", "markov")).startswith("gru4rec beats the best simple baseline, markov")
    board = fake_board({"markov": markov, "gru4rec": same}, units)
    sentence = verdict(board, ("pop", "markov"))
    assert "cannot be told apart on this test window" in sentence and "95 % CI" in sentence
    worse = fake_board({"markov": markov, "gru4rec": markov * 3}, units)
    assert verdict(worse, ("pop", "markov")).startswith("The best simple baseline, markov, beats gru4rec")


def test_the_baseline_is_chosen_on_validation_not_on_the_test():
    ranks = {"pop": np.full(150, 2), "markov": np.full(150, 5), "gru4rec": np.full(150, 1)}
    board = leaderboard([metrics_row(n, r, 0, 0, 0) for n, r in ranks.items()])
    assert choose_baseline(board, ("pop", "markov"), {"pop": 0.1, "markov": 0.3})[0] == "markov"
    assert choose_baseline(board, ("pop", "markov"))[0] == "pop"          # no validation: the test
    assert choose_baseline(board, ("sknn",))[0] is None


@pytest.fixture(scope="module")
def shop_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("shop") / "shop_events.csv"
    make_shop(20_000, seed=0).events.to_csv(path, index=False)
    return path


def run(*args):
    return course_lib_command(*args)


def test_cli_next_item_csv_has_interval_columns_and_seed_spread(shop_csv, tmp_path):
    out = tmp_path / "o"
    result = run("next-item", shop_csv, "--models", "pop,markov,gru4rec", "--budget-s", "0",
                 "--epochs", "1", "--seeds", "2", "--resamples", "500", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    board = pd.read_csv(out / "leaderboard.csv")
    for m in METRICS:
        assert {f"{m}_lower", f"{m}_upper", f"{m}_vs_markov", f"{m}_vs_markov_lower",
                f"{m}_vs_markov_upper", f"{m}_vs_markov_excludes_0"} <= set(board.columns)
    assert contains_point(board.round(3), METRICS) or contains_point(board)
    rows = board.set_index("model")
    assert rows.loc["gru4rec", "seeds"] == 2 and rows.loc["markov", "seeds"] == 1
    assert rows.loc["gru4rec", "MRR@20_seed_min"] <= rows.loc["gru4rec", "MRR@20"] <= rows.loc["gru4rec", "MRR@20_seed_max"]
    assert np.isnan(rows.loc["markov", "MRR@20_seed_sd"])
    # the printed table says it plainly
    assert "MRR@20 (95% CI)" in result.stdout and "MRR@20 vs markov" in result.stdout
    assert "paired bootstrap resamples of the" in result.stdout and "± sd over seeds" in result.stdout
    assert ("cannot be told apart" in result.stdout) or ("beats" in result.stdout)


def test_yes_no_leaderboards_have_intervals_over_cases():
    from course_lib.tasks.intent import intent_task

    result = intent_task(make_shop(20_000, seed=0).events, progress=False)
    board = result.leaderboard
    assert contains_point(board, ("ROC-AUC", "PR-AUC"))
    baseline = board.attrs["baseline"]
    assert baseline == "rule: carts so far" and f"PR-AUC_vs_{baseline}_excludes_0" in board
    assert board.attrs["n_units"] == len(result.test)
    assert "95 % CI" in result.notes[-1] and "test sessions" in result.notes[-1]


@pytest.mark.slow
def test_the_demand_choice_does_not_change_when_only_test_origins_change():
    from course_lib.tasks.demand import demand_task

    events = make_shop(20_000, seed=0).events
    first = demand_task(events, progress=False)
    start = first.choice.test_origins[0]
    late = (events["event_type"] == "purchase") & (events["timestamp"] >= start)
    # triple every purchase of the test block: the test numbers change, the choices must not
    changed = pd.concat([events, events[late], events[late]], ignore_index=True)
    changed = changed.sort_values("timestamp", kind="stable", ignore_index=True)
    second = demand_task(changed, progress=False)
    assert second.series.sum() > first.series.sum()
    assert second.choice.chosen == first.choice.chosen and second.plan == first.plan
    timing = ["fit_seconds"]
    pd.testing.assert_frame_equal(second.choice.validation.drop(columns=timing),
                                  first.choice.validation.drop(columns=timing))
    pd.testing.assert_frame_equal(second.tables["stock_costs_validation"], first.tables["stock_costs_validation"])
    assert not second.costs["money lost"].equals(first.costs["money lost"])
    assert first.costs["chosen on validation"].sum() == 1
    assert "chosen on the validation origins" in " ".join(first.notes)


def test_holidays_in_a_test_window():
    assert easter(2024).isoformat() == "2024-03-31" and easter(2011).isoformat() == "2011-04-24"
    assert any("Christmas" in h for h in holidays_between("2010-12-20", "2011-01-03"))
    assert any("Black Friday" in h for h in holidays_between("2011-11-20", "2011-12-01"))
    assert holidays_between("2024-05-06", "2024-05-12") == []


def test_a_board_without_a_simple_baseline_does_not_name_one(capsys):
    """``next-item --models gru4rec`` has no baseline to compare with: no "difference to None"."""
    from course_lib import cli

    board = pd.DataFrame({"model": ["gru4rec"], "HR@20": [0.47], "HR@20_lower": [0.44], "HR@20_upper": [0.50],
                          "MRR@20": [0.22], "MRR@20_lower": [0.21], "MRR@20_upper": [0.24], "train_s": [36.9]})
    board.attrs["baseline"] = None
    cli._print_intervals(board)
    printed = capsys.readouterr().out
    assert "95 % interval over test sessions" in printed and "None" not in printed and "excludes 0" not in printed
