#!/usr/bin/env python3
"""XLA's CPU optimisation level: compile time, training time and the numbers themselves.

    python scripts/benchmark_xla_level.py [--repeats 2]

``course_lib.backend`` adds ``--xla_backend_optimization_level=1`` to
``XLA_FLAGS`` (XLA's own default is 3). This script measures what that buys
and costs, each run in a fresh Python with JAX's compilation cache off, the
two levels in turn:

* ``compile``: four small next-item networks (GRU, LSTM, SASRec, SR-GNN; a
  5,000-event shop, one epoch each) fitted and scored, as the tests and the
  tuning searches do: the process's CPU seconds and JAX's own backend-compile
  seconds;
* ``train``: a GRU and SASRec of lesson 05 and 07's size (hidden 64) on a
  200,000-event shop, three epochs, then scored: CPU and wall seconds;
* ``digest``: every loss and score of the ``compile`` models, hashed: the
  levels must give the same numbers.

Writes ``benchmarks/xla_level.csv`` (one row per run). A record, never an
assertion.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEVELS = (3, 1)

WORKLOAD = r"""
import hashlib, json, resource, sys, time
import course_lib  # noqa: F401
import jax, numpy as np
from course_lib.datasets import make_shop
from course_lib.models.attention import SASRec
from course_lib.models.graph import SRGNN
from course_lib.models.session_rnn import SessionRNN
from course_lib.prep.next_item import next_item_split

seconds = {}
jax.monitoring.register_event_duration_secs_listener(
    lambda event, duration, **kw: seconds.__setitem__(event, seconds.get(event, 0.0) + duration))
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

if sys.argv[1] == "compile":
    split = next_item_split(make_shop(5_000, seed=1).events, 14)
    models = [SessionRNN(hidden=16, max_len=10, epochs=1, batch_size=256),
              SessionRNN(cell="lstm", hidden=16, max_len=10, epochs=1, batch_size=256),
              SASRec(dim=16, blocks=1, max_len=10, epochs=1), SRGNN(dim=16, max_len=10, epochs=1)]
    n = 300
else:
    split = next_item_split(make_shop(200_000, seed=0).events, 14)
    models = [SessionRNN(hidden=64, max_len=10, epochs=3, batch_size=64, learning_rate=1e-2),
              SASRec(dim=64, blocks=1, max_len=10, epochs=3, learning_rate=1e-2)]
    n = 5_000
X, _ = split.test_prefixes(10)
digest = hashlib.sha256()
start_cpu, start = cpu(), time.perf_counter()
for model in models:
    model.fit(split.train, split.n_items, progress=False)
    digest.update(np.asarray(model.history.history["loss"], "float64").tobytes())
    digest.update(np.ascontiguousarray(model.score(X[:n])[:, 1:]).tobytes())
print(json.dumps({"cpu_s": round(cpu() - start_cpu, 2), "wall_s": round(time.perf_counter() - start, 2),
                  "compile_s": round(seconds.get("/jax/core/compile/backend_compile_duration", 0.0), 2),
                  "digest": digest.hexdigest()[:16]}))
"""


def run(workload: str, level: int) -> dict:
    env = {**os.environ, "COURSE_COMPILE_CACHE": "0",
           "XLA_FLAGS": f"--xla_backend_optimization_level={level}"}
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    out = subprocess.run([sys.executable, "-c", WORKLOAD, workload], env=env, cwd=ROOT, text=True,
                         capture_output=True, check=True)
    return {"workload": workload, "level": level, **json.loads(out.stdout.strip().splitlines()[-1])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for workload in ("compile", "train"):
        for _ in range(args.repeats):
            for level in LEVELS:   # in turn, so a slow stretch of the machine hits both
                rows.append(run(workload, level))
                print(rows[-1], flush=True)
    path = ROOT / "benchmarks" / "xla_level.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"written: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
