"""The next-item protocol's data (lessons 05-08): one split, used by every model.

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

from course_lib.prep.sequences import ItemVocab, prefix_targets, sessions_to_arrays
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
        return (f"cut {self.cut:%Y-%m-%d %H:%M}: {len(self.train):,} training sessions, "
                f"{len(self.test):,} test sessions ({n_pred:,} predictions), "
                f"{self.n_items:,} items; {self.dropped_unknown:,} test events with unseen items dropped")


def sequence_events(events: pd.DataFrame, event_types="auto") -> pd.DataFrame:
    """The events that form sequences: views if the log has any, else all events."""
    if event_types == "auto":
        has_views = (events["event_type"] == "view").any()
        event_types = ["view"] if has_views else None
    if event_types is None:
        return events
    return events[events["event_type"].isin(event_types)]


def _sessions(events: pd.DataFrame, vocab: ItemVocab) -> pd.Series:
    codes = vocab.encode(events["item_id"])
    frame = pd.DataFrame({"session_id": events["session_id"].to_numpy(), "code": codes})
    return frame.groupby("session_id", sort=False)["code"].agg(np.asarray)


def split_sessions(train_events: pd.DataFrame, test_events: pd.DataFrame, cut=None) -> NextItemSplit:
    """Encode already-split events (``--train/--test`` files, or :func:`next_item_split`)."""
    vocab = ItemVocab.from_events(train_events)
    train = _sessions(train_events, vocab)
    train = train[train.map(len) >= 2]
    raw_test = _sessions(test_events, vocab)
    dropped = int(sum(int((s == 0).sum()) for s in raw_test))
    test = raw_test.map(lambda s: s[s > 0])
    test = test[test.map(len) >= 2]
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
    chunks = []
    for s in sessions:
        s = np.asarray(s)
        for start in range(0, max(len(s) - 1, 1), max_len):
            piece = s[start:start + max_len + 1]
            if len(piece) >= 2:
                chunks.append(piece)
    n = len(chunks)
    X = np.zeros((n, max_len), dtype=np.int32)
    Y = np.zeros((n, max_len), dtype=np.int32)
    for i, piece in enumerate(chunks):
        k = len(piece) - 1
        X[i, max_len - k:] = piece[:-1]
        Y[i, max_len - k:] = piece[1:]
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
