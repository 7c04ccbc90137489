#!/usr/bin/env python3
"""What the leaderboard intervals cost: benchmarks/uncertainty.csv and .md

    python scripts/benchmark_uncertainty.py                       # 11,944 predictions, 7 models
    python scripts/benchmark_uncertainty.py --events 60000 --epochs 1 --resamples 1000

A next-item leaderboard of seven models (popularity, Markov, session-kNN,
GRU4Rec, LSTM, SASRec, SR-GNN) is built with the course's code on the
synthetic shop; the neural models train briefly (``--epochs``), since their
quality does not change the cost of the bootstrap. Timed, each ``--repeats``
times (the median is written):

1. ranks      every model's full-catalogue target ranks (done once per leaderboard anyway);
2. intervals  ``ranking_intervals``: per-session sums, ``--resamples`` paired resamples of
              all sessions, 95 % intervals of HR@10, HR@20, MRR@20, NDCG@10 for every model
              and their differences to the best simple baseline;
3. merge      ``with_intervals``: the interval columns joined to the leaderboard.

Only steps 2-3 are the cost of the intervals.

Then the command line's own path (``course-lib next-item``:
``course_lib.tasks.next_item.rank_models``) on two logs: the synthetic shop
(lesson 05's, 14 test days; pop, markov, sknn and a GRU of ``--epochs``) and
Online Retail baskets (``datasets/online_retail.parquet``, each invoice a
session, 28 test days; pop, markov, sknn), without tuning: the seconds to fit
and rank, the seconds the intervals add (bootstrap and seed spread), and the
widest MRR@20 interval. ``--parts`` chooses what runs.

The machine and the date are recorded beside the numbers; on a shared
machine, say so (``--note "under load"``).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="synthetic shop size (default 100,000: lesson 05's)")
    parser.add_argument("--test-days", type=float, default=14)
    parser.add_argument("--epochs", type=int, default=1, help="epochs of each neural model (default 1)")
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks"), help="folder for uncertainty.csv/.md")
    parser.add_argument("--parts", default="board,cli", help="board (seven models), cli (the command "
                        "line's path on the shop and Online Retail), or both (default)")
    parser.add_argument("--note", default="", help="said beside the machine, e.g. 'under load'")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))

    machine = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    if args.note:
        machine += f", {args.note}"
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    text = "# What the leaderboard intervals cost\n\n"
    text += f"`scripts/benchmark_uncertainty.py --parts {args.parts}` on {dt.date.today().isoformat()}, {machine}.\n\n"
    if "board" in parts:
        text += board_part(args, machine, out)
    if "cli" in parts:
        text += ("\n" if "board" in parts else "") + cli_part(args, machine, out)
    (out / "uncertainty.md").write_text(text)
    print(text)
    return 0


def board_part(args, machine: str, out: Path) -> str:
    """Seven models on the synthetic shop: ranks, bootstrap, merge (uncertainty.csv)."""
    import numpy as np

    from course_lib.datasets import make_shop
    from course_lib.evaluate.next_item import evaluate_model, leaderboard
    from course_lib.evaluate.ranking import ranks_in_batches
    from course_lib.evaluate.uncertainty import (best_baseline, difference_sentence, prediction_sessions,
                                                 ranking_intervals, with_intervals)
    from course_lib.models.attention import SASRec
    from course_lib.models.baselines import MarkovChain, Popularity
    from course_lib.models.neighbours import SessionKNN
    from course_lib.models.graph import SRGNN
    from course_lib.models.session_rnn import SessionRNN
    from course_lib.prep.next_item import next_item_split

    split = next_item_split(make_shop(args.events, seed=0).events, test_days=args.test_days)
    X, y = split.test_prefixes(20)
    units = prediction_sessions(split.test)
    print(split.describe(), flush=True)
    e = args.epochs
    models = [Popularity(), MarkovChain(), SessionKNN(k=100),
              SessionRNN("gru", hidden=64, epochs=e), SessionRNN("lstm", hidden=64, epochs=e),
              SASRec(dim=64, blocks=1, max_len=20, epochs=e), SRGNN(dim=64, max_len=20, epochs=e)]
    for model in models:
        start = time.perf_counter()
        model.fit(split.train, split.n_items, progress=False)
        model.train_seconds = time.perf_counter() - start
        print(f"  trained {model.name} in {model.train_seconds:.1f} s", flush=True)

    timings = {"ranks": [], "intervals": [], "merge": []}
    for _ in range(args.repeats):
        start = time.perf_counter()
        ranks = {m.name: ranks_in_batches(m.score, X, y) for m in models}
        timings["ranks"].append(time.perf_counter() - start)
        board = leaderboard([evaluate_model(m, X, y) for m in models])
        baseline = best_baseline(board, "MRR@20")
        start = time.perf_counter()
        ivs = ranking_intervals(ranks, units, baseline=baseline, n_resamples=args.resamples)
        timings["intervals"].append(time.perf_counter() - start)
        start = time.perf_counter()
        full = with_intervals(board, ivs)
        timings["merge"].append(time.perf_counter() - start)

    median = {k: float(np.median(v)) for k, v in timings.items()}
    row = {"date": dt.date.today().isoformat(), "machine": machine, "models": len(models),
           "sessions": len(split.test), "predictions": len(y), "resamples": args.resamples,
           "ranks_s": round(median["ranks"], 3), "intervals_s": round(median["intervals"], 3),
           "merge_s": round(median["merge"], 3),
           "mrr20_widest_interval": round(float((full["MRR@20_upper"] - full["MRR@20_lower"]).max()), 4)}
    with open(out / "uncertainty.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    shown = full[["model", "MRR@20", "MRR@20_lower", "MRR@20_upper", f"MRR@20_vs_{baseline}",
                  f"MRR@20_vs_{baseline}_lower", f"MRR@20_vs_{baseline}_upper"]].round(4)
    sentences = [difference_sentence(full, m, "MRR@20") for m in full["model"] if m != baseline]
    text = (f"## Seven models, scored once\n\n"
            f"A next-item leaderboard of {len(models)} models on the synthetic shop "
            f"({args.events:,} events, {split.describe()}); neural models trained {e} epoch(s), so "
            f"the scores below say nothing about their quality (lessons 05-09 train them properly); "
            f"they are here for the cost and the width of the intervals.\n\n"
            f"| step | seconds (median of {args.repeats}) |\n|---|---|\n"
            f"| target ranks of all models (needed for the leaderboard anyway) | {median['ranks']:.2f} |\n"
            f"| paired bootstrap, {args.resamples:,} resamples of {len(split.test):,} sessions, 4 metrics, "
            f"differences to {baseline} | {median['intervals']:.2f} |\n"
            f"| joining the interval columns to the leaderboard | {median['merge']:.3f} |\n\n"
            f"The widest MRR@20 interval is {row['mrr20_widest_interval']:.3f} wide.\n\n"
            f"```\n{shown.to_string(index=False)}\n```\n\n" + "\n".join(f"- {s}" for s in sentences) + "\n")
    return text


def cli_part(args, machine: str, out: Path) -> str:
    """The command line's path on the shop and on Online Retail baskets (uncertainty_cli.csv)."""
    import course_lib  # noqa: F401
    from course_lib.datasets import load_events, make_shop
    from course_lib.tasks.next_item import rank_models, split_log
    from course_lib.tasks.settings import NextItemSettings

    logs = [("synthetic shop, 100,000 events, 14 test days",
             lambda: make_shop(100_000, seed=0).events,
             NextItemSettings(models=("pop", "markov", "sknn", "gru4rec"), test_days=14, budget_s=0,
                              epochs=args.epochs, resamples=args.resamples)),
            ("Online Retail baskets (InvoiceNo as session), 28 test days",
             lambda: load_events(ROOT / "datasets" / "online_retail.parquet", session="InvoiceNo",
                                 exclude=["user"]),
             NextItemSettings(models=("pop", "markov", "sknn"), test_days=28, budget_s=0,
                              resamples=args.resamples))]
    rows, tables = [], []
    for name, load, settings in logs:
        events = load()
        split, _ = split_log(events, settings, name)
        start = time.perf_counter()
        ranked = rank_models(split, settings, progress=False, log=lambda m: None)
        total = time.perf_counter() - start
        board = ranked.board
        width = board["MRR@20_upper"] - board["MRR@20_lower"]
        rows.append({"date": dt.date.today().isoformat(), "machine": machine, "log": name,
                     "models": len(settings.models), "sessions": board.attrs["n_sessions"],
                     "predictions": board.attrs["n_predictions"], "resamples": args.resamples,
                     "fit_and_rank_s": round(total - ranked.interval_seconds, 2),
                     "intervals_s": round(ranked.interval_seconds, 3),
                     "mrr20_narrowest": round(float(width.min()), 4),
                     "mrr20_widest": round(float(width.max()), 4)})
        shown = board[["model", "MRR@20", "MRR@20_lower", "MRR@20_upper", f"MRR@20_vs_{ranked.baseline}",
                       f"MRR@20_vs_{ranked.baseline}_lower", f"MRR@20_vs_{ranked.baseline}_upper"]].round(4)
        tables.append(f"**{name}** ({split.describe()}):\n\n```\n{shown.to_string(index=False)}\n```\n")
        print(rows[-1], flush=True)
    with open(out / "uncertainty_cli.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = ["## The command line's path (`course-lib next-item`, no tuning)", "",
             f"Each model fitted once and its test ranks kept; the intervals re-weight them "
             f"({args.resamples:,} paired resamples of the test sessions; GRU {args.epochs} epoch(s)).", "",
             "| log | sessions | predictions | fit and rank (s) | intervals (s) | MRR@20 interval width |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['log']} | {r['sessions']:,} | {r['predictions']:,} | {r['fit_and_rank_s']:.1f} | "
              f"{r['intervals_s']:.2f} | {r['mrr20_narrowest']:.3f} to {r['mrr20_widest']:.3f} |" for r in rows]
    return "\n".join(lines) + "\n\n" + "\n".join(tables)


if __name__ == "__main__":
    sys.exit(main())
