"""The behaviour model's scaling sweep that lesson 08 plots: held-out loss against training compute.

    python scripts/benchmark_behaviour_scaling.py                  # the sweep (10-15 minutes on 2 cores)
    python scripts/benchmark_behaviour_scaling.py --dims 8 16 --actions 5000 20000 --out /tmp/s.csv

Every run pretrains a fresh :class:`BehaviourModel` (one pass over its data in
batches of 32, next-action prediction: data and compute grow together, no
action is seen twice) of width ``dim`` on the first ``actions`` actions of
the synthetic shop's pretraining corpus (whole users, in a fixed random
order; all before the validation window), and scores the next item of
held-out customers (another population of the same shop, same time span):
cross-entropy and MRR@20. Rows: dim, actions, parameters, training FLOPs
(counted, ``training_flops``), wall and CPU seconds (measured: noisy on a
shared machine), held-out loss and MRR@20. Written to
``benchmarks/behaviour_scaling.csv``; the lesson fits the power law.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.datasets.synthetic import other_customers  # noqa: E402
from course_lib.evaluate.scaling import heldout_next_action  # noqa: E402
from course_lib.models.behaviour import BehaviourModel  # noqa: E402
from course_lib.prep.actions import action_log  # noqa: E402
from course_lib.tasks.behaviour import shop_and_splits  # noqa: E402
from course_lib.tasks.settings import BehaviourSettings  # noqa: E402

OUT = ROOT / "benchmarks" / "behaviour_scaling.csv"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--actions", type=int, nargs="+", default=[30_000, 120_000, 480_000])
    parser.add_argument("--heldout-events", type=int, default=40_000)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    settings = replace(BehaviourSettings(), epochs=1, batch_size=32)
    shop, valid, _ = shop_and_splits(settings)
    need = max(args.actions)
    # the corpus: the shop's own customers and enough others, before the validation window
    others = other_customers(shop.config, int(need * 1.6), stream=1).events
    events = pd.concat([shop.events, others], ignore_index=True)
    events = events[events["timestamp"] < valid.cut]
    full = action_log(events)
    order = np.random.default_rng(settings.seed).permutation(len(full.users))
    sizes = np.diff(full.starts)[order]
    heldout_events = other_customers(shop.config, args.heldout_events, stream=2).events
    heldout = action_log(heldout_events[heldout_events["timestamp"] < valid.cut], vocab=full.vocab)
    rows = []
    for actions in sorted(args.actions):
        chosen = full.users[order[:int(np.searchsorted(np.cumsum(sizes), actions)) + 1]]
        log = action_log(events[events["user_id"].isin(chosen)], vocab=full.vocab)
        for dim in sorted(args.dims):
            model = BehaviourModel(**{**settings.model_params(), "dim": dim,
                                      "heads": 2 if dim >= 16 else 1}).fit(log)
            scores = heldout_next_action(model, heldout)
            rows.append({"dim": dim, "actions": model.meta["actions"], "params": model.params,
                         "train_flops": model.meta["train_flops"],
                         "train_seconds": round(model.meta["train_seconds"], 2),
                         "cpu_seconds": round(model.meta["cpu_seconds"], 2),
                         "heldout_loss": round(scores["item_loss"], 5),
                         "heldout_MRR@20": round(scores["MRR@20"], 5),
                         "heldout_targets": scores["heldout_targets"]})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table.attrs["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(args.out).with_suffix(".tmp")
    with open(tmp, "w") as f:
        f.write(f"# behaviour-model scaling sweep ({time.strftime('%Y-%m-%d')}, "
                f"{table.attrs['machine']}, one pass each, under load: seconds are noisy)\n")
        table.to_csv(f, index=False)
    tmp.replace(args.out)
    print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
