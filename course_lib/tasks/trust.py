"""How far to trust a report's numbers: the section a careful analyst adds (``course-lib report``, lesson 10).

:func:`trust_lines` reads the task results and says, in plain sentences:

* how much test there was: test sessions and next-item predictions, cases
  of the yes/no tasks, forecast origins;
* which differences the test can see: each model against the best simple
  baseline, with the interval of the difference (significant = the 95 %
  interval excludes 0);
* which models were tuned on this data (on the validation window) and which
  kept their default settings;
* the warnings: the two best next-item models too close to separate with
  this many predictions; a test window holding a shopping holiday; most
  test items never seen in training; too few forecast origins; the best
  yes/no model not distinguishable from a simple rule;
* which next-item model is saved, and why: the best on *validation*.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from course_lib.datasets.own_data import how_many
from course_lib.evaluate.next_item import difference_lines
from course_lib.evaluate.uncertainty import percent, ranking_intervals, vs_column
from course_lib.prep.holidays import holidays_between
from course_lib.tasks.results import DemandResult, NextItemResult, TaskResult, YesNoResult

UNSEEN_SHARE = 0.5     # above this share of test events with unseen items, warn
FEW_ORIGINS = 10       # fewer test origins than this: the forecast intervals are rough


def top_two_sentence(result: NextItemResult, metric: str = "MRR@20") -> tuple[str, bool] | None:
    """(sentence, separable) for the two models with the highest ``metric``: the paired interval
    of their difference, from the ranks the task kept."""
    ranked = result.ranked
    board = result.leaderboard
    if ranked is None or len(board) < 2:
        return None
    first, second = (str(m) for m in board.sort_values(metric, ascending=False)["model"].iloc[:2])
    table = ranking_intervals({first: ranked.ranks[first], second: ranked.ranks[second]}, ranked.units,
                              metrics=[metric], baseline=second,
                              n_resamples=board.attrs.get("n_resamples", 2000))
    row, column = table.loc[first], vs_column(metric, second)
    ci = f"95 % CI {percent(row[column + '_lower'])} … {percent(row[column + '_upper'])}"
    if row[column + "_excludes_0"]:
        return (f"The two best next-item models are separated: {first} {percent(row[column])} {metric} "
                f"over {second}, {ci}.", True)
    return (f"Too few predictions to separate the two best next-item models: {first} "
            f"{percent(row[column])} {metric} over {second}, {ci} (the interval includes 0). Either "
            "may be the better one; a longer test window would tell.", False)


def tuned_lines(result: NextItemResult) -> list[str]:
    """Which next-item models were tuned on this data's validation window, which kept defaults."""
    keys = list(result.models)
    if not result.tuned:
        return [f"No model was tuned on this data (no validation window, or no budget): "
                f"{', '.join(keys)} kept their default settings."]
    tuned, partly, epochs_only, defaults = [], [], [], []
    for key in keys:
        r = result.tuned.get(key)
        if r is not None and r.grid_size <= 1 and "epochs" in r.params:
            epochs_only.append(f"{key} ({r.params['epochs']} epochs)")
        elif r is None or r.grid_size <= 1:
            defaults.append(key)
        elif len(r.trials) < r.grid_size:
            partly.append(f"{key} ({len(r.trials)} of {r.grid_size} settings tried)")
        else:
            tuned.append(f"{key} ({len(r.trials)} settings)")
    lines = []
    if tuned:
        lines.append(f"Tuned on this data's validation window: {', '.join(tuned)}.")
    if partly:
        lines.append(f"Tuned only partly (the time budget ran out; raise --budget-s): {', '.join(partly)}.")
    if epochs_only:
        lines.append("Only the number of epochs chosen on validation (early stopping), the other "
                     f"settings kept: {', '.join(epochs_only)}.")
    if defaults:
        lines.append(f"Kept their default settings (nothing to tune): {', '.join(defaults)}; every model's "
                     "validation score was still measured.")
    return lines


def next_item_lines(result: NextItemResult, events: pd.DataFrame | None) -> tuple[list[str], list[str]]:
    """(facts, warnings) of the next-item task."""
    split, board = result.split, result.leaderboard
    n_pred = int(sum(len(s) - 1 for s in split.test))
    facts = [f"Next item: {len(split.test):,} test sessions, {n_pred:,} predictions; intervals are a "
             "paired bootstrap over the sessions (predictions within a session are not independent)."]
    warnings = []
    if "MRR@20_lower" in board:
        width = float((board["MRR@20_upper"] - board["MRR@20_lower"]).max())
        facts.append(f"The widest MRR@20 interval is {width:.3f} wide.")
        lines = difference_lines(board)
        significant = [ln for ln in lines if "excludes 0" in ln]
        unclear = [ln for ln in lines if "cannot be told apart" in ln]
        facts.append(f"Against {board.attrs['baseline']}, {board.attrs.get('baseline_note', '')}: "
                     f"{len(significant)} of {len(lines)} differences are significant (their 95 % "
                     "interval excludes 0):")
        facts += [f"  - {ln}" for ln in lines]
        top = top_two_sentence(result)
        if top is not None:
            (facts if top[1] else warnings).append(top[0])
        if unclear and not significant:
            warnings.append("No model differs from the best simple baseline in a way this test window "
                            "can see.")
    else:
        warnings.append("No intervals were computed: too few test sessions to resample.")
    facts += tuned_lines(result)
    if split.n_items <= 20:
        warnings.append(f"The catalogue holds {how_many(split.n_items, 'item', 'items')}, no more than the "
                        "20 a list of 20 shows: HR@20 is 1 for every model by construction, so compare "
                        "MRR@20 and NDCG, which still weigh where the item ranks.")
    kept = int(sum(len(s) for s in split.test))
    share = split.dropped_unknown / max(1, split.dropped_unknown + kept)
    if share > UNSEEN_SHARE:
        warnings.append(f"Most test items were never seen in training ({share:.0%} of the test events, "
                        "dropped): the leaderboard judges only the part of the test that any model "
                        "could predict, and new items are what this shop sees most.")
    elif share > 0.2:
        facts.append(f"{share:.0%} of the test events were items unseen in training (dropped).")
    if events is not None and len(events):
        end = events["timestamp"].max()
        found = holidays_between(split.cut, end)
        if found:
            warnings.append(f"The next-item test window ({split.cut:%Y-%m-%d} to {end:%Y-%m-%d}) holds "
                            f"{', '.join(found)}: shoppers behave unlike the rest of the year, so these "
                            "numbers may not carry over to ordinary weeks.")
    return facts, warnings


def yes_no_lines(result: YesNoResult) -> tuple[list[str], list[str]]:
    board, facts, warnings = result.leaderboard, [], []
    what = result.test.what if result.test is not None else "cases"
    n = len(result.test) if result.test is not None else 0
    positives = int(np.sum(result.test.label)) if result.test is not None else 0
    facts.append(f"{result.title}: {n:,} test {what} ({positives:,} positive); intervals are a paired "
                 f"bootstrap over the {what}.")
    baseline = board.attrs.get("baseline")
    if baseline is not None and "PR-AUC_lower" in board:
        best = board.iloc[0]
        if best["model"] != baseline and not best[vs_column("PR-AUC", baseline) + "_excludes_0"]:
            warnings.append(f"{result.title}: the highest PR-AUC ({best['model']}) cannot be told apart "
                            f"from the simple rule ({baseline}) with {n:,} test {what}.")
    if positives < 50:
        warnings.append(f"{result.title}: only {positives} positive test {what}; PR-AUC moves a lot "
                        "with a few cases.")
    return facts, warnings


def few_origins_warning(title: str, n: int, intervals: str = "forecast") -> str | None:
    """The warning for intervals from fewer than :data:`FEW_ORIGINS` test origins (None with
    enough): report's demand task and ``course-lib forecast``."""
    if n >= FEW_ORIGINS:
        return None
    return (f"{title}: only {n} test origins, so every {intervals} interval is rough (and a "
            "little too narrow); more history would tell more.")


def demand_lines(result: DemandResult) -> tuple[list[str], list[str]]:
    facts, warnings = [], []
    choice = result.choice
    if choice is None:
        return facts, warnings
    v, t = choice.validation_origins, choice.test_origins
    facts.append(f"Demand: the forecaster and the stock plan were chosen on {len(v)} validation origins "
                 f"and are reported on {len(t)} test origins ({t[0]:%Y-%m-%d} to {t[-1]:%Y-%m-%d}).")
    few = few_origins_warning("Demand", len(t), "forecast and cost")
    if few:
        warnings.append(few)
    last = choice.test_result.forecasts["date"].max()
    found = holidays_between(t[0], last)
    if found:
        warnings.append(f"The demand test window (the days forecast from the test origins, {t[0]:%Y-%m-%d} "
                        f"to {last:%Y-%m-%d}) holds {', '.join(found)}.")
    return facts, warnings


def trust_lines(results: list[TaskResult], events: pd.DataFrame | None = None) -> list[str]:
    """The trust section's Markdown lines (without its heading)."""
    if results and all(r.skipped for r in results):
        return ["- No task could run on this log (each one's reason is above), so there is no number "
                "to trust yet."]
    facts, warnings, shipped = [], [], []
    for r in results:
        if r.skipped:
            continue
        if isinstance(r, NextItemResult) and r.split is not None:
            f, w = next_item_lines(r, events)
        elif isinstance(r, YesNoResult) and r.leaderboard is not None:
            f, w = yes_no_lines(r)
        elif isinstance(r, DemandResult):
            f, w = demand_lines(r)
        else:
            continue
        facts += f
        warnings += w
    lines = [f"- {f}" if not f.startswith("  - ") else f for f in facts]
    lines += ["", "**Warnings**", ""]
    lines += [f"- ⚠ {w}" for w in warnings] or ["- none of the usual ones (too few predictions to separate "
                                               "the best models, a holiday in the test window, most test "
                                               "items unseen, too few forecast origins)."]
    return lines + shipped
