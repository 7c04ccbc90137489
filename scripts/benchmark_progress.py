#!/usr/bin/env python3
"""Time the progress display of neural training: benchmarks/progress_callbacks.md

    python scripts/benchmark_progress.py              # lesson 05's GRU, 6 epochs, 2 rounds
    python scripts/benchmark_progress.py --events 20000 --epochs 2 --rounds 1

Trains lesson 05's GRU (``SessionRNN``, hidden 64, batch 256, on the
synthetic shop's last-14-days split) once per variant and round, in one
process, the variants in turn (so a busy machine slows all alike):

* ``none``          no progress display;
* ``own``           a small callback of our own, one tqdm bar over epochs (what the
                    course used before choosing tqdm's);
* ``tqdm-epochs``   tqdm's own Keras callback, ``tqdm.keras.TqdmCallback(verbose=0)``
                    (what ``fit(..., progress=True)`` uses);
* ``tqdm-batches``  the same with a bar over batches too (``verbose=1``);
* ``keras``         Keras's own progress, ``fit(verbose=2)`` (one line per epoch).

Records the training seconds and whether the trained scores equal those
without a display (a display must not change the numbers).
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import course_lib  # noqa: E402,F401  (chooses the Keras backend first)
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tqdm  # noqa: E402
import tqdm.auto  # noqa: E402
from tqdm.keras import TqdmCallback  # noqa: E402

from course_lib.datasets import make_shop  # noqa: E402
from course_lib.models.session_rnn import SessionRNN  # noqa: E402
from course_lib.prep.next_item import next_item_split  # noqa: E402


class OwnEpochBar(keras.callbacks.Callback):
    """A progress bar over epochs, with the training loss (the course's own, before tqdm's)."""

    def __init__(self, epochs):
        super().__init__()
        self.epochs = epochs

    def on_train_begin(self, logs=None):
        self.bar = tqdm.auto.tqdm(total=self.epochs, desc="training", unit="epoch")

    def on_epoch_end(self, epoch, logs=None):
        self.bar.set_postfix(loss=f"{(logs or {}).get('loss', float('nan')):.3f}")
        self.bar.update()

    def on_train_end(self, logs=None):
        self.bar.close()


class KerasVerbose(SessionRNN):
    """Lesson 05's GRU, trained with Keras's own progress lines (``verbose=2``)."""

    def _fit(self, sessions, n_items, *, progress=False, callbacks=()):
        original = keras.Model.fit

        def fit(network, *args, **kwargs):
            return original(network, *args, **{**kwargs, "verbose": 2})

        keras.Model.fit = fit
        try:
            super()._fit(sessions, n_items, progress=False, callbacks=callbacks)
        finally:
            keras.Model.fit = original


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "progress_callbacks.md"))
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    split = next_item_split(make_shop(args.events, seed=0).events, 14)
    X, _ = split.test_prefixes(10)
    settings = dict(hidden=64, max_len=10, batch_size=256, epochs=args.epochs, learning_rate=1e-2)
    variants = {
        "none": lambda: (SessionRNN(**settings), []),
        "own": lambda: (SessionRNN(**settings), [OwnEpochBar(args.epochs)]),
        "tqdm-epochs": lambda: (SessionRNN(**settings), [TqdmCallback(args.epochs, verbose=0)]),
        "tqdm-batches": lambda: (SessionRNN(**settings), [TqdmCallback(args.epochs, verbose=1)]),
        "keras": lambda: (KerasVerbose(**settings), []),
    }
    SessionRNN(**{**settings, "epochs": 1}).fit(split.train, split.n_items)  # compile caches warm
    seconds = {name: [] for name in variants}
    same = {}
    reference = None
    for _ in range(args.rounds):
        for name, make in variants.items():
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
                model, callbacks = make()
                model.fit(split.train, split.n_items, callbacks=callbacks)
            seconds[name].append(model.train_seconds)
            scores = model.score(X[:512])
            if reference is None:
                reference = scores
            same[name] = bool(np.array_equal(scores, reference))

    lines = [
        "# Progress display during training: what it costs",
        "",
        f"`python scripts/benchmark_progress.py --events {args.events} --epochs {args.epochs} "
        f"--rounds {args.rounds}` on {platform.machine()}, {platform.python_version()}, "
        f"Keras {keras.__version__} ({keras.backend.backend()}), tqdm {tqdm.__version__}; "
        f"{len(split.train):,} training sessions, lesson 05's GRU; load average "
        f"{load_before:.1f} at the start (on a busy machine, compare only within one run).",
        "",
        "| variant | train seconds (each round) | median | same scores as `none` |",
        "|---|---|---|---|",
    ]
    for name, values in seconds.items():
        lines.append(f"| {name} | {', '.join(f'{v:.2f}' for v in values)} | "
                     f"{np.median(values):.2f} | {'yes' if same[name] else 'no'} |")
    text = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
