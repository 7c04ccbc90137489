#!/usr/bin/env python3
"""Full softmax against losses over sampled candidates, per epoch: benchmarks/sampled_losses.md

    python scripts/benchmark_sampled_losses.py                       # Online Retail baskets
    python scripts/benchmark_sampled_losses.py --data shop --max-epochs 4
    python scripts/benchmark_sampled_losses.py --configs softmax:32,sampled:128:512

Data: ``retail`` is the issue's Online Retail baskets (every invoice line of
the course's Online Retail copy but cancellations, as InvoiceNo,
StockCode, InvoiceDate, read by ``course-lib``'s own loader: 4,023 items);
``shop`` is lesson 05's synthetic shop (100,000 events). The GRU (hidden 64,
learning rate 1e-2, max_len 10) trains on the validation split's training
sessions (the 28 days before the test are left out, then the 28 before those
are the validation window; 14 and 14 on the shop) with each loss, and stops
early on validation MRR@20 (the course's tuner's callback, patience 2, at most
``--max-epochs``). Recorded per epoch: wall seconds, CPU seconds (user +
system of this process: less sensitive to a busy machine), system seconds and
minor page faults (memory mapped afresh at every step: the full softmax's
large steps pay it, benchmarks/threads.md), validation MRR@20 on the tuner's
sample of 5,000 predictions; at the end the MRR@20 of the best epoch on the
whole validation window. No test window is looked at. Each loss is compared
with the full softmax at its best: MRR@20 against the softmax config with the
highest MRR@20, time against the softmax config with the cheapest epoch (in
CPU seconds), so run the softmax at more than one batch size.

A config is ``loss:batch[:n_sample[:sample_alpha[:logq[:seed]]]]`` (the extra
negatives are drawn by popularity ** sample_alpha, default the model's; ``logq``
weighs the sampled cross-entropy's log-Q correction, default the model's; ``seed``
the model's seed, default 0). Writes benchmarks/sampled_losses.csv
(one row per epoch) and .md (one row per config), and records the machine's
load average, so numbers measured on a busy machine say so.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import course_lib  # noqa: E402,F401  (chooses the Keras backend first)
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from course_lib.datasets import load_events, load_online_retail, make_shop  # noqa: E402
from course_lib.evaluate.tuning import ValidationStopping, validation_sample, validation_score  # noqa: E402
from course_lib.models.session_rnn import SessionRNN  # noqa: E402
from course_lib.prep.next_item import validation_and_test_splits  # noqa: E402
from course_lib.show.model_card import markdown_table  # noqa: E402

DEFAULT_CONFIGS = "softmax:32,softmax:128,sampled:128:1024,sampled:128:512,bpr-max:128:1024"


def retail_baskets() -> pd.DataFrame:
    """The issue's Online Retail baskets, read as ``course-lib next-item`` reads them: every
    invoice line but cancellations, as InvoiceNo, StockCode, InvoiceDate (the course's shipped
    copy, ``datasets/online_retail.parquet``, or the one ``$COURSE_DATA_DIR`` holds)."""
    raw = load_online_retail()[["InvoiceNo", "StockCode", "InvoiceDate"]]
    raw = raw[~raw["InvoiceNo"].str.startswith("C")]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "baskets.csv"
        raw.to_csv(path, index=False)
        return load_events(path, session="InvoiceNo", item="StockCode", time="InvoiceDate")


def usage() -> dict:
    """This process's CPU seconds so far (user + system), system seconds and minor page faults."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": r.ru_utime + r.ru_stime, "sys_s": r.ru_stime, "page_faults": r.ru_minflt}


class EpochClock(keras.callbacks.Callback):
    """Wall, CPU and system seconds and minor page faults of every epoch (training only: put it
    before the validation callback). System time and page faults show memory mapped afresh at
    every step (benchmarks/threads.md), which a loss with a large score matrix pays."""

    def __init__(self):
        super().__init__()
        self.rows = []

    def on_epoch_begin(self, epoch, logs=None):
        self.wall, self.start = time.perf_counter(), usage()

    def on_epoch_end(self, epoch, logs=None):
        end = usage()
        self.rows.append({"wall_s": time.perf_counter() - self.wall,
                          **{k: end[k] - self.start[k] for k in end}})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", choices=["retail", "shop"], default="retail")
    parser.add_argument("--configs", default=DEFAULT_CONFIGS)
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "sampled_losses"))
    args = parser.parse_args()

    if args.data == "retail":
        events, days = retail_baskets(), 28
    else:
        events, days = make_shop(100_000, seed=0).events, 14
    valid, _ = validation_and_test_splits(events, days, days, event_types=None)
    X, y = validation_sample(valid, 10)
    X_all, y_all = valid.test_prefixes(10)
    print(valid.describe(), flush=True)
    load_before = os.getloadavg()
    epochs, summary = [], []
    for config in args.configs.split(","):
        loss, batch, *rest = config.split(":")
        n_sample = int(rest[0]) if rest else 0
        model = SessionRNN(hidden=64, max_len=10, epochs=args.max_epochs, batch_size=int(batch),
                           learning_rate=1e-2, loss=loss, n_sample=n_sample)
        if len(rest) > 1:   # the negatives' popularity exponent (default SessionRNN.sample_alpha)
            model.sample_alpha = float(rest[1])
        if len(rest) > 2:   # the log-Q correction's weight (default SessionRNN.logq)
            model.logq = float(rest[2])
        if len(rest) > 3:
            model.seed = int(rest[3])
        clock = EpochClock()
        stopper = ValidationStopping(model, X, y, patience=2)
        start = time.perf_counter()
        model.fit(valid.train, valid.n_items, callbacks=[clock, stopper])
        total = time.perf_counter() - start
        for c, h in zip(clock.rows, stopper.history):
            epochs.append({"data": args.data, "config": config, "epoch": h["epoch"], **c,
                           "valid MRR@20 (sample)": h["MRR@20"], "loss": h["loss"]})
        # the first epoch compiles: the per-epoch times are the medians of the others
        later = clock.rows[1:] or clock.rows
        row = {"data": args.data, "config": config, "loss": loss, "batch": int(batch),
               "n_sample": n_sample, "sample_alpha": model.sample_alpha if n_sample else np.nan,
               "logq": model.logq if loss == "sampled" else np.nan, "seed": model.seed,
               "epochs run": len(stopper.history),
               "best epoch": stopper.best_epoch,
               "epoch wall_s": float(np.median([r["wall_s"] for r in later])),
               "epoch cpu_s": float(np.median([r["cpu_s"] for r in later])),
               "epoch sys_s": float(np.median([r["sys_s"] for r in later])),
               "epoch page faults": float(np.median([r["page_faults"] for r in later])),
               "fit_s": total, "valid MRR@20 (sample)": stopper.best,
               "valid MRR@20": validation_score(model, X_all, y_all)}
        summary.append(row)
        print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    load_after = os.getloadavg()

    table = pd.DataFrame(summary)
    reference = table[table["loss"] == "softmax"]
    if len(reference):
        # each half of the target against the softmax's best: its best MRR@20, its cheapest epoch
        best = reference.loc[reference["valid MRR@20"].idxmax()]
        fastest = reference.loc[reference["epoch cpu_s"].idxmin()]
        table["MRR vs softmax"] = table["valid MRR@20"] / best["valid MRR@20"]
        table["epoch cpu vs softmax"] = table["epoch cpu_s"] / fastest["epoch cpu_s"]
        table["epoch wall vs softmax"] = table["epoch wall_s"] / fastest["epoch wall_s"]
    out = Path(args.out)
    pd.DataFrame(epochs).to_csv(out.with_suffix(".csv"), index=False, float_format="%.4f")
    machine = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        "# Full softmax against sampled losses, per epoch",
        "",
        f"Written by `scripts/benchmark_sampled_losses.py --data {args.data} --configs "
        f"{args.configs} --max-epochs {args.max_epochs}` on {machine}, {time.strftime('%Y-%m-%d')}.",
        f"Load average before/after: {load_before[0]:.1f} / {load_after[0]:.1f} "
        f"({'a busy machine: wall times are inflated, CPU seconds less so' if max(load_before[0], load_after[0]) > (os.cpu_count() or 1) else 'a quiet machine'}).",
        "",
        f"Data: {valid.describe()} (the validation split; the test window is not used).",
        "GRU: hidden 64, learning rate 1e-2, max_len 10; early stopping on validation MRR@20 "
        "(patience 2). Config = loss:batch[:extra negatives[:their popularity exponent[:log-Q weight[:seed]]]]. Per-epoch times are medians over "
        "the epochs after the first (which compiles). MRR vs softmax: against the softmax config "
        "with the highest validation MRR@20; epoch cpu/wall vs softmax: against the softmax config "
        "with the fewest CPU seconds per epoch.",
        "",
        markdown_table(table, digits=4),
        "",
        f"Per epoch: {out.with_suffix('.csv').name}.",
    ]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(table.round(4).to_string(index=False))
    print(f"written: {out.with_suffix('.md')}, {out.with_suffix('.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
