"""The paired bootstrap (course_lib.evaluate.uncertainty) on data with a known answer.

Coverage: sessions with a session-level hit probability p_s ~ Beta(a, b)
and a random number of predictions each; the population mean of a hit is
a / (a + b), known. 2,000 data sets are drawn at once and passed as 2,000
metric columns of one model (the columns share the resamples, which does
not bias the coverage of each), so the whole check is a few matrix products.
With 2,000 data sets the standard error of a coverage near 95 % is 0.5
points: 93-97 % is four standard errors either side.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from course_lib.evaluate.classification import pr_auc, roc_auc, weighted_aucs
from course_lib.evaluate.uncertainty import (auc_intervals, best_baseline, bootstrap_ratio, bootstrap_statistic,
                                             difference_sentence, mean_intervals, percent,
                                             prediction_sessions,
                                             rank_values, ranking_intervals, resample_counts,
                                             statistic_intervals, unit_sums, with_intervals)

A, B = 1.0, 3.0            # Beta(1, 3): mean 0.25, strong within-session correlation
N_SESSIONS, N_DATASETS = 300, 2000


def clustered_hits(seed: int, n_sessions: int = N_SESSIONS, n_sets: int = N_DATASETS, scale=None):
    """(hits (n_obs, n_sets), units): n_sets data sets over one fixed session design."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 10, n_sessions)
    units = np.repeat(np.arange(n_sessions), sizes)
    p = rng.beta(A, B, size=(n_sessions, n_sets))[units]
    if scale is not None:
        p = np.minimum(p * scale, 1)
    return (rng.random(p.shape) < p).astype(float), units, p


def coverage(table, truth, columns) -> float:
    low = table[[f"{c}_lower" for c in columns]].to_numpy().ravel()
    high = table[[f"{c}_upper" for c in columns]].to_numpy().ravel()
    return float(np.mean((low <= truth) & (truth <= high)))


def test_intervals_cover_a_known_mean_95_percent_of_the_time():
    hits, units, _ = clustered_hits(seed=1)
    columns = [f"set{i}" for i in range(N_DATASETS)]
    start = time.perf_counter()
    table = mean_intervals({"model": pd.DataFrame(hits, columns=columns)}, units, seed=7)
    seconds = time.perf_counter() - start
    cover = coverage(table, A / (A + B), columns)
    assert 0.93 <= cover <= 0.97, cover
    assert seconds < 30  # a guard against an accidental loop, not a benchmark


def test_resampling_predictions_instead_of_sessions_is_caught():
    """The same check fails for the wrong unit: predictions within a session are correlated."""
    hits, units, _ = clustered_hits(seed=1)
    columns = [f"set{i}" for i in range(N_DATASETS)]
    table = mean_intervals({"model": pd.DataFrame(hits, columns=columns)}, np.arange(len(units)), seed=7)
    assert coverage(table, A / (A + B), columns) < 0.90


def test_paired_relative_difference_covers_the_true_ratio():
    """Model b's hit probability is 1.2 x model a's in every session: M_vs_a = +0.2 exactly."""
    rng = np.random.default_rng(3)
    n_sets = 1000
    sizes = rng.integers(1, 10, N_SESSIONS)
    units = np.repeat(np.arange(N_SESSIONS), sizes)
    p = rng.beta(1.0, 4.0, size=(N_SESSIONS, n_sets))[units]       # mean 0.2, max 1 -> 1.2 p <= 1.2
    p = np.minimum(p, 1 / 1.2)                                       # keep 1.2 p a probability
    truth = 1.2 - 1
    u = rng.random(p.shape)                                          # common randomness: paired
    a, b = (u < p).astype(float), (u < 1.2 * p).astype(float)
    columns = [f"set{i}" for i in range(n_sets)]
    table = mean_intervals({"a": pd.DataFrame(a, columns=columns), "b": pd.DataFrame(b, columns=columns)},
                           units, baseline="a", seed=11)
    row = table.loc["b"]
    low = row[[f"set{i}_vs_a_lower" for i in range(n_sets)]].to_numpy(float)
    high = row[[f"set{i}_vs_a_upper" for i in range(n_sets)]].to_numpy(float)
    cover = float(np.mean((low <= truth) & (truth <= high)))
    assert 0.93 <= cover <= 0.97, cover


def test_pairing_separates_models_whose_own_intervals_overlap():
    """Two models that share most of their luck: the paired difference is clear, the separate intervals are not."""
    rng = np.random.default_rng(5)
    sizes = rng.integers(1, 10, 400)
    units = np.repeat(np.arange(400), sizes)
    difficulty = rng.beta(1, 3, 400)[units]
    u = rng.random(len(units))
    a = (u < difficulty).astype(float)
    b = (u < np.minimum(difficulty * 1.08, 1)).astype(float)          # 8 % more hits, same sessions
    table = mean_intervals({"a": pd.DataFrame({"HR": a}), "b": pd.DataFrame({"HR": b})}, units,
                           baseline="a", seed=0)
    assert table.loc["b", "HR_lower"] < table.loc["a", "HR_upper"]   # the separate intervals overlap
    assert table.loc["b", "HR_vs_a_excludes_0"] and table.loc["b", "HR_vs_a_lower"] > 0
    # resampled independently (two seeds), the same difference is not distinguishable
    ra = bootstrap_ratio(*unit_sums(a, units), seed=1)[:, 0]
    rb = bootstrap_ratio(*unit_sums(b, units), seed=2)[:, 0]
    assert np.quantile(rb / ra - 1, 0.025) < 0
    # and two models with the same predictions are never "different"
    same = mean_intervals({"a": pd.DataFrame({"HR": a}), "c": pd.DataFrame({"HR": a})}, units, baseline="a")
    assert same.loc["c", "HR_vs_a"] == 0 and not same.loc["c", "HR_vs_a_excludes_0"]


def test_intervals_contain_the_point_value_and_are_repeatable():
    hits, units, _ = clustered_hits(seed=2, n_sets=20)
    values = {"m": pd.DataFrame(hits, columns=[f"c{i}" for i in range(20)])}
    first = mean_intervals(values, units, seed=3)
    again = mean_intervals(values, units, seed=3)
    other = mean_intervals(values, units, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    for c in values["m"].columns:
        assert first.loc["m", f"{c}_lower"] <= first.loc["m", c] <= first.loc["m", f"{c}_upper"]
        assert first.loc["m", c] == pytest.approx(hits[:, int(c[1:])].mean())


def test_generic_path_equals_the_ratio_path_for_a_mean():
    """Same seed, same resamples: recomputing a mean on resampled rows gives the ratio path's replicates."""
    hits, units, _ = clustered_hits(seed=4, n_sessions=50, n_sets=1)
    x = hits[:, 0] + np.arange(len(hits)) / len(hits)
    shuffled = np.random.default_rng(0).permutation(len(x))   # rows need not be grouped by unit
    generic = bootstrap_statistic(lambda rows: [x[shuffled][rows].mean()], units[shuffled],
                                  n_resamples=300, seed=9)[:, 0]
    ratio = bootstrap_ratio(*unit_sums(x, units), n_resamples=300, seed=9)[:, 0]
    assert generic == pytest.approx(ratio)


def test_resample_counts_are_multinomial_and_blocked():
    blocks = list(resample_counts(7, n_resamples=50, seed=0))
    counts = np.vstack(blocks)
    assert counts.shape == (50, 7) and (counts.sum(axis=1) == 7).all()
    with pytest.raises(ValueError, match="at least 2 independent units"):
        next(resample_counts(1))


def test_classification_intervals_by_customer():
    rng = np.random.default_rng(0)
    labels = (rng.random(1500) < 0.1).astype(int)
    scores = {"good": labels + rng.normal(0, 0.7, 1500), "weak": labels + rng.normal(0, 2.0, 1500)}
    customers = np.arange(1500) // 3
    table = statistic_intervals({"PR-AUC": pr_auc, "ROC-AUC": roc_auc}, labels, scores, customers,
                                baseline="weak", n_resamples=200)
    assert table.loc["good", "PR-AUC"] == pytest.approx(pr_auc(labels, scores["good"]))
    for m in ("good", "weak"):
        for k in ("PR-AUC", "ROC-AUC"):
            assert table.loc[m, f"{k}_lower"] <= table.loc[m, k] <= table.loc[m, f"{k}_upper"]
    assert table.loc["good", "PR-AUC_vs_weak_excludes_0"]


def test_weighted_aucs_equal_the_metrics_on_repeated_cases():
    rng = np.random.default_rng(3)
    labels = (rng.random(300) < 0.3).astype(int)
    scores = np.round(labels + rng.normal(0, 1, 300), 1)          # many ties
    weights = rng.integers(0, 4, size=(5, 300))
    weights[4] = np.where(labels == 1, 0, 1)                      # a resample without positives
    roc, pr = weighted_aucs(labels, scores, weights)
    for i in range(4):
        repeated = np.repeat(np.arange(300), weights[i])
        assert roc[i] == pytest.approx(roc_auc(labels[repeated], scores[repeated]), abs=1e-12)
        assert pr[i] == pytest.approx(pr_auc(labels[repeated], scores[repeated]), abs=1e-12)
    assert np.isnan(roc[4]) and np.isnan(pr[4])


def test_auc_intervals_match_the_generic_bootstrap():
    rng = np.random.default_rng(4)
    labels = (rng.random(900) < 0.2).astype(int)
    scores = {"good": np.round(labels + rng.normal(0, 0.8, 900), 1), "weak": labels + rng.normal(0, 2, 900)}
    customers = np.arange(900) // 3
    fast = auc_intervals(labels, scores, customers, metrics=("PR-AUC", "ROC-AUC"), baseline="weak",
                         n_resamples=150, seed=7)
    generic = statistic_intervals({"PR-AUC": pr_auc, "ROC-AUC": roc_auc}, labels, scores, customers,
                                  baseline="weak", n_resamples=150, seed=7)
    assert list(fast.columns) == list(generic.columns)
    numbers = fast.select_dtypes(float).columns
    np.testing.assert_allclose(fast[numbers].to_numpy(), generic[numbers].to_numpy(), atol=1e-12)
    assert (fast["PR-AUC_vs_weak_excludes_0"] == generic["PR-AUC_vs_weak_excludes_0"]).all()
    with pytest.raises(ValueError, match="not \\['F1'\\]"):
        auc_intervals(labels, scores, metrics=("F1",))


def test_auc_intervals_of_several_seeds_are_means_over_seeds_on_every_resample():
    """A network trained with three seeds: (seeds, cases) scores. Its PR-AUC is the mean of the
    seeds' PR-AUCs, on the whole test and on each resample: the generic bootstrap with a metric
    that averages the seeds gives the same table; three identical seeds give the one-seed table."""
    rng = np.random.default_rng(5)
    labels = (rng.random(600) < 0.3).astype(int)
    runs = np.vstack([labels + rng.normal(0, s, 600) for s in (0.8, 1.0, 1.4)])
    customers = np.arange(600) // 2
    fast = auc_intervals(labels, {"runs": runs, "one": runs[0]}, customers, baseline="one", n_resamples=120, seed=3)
    position = np.arange(600.0)   # the generic path resamples these; each metric looks the scores up

    def mean_over(metric, table):
        return lambda y, rows: np.mean([metric(y, run[rows.astype(int)]) for run in table])

    generic = statistic_intervals({"ROC-AUC": mean_over(roc_auc, runs), "PR-AUC": mean_over(pr_auc, runs)},
                                  labels, {"runs": position}, customers, n_resamples=120, seed=3)
    for column in ("PR-AUC", "PR-AUC_lower", "PR-AUC_upper", "ROC-AUC", "ROC-AUC_lower", "ROC-AUC_upper"):
        assert fast.loc["runs", column] == pytest.approx(generic.loc["runs", column], abs=1e-12)
    assert fast.loc["runs", "PR-AUC"] == pytest.approx(np.mean([pr_auc(labels, run) for run in runs]))
    same = auc_intervals(labels, {"one": np.vstack([runs[0]] * 3)}, customers, n_resamples=120, seed=3)
    alone = auc_intervals(labels, {"one": runs[0]}, customers, n_resamples=120, seed=3)
    pd.testing.assert_frame_equal(same, alone, check_exact=False, rtol=1e-12)


def test_sentences_say_what_the_interval_says():
    rng = np.random.default_rng(1)
    units = np.repeat(np.arange(3000), 4)
    base = rng.random(len(units))
    ranks = {"markov": np.where(base < 0.3, 1, 50), "gru4rec": np.where(base < 0.33, 1, 50),
             "twin": np.where(base < 0.3, 1, 50)}
    table = ranking_intervals(ranks, units, metrics=("MRR@20",), baseline="markov")
    text = difference_sentence(table, "gru4rec", "MRR@20")
    row = table.loc["gru4rec"]
    assert 0.05 < row["MRR@20_vs_markov_lower"] and row["MRR@20_vs_markov_upper"] < 0.15
    assert text == (f"gru4rec {percent(row['MRR@20_vs_markov'])} MRR@20 over markov, 95 % CI "
                    f"{percent(row['MRR@20_vs_markov_lower'])} … {percent(row['MRR@20_vs_markov_upper'])}")
    assert percent(0.055) == "+5.5 %" and percent(-0.031) == "-3.1 %"
    assert "not distinguishable from markov" in difference_sentence(table, "twin", "MRR@20")


def test_rank_values_average_to_the_ranking_metrics():
    from course_lib.evaluate.ranking import ranking_metrics

    ranks = np.random.default_rng(0).integers(1, 60, 500)
    values = rank_values(ranks, ("HR@10", "HR@20", "MRR@20", "NDCG@10")).mean()
    expected = ranking_metrics(ranks, ks=(10, 20))
    for k in values.index:
        assert values[k] == pytest.approx(expected[k])
    two_seeds = rank_values(np.vstack([ranks, ranks[::-1]]), ("MRR@20",))["MRR@20"]
    assert two_seeds.mean() == pytest.approx(expected["MRR@20"])


def test_a_next_item_leaderboard_gets_interval_columns(shop_split):
    """The integration the case study will use, on a leaderboard built with today's code."""
    from course_lib.evaluate.next_item import evaluate_model, leaderboard
    from course_lib.evaluate.ranking import ranks_in_batches
    from course_lib.models.baselines import MarkovChain, Popularity
    from course_lib.models.neighbours import SessionKNN

    X, y = shop_split.test_prefixes(20)
    models = [m.fit(shop_split.train, shop_split.n_items) for m in
              (Popularity(), MarkovChain(), SessionKNN(k=50))]
    board = leaderboard([evaluate_model(m, X, y) for m in models])
    ranks = {m.name: ranks_in_batches(m.score, X, y) for m in models}
    units = prediction_sessions(shop_split.test)
    assert len(units) == len(y)
    baseline = best_baseline(board, "MRR@20", candidates=("pop", "markov"))
    full = with_intervals(board, ranking_intervals(ranks, units, baseline=baseline))
    assert list(full.columns[:4]) == ["model", "HR@10", "HR@10_lower", "HR@10_upper"]
    for metric in ("HR@10", "HR@20", "MRR@20", "NDCG@10"):
        assert (full[f"{metric}_lower"] <= full[metric]).all() and (full[metric] <= full[f"{metric}_upper"]).all()
    width = (full["MRR@20_upper"] - full["MRR@20_lower"]).max()
    assert width < 0.06, width   # a few thousand predictions: a few hundredths at most
    assert f"MRR@20_vs_{baseline}_excludes_0" in full
    pop = full.set_index("model").loc["pop"]
    assert baseline == "markov" and pop[f"MRR@20_vs_{baseline}_upper"] < 0   # popularity is clearly worse
    with pytest.raises(ValueError, match="disagree"):
        with_intervals(board, ranking_intervals({**ranks, "pop": ranks["markov"]}, units))


@pytest.fixture(scope="module")
def shop_split():
    from course_lib.datasets import make_shop
    from course_lib.prep.next_item import next_item_split

    return next_item_split(make_shop(60_000, seed=0).events, test_days=14)


def test_a_baseline_scoring_zero_leaves_the_difference_undefined_not_infinite(recwarn):
    """A rule with ROC-AUC 0 on a small churn test printed 'ROC-AUC_vs_rule inf NaN NaN' (and
    numpy RuntimeWarnings); the difference to a baseline scoring 0 is undefined: NaN, no interval."""
    from course_lib.evaluate.uncertainty import mean_intervals

    rng = np.random.default_rng(0)
    values = {"model": pd.DataFrame({"hit": rng.integers(0, 2, 200).astype(float)}),
              "rule": pd.DataFrame({"hit": np.zeros(200)})}
    table = mean_intervals(values, np.arange(200), baseline="rule", n_resamples=200)
    row = table.loc["model"]
    assert np.isnan(row[["hit_vs_rule", "hit_vs_rule_lower", "hit_vs_rule_upper"]].astype(float)).all()
    assert not row["hit_vs_rule_excludes_0"]
    assert 0 < row["hit_lower"] < row["hit"] < row["hit_upper"] < 1        # its own interval stays
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    # a baseline scoring 0 in a few resamples only: those are left out, the interval stays finite
    rare = {"model": values["model"], "rule": pd.DataFrame({"hit": np.r_[1.0, np.zeros(199)]})}
    row = mean_intervals(rare, np.arange(200), baseline="rule", n_resamples=200).loc["model"]
    assert np.isfinite(row[["hit_vs_rule", "hit_vs_rule_lower", "hit_vs_rule_upper"]].astype(float)).all()
