"""``course-lib report``: the case study's tasks on any event log, and the report folder (lessons 09-10).

:func:`run_tasks` runs the tasks of the settings in order and times each; a
task the data cannot support is skipped with the reason, said plainly (no
purchase events: no purchase-intent task). :func:`report_files` turns the
results into the files of the report folder (leaderboards as CSV, figures
as PNG, a one-page ``summary.md``, the saved next-item model and its card),
which :func:`course_lib.files.write_folder` writes completely or not at all.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from course_lib.datasets import format_profile, profile_events, without_assignments
from course_lib.models.serving import Recommender
from course_lib.show.intervals import interval_view
from course_lib.show.model_card import markdown_table, model_card
from course_lib.tasks.churn import churn_task
from course_lib.tasks.demand import demand_task
from course_lib.tasks.intent import intent_task
from course_lib.tasks.next_item import next_item_task
from course_lib.tasks.uplift import uplift_task
from course_lib.evaluate.tuning import chosen_settings_json
from course_lib.tasks.registry import NEURAL, PRETRAINED, SERVABLE, label
from course_lib.tasks.results import NextItemResult, TaskResult
from course_lib.tasks.settings import Settings
from course_lib.tasks.trust import trust_lines

#: the metrics each leaderboard shows with their intervals in summary.md (the CSVs hold all)
SUMMARY_METRICS = {"next_item_leaderboard": ("HR@20", "MRR@20"), "intent_leaderboard": ("ROC-AUC", "PR-AUC"),
                   "churn_leaderboard": ("ROC-AUC", "PR-AUC"), "demand_leaderboard": ("MASE(m={m})", "skill")}


def run_tasks(events: pd.DataFrame, settings: Settings | None = None, *, progress: bool = True,
              log=print) -> list[TaskResult]:
    """Run ``settings.tasks`` in order on ``events``, timing each; skipped tasks say why."""
    s = settings or Settings()
    logged = without_assignments(events)     # campaign assignment rows are for uplift only
    u = s.uplift
    runners = {
        "next_item": lambda: next_item_task(logged, s.next_item, progress=progress, log=log),
        "intent": lambda: intent_task(logged, s.intent, progress=progress),
        "churn": lambda: churn_task(logged, s.churn, progress=progress),
        "demand": lambda: demand_task(logged, s.demand, progress=progress),
        "uplift": lambda: uplift_task(events, window_days=u.window_days, margin=u.margin,
                                      coupon_cost=u.coupon_cost, send_cost=u.send_cost,
                                      n_boot=u.n_boot, log=log),
    }
    results = []
    for i, name in enumerate(s.tasks, 1):
        log(f"[{i}/{len(s.tasks)}] {name.replace('_', '-')} ...")
        start = time.perf_counter()
        result = runners[name]()
        result.seconds = time.perf_counter() - start
        log(f"      skipped: {result.skipped}" if result.skipped else
            f"      done in {result.seconds:.0f} s")
        results.append(result)
    return results


def summary_table(name: str, table: pd.DataFrame) -> str:
    """A leaderboard for the summary: its main metrics each with its interval, when it has them."""
    metrics = [m for m in SUMMARY_METRICS.get(name, ()) if "{m}" not in m]
    metrics += [c for c in table.columns for m in SUMMARY_METRICS.get(name, ()) if "{m}" in m
                and c.startswith(m.split("{")[0]) and not c.endswith(("_lower", "_upper"))]
    if metrics and all(f"{m}_lower" in table for m in metrics):
        extra = [c for c in ("base rate", "chosen", "train_s", "fit_seconds") if c in table]
        return markdown_table(interval_view(table, tuple(metrics), extra=extra)) + \
            "\n\n*[lower, upper]: 95 % interval; * the difference to the baseline excludes 0*"
    return markdown_table(table.round(4))


def summary_markdown(source: str, profile_text: str, results: list[TaskResult],
                     events: pd.DataFrame | None = None, shipped: str | None = None) -> str:
    """The one-page summary: data, each task's table, notes and figure (or why it was skipped),
    then how far to trust these numbers (:mod:`course_lib.tasks.trust`) and the saved model."""
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
            lines += ["", summary_table(first, r.tables[first]), ""]
        lines += [f"![{name}]({name}.png)" for name in r.figures] + [""]
        lines.append(f"*{r.seconds:.0f} s; tables: {', '.join(n + '.csv' for n in r.tables)}*")
        lines.append("")
    lines += ["## How far to trust these numbers", "", *trust_lines(results, events), ""]
    if shipped:
        lines += [f"**The saved model.** {shipped} Its card, with the test numbers and their intervals: "
                  "model_card.md.", ""]
    return "\n".join(lines)


def report_files(source: str, events: pd.DataFrame, results: list[TaskResult],
                 save_model: bool = True, max_len: int = 10) -> dict:
    """name -> writer(path) for every file of the report folder (see :func:`~course_lib.files.write_folder`)."""
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
    next_item = next((r for r in results if isinstance(r, NextItemResult) and not r.skipped), None)
    shipped = model_to_ship(next_item)[1] if save_model and next_item is not None else None
    text = summary_markdown(source, profile, results, events, shipped)
    files["summary.md"] = lambda p: Path(p).write_text(text)
    if next_item is not None and next_item.tuned:
        chosen = json.dumps(chosen_settings_json(next_item.tuned), indent=1)
        files["chosen_settings.json"] = lambda p: Path(p).write_text(chosen)
    if save_model and next_item is not None:
        files.update(model_files(source, next_item, max_len=max_len))
    return files


def model_to_ship(result: NextItemResult) -> tuple[str | None, str]:
    """(key, why) of the next-item model to save: the best on *validation* among the servable
    models (``registry.SERVABLE``), neural or not; without validation scores, the first
    servable one in that fixed order. Never chosen by its test score."""
    servable = [key for key in SERVABLE if key in result.models]
    if not servable:
        return None, "no servable model was trained"
    scored = {key: result.tuned[key].score for key in servable if key in result.tuned}
    if scored:
        key = max(scored, key=lambda k: (scored[k], -servable.index(k)))
        others = ", ".join(f"{k} {v:.4f}" for k, v in sorted(scored.items(), key=lambda kv: -kv[1])
                           if k != key)
        kind = ("a neural network" if key in NEURAL else
                "a neural network pretrained on the log's own actions" if key in PRETRAINED else
                "a simple baseline, not a neural network")
        why = (f"{label(key)} ({kind}) is the best on the validation window before the test: "
               f"MRR@20 {scored[key]:.4f}" + (f" (the others: {others})" if others else "") +
               ". The choice was made before looking at the test window.")
        better = [k for k, r in result.tuned.items() if k not in servable and r.score > scored[key]]
        if better:
            why += (" " + ", ".join(f"{label(k)} ({result.tuned[k].score:.4f})" for k in better)
                    + " scored higher on validation but cannot be saved as a recommender yet.")
        return key, why
    key = servable[0]
    return key, (f"no validation window was used, so {label(key)} was chosen by a fixed order of "
                 f"preference ({', '.join(SERVABLE)}), never by its test score.")


def model_files(source: str, result: NextItemResult, max_len: int = 10) -> dict:
    """The next-item model to ship (:func:`model_to_ship`), saved with its model card."""
    key, why = model_to_ship(result)
    if key is None:
        return {}
    recommender = Recommender.from_model(result.models[key], result.split.vocab, max_len=max_len)
    card = model_card(model_name=key, data=f"Events from {source}", split=result.split,
                      leaderboard=result.leaderboard, breakdown=result.breakdown, why=why)
    return {"model": recommender.save, "model_card.md": lambda p: Path(p).write_text(card)}
