"""Item vocabularies and fixed-length sequences for the neural lessons (00, 04-08).

Sequences are *left-truncated and left-padded* to a fixed length: the most
recent items are kept, zeros fill the front. Recurrent layers then need no
mask (masks drop Keras to a slow loop) and every batch has the same shape.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

PAD = 0


class ItemVocab:
    """Maps item ids to contiguous integers 1..n; 0 is padding, unknown items map to 0.

    Built from the *training* window only, so test items the model never saw
    are recognisable (and dropped by the evaluation protocol).
    """

    def __init__(self, items):
        self.items = pd.Index(pd.unique(pd.Series(items)))
        self._index = pd.Index(self.items)

    @classmethod
    def from_events(cls, events: pd.DataFrame, column: str = "item_id") -> "ItemVocab":
        """Items ordered by first appearance in ``events``."""
        return cls(events[column])

    def __len__(self) -> int:
        return len(self.items)

    @property
    def size(self) -> int:
        """Number of codes including padding (what an Embedding layer needs)."""
        return len(self.items) + 1

    def encode(self, values) -> np.ndarray:
        """Codes 1..n for known items, 0 for unknown ones."""
        return self._index.get_indexer(pd.Series(values)) + 1

    def decode(self, codes) -> np.ndarray:
        """Item ids for codes 1..n (padding has no id)."""
        codes = np.asarray(codes)
        if (codes < 1).any() or (codes > len(self.items)).any():
            raise ValueError("codes must lie in 1..len(vocab)")
        return self.items.to_numpy()[codes - 1]


def session_sequences(events: pd.DataFrame, vocab: ItemVocab, event_types=None) -> pd.Series:
    """Each session's item codes in time order (a Series of arrays, indexed by session)."""
    if event_types is not None:
        events = events[events["event_type"].isin(event_types)]
    return group_arrays(events["session_id"], vocab.encode(events["item_id"]))


def group_arrays(keys, values, keep=None, min_len: int = 1, name: str = "code") -> pd.Series:
    """``values`` gathered per key: a Series of arrays, keys in order of first appearance.

    The same as ``DataFrame({"session_id": keys, name: values}).groupby("session_id",
    sort=False)[name].agg(np.asarray)``, without a Python call per group (issue 6:
    ten million events): one stable sort by key, then each group is a slice of
    the sorted values.
    Rows where ``keep`` is False are left out (their keys still count for the
    order); groups with fewer than ``min_len`` values are dropped.
    """
    keys = pd.Series(keys)
    values = np.asarray(values)
    key_code, uniques = pd.factorize(keys)
    rows = key_code >= 0  # groupby drops missing keys
    if keep is not None:
        rows &= np.asarray(keep, dtype=bool)
    key_code, values = key_code[rows], values[rows]
    order = np.argsort(key_code, kind="stable")
    values = values[order]
    counts = np.bincount(key_code, minlength=len(uniques))
    ends = np.cumsum(counts)
    wanted = np.flatnonzero(counts >= max(min_len, 1))
    pieces = [values[a:b] for a, b in zip((ends - counts)[wanted].tolist(), ends[wanted].tolist())]
    return pd.Series(pieces, index=pd.Index(uniques[wanted], name="session_id"), name=name,
                     dtype=object)


def left_pad(sequences, max_len: int) -> np.ndarray:
    """Keep the last ``max_len`` items of each sequence, zeros in front."""
    out = np.zeros((len(sequences), max_len), dtype=np.int32)
    for i, seq in enumerate(sequences):
        tail = np.asarray(seq)[-max_len:]
        if len(tail):
            out[i, max_len - len(tail):] = tail
    return out


def prefix_targets(codes: np.ndarray, session_starts: np.ndarray, max_len: int):
    """Every (prefix, next item) pair of every session, vectorised.

    ``codes`` holds all sessions' item codes back to back and
    ``session_starts`` the offset where each session begins (plus the total
    length at the end). A session of n items gives n - 1 examples; the prefix
    is left-truncated to ``max_len`` and left-padded with 0.
    Returns ``(X, y)`` with ``X.shape == (examples, max_len)``.
    """
    codes = np.asarray(codes)
    starts = np.asarray(session_starts)
    lengths = np.diff(starts)
    is_target = np.ones(len(codes), dtype=bool)
    is_target[starts[:-1][lengths > 0]] = False  # the first item of a session is no target
    target_pos = np.flatnonzero(is_target)
    sess_start = np.repeat(starts[:-1], lengths)[target_pos]
    offsets = np.arange(-max_len, 0)
    idx = target_pos[:, None] + offsets[None, :]
    valid = idx >= sess_start[:, None]
    X = np.where(valid, codes[np.clip(idx, 0, None)], PAD).astype(np.int32)
    y = codes[target_pos].astype(np.int32)
    return X, y


def sessions_to_arrays(sequences: pd.Series):
    """Concatenate a Series of per-session code arrays: ``(codes, starts)``."""
    lengths = sequences.map(len).to_numpy(dtype=np.int64)  # int64 also when there are none
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    codes = np.concatenate(sequences.to_list()) if len(sequences) else np.zeros(0, np.int64)
    return codes, starts
