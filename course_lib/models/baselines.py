"""Next-item baselines: popularity, first-order Markov (lessons 05-09).

Session-kNN, V-SKNN and STAN are in :mod:`course_lib.models.neighbours`.

All keep the next-item contract of :mod:`course_lib.models.base`:
``fit(sessions, n_items)`` with sessions as arrays of item codes 1..n_items,
and ``score(X)`` for left-padded prefixes X of shape (batch, max_len),
returning (batch, n_items + 1) scores (column 0, padding, is never
recommended). They are strong: a neural model is only interesting if it beats
the best of them, tuned on the same validation window.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from course_lib.models.base import PAD_SCORE, NextItemBase


def _last_items(X):
    return np.asarray(X)[:, -1]


def popularity_backoff(sessions, n_items: int, top: float) -> np.ndarray:
    """Popularity scaled so the most popular item scores just under ``top`` (0 for padding).

    Added to a model's scores, it orders the items the model scores equally,
    without overtaking any real evidence worth ``top`` or more.
    """
    pop = Popularity().fit(sessions, n_items).counts
    finite = np.isfinite(pop)
    return np.where(finite, pop / (pop[finite].max() + 1) * top, 0).astype("float32")


class Popularity(NextItemBase):
    """Most popular items in training, the same list for everyone."""

    name = "pop"

    def _fit(self, sessions, n_items: int, *, progress: bool = False):
        codes = np.concatenate(list(sessions)) if len(sessions) else np.zeros(0, int)
        self.counts = np.bincount(codes, minlength=n_items + 1).astype("float32")
        self.counts[0] = PAD_SCORE
        self.params = 0

    def score(self, X):
        return np.broadcast_to(self.counts, (len(X), len(self.counts))).copy()


class MarkovChain(NextItemBase):
    """First-order Markov chain: how often each item followed the last one.

    Items never seen after it fall back to popularity (scaled below one
    transition), so the ranking stays full instead of ending in ties.
    """

    name = "markov"

    def _fit(self, sessions, n_items: int, *, progress: bool = False):
        prev = np.concatenate([s[:-1] for s in sessions])
        nxt = np.concatenate([s[1:] for s in sessions])
        self.T = sp.csr_matrix((np.ones(len(prev), "float32"), (prev, nxt)),
                               shape=(n_items + 1, n_items + 1))
        self.backoff = popularity_backoff(sessions, n_items, top=0.5)
        self.params = int(self.T.nnz)

    def score(self, X):
        scores = self.T[_last_items(X)].toarray() + self.backoff
        scores[:, 0] = PAD_SCORE
        return scores
