"""Lesson 09's building blocks: classification metrics, leak-free labels, the newsvendor,
the next-item breakdown, and saving / serving a recommender."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import course_lib  # noqa: F401  (backend before keras)
from course_lib.datasets import make_shop
from course_lib.evaluate.classification import (classification_metrics, pr_auc, precision_at_top,
                                                roc_auc)
from course_lib.evaluate.stock import (critical_ratio, interval_level_for, newsvendor_cost,
                                       stock_leaderboard)
from course_lib.prep.churn import churn_cutoffs, churn_examples
from course_lib.prep.intent import intent_examples
from course_lib.prep.labelled import split_by_time



# --------------------------------------------------------------------------- metrics

def test_auc_metrics_match_scikit_learn_with_ties():
    from sklearn.metrics import average_precision_score, roc_auc_score

    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(2, 80))
        labels = rng.integers(0, 2, n)
        scores = rng.integers(0, 6, n).astype(float)  # many ties
        if labels.min() == labels.max():
            continue
        assert roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
        assert pr_auc(labels, scores) == pytest.approx(average_precision_score(labels, scores), abs=1e-12)


def test_random_scores_give_half_roc_and_the_base_rate_as_pr_auc():
    rng = np.random.default_rng(1)
    labels = (rng.random(200_000) < 0.05).astype(int)
    m = classification_metrics(labels, rng.random(200_000))
    assert m["ROC-AUC"] == pytest.approx(0.5, abs=0.01)
    assert m["PR-AUC"] == pytest.approx(0.05, abs=0.005)
    assert m["PR-AUC lift"] == pytest.approx(1.0, abs=0.1)


def test_perfect_scores_and_precision_at_top():
    labels = np.array([0, 0, 1, 0, 1, 0, 0, 0, 0, 0])
    assert roc_auc(labels, labels) == 1.0 and pr_auc(labels, labels) == 1.0
    assert precision_at_top(labels, labels.astype(float), 0.2) == 1.0
    with pytest.raises(ValueError, match="NaN"):
        roc_auc(labels, np.r_[np.nan, np.zeros(9)])


# --------------------------------------------------------------------------- purchase intent

@pytest.fixture(scope="module")
def shop():
    return make_shop(30_000, seed=3)


def test_intent_labels_and_eligibility(shop):
    k = 3
    ex = intent_examples(shop.events, k=k)
    e = shop.events.sort_values(["session_id", "timestamp"], kind="stable")
    pos = e.groupby("session_id").cumcount()
    purchase = e["event_type"] == "purchase"
    n = e.groupby("session_id").size()
    early = purchase[pos < k].groupby(e.loc[pos < k, "session_id"]).any()
    eligible = n.index[(n >= k) & ~early.reindex(n.index, fill_value=False)]
    assert list(ex.features.index) == sorted(eligible) or set(ex.features.index) == set(eligible)
    bought = purchase.groupby(e["session_id"]).any()
    assert (ex.label == bought.loc[ex.features.index].to_numpy().astype(int)).all()
    assert 0.05 < ex.base_rate < 0.6


def test_intent_features_do_not_see_past_the_first_k_events(shop):
    """Changing what happens after the k-th event changes the label only, never the features."""
    k = 3
    ex = intent_examples(shop.events, k=k)
    e = shop.events.sort_values(["session_id", "timestamp"], kind="stable").copy()
    late = (e.groupby("session_id").cumcount() >= k).to_numpy()
    e.loc[late, "item_id"] = -1
    e.loc[late, "price"] = 1e6
    e.loc[late, "event_type"] = "view"            # no purchases after the k-th event
    changed = intent_examples(e, k=k)
    same = ex.features.index.intersection(changed.features.index)
    assert len(same) == len(ex)
    # the user's *earlier* sessions lost their purchases, so only history columns may differ
    own = [c for c in ex.features.columns if not c.startswith(("earlier", "first_visit", "log_days"))]
    pd.testing.assert_frame_equal(ex.features.loc[same, own], changed.features.loc[same, own])
    assert changed.label.sum() == 0


def test_intent_history_uses_only_earlier_sessions(shop):
    ex = intent_examples(shop.events, k=2)
    last_start = shop.events.groupby("session_id")["timestamp"].min().sort_values().index[-1]
    later = shop.events[shop.events["session_id"] == last_start]
    trimmed = intent_examples(shop.events.drop(later.index), k=2)
    common = trimmed.features.index
    pd.testing.assert_frame_equal(ex.features.loc[common], trimmed.features.loc[common])


def test_split_by_time_keeps_order(shop):
    ex = intent_examples(shop.events, k=3)
    cut = pd.Timestamp("2024-03-01")
    before, after = split_by_time(ex, cut)
    assert len(before) + len(after) == len(ex)
    assert (before.time < np.datetime64(cut)).all() and (after.time >= np.datetime64(cut)).all()


def test_no_intent_task_without_views_says_why():
    events = make_shop(5_000, seed=0).events
    only_purchases = events[events["event_type"] == "purchase"]
    with pytest.raises(ValueError, match="every event is a purchase"):
        intent_examples(only_purchases)


def test_feature_models_beat_the_base_rate_on_intent(shop):
    from course_lib.models.classifiers import FeatureModel, RuleScore, SequenceClassifier

    big = make_shop(100_000, seed=0)
    ex = intent_examples(big.events, k=3)
    train, test = split_by_time(ex, big.events["timestamp"].max().normalize() - pd.Timedelta(days=13))
    for model in (RuleScore("carts"), FeatureModel("logistic"), FeatureModel("boosting"),
                  SequenceClassifier(use_items=False, epochs=5)):
        m = classification_metrics(test.label, model.fit(train).score(test))
        assert m["ROC-AUC"] > 0.6, (model.name, m)
        assert m["PR-AUC"] > 1.3 * test.base_rate, (model.name, m)


# --------------------------------------------------------------------------- churn

def _purchases(seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(200):
        days = np.sort(rng.choice(400, size=rng.integers(1, 12), replace=False))
        for d in days:
            rows.append((user, f"{user}-{d}", f"item{rng.integers(50)}",
                         pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(d)), "purchase", 2.0, 3))
    return pd.DataFrame(rows, columns=["user_id", "session_id", "item_id", "timestamp", "event_type",
                                       "price", "quantity"])


def test_churn_features_use_only_the_past_and_labels_only_the_window():
    events = _purchases()
    cutoff, horizon = pd.Timestamp("2023-07-01"), 60
    ex = churn_examples(events, cutoff, horizon)
    # the future beyond the label window changes nothing
    kept = events[events["timestamp"] < cutoff + pd.Timedelta(days=horizon)]
    beyond = events[events["timestamp"] >= cutoff + pd.Timedelta(days=horizon)]
    padded = pd.concat([kept, beyond.assign(item_id="other")])
    same = churn_examples(padded, cutoff, horizon)
    pd.testing.assert_frame_equal(ex.features, same.features)
    assert (ex.label == same.label).all()
    # labels by hand
    future = events[(events["timestamp"] >= cutoff) & (events["timestamp"] < cutoff + pd.Timedelta(days=horizon))]
    expected = (~ex.features.index.isin(future["user_id"])).astype(int)
    assert (ex.label == expected).all()
    # recency by hand for one customer
    user = ex.features.index[0]
    last = events[(events["user_id"] == user) & (events["timestamp"] < cutoff)]["timestamp"].max()
    assert ex.features.loc[user, "recency_days"] == pytest.approx((cutoff - last).days, abs=1e-3)


def test_churn_refuses_a_label_window_past_the_data():
    events = _purchases()
    with pytest.raises(ValueError, match="runs past the last purchase"):
        churn_examples(events, pd.Timestamp("2024-01-15"), 90)


def test_churn_cutoffs_leave_no_overlap():
    events = _purchases()
    train_cut, test_cut = churn_cutoffs(events, 90)
    assert test_cut - train_cut == pd.Timedelta(days=90)
    assert test_cut + pd.Timedelta(days=90) <= events["timestamp"].max().normalize() + pd.Timedelta(days=1)


def test_churn_models_beat_the_base_rate_on_online_retail():
    from course_lib.datasets import online_retail_events
    from course_lib.models.classifiers import FeatureModel, RuleScore
    from course_lib.prep.churn import churn_train_test

    train, test = churn_train_test(online_retail_events(), 90)
    assert 0.2 < test.base_rate < 0.7
    for model in (RuleScore("recency_days"), FeatureModel("logistic")):
        m = classification_metrics(test.label, model.fit(train).score(test))
        assert m["ROC-AUC"] > 0.65 and m["PR-AUC"] > 1.2 * test.base_rate, (model.name, m)


# --------------------------------------------------------------------------- newsvendor

def test_the_critical_ratio_quantile_minimises_the_expected_cost():
    rng = np.random.default_rng(0)
    demand = rng.poisson(50, 200_000)
    cu, co = 4.0, 1.0
    ratio = critical_ratio(cu, co)
    assert ratio == 0.8 and interval_level_for(ratio) == pytest.approx(0.6)
    best = np.quantile(demand, ratio)
    costs = {q: newsvendor_cost(demand, np.full(len(demand), q), cu, co).mean()
             for q in range(40, 62)}
    assert min(costs, key=costs.get) == pytest.approx(best, abs=1)
    assert costs[int(best)] < costs[50]  # ordering the mean loses money when shortage costs more


def test_stock_leaderboard_policies_and_saving():
    forecasts = pd.DataFrame({
        "model": ["seasonal naive (m=7)"] * 3 + ["good"] * 3,
        "actual": [10, 12, 14] * 2, "mean": [10, 10, 10, 11, 12, 13],
        "lower": [8] * 6, "upper": [12, 12, 12, 12, 13, 14]})
    assert "saving" not in stock_leaderboard(forecasts, 4, 1)  # no baseline named, no saving
    table = stock_leaderboard(forecasts, 4, 1, baseline="seasonal naive (m=7)").set_index(["model", "policy"])
    assert table.loc[("seasonal naive (m=7)", "order the forecast"), "money lost"] == 4 * (2 + 4)
    assert table.loc[("good", "order the quantile"), "money lost"] == 2 + 1 + 0
    assert table.loc[("seasonal naive (m=7)", "order the forecast"), "saving"] == 0
    assert table.loc[("good", "order the quantile"), "saving"] == pytest.approx(1 - 3 / 24)
    with pytest.raises(ValueError):
        interval_level_for(0.4)


# --------------------------------------------------------------------------- next-item breakdown and serving

@pytest.fixture(scope="module")
def fitted_gru():
    from course_lib.models.session_rnn import SessionRNN
    from course_lib.prep.next_item import next_item_split

    split = next_item_split(make_shop(20_000, seed=0).events, 14)
    model = SessionRNN(hidden=32, max_len=10, epochs=2, batch_size=256, learning_rate=1e-2)
    model.fit(split.train, split.n_items, progress=False)
    return split, model


def test_breakdown_groups_partition_the_predictions(fitted_gru):
    from course_lib.evaluate.next_item import breakdown, evaluate_model

    split, model = fitted_gru
    X, y = split.test_prefixes(10)
    parts = breakdown(model, split, X, y, long_from=5).set_index("group")
    assert parts.loc["repeat item", "share"] + parts.loc["new item", "share"] == pytest.approx(1)
    repeat = (X == y[:, None]).any(axis=1).mean()
    assert parts.loc["repeat item", "share"] == pytest.approx(repeat)
    whole = evaluate_model(model, X, y)["MRR@20"]
    mixed = (parts.loc["repeat item", "share"] * parts.loc["repeat item", "MRR@20"]
             + parts.loc["new item", "share"] * parts.loc["new item", "MRR@20"])
    assert mixed == pytest.approx(whole, rel=1e-6)
    # ranks computed once (lesson 09 passes them) give the same table as scoring again
    from course_lib.evaluate.ranking import ranks_in_batches

    given = breakdown(model, split, X, y, long_from=5, ranks=ranks_in_batches(model.score, X, y))
    pd.testing.assert_frame_equal(given.set_index("group"), parts)


def test_saved_recommender_loads_in_safe_mode_and_recommends_the_same(fitted_gru, tmp_path):
    from course_lib.models.serving import Recommender, load_recommender

    split, model = fitted_gru
    rec = Recommender.from_model(model, split.vocab)
    folder = rec.save(tmp_path / "rec")
    assert sorted(os.listdir(folder)) == ["model.keras", "recommender.json"]
    loaded = load_recommender(folder)
    history = list(split.vocab.decode(split.test.iloc[0][:4]))
    assert loaded.recommend(history, 10) == rec.recommend(history, 10)
    X, _ = split.test_prefixes(10)
    row = X[5]
    expected = model.score(X[5:6])[0, 1:]
    np.testing.assert_allclose(loaded.scores(split.vocab.decode(row[row > 0])), expected, atol=1e-5)
    top = loaded.recommend(history, 5, exclude_seen=True)
    assert not set(top) & set(history) and len(top) == 5
    with pytest.warns(UserWarning, match="never-seen-item"):
        assert loaded.recommend(["never-seen-item"], 3) == rec.recommend([], 3)
    with pytest.raises(FileExistsError):
        rec.save(folder)


def test_a_failed_save_leaves_nothing(fitted_gru, tmp_path, monkeypatch):
    from course_lib.models.serving import Recommender

    split, model = fitted_gru
    rec = Recommender.from_model(model, split.vocab)

    def broken(path):
        Path(path).write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(rec.network, "save", broken)
    with pytest.raises(OSError):
        rec.save(tmp_path / "rec")
    assert os.listdir(tmp_path) == []


def test_load_recommender_names_the_missing_file(tmp_path):
    from course_lib.models.serving import load_recommender

    (tmp_path / "model.keras").write_text("")
    with pytest.raises(FileNotFoundError, match="recommender.json is missing"):
        load_recommender(tmp_path)


def test_precision_at_top_does_not_depend_on_input_order():
    labels = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 0] * 10)
    scores = np.array([2, 1, 1, 1, 1, 0, 0, 0, 0, 0] * 10, dtype=float)  # the cut falls in a tie
    rng = np.random.default_rng(0)
    values = set()
    for _ in range(5):
        order = rng.permutation(len(labels))
        values.add(round(precision_at_top(labels[order], scores[order], 0.2), 12))
    assert len(values) == 1
    # 10 cases score 2 (all positive); 10 more come from 40 tied at 1, of which 10 are positive
    assert values.pop() == pytest.approx((10 + 10 * 10 / 40) / 20)


def test_labels_must_be_zero_or_one():
    with pytest.raises(ValueError, match="0 or 1"):
        roc_auc([0, 0.7, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="no cases"):
        pr_auc([], [])


def test_unknown_history_items_are_skipped_with_a_warning(fitted_gru):
    from course_lib.models.serving import Recommender

    split, model = fitted_gru
    rec = Recommender.from_model(model, split.vocab)
    known = split.vocab.decode(split.test.iloc[0][:2]).tolist()
    with pytest.warns(UserWarning, match="not in the model's vocabulary"):
        with_unknown = rec.recommend([str(known[0]), known[1]], 5)
    assert with_unknown == rec.recommend([known[1]], 5)
    with pytest.raises(TypeError, match="cannot be saved.*fit it first"):
        from course_lib.models.baselines import MarkovChain
        Recommender.from_model(MarkovChain(), split.vocab)


@pytest.mark.parametrize("make", ["pop", "markov", "sknn", "vsknn", "stan"])
def test_a_saved_baseline_serves_what_it_scores_without_pickle(make, tmp_path):
    from course_lib.models.baselines import MarkovChain, Popularity
    from course_lib.models.neighbours import STAN, VSKNN, SessionKNN
    from course_lib.models.serving import Recommender, load_recommender
    from course_lib.prep.next_item import next_item_split

    split = next_item_split(make_shop(20_000, seed=0).events, 14)
    model = {"pop": Popularity, "markov": MarkovChain,
             "sknn": lambda: SessionKNN(k=20, sample=500), "vsknn": lambda: VSKNN(k=20),
             "stan": lambda: STAN(k=20)}[make]().fit(split.train, split.n_items)
    folder = Recommender.from_model(model, split.vocab, max_len=10).save(tmp_path / "rec")
    assert sorted(os.listdir(folder)) == ["recommender.json", "state.npz"]
    with np.load(folder / "state.npz", allow_pickle=False) as arrays:   # numbers only, no objects
        assert all(arrays[k].dtype != object for k in arrays.files)
    loaded = load_recommender(folder)
    assert loaded.kind == "baseline" and loaded.name == make and loaded.network is None
    X, _ = split.test_prefixes(10)
    for row in X[:20]:
        history = split.vocab.decode(row[row > 0])
        np.testing.assert_allclose(loaded.scores(history), model.score(row[None])[0, 1:], rtol=1e-6)
    history = list(split.vocab.decode(split.test.iloc[0][:3]))
    top = loaded.recommend(history, 5)
    assert len(top) == 5 and top == Recommender.from_model(model, split.vocab).recommend(history, 5)


def test_the_report_ships_the_best_model_on_validation_neural_or_not(fitted_gru):
    import pandas as pd

    from course_lib.evaluate.tuning import TuningResult
    from course_lib.models.baselines import MarkovChain
    from course_lib.tasks.report import model_to_ship
    from course_lib.tasks.results import NextItemResult

    split, gru = fitted_gru
    markov = MarkovChain().fit(split.train, split.n_items)
    scores = {"gru4rec": 0.31, "markov": 0.35}
    result = NextItemResult("next_item", "Next-item", split=split,
                            models={"gru4rec": gru, "markov": markov},
                            tuned={k: TuningResult(k, {}, v, pd.DataFrame()) for k, v in scores.items()})
    key, why = model_to_ship(result)
    assert key == "markov" and "simple baseline" in why and "0.3500" in why
    result.tuned["gru4rec"].score = 0.36
    assert model_to_ship(result)[0] == "gru4rec"
    result.tuned = {}                                  # no validation: the fixed order, said so
    key, why = model_to_ship(result)
    assert key == "gru4rec" and "fixed order" in why
