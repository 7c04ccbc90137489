"""The uplift task: whom to send the coupon, and what it earns (lesson 09, ``course-lib report``).

:func:`uplift_task` runs on any event log with a ``treatment`` column (one
assignment row per customer and campaign, 1 = sent, 0 = held out, see
:mod:`course_lib.prep.uplift`) and purchase events:

1. the campaigns in the log: the last one is the test; the earlier ones
   train (a log with a single campaign is split into two random halves of
   its customers instead, and the note says so);
2. three uplift models (two models and class transformation with logistic
   regression; two models with gradient boosting on the features plus the
   weekly sequence), one of them **chosen on folds of the training
   campaign**, never on the test;
3. on the test campaign: every model's Qini coefficient and AUUC with 95 %
   bootstrap intervals over customers, beside two rankings a shop often uses
   instead (churn risk without a coupon, and the probability to buy with
   one) and, when the truth is known (the synthetic shop), the true uplift;
4. the budget table: the profit of sending coupons to the top 10, 20 and
   50 % of each ranking, to everyone and to no one, at a stated margin,
   coupon value and sending cost, and a sentence saying which plan wins.

A log the task cannot use is skipped with the reason.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

import matplotlib.pyplot as plt

from course_lib.evaluate.uplift import (budget_table, budget_verdict, choose_on_training, choose_plan_on_training,
                                        uplift_leaderboard, uplift_rows)
from course_lib.models.uplift import make_uplift_model
from course_lib.prep.uplift import CampaignData, campaign_assignments, campaign_data, has_treatment
from course_lib.show.uplift_plots import plot_profit, plot_qini_curves
from course_lib.tasks.results import TaskResult


def uplift_task(events: pd.DataFrame, *, window_days: int = 14, margin: float = 25.0,
                coupon_cost: float = 10.0, send_cost: float = 1.0, truth: pd.DataFrame | None = None,
                n_boot: int = 500, seed: int = 0, log=print) -> TaskResult:
    """Uplift models on the log's campaigns, judged on the last one, and the budget table.

    ``truth`` (synthetic shop only): one row per test customer with
    ``user_id``, ``true_uplift`` and ``p_with`` (``make_campaign(...).customers_of("test")``).
    """
    result = TaskResult("uplift", "Uplift: whom to send the coupon")
    ok, why = has_treatment(events)
    if not ok:
        result.skipped = why
        return result
    campaigns = campaign_assignments(events)
    last_event = events["timestamp"].max()
    end = campaigns[-1]["assigned_at"].max() + pd.Timedelta(days=window_days)
    if end > last_event + pd.Timedelta(days=1):
        result.skipped = (f"the last campaign's {window_days}-day window runs to {end:%Y-%m-%d}, past the "
                          f"end of the log ({last_event:%Y-%m-%d}): its outcomes are not all known yet")
        return result
    try:
        parts = [campaign_data(events, a, window_days) for a in campaigns]
    except ValueError as exc:
        result.skipped = str(exc)
        return result
    if len(parts) > 1:
        train, test = CampaignData.concat(parts[:-1]), parts[-1]
        how = (f"Trained on {len(parts) - 1} earlier campaign(s) ({train.describe()}); "
               f"judged on the last one ({test.describe()}).")
    else:
        half = np.random.default_rng(seed).permutation(len(parts[0])) % 2 == 0
        train, test = parts[0].subset(half), parts[0].subset(~half)
        how = (f"The log holds one campaign ({parts[0].describe()}): the models learn from a random half of "
               "its customers and are judged on the other half, so the result says nothing about a later "
               "campaign.")
    for name, data in (("training", train), ("test", test)):
        if len(data) < 40 or min(data.treatment.sum(), (1 - data.treatment).sum()) < 10 \
                or data.outcome.sum() < 5:
            result.skipped = f"too few customers, groups or buyers in the {name} data: {data.describe()}"
            return result
    result.notes.append(how)

    candidates = [make_uplift_model("two models", "logistic", seed=seed),
                  make_uplift_model("class transformation", "logistic", seed=seed),
                  make_uplift_model("two models", "boosting", sequence=True, seed=seed)]
    chosen, folds = choose_on_training(candidates, train, folds=3, seed=seed)
    log(f"uplift model chosen on training folds: {chosen.name}")
    truth_values = None
    if truth is not None:
        truth = truth.set_index("user_id").loc[test.user_id]
        truth_values = truth["true_uplift"].to_numpy()
    scores = {m.name: m.fit(train).predict(test) for m in candidates}
    reference = candidates[0]  # the logistic two-model learner: its halves are the usual scores
    without, with_ = reference.predict_outcomes(test)
    others = {"churn risk (no coupon)": 1 - without, "response probability (with coupon)": with_}
    if truth_values is not None:
        others["true uplift (synthetic truth)"] = truth_values
    board = uplift_leaderboard(uplift_rows(test.outcome, test.treatment, {**scores, **others}, truth_values,
                                           {m.name: m.train_seconds for m in candidates}, n_boot, seed))

    rankings = {"uplift": scores[chosen.name], "churn risk": others["churn risk (no coupon)"],
                "response probability": others["response probability (with coupon)"]}
    budget = budget_table(test.outcome, test.treatment, rankings, margin=margin, coupon_cost=coupon_cost,
                          send_cost=send_cost, truth=truth, n_boot=n_boot, seed=seed)
    plan, plans = choose_plan_on_training(chosen, train, margin=margin, coupon_cost=coupon_cost,
                                          send_cost=send_cost, seed=seed)   # on the training campaign
    log(f"targeting plan chosen on training folds: {plan}")
    result.tables = {"uplift_leaderboard": board, "uplift_budget": budget, "uplift_model_choice": folds,
                     "uplift_plan_choice": plans}

    mine = board.set_index("model").loc[chosen.name]
    above = "above random: its interval excludes 0" if mine["Qini_lower"] > 0 else \
        "not clearly above random: its interval includes 0"
    result.notes.append(f"Chosen on three folds of the training data (never the test): {chosen.name}. On the "
                        f"test campaign its Qini coefficient is {mine['Qini']:.3f} (95 % CI "
                        f"{mine['Qini_lower']:.3f} to {mine['Qini_upper']:.3f}), {above}; AUUC "
                        f"{mine['AUUC']:.3f} ({mine['AUUC_lower']:.3f} to {mine['AUUC_upper']:.3f}).")
    if truth_values is not None:
        result.notes.append(f"Its ranking correlates with the true uplift at {mine['corr. with true uplift']:.2f} "
                            "(Spearman; known only in the synthetic shop).")
    result.notes.append(budget_verdict(budget, margin, coupon_cost, send_cost, chosen=plan))

    fig, ax = plt.subplots(figsize=(6.5, 4))
    plot_qini_curves(test.outcome, test.treatment, {f"uplift: {chosen.name}": rankings["uplift"],
                                                    "churn risk": rankings["churn risk"],
                                                    "response probability": rankings["response probability"]},
                     ax=ax, title="Qini curves on the test campaign")
    fig.tight_layout()
    result.figures["uplift_qini"] = fig
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(budget) + 1.2))
    plot_profit(budget, ax=ax, title=f"profit per plan (margin {margin:g}, coupon {coupon_cost:g}, "
                                     f"sending {send_cost:g})")
    fig.tight_layout()
    result.figures["uplift_profit"] = fig
    result.extra = {"train": train, "test": test, "models": {m.name: m for m in candidates},
                    "chosen": chosen, "scores": scores, "rankings": rankings}
    return result
