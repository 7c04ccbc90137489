"""Event logs for the engine tests: random small logs full of ties, and the comparison."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

T0 = pd.Timestamp("2024-03-01 08:00:00")


def random_log(rng: np.random.Generator, n: int, *, text_items: bool = False,
               with_session: bool = False, users: int = 4, hours: int = 4) -> pd.DataFrame:
    """A log in file order (not sorted), with many equal times and a few non-views.

    Times fall on a coarse grid of minutes, so events of one user and of
    different users tie; gaps of 30 minutes and more occur, so users have
    several sessions; the file order is shuffled, so only the row number
    decides between equal times.
    """
    users = rng.integers(1, users + 1, n)
    minutes = rng.choice(np.arange(0, 60 * hours, 15), n) + rng.choice([0, 0, 0, 1, 31], n)
    items = rng.integers(1, 9, n)
    events = rng.choice(["view", "view", "view", "view", "cart", "purchase", "click"], n)
    log = pd.DataFrame({
        "visitor": users,
        "product": [f"p{i:02d}" for i in items] if text_items else items,
        "ts": T0 + pd.to_timedelta(minutes, unit="min"),
        "action": events,
    })
    if with_session:
        log.insert(1, "visit", users * 100 + minutes // 120)
    return log


def write(log: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        out = log.copy()
        out["ts"] = out["ts"].dt.strftime("%Y-%m-%d %H:%M:%S")
        out.to_csv(path, index=False)
    else:
        log.to_parquet(path, index=False)
    return path


MAPPING = {"user": "visitor", "item": "product", "time": "ts", "event": "action"}


def shard_digests(manifest: dict) -> dict:
    """What must agree between engines: cut, counts, vocabulary and every shard's checksum."""
    return {"cut": manifest["cut"], "counts": manifest["counts"],
            "vocabulary": manifest["vocabulary"]["sha256"],
            "train": [s["sha256"] for s in manifest["shards"]["train"]],
            "test": [s["sha256"] for s in manifest["shards"]["test"]]}


def describe(manifest: dict) -> str:
    return json.dumps({k: manifest[k] for k in ("cut", "counts")}, indent=1)
