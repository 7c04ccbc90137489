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
        if not len(self):
            return f"no {self.what}"
        return (f"{len(self):,} {self.what}, {int(self.label.sum()):,} positive "
                f"(base rate {self.base_rate:.1%})")


def split_by_time(examples: Examples, cut) -> tuple[Examples, Examples]:
    """(before, from): cases predicted before ``cut`` train, the rest test."""
    cut = np.datetime64(pd.Timestamp(cut))
    before = examples.time < cut
    return examples.subset(before), examples.subset(~before)


def validation_cases(examples: Examples, share: float = 0.2, seed: int = 0) -> tuple[Examples, Examples]:
    """(fit, validation): the cases a model holds out of its training cases to choose a setting
    (lesson 08's fine-tuned classifiers choose their epochs so).

    The validation cases are the latest ``share`` by prediction time, so that the choice is made
    as the test is: on what came later. Where every case is predicted at one moment (churn: one
    cut-off for all customers), they are a seeded random ``share`` of the cases instead.
    """
    if not 0 < share < 1:
        raise ValueError(f"share must be between 0 and 1, not {share}")
    n_valid = int(round(share * len(examples)))
    if n_valid < 1 or n_valid >= len(examples):
        raise ValueError(f"{len(examples):,} {examples.what} are too few to hold out {share:.0%} for validation")
    if len(np.unique(examples.time)) > 1:
        order = np.argsort(examples.time, kind="stable")
    else:
        order = np.random.default_rng(seed).permutation(len(examples))
    valid = np.zeros(len(examples), bool)
    valid[order[-n_valid:]] = True
    return examples.subset(~valid), examples.subset(valid)
