#!/usr/bin/env python3
"""Thread, XLA and memory settings for training and scoring: benchmarks/threads.md

    python scripts/benchmark_threads.py                  # every config, every workload, 1 round
    python scripts/benchmark_threads.py --rounds 3 --configs default,xla-1
    python scripts/benchmark_threads.py --small          # quick: fewer events and epochs

Each (config, workload) runs in a fresh Python process, because XLA flags,
thread pools and glibc's malloc are set when a process starts. A config is a
set of environment variables (see CONFIGS); every process imports
``course_lib`` (so ``course_lib.backend.configure`` runs as in the lessons,
and the variables given here win over its defaults). A worker measures only
its workload (not the imports or the data preparation) with
``getrusage``: user and system CPU seconds, minor page faults, and wall
seconds. System time and page faults are the main signal: they depend less
on how busy the machine is than wall time.

Workloads (the course's own code paths; training: seconds per epoch, epochs
2.., since the first compiles):

* ``train-lesson``: lesson 05's GRU (hidden 64, batch 256, full softmax) on
  the synthetic shop's 100,000 events (about 1,000 items);
* ``train-retail-softmax``: the same GRU on Online Retail baskets (4,023
  items; the 4,000 latest training sessions): the issue's default run;
* ``train-retail-sampled``: the GRU with the sampled loss (batch 128, 512
  extra negatives) on the same sessions;
* ``score-retail``: the retail GRU's full-catalogue ranking of 20,000 test
  prefixes (scoring, then NumPy ranks), timed on a second pass;
* ``baselines``: Markov chain and session-kNN on the shop, fitted and
  evaluated (NumPy, SciPy);
* ``load``: ``load_events`` on a CSV of the shop, three times (pandas / Arrow).

The retail workloads need ``$COURSE_DATA_DIR/online_retail.csv.gz``.

Writes benchmarks/threads.csv (one row per run) and benchmarks/threads.md
(medians per config and workload, with the load average before and after).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
CONFIGS = {
    # what import course_lib chooses (course_lib/backend.py)
    "default": {},
    # the same without the malloc settings of course_lib.backend
    "no-malloc-tuning": {"COURSE_MALLOC_TUNING": "0"},
    # XLA's CPU ops on one thread (Eigen's pool off, one intra-op thread)
    "xla-1": {"XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"},
    # BLAS / OpenMP pools on one thread (Arrow's CPU pool follows OMP_NUM_THREADS)
    "blas-1": {name: "1" for name in THREADS},
    # both
    "xla-1+blas-1": {"XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
                     **{name: "1" for name in THREADS}},
    # Arrow's CPU pool on one thread (pyarrow.set_cpu_count, applied by the worker)
    "arrow-1": {"BENCH_ARROW_CPUS": "1"},
    # glibc: huge pages for malloc's mapped chunks (set at process start; not settable inside)
    "hugetlb": {"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"},
}
WORKLOADS = ("train-lesson", "train-retail-softmax", "train-retail-sampled", "score-retail",
             "baselines", "load")


def usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"user_s": r.ru_utime, "sys_s": r.ru_stime, "minor_faults": r.ru_minflt,
            "wall_s": time.perf_counter()}


def delta(a, b):
    return {k: b[k] - a[k] for k in a}


def worker(workload: str, small: bool) -> dict:
    """Run one workload in this process; return what it cost (the measured phase only)."""
    sys.path.insert(0, str(ROOT))
    if os.environ.get("BENCH_ARROW_CPUS"):
        import pyarrow
        pyarrow.set_cpu_count(int(os.environ["BENCH_ARROW_CPUS"]))
    import course_lib  # noqa: F401  (backend and threads first)
    import keras
    import numpy as np

    from course_lib.datasets import make_shop
    from course_lib.prep.next_item import next_item_split

    events = make_shop(20_000 if small else 100_000, seed=0).events
    epochs = 2 if small else 3

    if workload.startswith(("train", "score")):
        from course_lib.models.session_rnn import SessionRNN

        if "retail" in workload:
            sys.path.insert(0, str(ROOT / "scripts"))
            from benchmark_sampled_losses import retail_baskets

            split = next_item_split(retail_baskets(), 28, event_types=None)
            train = split.train.iloc[-(1500 if small else 4000):]
        else:
            split = next_item_split(events, 14)
            train = split.train
        if workload == "train-retail-sampled":
            model = SessionRNN(hidden=64, max_len=10, epochs=epochs, batch_size=128,
                               learning_rate=1e-2, loss="sampled", n_sample=512)
        else:
            model = SessionRNN(hidden=64, max_len=10, epochs=epochs if workload != "score-retail" else 1,
                               batch_size=256, learning_rate=1e-2, loss="softmax")

        class PerEpoch(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.rows = []

            def on_epoch_begin(self, epoch, logs=None):
                self.start = usage()

            def on_epoch_end(self, epoch, logs=None):
                self.rows.append(delta(self.start, usage()))

        clock = PerEpoch()
        model.fit(train, split.n_items, callbacks=[clock])
        if workload.startswith("train"):
            later = clock.rows[1:]            # the first epoch compiles
            return {k: float(np.sum([r[k] for r in later])) / len(later) for k in later[0]}
        from course_lib.evaluate.next_item import evaluate_model

        X, y = split.test_prefixes(10)
        X, y = X[:20_000], y[:20_000]
        evaluate_model(model, X[:2048], y[:2048])        # compiles the scoring shapes
        start = usage()
        evaluate_model(model, X, y)
        return delta(start, usage())
    if workload == "baselines":
        from course_lib.evaluate.next_item import fit_and_evaluate
        from course_lib.models.baselines import MarkovChain
        from course_lib.models.neighbours import SessionKNN

        split = next_item_split(events, 14)
        X, y = split.test_prefixes(10)
        start = usage()
        for model in (MarkovChain(), SessionKNN(k=100, sample=5000)):
            fit_and_evaluate(model, split, X, y)
        return delta(start, usage())
    if workload == "load":
        from course_lib.datasets import load_events

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "events.csv"
            events.to_csv(path, index=False)
            start = usage()
            for _ in range(3):
                load_events(path)
            return delta(start, usage())
    raise ValueError(workload)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="fewer events and epochs (a quick look)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "threads"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print("RESULT " + json.dumps(worker(args.worker, args.small)))
        return 0

    import pandas as pd

    rows = []
    load_before = os.getloadavg()
    for round_ in range(args.rounds):
        for workload in args.workloads.split(","):
            if "retail" in workload and not (Path(os.environ.get("COURSE_DATA_DIR", "")) /
                                             "online_retail.csv.gz").exists():
                print(f"{workload} skipped: no $COURSE_DATA_DIR/online_retail.csv.gz")
                continue
            for config in args.configs.split(","):
                env = {**os.environ, **CONFIGS[config]}
                command = [sys.executable, __file__, "--worker", workload] + (["--small"] if args.small else [])
                done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
                lines = [l for l in done.stdout.splitlines() if l.startswith("RESULT ")]
                if done.returncode or not lines:
                    print(f"{config} / {workload} failed:\n{done.stderr[-2000:]}")
                    continue
                result = json.loads(lines[-1][7:])
                row = {"round": round_ + 1, "workload": workload, "config": config,
                       "load": os.getloadavg()[0], **result}
                rows.append(row)
                print({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    load_after = os.getloadavg()
    table = pd.DataFrame(rows)
    out = Path(args.out)
    table.to_csv(out.with_suffix(".csv"), index=False, float_format="%.3f")
    medians = (table.groupby(["workload", "config"], sort=False)[["user_s", "sys_s", "minor_faults", "wall_s"]]
               .median().reset_index())
    medians["cpu_s"] = medians["user_s"] + medians["sys_s"]
    sys.path.insert(0, str(ROOT))
    from course_lib.show.model_card import markdown_table

    busy = max(load_before[0], load_after[0]) > (os.cpu_count() or 1)
    machine = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = ["# Threads, XLA and malloc settings: where the time goes", "",
             f"Written by `scripts/benchmark_threads.py{' --small' if args.small else ''} --rounds "
             f"{args.rounds}` on {machine}, {time.strftime('%Y-%m-%d %H:%M')}. Load average "
             f"before/after: {load_before[0]:.1f} / {load_after[0]:.1f}"
             f"{' (a busy machine: wall times are inflated; system time and page faults are the signal)' if busy else ''}.",
             "", "Medians per workload and config (seconds per epoch for training, per pass "
             "otherwise; `minor_faults`: pages mapped afresh).", "",
             markdown_table(medians[["workload", "config", "user_s", "sys_s", "cpu_s", "minor_faults",
                                     "wall_s"]], digits=2), "",
             "Configs (environment variables of the process):", ""]
    lines += [f"- `{name}`: {', '.join(f'{k}={v}' for k, v in env.items()) or 'course_lib.backend as it is'}"
              for name, env in CONFIGS.items() if name in args.configs.split(",")]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"written: {out.with_suffix('.md')}, {out.with_suffix('.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
