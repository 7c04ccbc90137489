"""The case study's four tasks on any event log (lesson 08, lesson 09, ``course-lib report``).

Like the command line, this module only composes the layers below it; each
task is the one lesson 08 builds step by step:

1. :func:`next_item_task`: next-item leaderboard under the shared protocol,
   with the repeat/new and short/long breakdown;
2. :func:`intent_task`: will a session end in a purchase, from its first k events;
3. :func:`churn_task`: which customers buy nothing in the next N days;
4. :func:`demand_task`: daily demand forecasts turned into stock orders.

A task the data cannot support is skipped with the reason, said plainly
(no purchase events: no purchase-intent task). :func:`write_report` runs
them all and writes the folder completely or not at all.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from course_lib.datasets.own_data import event_type_hint

NEXT_ITEM_MODELS = ("pop", "markov", "sknn", "gru4rec", "lstm", "srgnn", "sasrec")

#: why a task that needs items is skipped on a log without an item column
NO_ITEMS = "the log has no item column (map one with --item COL / item=)"


@dataclass
class TaskResult:
    """One task's outcome: tables (CSV), figures (PNG) and sentences for the summary."""

    name: str
    title: str
    tables: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    skipped: str | None = None
    extra: dict = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class NextItemSettings:
    """The next-item models' settings (``course-lib next-item`` and ``report`` options)."""

    models: tuple = ("pop", "markov", "sknn", "gru4rec", "lstm")
    max_len: int = 10
    hidden: int = 64
    epochs: int = 6
    batch_size: int = 256
    learning_rate: float = 1e-2
    sknn_k: int = 100
    sknn_sample: int = 5000


def make_next_item_models(settings: NextItemSettings) -> list:
    """Fresh, unfitted models in the order of ``settings.models``."""
    from course_lib.models.attention import SASRec
    from course_lib.models.baselines import MarkovChain, Popularity, SessionKNN
    from course_lib.models.graph import SRGNN
    from course_lib.models.session_rnn import SessionRNN

    s = settings
    makers = {
        "pop": lambda: Popularity(),
        "markov": lambda: MarkovChain(),
        "sknn": lambda: SessionKNN(k=s.sknn_k, sample=s.sknn_sample),
        "gru4rec": lambda: SessionRNN(cell="gru", hidden=s.hidden, max_len=s.max_len, epochs=s.epochs,
                                      batch_size=s.batch_size, learning_rate=s.learning_rate),
        "lstm": lambda: SessionRNN(cell="lstm", hidden=s.hidden, max_len=s.max_len, epochs=s.epochs,
                                   batch_size=s.batch_size, learning_rate=s.learning_rate),
        # lesson 06: SR-GNN trains 2/3 of the epochs on batches twice as large
        "srgnn": lambda: SRGNN(dim=s.hidden, max_len=s.max_len, epochs=max(1, s.epochs * 2 // 3),
                               batch_size=2 * s.batch_size, learning_rate=s.learning_rate),
        # lesson 07: one attention block (a second did not pay off on the lesson's data)
        "sasrec": lambda: SASRec(dim=s.hidden, blocks=1, max_len=s.max_len, epochs=s.epochs,
                                 batch_size=s.batch_size, learning_rate=s.learning_rate),
    }
    unknown = [n for n in s.models if n not in makers]
    if unknown or not s.models:
        raise ValueError(f"unknown model(s) {unknown}; choose from {', '.join(NEXT_ITEM_MODELS)}")
    return [makers[name]() for name in s.models]


def tune_sknn(earlier: pd.DataFrame, valid_days: float, settings: NextItemSettings, log=print):
    """Choose session-kNN's k and sample on the ``valid_days`` before the test (never on the test)."""
    from course_lib.evaluate.next_item import tune
    from course_lib.models.baselines import SessionKNN
    from course_lib.prep.next_item import next_item_split

    if "sknn" not in settings.models or valid_days <= 0:
        return None
    try:
        valid = next_item_split(earlier, valid_days, event_types=None)
    except ValueError:
        return None
    if not len(valid.test) or len(valid.train) < 2:
        return None
    Xv, yv = valid.test_prefixes(settings.max_len)
    best, _ = tune(SessionKNN, [{"k": k, "sample": s} for k in (20, 100) for s in (1000, 5000)],
                   valid, Xv, yv)
    settings.sknn_k, settings.sknn_sample = best["k"], best["sample"]
    log(f"session-kNN tuned on the {valid_days:g} days before the test: {best}")
    return best


def next_item_leaderboard(split, settings: NextItemSettings, progress: bool = True, log=print):
    """(leaderboard, fitted models) of ``settings.models`` on one split."""
    from course_lib.evaluate.next_item import fit_and_evaluate, leaderboard

    X, y = split.test_prefixes(settings.max_len)
    rows, fitted = [], []
    for model in make_next_item_models(settings):
        log(f"fitting {model.name} ...")
        rows.append(fit_and_evaluate(model, split, X, y, progress=progress))
        fitted.append(model)
    return leaderboard(rows), fitted


def _bar_figure(table: pd.DataFrame, metric: str, title: str, reference: float | None = None,
                reference_label: str = ""):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    ordered = table.iloc[::-1]
    ax.barh(ordered["model"].astype(str), ordered[metric], color="tab:blue")
    if reference is not None:
        ax.axvline(reference, color="tab:red", ls="--", lw=1, label=reference_label)
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel(metric)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def next_item_task(events: pd.DataFrame, *, test_days: float = 7, valid_days: float = 7,
                   settings: NextItemSettings | None = None, progress: bool = True,
                   log=print) -> TaskResult:
    """Task 1: the next-item leaderboard and its breakdown."""
    from course_lib.evaluate.next_item import breakdown
    from course_lib.prep.next_item import next_item_split, sequence_events

    settings = settings or NextItemSettings()
    result = TaskResult("next_item", "Next-item recommendation")
    if "item_id" not in events.columns:
        result.skipped = NO_ITEMS
        return result
    seq = sequence_events(events)
    kinds = sorted(seq["event_type"].astype(str).unique())
    try:
        split = next_item_split(seq, test_days, event_types=None)
    except ValueError as exc:
        result.skipped = f"the log is too small for the protocol ({exc})"
        return result
    if len(split.train) < 2 or len(split.test) < 1:
        result.skipped = f"too little data for the protocol: {split.describe()}"
        return result
    result.notes.append(f"Sequences of {'/'.join(kinds)} events. {split.describe()}.")
    tuned = tune_sknn(seq[seq["timestamp"] < split.cut], valid_days, settings, log=log)
    if tuned:
        result.notes.append(f"Session-kNN's k and sample were chosen on the {valid_days:g} days "
                            f"before the test: {tuned}.")
    board, fitted = next_item_leaderboard(split, settings, progress=progress, log=log)
    X, y = split.test_prefixes(settings.max_len)
    lengths = split.test.map(len)
    long_from = max(3, int(np.median(np.repeat(lengths, lengths - 1))))
    parts = pd.concat([breakdown(m, split, X, y, long_from=long_from) for m in fitted],
                      ignore_index=True)
    result.tables = {"next_item_leaderboard": board, "next_item_breakdown": parts}
    pop = board.loc[board["model"] == "pop", "MRR@20"]
    result.figures["next_item_mrr"] = _bar_figure(
        board, "MRR@20", "next-item MRR@20 (full-catalogue ranking)",
        float(pop.iloc[0]) if len(pop) else None, "popularity")
    best = board.iloc[0]
    result.notes.append(f"Best: {best['model']} with MRR@20 {best['MRR@20']:.3f} "
                        f"(HR@20 {best['HR@20']:.3f}).")
    result.extra = {"split": split, "fitted": {m.name: m for m in fitted}, "board": board,
                    "breakdown": parts}
    return result


def classification_board(models, train, test, progress: bool = True):
    """Fit each yes/no model on ``train``, score ``test``: the leaderboard, best PR-AUC first."""
    from tqdm.auto import tqdm

    from course_lib.evaluate.classification import classification_leaderboard, classification_metrics

    rows = []
    for model in tqdm(models, desc="models", disable=not progress):
        model.fit(train)
        rows.append({"model": model.name, **classification_metrics(test.label, model.score(test)),
                     "train_s": model.train_seconds})
    return classification_leaderboard(rows)


def intent_task(events: pd.DataFrame, *, k: int = 3, test_days: float = 7,
                progress: bool = True) -> TaskResult:
    """Task 2: purchase intent from a session's first ``k`` events."""
    from course_lib.models.classifiers import FeatureModel, RuleScore, SequenceClassifier
    from course_lib.prep.intent import has_intent_task, intent_examples
    from course_lib.prep.labelled import split_by_time
    from course_lib.prep.split import cut_before_last_days

    result = TaskResult("intent", f"Purchase intent after {k} events")
    ok, why = has_intent_task(events)
    if not ok:
        result.skipped = why + event_type_hint(events)
        return result
    if "item_id" not in events.columns:
        result.skipped = NO_ITEMS
        return result
    examples = intent_examples(events, k=k)
    train, test = split_by_time(examples, cut_before_last_days(events, test_days))
    if min(len(train), len(test)) < 20 or len(set(train.label)) < 2 or len(set(test.label)) < 2:
        result.skipped = (f"too few usable sessions: {train.describe()} before the test cut, "
                          f"{test.describe()} after it (both need positives and negatives)")
        return result
    models = [RuleScore("carts", name="rule: carts so far"), FeatureModel("logistic"),
              FeatureModel("boosting"), SequenceClassifier(use_items=False)]
    result.notes.append(f"Training: {train.describe()}; test (last {test_days:g} days): {test.describe()}.")
    return _yes_no_result(result, models, train, test, f"purchase intent after {k} events", progress)


def _yes_no_result(result: TaskResult, models, train, test, title: str, progress: bool) -> TaskResult:
    """Leaderboard, PR-AUC figure against the base rate, and the best model in one sentence."""
    board = classification_board(models, train, test, progress)
    result.tables = {f"{result.name}_leaderboard": board}
    result.figures[f"{result.name}_pr_auc"] = _bar_figure(board, "PR-AUC", title, test.base_rate,
                                                          "base rate")
    best = board.iloc[0]
    result.notes.append(f"Best: {best['model']} with PR-AUC {best['PR-AUC']:.3f} against a base rate "
                        f"of {best['base rate']:.3f} (ROC-AUC {best['ROC-AUC']:.3f}).")
    return result


def churn_horizon(events: pd.DataFrame, horizon_days: int | None = None) -> int:
    """90 days for a year of data or more; otherwise a quarter of the time span (at least 7)."""
    if horizon_days:
        return int(horizon_days)
    span = (events["timestamp"].max() - events["timestamp"].min()).days
    return 90 if span >= 360 else max(7, span // 4)


def churn_task(events: pd.DataFrame, *, horizon_days: int | None = None,
               progress: bool = True) -> TaskResult:
    """Task 3: customers who buy nothing in the next ``horizon_days``."""
    from course_lib.models.classifiers import FeatureModel, RuleScore, SequenceClassifier
    from course_lib.prep.churn import churn_train_test

    horizon = churn_horizon(events, horizon_days)
    result = TaskResult("churn", f"Churn: no purchase in the next {horizon} days")
    if not (events["event_type"] == "purchase").any():
        result.skipped = ("the log has no purchase events, so no customer can be seen to stop buying"
                          + event_type_hint(events))
        return result
    try:
        train, test = churn_train_test(events, horizon_days=horizon, weeks=min(26, max(4, horizon // 7 * 2)))
    except ValueError as exc:
        result.skipped = str(exc)
        return result
    if min(len(train), len(test)) < 20 or len(set(train.label)) < 2 or len(set(test.label)) < 2:
        result.skipped = f"too few customers: {train.describe()} (training), {test.describe()} (test)"
        return result
    models = [RuleScore("recency_days", name="rule: days since last order"), FeatureModel("logistic"),
              FeatureModel("boosting"), SequenceClassifier(use_items=False)]
    result.notes.append(f"Training cut-off {pd.Timestamp(train.time[0]):%Y-%m-%d}: {train.describe()}; "
                        f"test cut-off {pd.Timestamp(test.time[0]):%Y-%m-%d}: {test.describe()}.")
    return _yes_no_result(result, models, train, test, f"churn within {horizon} days", progress)


def demand_task(events: pd.DataFrame, *, season: int = 7, horizon: int = 7, underage_cost: float = 4.0,
                overage_cost: float = 1.0, progress: bool = True) -> TaskResult:
    """Task 4: daily demand forecasts, and the money each one loses as a stock order."""
    from course_lib.evaluate.rolling import leaderboard, rolling_origin
    from course_lib.evaluate.stock import critical_ratio, interval_level_for, stock_leaderboard
    from course_lib.models.forecasters import (ARMAForecast, NaiveForecast, SeasonalNaiveForecast,
                                              weekday_indicators)
    from course_lib.prep.series import daily_series

    result = TaskResult("demand", "Demand and stock")
    purchases = events["event_type"] == "purchase"
    if not purchases.any():
        result.skipped = ("the log has no purchase events, so there is no demand to stock for"
                          + event_type_hint(events))
        return result
    units = "quantity" if "quantity" in events and events.loc[purchases, "quantity"].notna().all() else "events"
    series = daily_series(events, value=units).astype(float)
    initial = max(4 * season, int(0.6 * len(series)))
    if len(series) < initial + horizon:
        result.skipped = (f"{len(series)} days of purchases are too few for rolling-origin evaluation "
                          f"(it needs at least {4 * season + horizon})")
        return result
    ratio = critical_ratio(underage_cost, overage_cost)
    exog = weekday_indicators(series.index)
    log = bool((series >= 0).all())
    models = [NaiveForecast(), SeasonalNaiveForecast(season),
              ARMAForecast((0, 1, 1), exog_columns=list(exog.columns), log=log,
                           name="ARIMA(0,1,1) + weekday" + (" log" if log else ""))]
    rolled = rolling_origin(series, models, horizon=horizon, initial=initial, m=season, exog=exog,
                            level=interval_level_for(ratio), progress=progress)
    forecast_board = leaderboard(rolled)
    costs = stock_leaderboard(rolled.forecasts, underage_cost, overage_cost)
    result.tables = {"demand_leaderboard": forecast_board, "stock_costs": costs}
    what = "units" if units == "quantity" else "purchase events"
    result.notes.append(f"Daily {what}, {len(series)} days; rolling origin from day {initial}, "
                        f"horizon {horizon}, {len(rolled.scores) // len(models)} origins; MASE against "
                        f"seasonal naive with m={season}.")
    result.notes.append(f"Stock: a unit short costs {underage_cost:g}, a unit left over {overage_cost:g}, "
                        f"so the best order is the {ratio:.0%} quantile of the forecast distribution.")
    cheapest = costs.iloc[0]
    saving = f", {cheapest['saving']:.0%} less than ordering the seasonal-naive forecast" \
        if "saving" in costs else ""
    result.notes.append(f"Cheapest: {cheapest['model']}, {cheapest['policy']}: {cheapest['money lost']:,.0f} "
                        f"lost over the test days{saving}.")

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 3.2))
    ax.plot(series.index, series.to_numpy(), color="0.3", lw=1, label=f"daily {what}")
    best = forecast_board["model"].iloc[0]
    f = rolled.forecasts[rolled.forecasts["model"] == best]
    ax.plot(f["date"], f["mean"], color="tab:blue", lw=1, label=f"{best}: forecast")
    ax.plot(f["date"], np.maximum(np.round(f["upper"]), 0), color="tab:orange", lw=1,
            label=f"order ({ratio:.0%} quantile)")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("demand and stock orders from rolling origins", fontsize=10)
    fig.tight_layout()
    result.figures["demand_orders"] = fig
    return result


def summary_markdown(source: str, profile_text: str, results: list[TaskResult]) -> str:
    """The one-page summary: data, then each task's table, notes and figure (or why it was skipped)."""
    from course_lib.show.model_card import markdown_table

    lines = [f"# Report: {source}", "", "```", profile_text, "```", ""]
    for i, r in enumerate(results, 1):
        lines.append(f"## {i} · {r.title}")
        if r.skipped:
            lines += ["", f"**Skipped:** {r.skipped}.", ""]
            continue
        lines.append("")
        lines += [f"- {note}" for note in r.notes]
        if r.tables:
            first = next(iter(r.tables))
            lines += ["", markdown_table(r.tables[first].round(4)), ""]
        lines += [f"![{name}]({name}.png)" for name in r.figures] + [""]
        lines.append(f"*{r.seconds:.0f} s; tables: {', '.join(n + '.csv' for n in r.tables)}*")
        lines.append("")
    return "\n".join(lines)


TASKS = ("next_item", "intent", "churn", "demand")


def run_tasks(events: pd.DataFrame, *, tasks=TASKS, test_days: float = 7, valid_days: float = 7,
              settings: NextItemSettings | None = None, intent_k: int = 3,
              churn_days: int | None = None, season: int = 7, horizon: int = 7,
              underage_cost: float = 4.0, overage_cost: float = 1.0, progress: bool = True,
              log=print) -> list[TaskResult]:
    """Run the chosen tasks in order, timing each; skipped tasks say why."""
    runners = {
        "next_item": lambda: next_item_task(events, test_days=test_days, valid_days=valid_days,
                                            settings=settings, progress=progress, log=log),
        "intent": lambda: intent_task(events, k=intent_k, test_days=test_days, progress=progress),
        "churn": lambda: churn_task(events, horizon_days=churn_days, progress=progress),
        "demand": lambda: demand_task(events, season=season, horizon=horizon, underage_cost=underage_cost,
                                      overage_cost=overage_cost, progress=progress),
    }
    results = []
    for i, name in enumerate(tasks, 1):
        log(f"[{i}/{len(tasks)}] {name.replace('_', '-')} ...")
        start = time.perf_counter()
        result = runners[name]()
        result.seconds = time.perf_counter() - start
        log(f"      skipped: {result.skipped}" if result.skipped else
            f"      done in {result.seconds:.0f} s")
        results.append(result)
    return results


def report_files(source: str, events: pd.DataFrame, results: list[TaskResult],
                 save_model: bool = True) -> dict:
    """name -> writer(path) for every file of the report folder."""
    import matplotlib.pyplot as plt

    from course_lib.datasets import format_profile, profile_events

    files = {}
    for r in results:
        for name, table in r.tables.items():
            files[f"{name}.csv"] = lambda p, t=table: t.to_csv(p, index=False, float_format="%.4f")
        for name, fig in r.figures.items():
            def write_figure(p, fig=fig):
                fig.savefig(p, dpi=110)
                plt.close(fig)
            files[f"{name}.png"] = write_figure
    profile = format_profile(profile_events(events), title=source)
    files["summary.md"] = lambda p: Path(p).write_text(summary_markdown(source, profile, results))
    next_item = next((r for r in results if r.name == "next_item" and not r.skipped), None)
    if save_model and next_item is not None:
        files.update(_model_files(source, next_item))
    return files


def _model_files(source: str, result: TaskResult) -> dict:
    """The best neural next-item model, saved with its model card (nothing if none was trained)."""
    from course_lib.models.serving import Recommender
    from course_lib.show.model_card import model_card

    board, fitted, split = result.extra["board"], result.extra["fitted"], result.extra["split"]
    # a fixed order of preference, never the test score (that would choose on the test window)
    neural = [m for m in ("gru4rec", "sasrec", "lstm4rec") if m in fitted]
    if not neural:
        return {}
    name = neural[0]
    recommender = Recommender.from_model(fitted[name], split.vocab)
    card = model_card(model_name=name, data=f"Events from {source}", split=split, leaderboard=board,
                      breakdown=result.extra["breakdown"])
    return {"model": lambda p: recommender.save(p),
            "model_card.md": lambda p: Path(p).write_text(card)}
