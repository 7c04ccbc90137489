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

Only steps 2-3 are the cost of the intervals. The machine and the date are
recorded beside the numbers; on a shared machine, say so.
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
    args = parser.parse_args(argv)

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
    machine = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    row = {"date": dt.date.today().isoformat(), "machine": machine, "models": len(models),
           "sessions": len(split.test), "predictions": len(y), "resamples": args.resamples,
           "ranks_s": round(median["ranks"], 3), "intervals_s": round(median["intervals"], 3),
           "merge_s": round(median["merge"], 3),
           "mrr20_widest_interval": round(float((full["MRR@20_upper"] - full["MRR@20_lower"]).max()), 4)}
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    with open(out / "uncertainty.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    shown = full[["model", "MRR@20", "MRR@20_lower", "MRR@20_upper", f"MRR@20_vs_{baseline}",
                  f"MRR@20_vs_{baseline}_lower", f"MRR@20_vs_{baseline}_upper"]].round(4)
    sentences = [difference_sentence(full, m, "MRR@20") for m in full["model"] if m != baseline]
    text = (f"# What the leaderboard intervals cost\n\n"
            f"`scripts/benchmark_uncertainty.py` on {row['date']}, {machine}.\n\n"
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
    (out / "uncertainty.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
