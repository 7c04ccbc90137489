"""Session-based nearest neighbours: SKNN, V-SKNN and STAN (session-kNN in lessons 05-09).

The neighbourhood baselines of the session-based literature, as Ludewig et
al. (2021) define and tune them in the session-rec framework, written with
sparse matrices so that a whole batch of prefixes is scored at once:

* :class:`SessionKNN` (``sknn``, session-rec's ContextKNN): the current
  session's items are compared with past sessions as **sets** (cosine or
  Jaccard); the ``k`` most similar vote for their items with their similarity.
* :class:`VSKNN` (``vsknn``, session-rec's VMContextKNN): the same, with the
  current session's items **weighted by position** (recent ones count more) and
  each neighbour's vote decayed by how far back the most recent item it shares
  lies; optionally rarer items count more (IDF).
* :class:`STAN` (``stan``, Garg et al. 2019): three exponential decays: of the
  current session's items by position (``lambda_spw``), of the neighbours by
  age (``lambda_snh``), and of each neighbour's items by their distance, inside
  the neighbour, from the last item it shares with the current session
  (``lambda_inh``).

Shared rules, the same for all three:

* **Candidates and sampling.** Only training sessions that share at least one
  item with the current prefix can be neighbours. Of those, the ``sample`` most
  recent are kept (``None``: all of them), as in session-rec, where
  ``sample_size`` picks the most recent sessions *among those sharing an item*,
  not the most recent sessions overall.
* **Recency without timestamps.** The protocol passes training sessions in
  order of their first event and no times; a session's index in that order is
  its recency (later = more recent). STAN's neighbour age is therefore counted
  in training sessions, ``lambda_snh`` as a share of them (0.1: a session
  ten per cent of the training sessions older weighs ``exp(-1)`` as much).
  The current session's own time is not needed: ``exp(-(t_now - t_n) / l)``
  is ``exp(-(t_now - t_cut) / l) * exp(-(t_cut - t_n) / l)``, and the first
  factor is the same for every neighbour of one prefix, so it cannot change
  that prefix's ranking.
* **Top k.** Neighbours are ranked by similarity (by a key computed so that
  equal similarities tie exactly: shared^2/|n| for the cosine, whole-number
  position weights for V-SKNN); equal similarities go to the more recent
  session; exactly ``k`` are kept.
* **Deterministic ties.** Items are ordered by their votes; items with equal
  votes (or votes closer than ``1e-8`` of the prefix's best vote) by training
  popularity, then by the smaller item code; items without any vote come after
  all voted items, in the same popularity order. ``score`` returns
  ``1 + vote / best vote`` for voted items and ``0`` otherwise, plus that
  tie-break (below ``1e-8``), so no two items of a row tie.
* **``remind``.** ``True`` (session-rec's default for V-SKNN and STAN, and
  what ContextKNN always does): the current session's own items are voted for
  like any other. ``False``: they get no votes (ranked by popularity among the
  unvoted items); worth choosing where shoppers rarely go back.

What the protocol's prefixes mean here: ``X`` holds the last ``max_len``
items of each session (10 by default), while session-rec's models see the
whole session so far. Items viewed before those ``max_len`` are invisible to
these models: neighbours that share only such items are no candidates, and
position weights count positions inside the window. On the synthetic shop
and on Online Retail baskets, windows of 20 or 50 items scored no better on
validation than 10, for all three models (``benchmarks/neighbours.md``):
the most recent items carry the signal. Longer prefixes can be passed
(``split.test_prefixes(50)``); nothing here assumes 10.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from course_lib.models.base import NextItemBase
from course_lib.models.baselines import PAD_SCORE, popularity_backoff

#: Votes closer than this share of a row's best vote count as tied.
TIE_RESOLUTION = 1e-8

#: Validation grids (lists of constructor arguments) for the tuner; ``sample=None`` is
#: "all sessions sharing an item". Kept small (16-24 settings): each costs one fit and
#: one scoring of the validation window, about a second on the synthetic shop's 100k
#: events and 5-20 s on Online Retail baskets (benchmarks/neighbours.md). ``remind``
#: is in every grid: whether shoppers return to items decides more than any other knob.
GRIDS = {
    "sknn": [{"k": k, "sample": sample, "remind": remind}
             for k in (20, 50, 100, 200) for sample in (1000, None) for remind in (True, False)],
    "vsknn": [{"k": k, "sample": None, "weighting": w, "weighting_score": ws,
               "idf_weighting": idf, "remind": remind}
              for k in (50, 100)
              for w, ws in (("div", "div"), ("quadratic", "quadratic"), ("log", "quadratic"))
              for idf in (0.0, 2.0) for remind in (True, False)],
    "stan": [{"k": 100, "sample": None, "lambda_spw": spw, "lambda_snh": snh, "lambda_inh": inh,
              "remind": remind}
             for spw in (0.5, 1.02, 4.0) for snh in (None, 1.0) for inh in (1.02, 2.05)
             for remind in (True, False)],
}


def _position_weight(kind: str, p: np.ndarray, length: np.ndarray):
    """V-SKNN's weight of the item at position ``p`` (1 = first) of a prefix of ``length`` items,
    as (numerator, scale) with weight = numerator * scale.

    ``"div"`` p/L, ``"quadratic"`` (p/L)^2, ``"same"`` 1 have whole-number numerators
    (p, p^2, 1): their sums are exact, so neighbours with equal similarity tie exactly.
    """
    p, length = p.astype(np.float64), np.maximum(length, 1).astype(np.float64)
    if kind == "same":
        return np.ones_like(p), np.ones_like(length)
    if kind == "div":
        return p, 1.0 / length
    if kind == "quadratic":
        return p * p, 1.0 / (length * length)
    if kind == "log":
        return 1.0 / np.log10(length - p + 1.7), np.ones_like(length)
    raise ValueError(f"weighting must be one of same, div, quadratic, log; not {kind!r}")


def _step_decay(kind: str, step: np.ndarray) -> np.ndarray:
    """V-SKNN's decay of a neighbour whose most recent shared item lies ``step`` back (1 = last)."""
    step = step.astype(np.float64)
    if kind == "same":
        return np.ones_like(step)
    if kind == "div":
        return 1.0 / step
    if kind == "quadratic":
        return 1.0 / step ** 2
    if kind == "log":
        return 1.0 / np.log10(step + 1.7)
    raise ValueError(f"weighting_score must be one of same, div, quadratic, log; not {kind!r}")


@dataclass
class _Prefixes:
    """A batch of prefixes as the models need it: each row's distinct items at their
    last position (1 = the prefix's first item; ``row``, ``item``, ``pos`` in row order),
    the prefix lengths (repeats counted) and the query weights."""

    row: np.ndarray
    item: np.ndarray
    pos: np.ndarray
    length: np.ndarray
    weight: np.ndarray = None

    @property
    def n(self) -> int:
        return len(self.length)

    @property
    def distinct(self) -> np.ndarray:
        return np.bincount(self.row, minlength=self.n).astype(np.float64)

    @classmethod
    def from_padded(cls, X) -> "_Prefixes":
        filled = X > 0
        pos = np.cumsum(filled, axis=1) * filled
        repeated_later = np.zeros_like(filled)
        for j in range(X.shape[1] - 1):
            repeated_later[:, j] = (X[:, j + 1:] == X[:, j:j + 1]).any(axis=1)
        rows, cols = np.nonzero(filled & ~repeated_later)
        return cls(rows, X[rows, cols], pos[rows, cols], filled.sum(axis=1))


class _Neighbours(NextItemBase):
    """What the three neighbourhood models share: the session index, candidates,
    sampling, top-k, the tie-break and batching. A subclass supplies the query
    weights, the similarity and the votes."""

    name = "neighbours"
    batch_rows = 1024  # prefixes scored per sparse product (bounds memory)

    def _fit(self, sessions, n_items: int, *, progress: bool = False):
        """Index the training sessions (in time order); sets ``params``."""
        sessions = [np.asarray(s, dtype=np.int64) for s in sessions]
        lengths = np.array([len(s) for s in sessions], dtype=np.int64)
        codes = np.concatenate(sessions) if sessions else np.zeros(0, np.int64)
        if len(codes) and (codes.min() < 1 or codes.max() > n_items):
            raise ValueError(f"item codes must lie in 1..{n_items}")
        rows = np.repeat(np.arange(len(sessions)), lengths)
        position = (np.arange(len(codes)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
                    + 1).astype(np.int32)
        # one entry per (session, distinct item): the item's LAST position in the session
        self._positions = _max_duplicates(rows, codes, position, (len(sessions), n_items + 1))
        self._sets = self._positions.copy()                    # the same entries, all 1
        self._sets.data = np.ones(self._sets.nnz)
        self._set_sizes = np.diff(self._sets.indptr).astype(np.float64)
        self.n_items, self.n_sessions = n_items, len(sessions)
        self._n_events = np.bincount(codes, minlength=n_items + 1)
        self._tie_break = _popularity_tie_break(sessions, n_items)
        self._sorted_keys = None                               # built on first use
        self._fit_extra(sessions)
        self.params = int(self._sets.nnz)

    def score(self, X) -> np.ndarray:
        """Scores of every item for left-padded prefixes ``X``: (len(X), n_items + 1), column 0 -inf."""
        X = np.asarray(X, dtype=np.int64)
        if X.ndim != 2:
            raise ValueError("X must be a 2-d array of left-padded prefixes")
        out = np.empty((len(X), self.n_items + 1), dtype=np.float64)
        for s in range(0, len(X), self.batch_rows):
            self._score_batch(X[s:s + self.batch_rows], out[s:s + self.batch_rows])
        return out

    # --- the steps -------------------------------------------------------------------------
    def _fit_extra(self, sessions):
        pass

    def _score_batch(self, X, out):
        pre = _Prefixes.from_padded(X)
        pre.weight = self._query_weights(pre)
        query = sp.csr_matrix((pre.weight, (pre.row, pre.item)), shape=(pre.n, self.n_items + 1))
        # candidates: every training session sharing an item, data = the shared items' weights
        # summed; (sessions x prefixes) transposed through CSC gives rows whose session
        # indices are sorted (oldest first) without a sort
        shared = (self._sets @ query.T).tocsc().T
        counts = np.diff(shared.indptr)
        q = np.repeat(np.arange(pre.n, dtype=np.int32), counts)
        n, overlap = shared.indices, shared.data
        if self.sample is not None and counts.max(initial=0) > self.sample:
            from_end = shared.indptr[q + 1] - 1 - np.arange(len(n))  # 0: the most recent
            keep = from_end < self.sample
            q, n, overlap = q[keep], n[keep], overlap[keep]
        # neighbours are chosen by a key that ranks them as the similarity does within one
        # prefix (it leaves out the prefix's own factors); the similarity is then computed
        # for the k chosen only
        key = self._rank_key(q, n, overlap, pre)
        q, n, key = _top_k(q, n, key, self.k, pre.n)
        out[:] = self._votes(q, n, self._similarity(q, n, key, pre), pre)
        if not self.remind:
            out[pre.row, pre.item] = 0.0
        _rescale_with_tie_break(out, self._tie_break)

    def _set_votes(self, q, n, weight, B):
        """Every neighbour votes ``weight`` for each item it holds: (B, n_items + 1)."""
        W = sp.csr_matrix((weight, (q, n)), shape=(B, self.n_sessions))
        return (W @ self._sets).toarray()

    def _holds(self, n, item):
        """Whether training session ``n`` holds ``item`` (element-wise)."""
        keys = self._keys()
        wanted = n.astype(np.int64) * (self.n_items + 1) + item
        at = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
        return keys[at] == wanted if len(keys) else np.zeros(len(wanted), bool)

    def _keys(self):
        if getattr(self, "_sorted_keys", None) is None:
            S = self._sets
            rows = np.repeat(np.arange(S.shape[0]), np.diff(S.indptr))
            self._sorted_keys = rows * (self.n_items + 1) + S.indices  # sorted: CSR, sorted indices
        return self._sorted_keys

    def _newest_shared_position(self, q, n, pre):
        """For each (prefix q, neighbour n): the last prefix position whose item n holds."""
        starts = np.cumsum(pre.distinct).astype(np.int64) - pre.distinct.astype(np.int64)
        lens = pre.distinct.astype(np.int64)[q]
        first = np.cumsum(lens) - lens
        pair = np.repeat(np.arange(len(q)), lens)
        entry = starts[q][pair] + np.arange(int(lens.sum())) - first[pair]
        held = self._holds(n[pair], pre.item[entry])
        return np.maximum.reduceat(np.where(held, pre.pos[entry], 0), first)

def _max_duplicates(rows, cols, values, shape):
    """A CSR matrix (sorted indices) holding, for repeated (row, col) entries, the largest value."""
    key = rows * shape[1] + cols
    order = np.lexsort((values, key))
    key, values = key[order], values[order]
    is_last = np.r_[key[1:] != key[:-1], True] if len(key) else np.zeros(0, bool)
    key, values = key[is_last], values[is_last]
    M = sp.csr_matrix((values, (key // shape[1], key % shape[1])), shape=shape)
    M.sort_indices()
    return M


def _popularity_tie_break(sessions, n_items: int) -> np.ndarray:
    """A value in (0, 1) per item: higher for more training events, then for a smaller code."""
    popularity = popularity_backoff(sessions, n_items, top=1.0)  # order-preserving event counts
    codes = np.arange(1, n_items + 1)
    order = np.lexsort((codes, -popularity[1:]))                  # best first
    tie = np.zeros(n_items + 1)
    tie[codes[order]] = (n_items - np.arange(n_items)) / (n_items + 1.0)
    return tie


def _top_k(q, n, sim, k, B, bins: int = 1024):
    """Each row's ``k`` most similar candidates; equal similarity: the more recent (larger n).

    Candidates arrive sorted by (q, n). Sorting them all would dominate the
    scoring time (thousands per prefix on Online Retail), so a histogram of
    each row's similarities (``bins`` bins up to the row's largest) first finds
    the bin holding the k-th largest; only candidates from that bin up are then
    sorted exactly.
    """
    counts = np.bincount(q, minlength=B)
    if not len(q) or counts.max() <= k:
        return q, n, sim
    starts = np.cumsum(counts) - counts
    full = counts > 0
    best = np.zeros(B)
    best[full] = np.maximum.reduceat(sim, starts[full])
    scale = bins / np.where(best > 0, best, 1.0)
    b = np.minimum((sim * scale[q]).astype(np.int32), bins - 1)  # monotone in sim, per row
    hist = np.bincount(q.astype(np.int64) * bins + b, minlength=B * bins).reshape(B, bins)
    at_or_above = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1]      # candidates in bin >= j
    cut = np.maximum((at_or_above >= k).sum(axis=1) - 1, 0)     # the k-th largest's bin
    keep = b >= cut[q]
    q, n, sim = q[keep], n[keep], sim[keep]
    order = np.lexsort((-n, -sim, q))
    counts = np.bincount(q, minlength=B)
    rank = np.arange(len(q)) - (np.cumsum(counts) - counts)[q[order]]
    chosen = np.sort(order[rank < k])
    return q[chosen], n[chosen], sim[chosen]


def _rescale_with_tie_break(votes, tie_break):
    """In place: votes -> 1 + vote / the row's best vote (0 without a vote) + the tie-break."""
    best = votes.max(axis=1, keepdims=True)
    voted = votes > 0
    votes /= np.where(best > 0, best, 1.0)
    votes += voted
    votes += TIE_RESOLUTION * tie_break[None, :]
    votes[:, 0] = PAD_SCORE


class SessionKNN(_Neighbours):
    """Session-kNN (session-rec's ContextKNN; Jannach & Ludewig 2017; Ludewig et al. 2021).

    The prefix's distinct items are compared with each candidate session's
    distinct items (``similarity="cosine"``: shared / sqrt(|prefix| |session|),
    or ``"jaccard"``: shared / union); the ``k`` most similar of the ``sample``
    most recent sessions sharing an item (``None``: all) vote for each of their
    items with their similarity. Ties and ``remind``: see the module docstring.
    """

    name = "sknn"

    def __init__(self, k: int = 100, sample: int | None = 1000, similarity: str = "cosine",
                 remind: bool = True):
        if similarity not in ("cosine", "jaccard"):
            raise ValueError(f"similarity must be 'cosine' or 'jaccard', not {similarity!r}")
        self.k, self.sample, self.similarity, self.remind = k, sample, similarity, remind

    def _query_weights(self, pre):
        return np.ones(len(pre.row))

    def _rank_key(self, q, n, shared, pre):
        # one division of whole numbers: neighbours whose similarities are equal tie exactly
        if self.similarity == "cosine":
            return shared * shared / self._set_sizes[n]               # shared^2 / |n|
        return shared / (pre.distinct[q] + self._set_sizes[n] - shared)

    def _similarity(self, q, n, key, pre):
        if self.similarity == "cosine":
            return np.sqrt(key / pre.distinct[q])                      # shared / sqrt(|q| |n|)
        return key

    def _votes(self, q, n, sim, pre):
        return self._set_votes(q, n, sim, pre.n)


class VSKNN(_Neighbours):
    """Vector-multiplication session-kNN (session-rec's VMContextKNN; Ludewig & Jannach 2018).

    * similarity: the sum, over the distinct items shared with a candidate, of
      their position weight in the prefix (``weighting``, the item's last
      position ``p`` of ``L``: ``"div"`` p/L, ``"quadratic"`` (p/L)^2, ``"log"``
      1/log10(L - p + 1.7), ``"same"`` 1), divided by the number of distinct
      prefix items;
    * each of the ``k`` nearest neighbours votes for its items with its
      similarity times a decay (``weighting_score``: ``"div"`` 1/step,
      ``"quadratic"`` 1/step^2, ``"log"`` 1/log10(step + 1.7), ``"same"`` 1),
      where step is how far back the most recent prefix item it holds lies
      (1 = the last item);
    * ``idf_weighting`` > 0 multiplies an item's votes by 1 + idf_weighting *
      log(training sessions / the item's training events).

    (session-rec's ``"linear"`` weights are left out: they turn negative in
    prefixes longer than ten items.)
    """

    name = "vsknn"

    def __init__(self, k: int = 100, sample: int | None = 1000, weighting: str = "div",
                 weighting_score: str = "div", idf_weighting: float = 0.0, remind: bool = True):
        _position_weight(weighting, np.ones(1), np.ones(1))   # validate early
        _step_decay(weighting_score, np.ones(1))
        self.k, self.sample, self.weighting, self.weighting_score = k, sample, weighting, weighting_score
        self.idf_weighting, self.remind = idf_weighting, remind

    def _fit_extra(self, sessions):
        with np.errstate(divide="ignore"):
            idf = np.log(max(len(sessions), 1) / self._n_events.astype(np.float64))
        self._idf = np.where(self._n_events > 0, idf, 0.0)

    def _query_weights(self, pre):
        return _position_weight(self.weighting, pre.pos, pre.length[pre.row])[0]

    def _rank_key(self, q, n, shared, pre):
        return shared   # the shared items' weight numerators, summed

    def _similarity(self, q, n, key, pre):
        scale = _position_weight(self.weighting, np.ones(pre.n), pre.length)[1]
        return key * scale[q] / pre.distinct[q]

    def _votes(self, q, n, sim, pre):
        if len(q):
            step = pre.length[q] + 1 - self._newest_shared_position(q, n, pre)
            sim = sim * _step_decay(self.weighting_score, step)
        votes = self._set_votes(q, n, sim, pre.n)
        if self.idf_weighting:
            votes *= 1.0 + self.idf_weighting * self._idf[None, :]
        return votes


class STAN(_Neighbours):
    """Sequence and Time Aware Neighbourhood (Garg et al. 2019; session-rec's STAN).

    * the prefix's item at position ``p`` of ``L`` weighs
      ``exp((p - L) / lambda_spw)``; similarity with a candidate is the cosine
      of the weighted prefix set with the candidate's set: the shared items'
      weights over sqrt(sum of squared weights) * sqrt(|candidate|);
    * times ``exp(-age / (lambda_snh * training sessions))``, age being the
      number of training sessions that began after the candidate (see the
      module docstring: the protocol gives order, not times);
    * each of the ``k`` nearest votes for each of its items ``i`` with its
      similarity times ``exp(-|pos(i) - pos*| / lambda_inh)``, positions inside
      the neighbour (an item's last one), ``pos*`` the last position of any
      item it shares with the prefix.

    ``None`` for a lambda switches that decay off.
    """

    name = "stan"

    def __init__(self, k: int = 100, sample: int | None = 5000, lambda_spw: float | None = 1.02,
                 lambda_snh: float | None = 1.0, lambda_inh: float | None = 2.05,
                 remind: bool = True):
        self.k, self.sample, self.lambda_spw, self.lambda_snh = k, sample, lambda_spw, lambda_snh
        self.lambda_inh, self.remind = lambda_inh, remind

    def _query_weights(self, pre):
        if self.lambda_spw is None:
            return np.ones(len(pre.row))
        # kept above zero so that every session sharing an item stays a candidate
        return np.maximum(np.exp((pre.pos - pre.length[pre.row]) / self.lambda_spw), 1e-300)

    def _fit_extra(self, sessions):
        # each training session's share of the similarity: 1 / sqrt(|n|), times its age decay
        self._factor = 1.0 / np.sqrt(np.maximum(self._set_sizes, 1.0))
        if self.lambda_snh is not None:
            age = self.n_sessions - 1 - np.arange(self.n_sessions)
            self._factor = self._factor * np.exp(-age / (self.lambda_snh * self.n_sessions))

    def _rank_key(self, q, n, shared, pre):
        return shared * self._factor[n]

    def _similarity(self, q, n, key, pre):
        norm = np.sqrt(np.bincount(pre.row, weights=pre.weight ** 2, minlength=pre.n))
        return key / norm[q]

    def _votes(self, q, n, sim, pre):
        B = pre.n
        if not len(q):
            return np.zeros((B, self.n_items + 1))
        # the neighbours' rows of (sessions x items: an item's last position), one row per pair
        rows = self._positions[n]
        lens = np.diff(rows.indptr)
        first = rows.indptr[:-1]
        in_prefix = np.zeros((B, self.n_items + 1), dtype=bool)
        in_prefix[pre.row, pre.item] = True
        shared = in_prefix[np.repeat(q, lens), rows.indices]
        pos_star = np.maximum.reduceat(np.where(shared, rows.data, 0), first)
        weight = np.repeat(sim, lens)
        if self.lambda_inh is not None:
            distance = np.abs(rows.data - np.repeat(pos_star, lens))
            decay = np.exp(-np.arange(distance.max() + 1) / self.lambda_inh)  # a lookup table
            weight = weight * decay[distance]
        rows.data = weight
        select = sp.csr_matrix((np.ones(len(q)), (q, np.arange(len(q)))), shape=(B, len(q)))
        return (select @ rows).toarray()   # each prefix: the sum of its neighbours' rows
