"""Judging an uplift ranking on a randomised campaign (lesson 09).

An uplift model ranks customers by how much the coupon changes their
chance to buy. No customer shows both outcomes, so a ranking is judged on
groups: among the ``k`` customers ranked highest, compare those who were
sent the coupon with those who were held out (the assignment was random, so
the two are alike but for the coupon).

* **Qini curve** (Radcliffe 2007): extra buyers among the top ``k``,
  ``Y_T(k) - Y_C(k) * N_T(k) / N_C(k)`` (buyers with the coupon, minus
  buyers without it scaled to as many customers);
* **uplift curve**: ``(Y_T(k)/N_T(k) - Y_C(k)/N_C(k)) * k``;
* both against the **random-targeting line**, the straight line to the
  campaign's overall effect, which any ranking reaches by chance;
* the **Qini coefficient** and **AUUC**: the area between a curve and the
  random line, divided by that of a perfect ranking of the realised outcomes
  (for Qini: treated buyers first, held-out buyers last), exactly as
  scikit-uplift's ``qini_auc_score`` and ``uplift_auc_score`` define them
  (a benchmark checks the agreement): 0 is random, 1 perfect;
* a **bootstrap interval over customers** (resampled with replacement,
  the ranking fixed), so "above random" is a claim with its uncertainty;
  the resamples are :func:`course_lib.evaluate.uncertainty.resample_counts`,
  the same for every ranking (paired), the interval the percentile one;
* the **budget table**: what sending coupons to the top 10 %, 20 %, 50 % of
  each ranking earns, against everyone and no one, in money; and
  :func:`profit_difference`, two rankings' plans compared on the same resamples;
* :func:`choose_on_training`: which uplift model to use, chosen on folds of
  the training campaign (never on the test).

Customers tied in score form one step of a curve (the order inside a tie is
unknown), so the input order never changes a number.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from course_lib.evaluate.uncertainty import percentile_interval, resample_counts

UPLIFT_COLUMNS = ["model", "Qini", "Qini_lower", "Qini_upper", "AUUC", "AUUC_lower", "AUUC_upper",
                  "uplift@20%", "corr. with true uplift", "train_s"]


def _check(outcome, treatment, score):
    y = np.asarray(outcome)
    t = np.asarray(treatment)
    s = np.asarray(score, dtype=float)
    if not (y.shape == t.shape == s.shape) or y.ndim != 1:
        raise ValueError("outcome, treatment and score must be 1-D and of the same length")
    if not np.isin(y, (0, 1)).all() or not np.isin(t, (0, 1)).all():
        raise ValueError("outcome and treatment must be 0 or 1")
    if t.min() == t.max():
        raise ValueError("both groups are needed: some customers treated, some held out")
    if not np.isfinite(s).all():
        raise ValueError("scores contain NaN or infinite values")
    return y.astype(float), t.astype(float), s


def _order(score):
    """Descending order (stable) and the position of the last customer of each tie block."""
    order = np.argsort(-score, kind="stable")
    s = score[order]
    ends = np.r_[np.flatnonzero(s[1:] != s[:-1]), len(s) - 1]
    return order, ends


def _sums(y, t, order, ends, weights=None):
    """Cumulative (treated, held out, treated buyers, held-out buyers) at tie-block ends.

    ``weights`` has shape (replicates, customers) (bootstrap counts), or is
    None for the plain curve; each result has shape (replicates, blocks).
    Counts are whole numbers, so float32 sums are exact (up to 16 million).
    """
    w = np.ones((1, len(y)), dtype=np.float32) if weights is None else \
        np.asarray(weights, dtype=np.float32)[:, order]
    yo, to = y[order].astype(np.float32), t[order].astype(np.float32)
    everyone = np.cumsum(w, axis=1)[:, ends]
    n_t = np.cumsum(w * to, axis=1)[:, ends]
    buyers = np.cumsum(w * yo, axis=1)[:, ends]
    y_t = np.cumsum(w * (to * yo), axis=1)[:, ends]
    return tuple(a.astype(np.float64) for a in (n_t, everyone - n_t, y_t, buyers - y_t))


def _curve(sums, kind: str = "qini"):
    """(x, value), each (replicates, blocks + 1) and starting at (0, 0), from :func:`_sums`."""
    n_t, n_c, y_t, y_c = sums
    if kind == "qini":
        ratio = np.divide(n_t, n_c, out=np.zeros_like(n_t), where=n_c > 0)
        value = y_t - y_c * ratio
    elif kind == "uplift":
        rate_t = np.divide(y_t, n_t, out=np.zeros_like(y_t), where=n_t > 0)
        rate_c = np.divide(y_c, n_c, out=np.zeros_like(y_c), where=n_c > 0)
        value = (rate_t - rate_c) * (n_t + n_c)
    else:
        raise ValueError("kind must be 'qini' or 'uplift'")
    zero = np.zeros((len(n_t), 1))
    return np.hstack([zero, n_t + n_c]), np.hstack([zero, value])


def _area_above_random(x, value):
    """Area between the curve and the straight line from (0, 0) to its last point, per row."""
    area = np.sum((x[:, 1:] - x[:, :-1]) * (value[:, 1:] + value[:, :-1]) / 2, axis=1)
    return area - x[:, -1] * value[:, -1] / 2


def _kinds():
    """(metric, curve, oracle ranking) for the Qini coefficient and the AUUC."""
    return (("qini", "qini", perfect_score), ("auuc", "uplift", perfect_uplift_score))


def _perfect_areas(y, t, weights=None) -> dict:
    """Area above random of the perfect rankings (the normalisers), per weight row."""
    return {name: _area_above_random(*_curve(_sums(y, t, *_order(oracle(y, t)), weights), kind))
            for name, kind, oracle in _kinds()}


def _normalised_areas(y, t, s, weights=None, perfect: dict | None = None) -> dict:
    """Qini coefficient and AUUC (per weight row): areas above random over the perfect ranking's."""
    perfect = perfect or _perfect_areas(y, t, weights)
    model = _sums(y, t, *_order(s), weights)
    return {name: _area_above_random(*_curve(model, kind)) / np.where(perfect[name] != 0, perfect[name], np.nan)
            for name, kind, _ in _kinds()}


def perfect_score(outcome, treatment) -> np.ndarray:
    """The oracle ranking the Qini normalisation uses: treated buyers first, held-out buyers last."""
    y, t = np.asarray(outcome, float), np.asarray(treatment, float)
    return y * t - y * (1 - t)


def perfect_uplift_score(outcome, treatment) -> np.ndarray:
    """The oracle ranking the AUUC normalisation uses (as scikit-uplift's ``perfect_uplift_curve``).

    Treated buyers and held-out non-buyers first; then, of the other two
    groups, the larger one is put last.
    """
    y, t = np.asarray(outcome, float), np.asarray(treatment, float)
    held_out_buyers = np.sum((y == 1) & (t == 0))
    treated_non_buyers = np.sum((y == 0) & (t == 1))
    return 2 * (y == t) + (y if held_out_buyers > treated_non_buyers else t)


def qini_curve(outcome, treatment, score) -> pd.DataFrame:
    """Extra buyers among the top ``targeted`` customers, with the random-targeting line."""
    return _curve_table(outcome, treatment, score, "qini")


def uplift_curve(outcome, treatment, score) -> pd.DataFrame:
    """Uplift among the top ``targeted`` times their number, with the random-targeting line."""
    return _curve_table(outcome, treatment, score, "uplift")


def _curve_table(outcome, treatment, score, kind):
    y, t, s = _check(outcome, treatment, score)
    x, value = _curve(_sums(y, t, *_order(s)), kind)
    x, value = x[0], value[0]
    return pd.DataFrame({"targeted": x, "share": x / len(y), "extra buyers": value,
                         "random": value[-1] * x / x[-1]})


def qini_coefficient(outcome, treatment, score) -> float:
    """Area between the Qini curve and random, over that of the perfect ranking (0 random, 1 perfect)."""
    return float(_normalised_areas(*_check(outcome, treatment, score))["qini"][0])


def auuc(outcome, treatment, score) -> float:
    """Area between the uplift curve and random, over that of the perfect ranking."""
    return float(_normalised_areas(*_check(outcome, treatment, score))["auuc"][0])


def uplift_at(outcome, treatment, score, fraction: float = 0.2) -> float:
    """Buy rate with the coupon minus without it, among the ``fraction`` ranked highest.

    Ties at the cut are taken in proportion (each tied customer counts with
    the share of the tie that fits), so the input order never matters.
    """
    y, t, s = _check(outcome, treatment, score)
    w = _top_weights(s, fraction)
    if np.sum(w * t) == 0 or np.sum(w * (1 - t)) == 0:
        return float("nan")  # one group is missing from the top: no comparison
    rate_t = np.sum(w * t * y) / np.sum(w * t)
    rate_c = np.sum(w * (1 - t) * y) / np.sum(w * (1 - t))
    return float(rate_t - rate_c)


def _top_weights(score, fraction: float) -> np.ndarray:
    """1 for the customers inside the top ``fraction``, a share for those tied at the cut, else 0."""
    n = int(round(fraction * len(score)))
    if n <= 0:
        return np.zeros(len(score))
    if n >= len(score):
        return np.ones(len(score))
    cut = np.sort(score)[::-1][n - 1]
    above, tied = score > cut, score == cut
    return above + tied * (n - above.sum()) / tied.sum()


def bootstrap_intervals(outcome, treatment, score, n_boot: int = 500, level: float = 0.95,
                        seed: int = 0) -> dict:
    """Qini coefficient and AUUC, each with its percentile interval over customers.

    Customers are resampled with replacement ``n_boot`` times (the ranking
    fixed); returns ``{"qini": {"value", "lower", "upper"}, "auuc": {...}}``.
    """
    return _bootstrap_many(outcome, treatment, {"score": score}, n_boot, level, seed)["score"]


def _resamples(n: int, n_boot: int, seed: int, chunk: int = 100):
    """The shared resample counts (:func:`~course_lib.evaluate.uncertainty.resample_counts`) in
    chunks of ``chunk`` rows: each row's cumulative sums over customers are held at once."""
    for block in resample_counts(n, n_boot, seed):
        yield from np.array_split(block, -(-len(block) // chunk))


def _bootstrap_many(outcome, treatment, scores: dict, n_boot: int, level: float, seed: int) -> dict:
    """:func:`bootstrap_intervals` for several rankings of the same customers (the same resamples)."""
    checked = {name: _check(outcome, treatment, s) for name, s in scores.items()}
    y, t, _ = next(iter(checked.values()))
    values = {name: {k: float(v[0]) for k, v in _normalised_areas(y, t, s).items()}
              for name, (_, _, s) in checked.items()}
    draws = {name: {k: [] for k in v} for name, v in values.items()}
    for counts in _resamples(len(y), n_boot, seed):
        perfect = _perfect_areas(y, t, counts)
        for name, (_, _, s) in checked.items():
            for k, v in _normalised_areas(y, t, s, counts, perfect).items():
                draws[name][k].append(v)
    out = {}
    for name, metrics in values.items():
        out[name] = {}
        for k, value in metrics.items():
            d = np.concatenate(draws[name][k])
            lower, upper = percentile_interval(d[np.isfinite(d)], level)
            out[name][k] = {"value": value, "lower": float(lower), "upper": float(upper)}
    return out


def correlation_with_truth(score, true_uplift) -> float:
    """Spearman rank correlation between a ranking and the true uplift (synthetic data only)."""
    from scipy.stats import spearmanr

    return float(spearmanr(np.asarray(score, float), np.asarray(true_uplift, float)).statistic)


def uplift_row(name: str, outcome, treatment, score, true_uplift=None, train_s: float = float("nan"),
               n_boot: int = 500, seed: int = 0) -> dict:
    """One leaderboard row: Qini and AUUC with intervals, uplift in the top 20 %, truth correlation."""
    return uplift_rows(outcome, treatment, {name: score}, true_uplift, {name: train_s}, n_boot, seed)[0]


def uplift_rows(outcome, treatment, scores: dict, true_uplift=None, train_seconds: dict | None = None,
                n_boot: int = 500, seed: int = 0) -> list[dict]:
    """:func:`uplift_row` for several rankings, on the same bootstrap resamples (faster, paired)."""
    intervals = _bootstrap_many(outcome, treatment, scores, n_boot, 0.95, seed)
    rows = []
    for name, score in scores.items():
        q, a = intervals[name]["qini"], intervals[name]["auuc"]
        rows.append({"model": name, "Qini": q["value"], "Qini_lower": q["lower"], "Qini_upper": q["upper"],
                     "AUUC": a["value"], "AUUC_lower": a["lower"], "AUUC_upper": a["upper"],
                     "uplift@20%": uplift_at(outcome, treatment, score, 0.2),
                     "corr. with true uplift": (correlation_with_truth(score, true_uplift)
                                                if true_uplift is not None else float("nan")),
                     "train_s": (train_seconds or {}).get(name, float("nan"))})
    return rows


def uplift_leaderboard(rows) -> pd.DataFrame:
    """Rows of :func:`uplift_row`, best Qini coefficient first."""
    table = pd.DataFrame(rows)
    for column in UPLIFT_COLUMNS:
        if column not in table:
            table[column] = np.nan
    return table[UPLIFT_COLUMNS].sort_values("Qini", ascending=False, ignore_index=True)


def _held_out_folds(model, train, folds: int, seed: int):
    """Each of ``folds`` random folds of the training campaign (a mask), with the scores of a copy of
    ``model`` fitted on the other folds. The campaign's assignment was random, so each fold is a small
    campaign of its own; the same ``seed`` gives the same folds."""
    fold = np.random.default_rng(seed).permutation(len(train)) % folds
    for k in range(folds):
        held = fold == k
        yield held, type(model)(**model.get_params()).fit(train.subset(~held)).predict(train.subset(held))


def choose_on_training(candidates, train, folds: int = 3, seed: int = 0, log=None):
    """The candidate with the best mean Qini coefficient over ``folds`` folds of the training campaign.

    Customers are split at random into folds (the campaign's assignment was
    random, so each fold is a small campaign of its own); every candidate is
    fitted on the other folds and scored on the held-out one. The test
    campaign is never looked at. Returns (best candidate, unfitted; table of
    mean Qini per candidate).
    """
    rows = []
    for model in candidates:
        scores = [qini_coefficient(train.outcome[held], train.treatment[held], score)
                  for held, score in _held_out_folds(model, train, folds, seed)]
        rows.append({"model": model.name, "Qini (training folds)": float(np.mean(scores)),
                     "spread": float(np.std(scores))})
        if log:
            log(f"{model.name}: mean Qini {np.mean(scores):.3f} over {folds} training folds")
    table = pd.DataFrame(rows)
    best = candidates[int(table["Qini (training folds)"].idxmax())]
    return best, table.sort_values("Qini (training folds)", ascending=False, ignore_index=True)


# --------------------------------------------------------------------------- #
# money

def _profit(y, t, w, margin, coupon_cost, send_cost):
    """Estimated profit of sending the coupon to the weighted group, against sending none.

    Per customer: ``margin * (rate with - rate without) - coupon_cost * rate with
    - send_cost`` (every buyer with a coupon redeems it, including those who
    would have bought anyway), times the group's size.
    """
    n_t = np.sum(w * t, axis=-1)
    n_c = np.sum(w * (1 - t), axis=-1)
    rate_t = np.sum(w * t * y, axis=-1) / np.where(n_t > 0, n_t, np.nan)
    rate_c = np.sum(w * (1 - t) * y, axis=-1) / np.where(n_c > 0, n_c, np.nan)
    size = n_t + n_c
    return size * (margin * (rate_t - rate_c) - coupon_cost * rate_t - send_cost)


def _ranking(score, n: int, name: str) -> np.ndarray:
    """``score`` as floats, checked: one finite score for each of the ``n`` customers."""
    score = np.asarray(score, float)
    if len(score) != n or not np.isfinite(score).all():
        raise ValueError(f"ranking {name!r}: needs one finite score per customer")
    return score


def budget_table(outcome, treatment, rankings: dict, *, margin: float, coupon_cost: float,
                 send_cost: float = 0.0, fractions=(0.1, 0.2, 0.5), truth: pd.DataFrame | None = None,
                 n_boot: int = 500, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Profit of sending coupons to the top ``fractions`` of each ranking, everyone, no one.

    ``rankings`` maps a rule's name to its scores (higher: target first).
    The profit is estimated from the randomised campaign (see :func:`_profit`)
    for the targeted group, with a bootstrap interval over customers; it is
    NaN for a group holding no customer of one arm. With ``truth`` (columns ``true_uplift`` and ``p_with``,
    synthetic data only) the expected profit under the true probabilities is
    added: ``sum(margin * true_uplift - coupon_cost * p_with - send_cost)`` over the group.
    """
    y, t, _ = _check(outcome, treatment, np.zeros(len(outcome)))
    n = len(y)
    counts = np.concatenate(list(resample_counts(n, n_boot, seed)))
    plans = [("no one", 0.0, np.zeros(n)), ("everyone", 1.0, np.ones(n))]
    for name, score in rankings.items():
        score = _ranking(score, n, name)
        plans += [(f"top {f:.0%} by {name}", f, _top_weights(score, f)) for f in fractions]
    rows = []
    for label, share, w in plans:
        profit, lower, upper = 0.0, 0.0, 0.0
        if share > 0:
            profit = float(_profit(y, t, w, margin, coupon_cost, send_cost))
            boot = _profit(y, t, counts * w, margin, coupon_cost, send_cost)
            boot = boot[np.isfinite(boot)]
            # a group without customers of one arm has no estimate (and no interval)
            lower, upper = percentile_interval(boot, level) if np.isfinite(profit) and len(boot) \
                else (np.nan, np.nan)
        row = {"targeting": label, "share": share, "coupons": round(float(w.sum())),
               "profit": profit, "profit_lower": float(lower), "profit_upper": float(upper)}
        if truth is not None:
            gain = (margin * truth["true_uplift"].to_numpy() - coupon_cost * truth["p_with"].to_numpy()
                    - send_cost)
            row["expected profit (truth)"] = float(np.sum(w * gain))
        rows.append(row)
    return pd.DataFrame(rows)


def profit_difference(outcome, treatment, score_a, score_b, *, fraction: float, margin: float,
                      coupon_cost: float, send_cost: float = 0.0, n_boot: int = 500, level: float = 0.95,
                      seed: int = 0) -> dict:
    """What sending coupons to the top ``fraction`` by ``score_a`` earns more than the top ``fraction``
    by ``score_b`` (lesson 09: uplift against response probability), with a **paired** bootstrap
    interval over customers: each resample draws the same customers for both plans, so the part of
    the noise they share (customers both target) cancels. Returns ``{"difference", "lower",
    "upper"}``, the profits as :func:`budget_table` estimates them (:func:`_profit`)."""
    y, t, _ = _check(outcome, treatment, np.zeros(len(outcome)))
    weights = [_top_weights(_ranking(score, len(y), name), fraction)
               for name, score in (("score_a", score_a), ("score_b", score_b))]
    costs = dict(margin=margin, coupon_cost=coupon_cost, send_cost=send_cost)
    point = float(_profit(y, t, weights[0], **costs) - _profit(y, t, weights[1], **costs))
    counts = np.concatenate(list(resample_counts(len(y), n_boot, seed)))
    boot = _profit(y, t, counts * weights[0], **costs) - _profit(y, t, counts * weights[1], **costs)
    lower, upper = percentile_interval(boot[np.isfinite(boot)], level)
    return {"difference": point, "lower": float(lower), "upper": float(upper)}


def choose_plan_on_training(model, train, *, margin: float, coupon_cost: float, send_cost: float = 0.0,
                            fractions=(0.1, 0.2, 0.5), folds: int = 3, seed: int = 0, name: str = "uplift"):
    """The plan to report on the test campaign, chosen on the training campaign: no one, everyone, or
    the top ``fractions`` of ``model``'s uplift ranking, whichever earns most there (see :func:`_profit`).

    Every training customer is ranked by a copy of ``model`` fitted on the other folds (out of fold,
    as in :func:`choose_on_training`), so no one is scored by a model that saw them. The test
    campaign is never looked at: picking the best of :func:`budget_table`'s plans on the test would
    make the winner's estimate optimistic. Returns (the plan's label as :func:`budget_table` writes
    it for the ranking ``name``; a table of each plan's training profit).
    """
    y, t, _ = _check(train.outcome, train.treatment, np.zeros(len(train.outcome)))
    plans = {"no one": np.zeros(len(y)), "everyone": np.ones(len(y))}
    plans |= {f"top {f:.0%} by {name}": np.zeros(len(y)) for f in fractions}
    for held, score in _held_out_folds(model, train, folds, seed):
        for f in fractions:
            plans[f"top {f:.0%} by {name}"][held] = _top_weights(np.asarray(score, float), f)
    table = pd.DataFrame([{"targeting": label, "share": float(w.mean()),
                           "training profit": float(_profit(y, t, w, margin, coupon_cost, send_cost))
                           if w.any() else 0.0} for label, w in plans.items()])
    chosen = table.loc[table["training profit"].fillna(-np.inf).idxmax(), "targeting"]
    return chosen, table


def _estimate(plan) -> str:
    """A budget-table row's estimated profit with its interval, and whether that excludes zero."""
    sure = "its interval lies above zero" if plan["profit_lower"] > 0 else \
        "but its interval includes zero: it may earn nothing"
    return (f"an estimated {plan['profit']:,.0f} (95 % CI {plan['profit_lower']:,.0f} to "
            f"{plan['profit_upper']:,.0f}), {sure}")


def budget_verdict(table: pd.DataFrame, margin: float, coupon_cost: float, send_cost: float = 0.0,
                   chosen: str | None = None) -> str:
    """Which targeting earns most (estimated from the campaign), how sure that is, and the runner-up.

    With ``chosen`` (a plan chosen before the test, :func:`choose_plan_on_training`), the verdict
    reports that plan's estimate and names the plan with the highest test estimate only beside it:
    picked on the test itself, that estimate is optimistic.
    """
    costs = (f"a margin of {margin:g} per order, a coupon worth {coupon_cost:g} on each order that uses "
             f"it and {send_cost:g} to send one")
    ranked = table.dropna(subset=["profit"]).sort_values("profit", ascending=False, kind="stable")
    best, second = ranked.iloc[0], ranked.iloc[1]
    if chosen is not None:
        mine = table.set_index("targeting").loc[chosen]
        if chosen == "no one":
            text = f"With {costs}, the plan chosen on the training campaign is to send no coupon (profit 0)."
        elif pd.isna(mine["profit"]):
            text = (f"With {costs}, the plan chosen on the training campaign is {chosen} "
                    f"({mine['coupons']:,} coupons), but the test campaign cannot estimate its profit: the "
                    "customers it targets were all sent the coupon, or all held out, so there is no one "
                    "to compare them with.")
        else:
            text = (f"With {costs}, the plan chosen on the training campaign is {chosen} "
                    f"({mine['coupons']:,} coupons): on the test campaign it earns {_estimate(mine)}.")
        if best["targeting"] != chosen:
            text += (f" The highest test estimate is {best['targeting']}'s, {best['profit']:,.0f}: picked on the "
                     "test itself, that figure is optimistic, so it is not the report.")
    elif best["targeting"] == "no one":
        text = (f"With {costs}, no plan earns more than sending no coupon at all; the best of them is "
                f"{second['targeting']} with an estimated {second['profit']:,.0f}.")
    else:
        overlap = "the two intervals overlap" if second["profit_upper"] >= best["profit_lower"] else \
            "the two intervals do not overlap"
        text = (f"With {costs}, the most profitable plan is {best['targeting']} ({best['coupons']:,} "
                f"coupons): {_estimate(best)}. Next is {second['targeting']} with "
                f"{second['profit']:,.0f} ({overlap}).")
    if "expected profit (truth)" in table:
        truth_best = table.loc[table["expected profit (truth)"].idxmax(), "targeting"]
        text += f" By the true probabilities (known only in the synthetic shop) the best plan is {truth_best}."
    return text
