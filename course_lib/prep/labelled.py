"""Labelled examples for yes/no tasks: purchase intent and churn (lesson 09).

One :class:`Examples` holds, for each case (a session, a customer), what a
model may know at prediction time and the label that came after:

* ``features``: one row of numbers per case (for logistic regression or
  gradient boosting);
* ``steps``: the same case as a short sequence (for a recurrent model),
  a float array ``(cases, steps, step_features)``; optional ``items``, the
  item id at each step (``None`` on padded steps);
* ``label`` (0/1) and ``time``, the moment the prediction is made, which
  the time-based split uses.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Examples:
    """Cases with features, step sequences, labels and prediction times."""

    features: pd.DataFrame
    steps: np.ndarray
    items: np.ndarray | None
    label: np.ndarray
    time: np.ndarray
    step_names: tuple = ()
    what: str = "cases"

    def __len__(self) -> int:
        return len(self.label)

    @property
    def base_rate(self) -> float:
        return float(np.mean(self.label)) if len(self.label) else float("nan")

    def subset(self, mask) -> "Examples":
        mask = np.asarray(mask)
        return Examples(self.features[mask], self.steps[mask],
                        None if self.items is None else self.items[mask],
                        self.label[mask], self.time[mask], self.step_names, self.what)

    def describe(self) -> str:
        return (f"{len(self):,} {self.what}, {int(self.label.sum()):,} positive "
                f"(base rate {self.base_rate:.1%})")


def split_by_time(examples: Examples, cut) -> tuple[Examples, Examples]:
    """(before, from): cases predicted before ``cut`` train, the rest test."""
    cut = np.datetime64(pd.Timestamp(cut))
    before = examples.time < cut
    return examples.subset(before), examples.subset(~before)
