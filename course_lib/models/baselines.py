"""Next-item baselines: popularity, first-order Markov, session-kNN (lessons 05-08).

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


class SessionKNN(NextItemBase):
    """Session-based k-nearest neighbours (Jannach & Ludewig, 2017).

    The current session's items are compared (cosine) with the ``sample``
    most recent training sessions; the ``k`` most similar vote for their
    items with their similarity. Popularity breaks the remaining ties.
    """

    name = "sknn"

    def __init__(self, k: int = 100, sample: int = 2000):
        self.k, self.sample = k, sample

    def _fit(self, sessions, n_items: int, *, progress: bool = False):
        recent = list(sessions)[-self.sample:]
        rows = np.repeat(np.arange(len(recent)), [len(s) for s in recent])
        cols = np.concatenate(recent)
        S = sp.csr_matrix((np.ones(len(cols), "float32"), (rows, cols)),
                          shape=(len(recent), n_items + 1))
        S.data[:] = 1.0  # sets, not counts
        self.S = S
        self.norms = np.sqrt(np.asarray(S.sum(axis=1)).ravel())
        self.backoff = popularity_backoff(sessions, n_items, top=1e-3)
        self.params = int(S.nnz)
        self.n_items = n_items

    def score(self, X):
        X = np.asarray(X)
        rows = np.repeat(np.arange(len(X)), X.shape[1])
        cols = X.ravel()
        keep = cols > 0
        Q = sp.csr_matrix((np.ones(keep.sum(), "float32"), (rows[keep], cols[keep])),
                          shape=(len(X), self.n_items + 1))
        Q.data[:] = 1.0
        q_norm = np.sqrt(np.asarray(Q.sum(axis=1)).ravel())
        # kept sparse: most pairs of sessions share no item, and a similarity of 0 never votes
        sim = (Q @ self.S.T).tocsr()
        sim.sort_indices()
        owner = np.repeat(np.arange(len(X)), np.diff(sim.indptr))
        sim.data /= np.maximum(q_norm[owner] * self.norms[sim.indices], 1e-9)
        k = min(self.k, sim.shape[1])
        if k < sim.shape[1]:
            # each row keeps its k largest similarities and any tied with the k-th;
            # a row with fewer than k neighbours keeps them all
            counts = np.diff(sim.indptr)
            ranked = sim.data[np.lexsort((-sim.data, owner))]
            kth = np.minimum(sim.indptr[:-1] + k - 1, max(len(ranked) - 1, 0))
            cut = np.where(counts >= k, ranked[kth] if len(ranked) else 0, 0).astype(sim.data.dtype)
            sim.data = np.where(sim.data >= cut[owner], sim.data, 0).astype(sim.data.dtype)
        scores = (sim @ self.S).toarray() + self.backoff
        scores[:, 0] = PAD_SCORE
        return scores
