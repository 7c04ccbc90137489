"""Behaviour as one sequence of actions per user: item, event type, time gap (lesson 08).

Generative recommenders (HSTU: Zhai et al. 2024) read a user's whole
history as one sequence of *actions*. Here an action is three small integers:

* the **item** code (1..n from an :class:`~course_lib.prep.sequences.ItemVocab`,
  ``n + 1`` for an item the vocabulary does not know, 0 for padding);
* the **event type**: view 1, cart 2, purchase 3 (0 padding);
* the **time gap** since the user's previous action, in coarse buckets on a
  log scale (:data:`GAP_EDGES_S`): the same second, under a minute, under ten
  minutes... over a month; :data:`FIRST_GAP` for a user's first action.

Sessions are not marked: a gap of hours says "new visit", and the model
learns that itself. Sequences are left-padded to a fixed length, like every
sequence of the course, so batches keep one shape and need no mask.

* :func:`action_log` turns an event log into an :class:`ActionLog`;
* :func:`pretraining_windows` cuts it into windows with the next action as
  target at every position (self-supervised training);
* :meth:`ActionLog.windows_at` gives the window that ends at given actions
  (what a model may know at prediction time), with the time since the last
  action: :meth:`ActionLog.session_windows` after the k-th event of a
  session (purchase intent), :meth:`ActionLog.windows_before` before a
  cut-off (churn).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from course_lib.datasets.own_data import how_many
from course_lib.prep.sequences import ItemVocab

#: event type -> code (0 is padding)
EVENT_CODES = {"view": 1, "cart": 2, "purchase": 3}
N_EVENT_CODES = 4
#: bucket edges of the gap to the previous action, in seconds
GAP_EDGES_S = (1, 60, 600, 3_600, 86_400, 7 * 86_400, 30 * 86_400)
GAP_LABELS = ("same second", "< 1 min", "< 10 min", "< 1 h", "< 1 day", "< 1 week", "< 30 days",
              ">= 30 days")
FIRST_GAP = 1                     # the code of a user's first action (no previous one)
N_GAP_CODES = 2 + len(GAP_LABELS)  # padding, first, and one per bucket


def gap_codes(seconds) -> np.ndarray:
    """Gap bucket codes (2..) of gaps in seconds; NaN (no previous action) gives :data:`FIRST_GAP`."""
    seconds = np.asarray(seconds, dtype=float)
    codes = 2 + np.searchsorted(np.asarray(GAP_EDGES_S, dtype=float), seconds, side="right")
    return np.where(np.isnan(seconds), FIRST_GAP, codes).astype(np.int32)


@dataclass
class ActionWindows:
    """Left-padded windows of actions, one row per case, and the time since each row's last action."""

    items: np.ndarray        # (n, max_len) int32
    events: np.ndarray       # (n, max_len) int32
    gaps: np.ndarray         # (n, max_len) int32
    since_last_s: np.ndarray  # (n,) seconds from the last action to the prediction time (NaN: none)

    def __len__(self) -> int:
        return len(self.items)

    def inputs(self) -> dict[str, np.ndarray]:
        """The three arrays by name, as the behaviour model's networks take them."""
        return {"items": self.items, "events": self.events, "gaps": self.gaps}

    def subset(self, rows) -> "ActionWindows":
        return ActionWindows(self.items[rows], self.events[rows], self.gaps[rows],
                             self.since_last_s[rows])


@dataclass
class ActionLog:
    """Every user's actions in time order, back to back (one array per channel).

    User ``u`` (the ``u``-th of ``users``) owns positions ``starts[u]`` to
    ``starts[u + 1] - 1``.
    """

    users: np.ndarray         # user ids, in the order their actions are stored
    starts: np.ndarray        # (len(users) + 1,) offsets
    items: np.ndarray         # item codes (vocab.size for an unknown item)
    events: np.ndarray
    gaps: np.ndarray
    times: np.ndarray         # datetime64[ns]
    sessions: np.ndarray      # session id of each action
    vocab: ItemVocab

    @property
    def n_actions(self) -> int:
        return len(self.items)

    @property
    def unknown_code(self) -> int:
        """The item code of an item the vocabulary does not know."""
        return self.vocab.size

    def describe(self) -> str:
        kinds = {name: int((self.events == code).sum()) for name, code in EVENT_CODES.items()}
        kinds = ", ".join(how_many(v, k, f"{k}s") for k, v in kinds.items() if v)
        unknown = int((self.items == self.unknown_code).sum())
        return (f"{how_many(self.n_actions, 'action', 'actions')} of "
                f"{how_many(len(self.users), 'user', 'users')} ({kinds}), "
                f"{how_many(len(self.vocab), 'item', 'items')} in the vocabulary"
                + (f", {how_many(unknown, 'action', 'actions')} on unknown items" if unknown else ""))

    def windows_at(self, ends, max_len: int, at=None) -> ActionWindows:
        """The window of the last ``max_len`` actions up to position ``ends[i]`` (included).

        ``ends[i] = -1`` gives an empty window. ``at`` (datetime64 per case,
        optional) is the prediction time: ``since_last_s`` is the time from the
        window's last action to it (0 without ``at``, NaN for an empty window).
        """
        ends = np.asarray(ends, dtype=np.int64)
        owner = np.searchsorted(self.starts, np.maximum(ends, 0), side="right") - 1
        first = self.starts[np.clip(owner, 0, len(self.starts) - 1)]
        pos = ends[:, None] + np.arange(-max_len + 1, 1)[None, :]
        valid = (pos >= first[:, None]) & (ends[:, None] >= 0)
        pos = np.where(valid, pos, 0)
        take = lambda a: np.where(valid, a[pos], 0).astype(np.int32)  # noqa: E731
        items, events, gaps = take(self.items), take(self.events), take(self.gaps)
        # the oldest action of a window that starts inside a history keeps its real gap
        since = np.zeros(len(ends))
        if at is not None:
            last = self.times[np.maximum(ends, 0)]
            since = (np.asarray(at, dtype="datetime64[ns]") - last) / np.timedelta64(1, "s")
        since = np.where(ends >= 0, since, np.nan)
        return ActionWindows(items, events, gaps, since.astype("float64"))

    def user_index(self, user_ids) -> np.ndarray:
        """Position of each user id in :attr:`users` (-1 for a user without actions)."""
        return pd.Index(self.users).get_indexer(pd.Series(user_ids))

    def windows_before(self, user_ids, times, max_len: int) -> ActionWindows:
        """Per case, the user's last ``max_len`` actions strictly before ``times[i]`` (churn)."""
        times = np.asarray(times, dtype="datetime64[ns]")
        u = self.user_index(user_ids)
        ends = np.full(len(u), -1, dtype=np.int64)
        for_known = np.flatnonzero(u >= 0)
        for i in for_known:  # one binary search per case, in that user's own times
            a, b = self.starts[u[i]], self.starts[u[i] + 1]
            ends[i] = a + np.searchsorted(self.times[a:b], times[i], side="left") - 1
            if ends[i] < a:
                ends[i] = -1
        return self.windows_at(ends, max_len, at=times)

    def session_windows(self, session_ids, k: int, max_len: int) -> ActionWindows:
        """Per session, the user's last ``max_len`` actions up to the session's ``k``-th (intent).

        The window holds the user's earlier sessions too: the history a
        behaviour model reads. Sessions with fewer than ``k`` actions raise.
        """
        order = pd.Series(np.arange(self.n_actions))
        rank = order.groupby(self.sessions, sort=False).cumcount().to_numpy()
        kth = pd.Series(np.flatnonzero(rank == k - 1))
        kth.index = pd.Index(self.sessions[kth.to_numpy()])
        wanted = pd.Series(session_ids)
        missing = ~wanted.isin(kth.index)
        if missing.any():
            raise ValueError(f"{int(missing.sum())} session(s) have fewer than {k} actions, "
                             f"e.g. {wanted[missing].iloc[0]!r}")
        ends = kth.loc[wanted.to_numpy()].to_numpy()
        return self.windows_at(ends, max_len, at=self.times[ends])


def action_log(events: pd.DataFrame, vocab: ItemVocab | None = None) -> ActionLog:
    """The actions of ``events`` (a canonical event table), per user in time order.

    ``vocab`` maps items to codes (default: built from ``events``); items it
    does not know get ``vocab.size``, so an action on a new item still counts
    as an action. Events of another type than view, cart or purchase are left out.
    """
    if "user_id" not in events.columns:
        raise ValueError("an action log needs a user_id column: whose history is it?")
    kinds = events["event_type"].astype(str)
    e = events[kinds.isin(list(EVENT_CODES)).to_numpy()]
    e = e.sort_values(["user_id", "timestamp"], kind="stable")
    vocab = vocab or ItemVocab.from_events(e)
    items = vocab.encode(e["item_id"]).astype(np.int32)
    items[items == 0] = vocab.size
    users = e["user_id"].to_numpy()
    new_user = np.ones(len(e), dtype=bool)
    new_user[1:] = users[1:] != users[:-1]
    times = e["timestamp"].to_numpy(dtype="datetime64[ns]")
    gap_s = np.full(len(e), np.nan)
    gap_s[1:] = (times[1:] - times[:-1]) / np.timedelta64(1, "s")
    gap_s[new_user] = np.nan
    starts = np.concatenate([np.flatnonzero(new_user), [len(e)]]).astype(np.int64)
    return ActionLog(users=users[new_user], starts=starts, items=items,
                     events=e["event_type"].astype(str).map(EVENT_CODES).to_numpy(np.int32),
                     gaps=gap_codes(gap_s), times=times, sessions=e["session_id"].to_numpy(),
                     vocab=vocab)


def pretraining_windows(log: ActionLog, max_len: int, before=None):
    """Inputs and next-action targets for self-supervised training on every user's history.

    Each user's actions (those before ``before``, if given) are cut into
    chunks of ``max_len + 1``; a chunk gives inputs at positions 0..max_len-1
    and, as targets, the action that follows each of them (item, event type
    and gap bucket), left-padded; padded positions weigh 0. Returns
    ``(inputs, targets, weights)``: dicts of (n, max_len) arrays and weights.
    """
    keep = np.ones(log.n_actions, dtype=bool)
    if before is not None:
        keep = log.times < np.datetime64(pd.Timestamp(before))
    owner = np.repeat(np.arange(len(log.users)), np.diff(log.starts))[keep]
    index = np.flatnonzero(keep)
    lengths = np.bincount(owner, minlength=len(log.users))
    starts = np.concatenate([[0], np.cumsum(lengths)])
    # chunks of up to max_len (input, target) pairs per user, as in prep.next_item.training_windows
    n_chunks = np.where(lengths >= 2, -(-(lengths - 1) // max_len), 0)
    chunk_owner = np.repeat(np.arange(len(lengths)), n_chunks)
    first_chunk = np.cumsum(n_chunks) - n_chunks
    chunk_start = (np.arange(len(chunk_owner)) - first_chunk[chunk_owner]) * max_len
    pairs = np.minimum(max_len, lengths[chunk_owner] - 1 - chunk_start)
    begin = starts[chunk_owner] + chunk_start
    filled = np.arange(max_len)[None, :] >= (max_len - pairs)[:, None]
    pos = np.where(filled, begin[:, None] + np.arange(max_len)[None, :] - (max_len - pairs)[:, None], 0)
    at, nxt = index[pos], index[np.minimum(pos + 1, len(index) - 1)] if len(index) else pos

    def channel(a, where):
        return np.where(filled, a[where], 0).astype(np.int32)

    inputs = {"items": channel(log.items, at), "events": channel(log.events, at),
              "gaps": channel(log.gaps, at)}
    # the first action of a chunk keeps its real gap; a chunk's first input is never a target
    targets = {"item": channel(log.items, nxt), "event": channel(log.events, nxt),
               "gap": channel(log.gaps, nxt)}
    weights = filled.astype("float32")
    # an unknown item is never a target of the item head (it has no row to learn)
    item_weights = weights * (targets["item"] != log.unknown_code)
    return inputs, targets, {"item": item_weights, "event": weights, "gap": weights}


def windows_for_examples(log: ActionLog, examples, max_len: int) -> ActionWindows:
    """The windows of labelled examples (:mod:`course_lib.prep.labelled`): what a model may know.

    Sessions (purchase intent, :func:`course_lib.prep.intent.intent_examples`):
    the user's actions up to the session's k-th event, k being the examples'
    number of steps. Customers (churn, :func:`course_lib.prep.churn.churn_examples`):
    their actions before the cut-off.
    """
    if examples.what == "sessions":
        return log.session_windows(examples.features.index, examples.steps.shape[1], max_len)
    if examples.what == "customers":
        return log.windows_before(examples.features.index, examples.time, max_len)
    raise ValueError(f"no windows for examples of {examples.what!r}: sessions or customers only")
