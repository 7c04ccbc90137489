"""Uplift: the campaign generator, campaign data from a log, the metrics, the models, the task."""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from course_lib.datasets import make_shop
from course_lib.datasets.campaign import SEGMENTS, make_campaign
from course_lib.evaluate.uplift import (auuc, bootstrap_intervals, budget_table, budget_verdict,
                                        choose_on_training, choose_plan_on_training, correlation_with_truth,
                                        perfect_score, profit_difference,
                                        qini_coefficient, qini_curve, uplift_at, uplift_curve)
from course_lib.models.uplift import ClassTransformationUplift, TwoModelUplift
from course_lib.prep.uplift import CampaignData, campaign_assignments, campaign_data, has_treatment


def digest(events: pd.DataFrame) -> str:
    """A fingerprint of an event table (prices in cents, so a last-bit difference in exp() cannot matter)."""
    h = hashlib.sha256()
    for a in (events["user_id"].to_numpy(np.int64), events["session_id"].to_numpy(np.int64),
              events["item_id"].to_numpy(np.int64),
              events["timestamp"].to_numpy().astype("datetime64[ns]").astype(np.int64),
              events["event_type"].cat.codes.to_numpy(np.int64),
              np.round(events["price"].to_numpy() * 100).astype(np.int64),
              events["category"].cat.codes.to_numpy(np.int64), events["quantity"].to_numpy(np.int64)):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


@pytest.mark.parametrize("args, kwargs, expected", [
    ((20_000,), {"seed": 0}, "f938ac6a7c8a07d8"),                                     # lesson 00
    ((100_000,), {"seed": 0}, "ca63521b8c19ac8a"),                                    # lessons 05-09
    ((400_000,), {"seed": 0, "n_days": 182, "n_promotions": 8}, "42c8762fca3e5adb"),  # lessons 03, 09
])
def test_make_shop_is_unchanged_for_the_lessons_seeds(args, kwargs, expected):
    # fingerprints taken before the campaign generator existed: it must not change the shop
    assert digest(make_shop(*args, **kwargs).events) == expected


@pytest.fixture(scope="module")
def shop():
    return make_shop(400_000, seed=0, n_days=182, n_promotions=8)


@pytest.fixture(scope="module")
def campaign(shop):
    return make_campaign(shop)


@pytest.fixture(scope="module")
def data(campaign):
    return [campaign_data(campaign.events, a, campaign.config.window_days)
            for a in campaign_assignments(campaign.events)]


def test_campaign_leaves_the_shop_alone_and_is_deterministic(shop, campaign):
    before = digest(shop.events)
    again = make_campaign(shop)
    assert digest(shop.events) == before and "treatment" not in shop.events
    pd.testing.assert_frame_equal(again.customers, campaign.customers)
    other = make_campaign(shop, seed=1)
    assert not np.array_equal(other.customers["treated"], campaign.customers["treated"])
    # the log is the shop's, plus a view, cart and purchase per persuaded customer sent a coupon,
    # less the window's purchases of sleeping dogs sent one
    c = campaign.customers
    won = int(((c["treated"] == 1) & (c["segment"] == "persuadable")).sum())
    e = shop.events
    removed = 0
    for _, g in c[(c["treated"] == 1) & (c["segment"] == "sleeping dog")].groupby("campaign"):
        start = g["start"].iloc[0]
        inside = (e["timestamp"] >= start) & (e["timestamp"] < start + pd.Timedelta(days=14))
        removed += int((inside & (e["event_type"] == "purchase") & e["user_id"].isin(g["user_id"])).sum())
    plain = campaign.events[campaign.events["treatment"].isna()]
    assert len(plain) == len(shop.events) + 3 * won - removed


def test_the_log_holds_what_the_truth_table_says(campaign, data):
    for name, d in zip(("training", "test"), data):
        truth = campaign.customers_of(name).set_index("user_id").loc[d.user_id]
        assert d.dropped == 0
        np.testing.assert_array_equal(d.treatment, truth["treated"].to_numpy())
        np.testing.assert_array_equal(d.outcome, truth["bought"].to_numpy())
    assert campaign.events["timestamp"].is_monotonic_increasing


def test_potential_outcomes_and_segments(campaign):
    c = campaign.customers
    assert set(c["segment"].astype(str)) == set(SEGMENTS.values())
    mean = c.groupby("segment", observed=True)["true_uplift"].mean()
    assert mean["sleeping dog"] < 0 < mean["lost cause"] < mean["sure thing"] < mean["persuadable"]
    np.testing.assert_allclose(c["true_uplift"], c["p_with"] - c["p_without"])
    assert ((c["p_without"] >= 0) & (c["p_with"] <= 1)).all()
    # customers who left before the campaign cannot be moved by it
    assert (c.loc[~c["active"], "true_uplift"].abs() < 1e-12).all()
    # the realised outcome is the potential outcome of the group the customer was in
    y1 = c["segment"].isin(["sure thing", "persuadable"]).astype(int)
    y0 = c["segment"].isin(["sure thing", "sleeping dog"]).astype(int)
    np.testing.assert_array_equal(c["bought"], np.where(c["treated"] == 1, y1, y0))


def test_closed_form_probabilities_match_what_happens(campaign):
    c = campaign.customers
    for treated, column in ((0, "p_without"), (1, "p_with")):
        arm = c[c["treated"] == treated]
        se = np.sqrt((arm[column] * (1 - arm[column])).sum()) / len(arm)
        assert abs(arm["bought"].mean() - arm[column].mean()) < 3.5 * se, (treated, se)
    control = c[c["treated"] == 0]
    bins = pd.qcut(control["p_without"].rank(method="first"), 5, labels=False)
    table = control.groupby(bins.to_numpy())[["p_without", "bought"]].mean()
    assert np.abs(table["p_without"] - table["bought"]).max() < 0.05


def test_overlapping_campaigns_are_refused(shop):
    with pytest.raises(ValueError, match="overlap"):
        make_campaign(shop, starts=(100, 105))


# --------------------------------------------------------------------------- metrics

Y = np.array([1, 0, 1, 0])
T = np.array([1, 1, 0, 0])


def test_qini_and_uplift_curves_by_hand():
    q = qini_curve(Y, T, [4, 3, 2, 1])
    np.testing.assert_allclose(q["extra buyers"], [0, 1, 1, -1, 0])
    np.testing.assert_allclose(q["targeted"], [0, 1, 2, 3, 4])
    np.testing.assert_allclose(q["random"], 0)
    u = uplift_curve(Y, T, [4, 3, 2, 1])
    np.testing.assert_allclose(u["extra buyers"], [0, 1, 1, -1.5, 0])
    # a tie is one step: its order is unknown
    tied = qini_curve(Y, T, [4, 3, 3, 1])
    np.testing.assert_allclose(tied["targeted"], [0, 1, 3, 4])
    np.testing.assert_allclose(tied["extra buyers"], [0, 1, -1, 0])
    assert uplift_at(Y, T, [4, 3, 2, 1], 0.75) == pytest.approx(1 / 2 - 1)
    assert np.isnan(uplift_at(Y, T, [4, 3, 2, 1], 0.5))   # no held-out customer in the top half


# Drawn at random with ties (scores rounded to one decimal); the expected values are
# scikit-uplift 0.5.1's qini_auc_score and uplift_auc_score on these arrays.
Y60 = [1, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0,
       0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]
T60 = [0, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0,
       1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1]
S60 = [1.2, 0.7, -0.6, 1.5, 1.0, 1.4, 0.4, 1.2, 0.5, 2.1, 1.1, -0.4, 1.2, 1.1, 0.8, -0.3, 2.1, 0.3,
       2.6, 0.3, 1.0, 1.0, 1.2, 3.6, 0.5, 3.1, 1.6, 0.3, 2.3, 1.8, 1.0, -1.3, 0.5, -0.4, -0.1, -0.1,
       0.0, 1.6, 0.4, -1.8, 1.2, 0.1, 0.1, -1.8, 0.4, -0.5, 1.0, 0.5, 0.8, -0.4, -1.8, 1.0, 0.4, -0.3,
       -0.6, -0.9, -1.8, -1.2, -0.1, 1.6]


def test_normalised_areas_agree_with_scikit_uplift():
    assert qini_coefficient(Y60, T60, S60) == pytest.approx(0.1038984867926923, abs=1e-12)
    assert auuc(Y60, T60, S60) == pytest.approx(0.068029251857948, abs=1e-12)


def test_perfect_random_and_reversed_rankings():
    rng = np.random.default_rng(0)
    n = 4_000
    t = (rng.random(n) < 0.5).astype(int)
    y = (rng.random(n) < 0.1 + 0.1 * t).astype(int)
    assert qini_coefficient(y, t, perfect_score(y, t)) == pytest.approx(1.0)
    assert qini_coefficient(y, t, -perfect_score(y, t)) < -0.5
    assert qini_coefficient(y, t, np.zeros(n)) == pytest.approx(0.0, abs=1e-12)   # all tied: the random line
    random_score = rng.random(n)
    interval = bootstrap_intervals(y, t, random_score, n_boot=300)
    assert interval["qini"]["lower"] < 0 < interval["qini"]["upper"]
    assert abs(interval["qini"]["value"]) < 0.15


def test_input_order_does_not_matter():
    order = np.random.default_rng(3).permutation(60)
    y, t, s = (np.asarray(a)[order] for a in (Y60, T60, S60))
    assert qini_coefficient(y, t, s) == pytest.approx(qini_coefficient(Y60, T60, S60), abs=1e-12)
    assert auuc(y, t, s) == pytest.approx(auuc(Y60, T60, S60), abs=1e-12)
    assert uplift_at(y, t, s, 0.3) == pytest.approx(uplift_at(Y60, T60, S60, 0.3), abs=1e-12)


def test_metrics_refuse_bad_input():
    with pytest.raises(ValueError, match="both groups"):
        qini_coefficient([1, 0], [1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="0 or 1"):
        qini_coefficient([2, 0], [1, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="same length"):
        qini_coefficient([1, 0], [1, 0], [0.1])


def test_budget_table_by_hand():
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0])
    t = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    table = budget_table(y, t, {"score": [8, 7, 6, 5, 4, 3, 2, 1]}, margin=10, coupon_cost=2, send_cost=0.5,
                         fractions=(0.5,), n_boot=50).set_index("targeting")
    assert table.loc["no one", "profit"] == 0
    # everyone: 8 * (10 * (0.5 - 0.25) - 2 * 0.5 - 0.5) = 8
    assert table.loc["everyone", "profit"] == pytest.approx(8.0)
    # the top half holds only treated customers: no control group to compare with
    assert np.isnan(table.loc["top 50% by score", "profit"])
    assert "plan is everyone" in budget_verdict(table.reset_index(), 10, 2, 0.5)
    # chosen on a training campaign, that plan gets no estimate here, and the verdict says why
    text = budget_verdict(table.reset_index(), 10, 2, 0.5, chosen="top 50% by score")
    assert "cannot estimate its profit" in text and "nan" not in text


def test_profit_difference_is_paired_and_finds_a_known_gap():
    """Two rankings' top-20 % plans on a campaign whose truth is known (toy_campaign: the coupon
    adds 0.4 x to a 0.2 chance of buying): by x, the top fifth has x in [0.8, 1] and earns per
    customer 25 * 0.36 - 10 * 0.56 - 1 = 2.4; by -x, 25 * 0.04 - 10 * 0.24 - 1 = -2.4."""
    data = toy_campaign(n=20_000, seed=3)
    x = data.features["x"].to_numpy()
    costs = dict(margin=25, coupon_cost=10, send_cost=1)
    gap = profit_difference(data.outcome, data.treatment, x, -x, fraction=0.2, n_boot=300, **costs)
    assert gap["lower"] < 0.2 * 20_000 * 4.8 < gap["upper"] and gap["lower"] > 0
    table = budget_table(data.outcome, data.treatment, {"x": x, "minus x": -x}, fractions=(0.2,), n_boot=50,
                         **costs).set_index("targeting")["profit"]
    assert gap["difference"] == pytest.approx(table["top 20% by x"] - table["top 20% by minus x"])
    # the same ranking: no difference, in every resample
    assert profit_difference(data.outcome, data.treatment, x, x, fraction=0.2, **costs) == {
        "difference": 0.0, "lower": 0.0, "upper": 0.0}
    # two rankings that share most of their customers: the shared noise cancels, so the paired
    # interval is far narrower than either plan's own
    nearly = x + np.random.default_rng(0).normal(0, 0.01, len(x))
    close = profit_difference(data.outcome, data.treatment, x, nearly, fraction=0.2, n_boot=300, **costs)
    own = budget_table(data.outcome, data.treatment, {"x": x}, fractions=(0.2,), n_boot=300,
                       **costs).set_index("targeting").loc["top 20% by x"]
    assert close["upper"] - close["lower"] < 0.5 * (own["profit_upper"] - own["profit_lower"])
    with pytest.raises(ValueError, match="ranking 'score_b': needs one finite score per customer"):
        profit_difference(data.outcome, data.treatment, x, np.r_[x[:-1], np.nan], fraction=0.2, **costs)
    with pytest.raises(ValueError, match="ranking 'x': needs one finite score per customer"):
        budget_table(data.outcome, data.treatment, {"x": x[:-1]}, **costs)


# --------------------------------------------------------------------------- models


def toy_campaign(n=6_000, treated_share=0.5, seed=0) -> CampaignData:
    """x in [0, 1]: buys with probability 0.2 without the coupon, 0.2 + 0.4 x with it."""
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    t = (rng.random(n) < treated_share).astype(int)
    y = (rng.random(n) < 0.2 + 0.4 * x * t).astype(int)
    features = pd.DataFrame({"x": x, "noise": rng.normal(size=n)}, index=pd.RangeIndex(n, name="user_id"))
    return CampaignData(features, np.zeros((n, 2, 3), "float32"), t, y, pd.Timestamp("2024-01-01"), 14)


@pytest.mark.parametrize("model", [TwoModelUplift("logistic"), ClassTransformationUplift("logistic"),
                                   TwoModelUplift("boosting"), ClassTransformationUplift("boosting")])
def test_models_recover_an_effect_that_grows_with_x(model):
    train, test = toy_campaign(seed=1), toy_campaign(seed=2)
    pred = model.fit(train).predict(test)
    assert correlation_with_truth(pred, 0.4 * test.features["x"]) > 0.8
    assert abs(pred.mean() - 0.2) < 0.06


def test_class_transformation_handles_an_uneven_split():
    train, test = toy_campaign(treated_share=0.8, seed=1), toy_campaign(seed=2)
    pred = ClassTransformationUplift("logistic").fit(train).predict(test)
    assert abs(pred.mean() - 0.2) < 0.06  # unweighted, the 80/20 split would shift it by about 0.3


def test_the_targeting_plan_is_chosen_on_the_training_campaign_out_of_fold():
    """With the coupon, buying goes from 0.2 to 0.2 + 0.4 x. With a margin of 25, a coupon worth 10 and
    1 to send it, a coupon earns 25 * 0.4 x - 10 * (0.2 + 0.4 x) - 1 = 6 x - 3 per customer: worth
    sending where x > 0.5, so the top half by uplift is the plan to choose; without a margin, no one."""
    train, test = toy_campaign(n=20_000, seed=3), toy_campaign(n=20_000, seed=4)
    model = TwoModelUplift("logistic")
    plan, table = choose_plan_on_training(model, train, margin=25, coupon_cost=10, send_cost=1)
    assert plan == "top 50% by uplift"
    assert list(table["targeting"]) == ["no one", "everyone", "top 10% by uplift", "top 20% by uplift",
                                        "top 50% by uplift"]            # budget_table's labels
    assert table.set_index("targeting")["training profit"].idxmax() == plan
    assert choose_plan_on_training(model, train, margin=0, coupon_cost=10, send_cost=1)[0] == "no one"
    # the verdict reports the chosen plan's test estimate, whatever the test's own best
    score = TwoModelUplift("logistic").fit(train).predict(test)
    budget = budget_table(test.outcome, test.treatment, {"uplift": score}, margin=25, coupon_cost=10,
                          send_cost=1, n_boot=100)
    text = budget_verdict(budget, 25, 10, 1, chosen=plan)
    assert f"the plan chosen on the training campaign is {plan}" in text
    assert f"an estimated {budget.set_index('targeting').loc[plan, 'profit']:,.0f}" in text
    other = budget_verdict(budget, 25, 10, 1, chosen="everyone")
    assert "The highest test estimate is" in other and "optimistic" in other


def test_the_model_beats_random_on_the_synthetic_campaign(campaign, data):
    train, test = data
    model, choice = choose_on_training([TwoModelUplift("logistic"), ClassTransformationUplift("logistic")], train)
    assert list(choice.columns) == ["model", "Qini (training folds)", "spread"]
    score = type(model)(**model.get_params()).fit(train).predict(test)
    interval = bootstrap_intervals(test.outcome, test.treatment, score, n_boot=300)["qini"]
    assert interval["lower"] > 0, interval                      # above random, the interval excludes it
    truth = campaign.customers_of("test").set_index("user_id").loc[test.user_id, "true_uplift"]
    assert correlation_with_truth(score, truth) > 0.4
    # targeting by churn risk (no purchase without a coupon) does worse than random here
    churn_risk = test.features["recency_days"].to_numpy()
    assert qini_coefficient(test.outcome, test.treatment, churn_risk) < 0


# --------------------------------------------------------------------------- the log


def test_assignments_from_a_log():
    t0 = pd.Timestamp("2024-03-01")
    events = pd.DataFrame({
        "user_id": [1, 2, 3, 1, 2, 1],
        "timestamp": [t0, t0 + pd.Timedelta(hours=5), t0 + pd.Timedelta(days=1), t0 + pd.Timedelta(days=20),
                      t0 + pd.Timedelta(days=20), t0 + pd.Timedelta(days=20, hours=1)],
        "event_type": ["campaign"] * 6,
        "treatment": [1, 0, 1, 0, 1, 0],
    })
    first, second = campaign_assignments(events)
    assert first["user_id"].tolist() == [1, 2, 3] and first["treated"].tolist() == [1, 0, 1]
    assert second["user_id"].tolist() == [1, 2]
    events.loc[5, "treatment"] = 1
    with pytest.raises(ValueError, match="row 6: customer 1 is both treated and control"):
        campaign_assignments(events)


@pytest.mark.parametrize("change, reason", [
    (lambda e: e.drop(columns="treatment"), "no treatment column"),
    (lambda e: e.assign(treatment=np.nan), "empty"),
    (lambda e: e.assign(treatment=e["treatment"].where(e["treatment"].isna(), 1.0)), "same group"),
    (lambda e: e.assign(treatment=e["treatment"] * 2),
     "1 \\(treated\\) or 0 \\(control\\) only; row \\d+ holds '2.0'"),
    (lambda e: e.assign(treatment=e["treatment"].map({1.0: "yes", 0.0: "no"})), "row \\d+ holds '(yes|no)'"),
])
def test_why_a_log_has_no_uplift_task(campaign, change, reason):
    ok, why = has_treatment(change(campaign.events))
    assert not ok and re.search(reason, why)


def test_uplift_task_runs_and_skips(shop):
    from course_lib.tasks.uplift import uplift_task

    small = make_shop(150_000, seed=2, n_days=120)
    c = make_campaign(small)
    result = uplift_task(c.events, truth=c.customers_of("test"), n_boot=100, log=lambda *_: None)
    assert result.skipped is None, result.skipped
    assert set(result.tables) == {"uplift_leaderboard", "uplift_budget", "uplift_model_choice", "uplift_plan_choice"}
    assert {"uplift_qini", "uplift_profit"} <= set(result.figures)
    budget = result.tables["uplift_budget"]
    assert {"no one", "everyone", "top 20% by uplift", "top 20% by churn risk"} <= set(budget["targeting"])
    plan = result.tables["uplift_plan_choice"].set_index("targeting")["training profit"].idxmax()
    assert any(f"the plan chosen on the training campaign is {plan}" in n or
               (plan == "no one" and "chosen on the training campaign is to send no coupon" in n)
               for n in result.notes)   # the verdict reports the plan chosen before the test
    assert any("correlates with the true uplift" in n for n in result.notes)
    # one campaign only: halves of its customers, said plainly
    one = c.events[~((c.events["treatment"].notna()) & (c.events["timestamp"] < c.customers["start"].max()))]
    single = uplift_task(one, n_boot=50, log=lambda *_: None)
    assert single.skipped is None and "one campaign" in single.notes[0]
    skipped = uplift_task(small.events, log=lambda *_: None)
    assert "no treatment column" in skipped.skipped
    import matplotlib.pyplot as plt
    plt.close("all")
