"""The next-item protocol's data (lessons 05-09): one split, used by every model.

* a **global time split**: train on sessions before the cut, test on sessions after it;
* the item vocabulary comes from training only; test events whose item never
  occurs in training are dropped (no model could predict them);
* every next event of each test session is predicted from its prefix (a
  session of n events gives n - 1 predictions);
* for tuning, a validation window is carved from the end of the training
  time, with its own vocabulary, so the test window is never looked at.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from course_lib.datasets.own_data import how_many
from course_lib.prep.sequences import (ItemVocab, group_arrays, prefix_targets,
                                       sessions_to_arrays)
from course_lib.prep.split import cut_before_last_days, time_split


@dataclass
class NextItemSplit:
    """Training sessions and test prefixes, all as item codes of one vocabulary."""

    vocab: ItemVocab
    train: pd.Series   # per session: array of item codes (1..n), time ordered
    test: pd.Series    # per session: codes, unknown items dropped, length >= 2
    cut: pd.Timestamp
    dropped_unknown: int

    @property
    def n_items(self) -> int:
        return len(self.vocab)

    def test_prefixes(self, max_len: int):
        """(X, y): every prefix of every test session, left-truncated to ``max_len``."""
        codes, starts = sessions_to_arrays(self.test)
        return prefix_targets(codes, starts, max_len)

    def describe(self) -> str:
        n_pred = int(sum(len(s) - 1 for s in self.test))
        return (f"cut {self.cut:%Y-%m-%d %H:%M}: "
                f"{how_many(len(self.train), 'training session', 'training sessions')}, "
                f"{how_many(len(self.test), 'test session', 'test sessions')} "
                f"({how_many(n_pred, 'prediction', 'predictions')}), {how_many(self.n_items, 'item', 'items')}; "
                f"{how_many(self.dropped_unknown, 'test event', 'test events')} with unseen items dropped")


def sequence_events(events: pd.DataFrame, event_types="auto") -> pd.DataFrame:
    """The events that form sequences: views if the log has any, else all events."""
    if event_types == "auto":
        has_views = (events["event_type"] == "view").any()
        event_types = ["view"] if has_views else None
    if event_types is None:
        return events
    return events[events["event_type"].isin(event_types)]


def split_sessions(train_events: pd.DataFrame, test_events: pd.DataFrame, cut=None) -> NextItemSplit:
    """Encode already-split events (``--train/--test`` files, or :func:`next_item_split`).

    Training sessions keep sessions of two or more items; test sessions lose
    their unknown items (code 0) first, then those left with fewer than two
    items. Both keep the order in which sessions first appear.
    """
    vocab = ItemVocab.from_events(train_events)
    sid = "session_id"
    train = group_arrays(train_events[sid].to_numpy(), vocab.encode(train_events["item_id"]),
                         min_len=2)
    test_codes = vocab.encode(test_events["item_id"])
    known = test_codes > 0
    dropped = int((~known & test_events[sid].notna().to_numpy()).sum())
    test = group_arrays(test_events[sid].to_numpy(), test_codes, keep=known, min_len=2)
    cut = pd.Timestamp(cut) if cut is not None else test_events["timestamp"].min()
    return NextItemSplit(vocab, train, test, cut, dropped)


def next_item_split(events: pd.DataFrame, test_days: float, event_types="auto") -> NextItemSplit:
    """The protocol's split of one event log: the last ``test_days`` days are the test."""
    events = sequence_events(events, event_types)
    cut = cut_before_last_days(events, test_days)
    train, test = time_split(events, cut)
    return split_sessions(train, test, cut)


def training_windows(sessions: pd.Series, max_len: int):
    """Inputs, targets and weights for training on whole sessions at once.

    Each session (cut into chunks of ``max_len + 1`` items when longer) gives
    input s[:-1] and target s[1:], left-padded to ``max_len``; the weight is 0
    on padded positions. One forward pass then trains on every next item of
    the session: as efficient as GRU4Rec's session-parallel mini-batches.
    """
    sessions = [np.asarray(s) for s in sessions]
    lengths = np.array([len(s) for s in sessions], dtype=np.int64)
    if not len(sessions) or lengths.max() < 2:
        empty = np.zeros((0, max_len), dtype=np.int32)
        return empty, empty.copy(), empty.astype("float32")
    codes = np.concatenate(sessions)
    starts = np.cumsum(lengths) - lengths
    # a session of n >= 2 items gives ceil((n - 1) / max_len) chunks of up to max_len pairs
    n_chunks = np.where(lengths >= 2, -(-(lengths - 1) // max_len), 0)
    owner = np.repeat(np.arange(len(sessions)), n_chunks)
    first_chunk = np.cumsum(n_chunks) - n_chunks
    chunk_start = (np.arange(len(owner)) - first_chunk[owner]) * max_len
    pairs = np.minimum(max_len, lengths[owner] - 1 - chunk_start)   # k targets in the chunk
    begin = starts[owner] + chunk_start                             # where its inputs begin
    # column j of a chunk with k pairs holds item begin + j - (max_len - k), if j >= max_len - k
    pos = begin[:, None] + np.arange(max_len)[None, :] - (max_len - pairs)[:, None]
    filled = np.arange(max_len)[None, :] >= (max_len - pairs)[:, None]
    pos = np.where(filled, pos, 0)
    X = np.where(filled, codes[pos], 0).astype(np.int32)
    Y = np.where(filled, codes[pos + 1], 0).astype(np.int32)
    return X, Y, (Y > 0).astype("float32")


def validation_and_test_splits(events: pd.DataFrame, test_days: float, valid_days: float,
                               event_types="auto"):
    """(validation split, test split): tune on the first, report on the second.

    The validation split is the protocol applied to the training time only:
    its test window is the last ``valid_days`` before the test cut.
    """
    events = sequence_events(events, event_types)
    test = next_item_split(events, test_days, event_types=None)
    earlier = events[events["timestamp"] < test.cut]
    valid = next_item_split(earlier, valid_days, event_types=None)
    return valid, test
