"""Items nobody has bought yet: the test predictions the next-item protocol drops (lesson 08).

The protocol of lessons 05-07 and 09 drops every test event whose item never occurs
in training: no model of those lessons can recommend an item it has no row
for. :func:`cold_start_cases` keeps exactly those events instead. For each
test session (a basket), every line from the second on whose item was never
seen before the cut is one case: predict it from the lines before it. The
catalogue to rank is the training items plus the items first seen after the
cut (a shop lists its new products before anyone buys them).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from course_lib.datasets.own_data import how_many
from course_lib.prep.split import cut_before_last_days, time_split


@dataclass
class ColdStartCases:
    """Cases whose target is a new item, and the catalogue they are ranked in."""

    prefixes: list            # per case: the item ids before the target in its session (oldest first)
    targets: np.ndarray       # the target item ids
    sessions: np.ndarray      # the session of each case (the bootstrap's unit)
    catalogue: pd.Index       # every rankable item: the known ones, then the new ones
    n_known: int              # the first n_known items of the catalogue occur in training
    dropped_events: int       # test events on new items (the protocol drops them all)
    cut: pd.Timestamp

    def __len__(self) -> int:
        return len(self.targets)

    @property
    def new_items(self) -> pd.Index:
        return self.catalogue[self.n_known:]

    def target_positions(self) -> np.ndarray:
        """Each target's position in :attr:`catalogue`."""
        return self.catalogue.get_indexer(pd.Series(self.targets))

    def describe(self) -> str:
        sessions = len(np.unique(self.sessions))
        return (f"cut {self.cut:%Y-%m-%d %H:%M}: "
                f"{how_many(self.dropped_events, 'test event', 'test events')} on items never seen "
                f"in training ({how_many(len(self.new_items), 'new item', 'new items')}); {len(self):,} "
                f"of them follow another line of their session "
                f"({how_many(sessions, 'session', 'sessions')}) and are the cases; "
                f"catalogue {how_many(len(self.catalogue), 'item', 'items')}")


def cold_start_cases(events: pd.DataFrame, test_days: float) -> ColdStartCases:
    """The cold-start cases of the last ``test_days`` of ``events`` (the next-item split's cut)."""
    cut = cut_before_last_days(events, test_days)
    train, test = time_split(events, cut)
    known = pd.Index(pd.unique(train["item_id"]))
    test_items = test["item_id"].to_numpy()
    new = ~pd.Index(test_items).isin(known)
    new_items = pd.Index(pd.unique(test_items[new]))
    sessions = test["session_id"].to_numpy()
    position = test.groupby("session_id", sort=False).cumcount().to_numpy()
    prefixes, targets, units = [], [], []
    codes, uniques = pd.factorize(sessions)
    starts = {}
    for row in np.flatnonzero(new & (position >= 1)):
        s = codes[row]
        if s not in starts:
            starts[s] = np.flatnonzero(codes == s)
        rows = starts[s]
        prefixes.append(test_items[rows[:position[row]]].tolist())
        targets.append(test_items[row])
        units.append(sessions[row])
    return ColdStartCases(prefixes=prefixes, targets=np.asarray(targets, dtype=object),
                          sessions=np.asarray(units), catalogue=known.append(new_items),
                          n_known=len(known), dropped_events=int(new.sum()), cut=pd.Timestamp(cut))
