#!/usr/bin/env python3
"""Session-kNN, V-SKNN and STAN tuned on validation, beside popularity and Markov: benchmarks/neighbours.md

    python scripts/benchmark_neighbours.py                   # both data sets, the full GRIDS
    python scripts/benchmark_neighbours.py --data shop --grid first:4   # a quick run

Data, as the course uses it:

* **shop**: lesson 05's split: ``make_shop(100_000, seed=0)``, the last 14 days
  are the test, the 14 before them the validation window; prefixes of 10.
* **retail**: Online Retail as baskets, as issue 12's command reads it: a copy
  with only InvoiceNo, StockCode and InvoiceDate, cancellations removed, read
  by ``load_events(session="InvoiceNo", item="StockCode", time="InvoiceDate")``;
  the last 28 days are the test, the 28 before them the validation window.
  Needs the UCI file (``COURSE_DATA_DIR``).

For each data set: every setting of ``GRIDS[model]`` is fitted on the
validation split's training sessions and scored on its window
(``evaluate.next_item.tune``, MRR@20); the best is refitted on the test
split's training sessions and evaluated once on the test window. Also
written: the validation MRR@20 of the chosen settings with longer prefixes
(20 and 50 items; the protocol's default is 10), and, on the shop, why
session-kNN's MRR@20 lies far below its HR@20 (votes for the prefix's own
items). Intervals: 95 % bootstrap over test sessions (500 resamples, this
script's own until ``evaluate.uncertainty`` exists). Times are wall-clock
seconds on the machine that ran it (noted in the file).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import course_lib  # noqa: E402,F401
from course_lib.evaluate.next_item import tune  # noqa: E402
from course_lib.evaluate.ranking import ranks_in_batches  # noqa: E402
from course_lib.models.baselines import MarkovChain, Popularity  # noqa: E402
from course_lib.models.neighbours import GRIDS, STAN, VSKNN, SessionKNN  # noqa: E402
from course_lib.prep.next_item import validation_and_test_splits  # noqa: E402

MODELS = {"sknn": SessionKNN, "vsknn": VSKNN, "stan": STAN}
MAX_LEN = 10


def shop_splits():
    from course_lib.datasets import make_shop
    shop = make_shop(100_000, seed=0)
    return validation_and_test_splits(shop.events, test_days=14, valid_days=14)


def retail_splits():
    from course_lib.datasets import load_events, load_online_retail
    raw = load_online_retail()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "online_retail_baskets.csv.gz"
        raw.loc[~raw["is_cancellation"], ["InvoiceNo", "StockCode", "InvoiceDate"]].to_csv(
            path, index=False)
        events = load_events(path, session="InvoiceNo", item="StockCode", time="InvoiceDate")
    return validation_and_test_splits(events, test_days=28, valid_days=28)


def session_bootstrap(split, values, n_boot: int = 500, seed: int = 0):
    """95 % interval of the mean of per-prediction ``values``, resampling test sessions."""
    lengths = split.test.map(len).to_numpy() - 1
    sums = np.add.reduceat(values, np.cumsum(lengths) - lengths)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(lengths), (n_boot, len(lengths)))
    means = sums[pick].sum(axis=1) / lengths[pick].sum(axis=1)
    return np.quantile(means, [0.025, 0.975])


def evaluate(model, split, X, y):
    start = time.perf_counter()
    model.fit(split.train, split.n_items)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    ranks = ranks_in_batches(model.score, X, y, batch_size=2048)
    score_s = time.perf_counter() - start
    rr = np.where(ranks <= 20, 1.0 / ranks, 0.0)
    hit = (ranks <= 20).astype(float)
    lo, hi = session_bootstrap(split, rr)
    hlo, hhi = session_bootstrap(split, hit)
    return {"model": model.name, "HR@20": hit.mean(), "HR@20 95% CI": f"{hlo:.3f}-{hhi:.3f}",
            "MRR@20": rr.mean(), "MRR@20 95% CI": f"{lo:.3f}-{hi:.3f}",
            "fit_s": fit_s, "score_s": score_s, "ranks": ranks}


def markdown(table: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def settings_text(params: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) if params else "-"


def run_dataset(label, valid, test, grid_pick, out):
    print(f"== {label}: validation {valid.describe()}\n   test {test.describe()}", flush=True)
    out += [f"## {label}", "", f"- validation: {valid.describe()}", f"- test: {test.describe()}", ""]
    Xv, yv = valid.test_prefixes(MAX_LEN)
    Xt, yt = test.test_prefixes(MAX_LEN)
    rows, chosen, tables = [], {}, {}
    for model in (Popularity(), MarkovChain()):
        rows.append({**evaluate(model, test, Xt, yt), "settings": "-", "tune_s": 0.0})
        print(f"   {model.name}: MRR@20 {rows[-1]['MRR@20']:.4f}", flush=True)
    for key, cls in MODELS.items():
        grid = grid_pick(GRIDS[key])
        start = time.perf_counter()
        best, table = tune(cls, grid, valid, Xv, yv)
        tune_s = time.perf_counter() - start
        chosen[key], tables[key] = best, table
        result = evaluate(cls(**best), test, Xt, yt)
        rows.append({**result, "settings": settings_text(best), "tune_s": tune_s,
                     "valid MRR@20": float(table["MRR@20"].iloc[0])})
        print(f"   {key}: tuned in {tune_s:.0f} s over {len(grid)} settings -> {best}; "
              f"test MRR@20 {result['MRR@20']:.4f}", flush=True)
    board = pd.DataFrame(rows).sort_values("MRR@20", ascending=False)
    out += ["Test window, each neighbourhood model tuned on the validation window "
            f"(prefixes of {MAX_LEN}):", "",
            "| model | HR@20 | 95% CI | MRR@20 | 95% CI | fit s | score s | tuning s | chosen on validation |",
            "|---|---|---|---|---|---|---|---|---|"]
    for d in board.to_dict("records"):
        out.append(f"| {d['model']} | {d['HR@20']:.4f} | {d['HR@20 95% CI']} | {d['MRR@20']:.4f} | "
                   f"{d['MRR@20 95% CI']} | {d['fit_s']:.2f} | {d['score_s']:.1f} | {d['tune_s']:.0f} | "
                   f"{d['settings']} |")
    out += ["", f"Score seconds: all {len(yt):,} test predictions, ranking included.", ""]
    for key, table in tables.items():
        top = table.head(5).astype(object)
        for column in top.columns:   # None came back as NaN: "all" sessions, a decay "off"
            top[column] = [("all" if column == "sample" else "off") if v is None or v != v
                           else int(v) if isinstance(v, float) and v.is_integer() and column != "MRR@20"
                           else round(v, 4) if isinstance(v, float) else v for v in top[column]]
        out += [f"<details><summary>{key}: the five best of {len(table)} settings on validation"
                "</summary>", "", markdown(top), "", "</details>", ""]
    # prefix length: the chosen settings on validation with longer windows
    out += ["Validation MRR@20 of the chosen settings with longer prefixes "
            "(session-rec's models see the whole session so far):", "",
            "| model | 10 | 20 | 50 |", "|---|---|---|---|"]
    for key, cls in MODELS.items():
        cells = []
        model = cls(**chosen[key]).fit(valid.train, valid.n_items)
        for max_len in (10, 20, 50):
            X, y = valid.test_prefixes(max_len)
            ranks = ranks_in_batches(model.score, X, y, batch_size=2048)
            cells.append(f"{np.mean(np.where(ranks <= 20, 1.0 / ranks, 0.0)):.4f}")
        out.append(f"| {key} | " + " | ".join(cells) + " |")
    out.append("")
    return {r["model"]: r for r in rows}, chosen


def explain_shop_gap(test, out):
    """Why session-kNN with remind=True has a high HR@20 and a low MRR@20 on the shop."""
    X, y = test.test_prefixes(MAX_LEN)
    repeat = (X == y[:, None]).any(axis=1)
    out += ["## Session-kNN's MRR@20 against its HR@20 on the synthetic shop", ""]
    lines = []
    for remind in (True, False):
        model = SessionKNN(k=100, sample=None, remind=remind).fit(test.train, test.n_items)
        scores = model.score(X)
        ranks = (scores >= scores[np.arange(len(y)), y][:, None]).sum(axis=1)
        in_prefix = np.zeros(scores.shape, bool)
        np.put_along_axis(in_prefix, X, True, axis=1)
        in_prefix[:, 0] = False
        above = ((scores > scores[np.arange(len(y)), y][:, None]) & in_prefix).sum(axis=1)
        rr = np.where(ranks <= 20, 1.0 / ranks, 0.0)
        lines.append(
            f"| {remind} | {np.mean(ranks <= 20):.4f} | {rr.mean():.4f} | {rr[~repeat].mean():.4f} | "
            f"{rr[repeat].mean():.4f} | {np.median(ranks[~repeat]):.0f} | {above[~repeat].mean():.2f} |")
    out += [f"{repeat.mean():.1%} of the test targets are already in their prefix (repeats); "
            "the rest are new items. `SessionKNN(k=100, sample=None)`:", "",
            "| remind | HR@20 | MRR@20 | MRR@20 new | MRR@20 repeat | median rank new | "
            "prefix items above a new target |", "|---|---|---|---|---|---|---|", *lines, ""]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="shop,retail", help="comma-separated: shop, retail")
    parser.add_argument("--grid", default="all",
                        help="'all' (GRIDS as they are) or 'first:N' (the first N settings, a quick run)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "neighbours.md"))
    args = parser.parse_args(argv)
    if args.grid == "all":
        def grid_pick(g):
            return g
    else:
        n = int(args.grid.split(":")[1])

        def grid_pick(g):
            return g[:n]
    started = time.perf_counter()
    out = ["# Session-kNN, V-SKNN and STAN, tuned on validation",
           "",
           f"Written by `scripts/benchmark_neighbours.py --data {args.data} --grid {args.grid}` on "
           f"{dt.date.today()}: {platform.machine()}, {os.cpu_count()} CPU cores, Python "
           f"{platform.python_version()}; times are wall-clock seconds, on a shared machine "
           "unless the coordinator re-ran it on a quiet one.", ""]
    for name in args.data.split(","):
        valid, test = {"shop": shop_splits, "retail": retail_splits}[name]()
        label = {"shop": "Synthetic shop, lesson 05's split (100k events)",
                 "retail": "Online Retail baskets (issue 12's command)"}[name]
        run_dataset(label, valid, test, grid_pick, out)
        if name == "shop":
            explain_shop_gap(test, out)
    out.append(f"Whole run: {time.perf_counter() - started:.0f} s.")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(out) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
