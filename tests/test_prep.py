"""Preparation: time split, sessions, vocabulary, sequences, daily series."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.datasets import make_shop
from course_lib.datasets.schema import EVENT_SYNONYMS, EVENT_TYPES, normalise_event_types
from course_lib.prep import (ItemVocab, cut_before_last_days, daily_series, left_pad,
                             prefix_targets, session_sequences, sessionise, sessions_to_arrays,
                             time_split, trading_days, train_valid_test, zero_runs)
from course_lib.prep.next_item import split_sessions, training_windows
from course_lib.prep.sequences import group_arrays

T0 = pd.Timestamp("2024-01-01")


@st.composite
def event_logs(draw):
    n = draw(st.integers(1, 60))
    minutes = draw(st.lists(st.integers(0, 5_000), min_size=n, max_size=n))
    sessions = draw(st.lists(st.integers(1, 8), min_size=n, max_size=n))
    return pd.DataFrame({
        "user_id": sessions, "session_id": sessions,
        "item_id": draw(st.lists(st.integers(1, 9), min_size=n, max_size=n)),
        "timestamp": T0 + pd.to_timedelta(minutes, unit="min"),
        "event_type": "view",
    }).sort_values("timestamp", kind="stable", ignore_index=True)


@settings(max_examples=300, deadline=None)
@given(events=event_logs(), cut_minute=st.integers(0, 5_000), by_session=st.booleans())
def test_time_split_never_leaks(events, cut_minute, by_session):
    cut = T0 + pd.Timedelta(minutes=cut_minute)
    train, test = time_split(events, cut, by_session=by_session)
    assert (train["timestamp"] < cut).all()
    assert (test["timestamp"] >= cut).all()
    if by_session:
        assert not set(train["session_id"]) & set(test["session_id"])
        # every train event is kept; test only loses sessions that began before the cut
        assert len(train) == int((events["timestamp"] < cut).sum())
    else:
        assert len(train) + len(test) == len(events)


def test_train_valid_test_windows_are_ordered():
    events = make_shop(10_000).events
    train, valid, test = train_valid_test(events, test_days=14, valid_days=14)
    assert train["timestamp"].max() < valid["timestamp"].min()
    assert valid["timestamp"].max() < test["timestamp"].min()
    assert cut_before_last_days(events, 14) <= test["timestamp"].min()


def brute_sessions(events, gap):
    out, last, sid = {}, {}, 0
    for i, row in events.sort_values(["user_id", "timestamp"], kind="stable").iterrows():
        u, t = row["user_id"], row["timestamp"]
        if u not in last or t - last[u] > gap:
            sid += 1
        out[i] = sid
        last[u] = t
    return pd.Series(out).sort_index()


@settings(max_examples=100, deadline=None)
@given(events=event_logs())
def test_sessionise_matches_a_loop(events):
    gap = pd.Timedelta("30min")
    got = sessionise(events, gap)["session_id"]
    want = brute_sessions(events, gap)
    # the same partition of events (numbering may differ)
    assert pd.crosstab(got, want.to_numpy()).astype(bool).sum(axis=1).eq(1).all()
    assert got.nunique() == want.nunique()


def test_vocab_reserves_zero_and_drops_unknown_items():
    vocab = ItemVocab(["b", "a", "b", "c"])
    assert len(vocab) == 3 and vocab.size == 4
    assert list(vocab.encode(["a", "zzz", "c"])) == [2, 0, 3]
    assert list(vocab.decode([1, 3])) == ["b", "c"]


def test_left_pad_keeps_the_most_recent_items():
    out = left_pad([[1, 2, 3, 4, 5], [7], []], 3)
    assert out.tolist() == [[3, 4, 5], [0, 0, 7], [0, 0, 0]]


@settings(max_examples=100, deadline=None)
@given(seqs=st.lists(st.lists(st.integers(1, 20), min_size=0, max_size=12), min_size=1, max_size=10),
       max_len=st.integers(1, 6))
def test_prefix_targets_match_a_loop(seqs, max_len):
    codes, starts = sessions_to_arrays(pd.Series([np.array(s, dtype=np.int64) for s in seqs]))
    X, y = prefix_targets(codes, starts, max_len)
    want_X, want_y = [], []
    for s in seqs:
        for t in range(1, len(s)):
            want_X.append(s[:t])
            want_y.append(s[t])
    assert y.tolist() == want_y
    assert X.tolist() == left_pad(want_X, max_len).tolist() if want_X else X.shape == (0, max_len)


def test_session_sequences_follow_time_order():
    events = make_shop(3_000).events
    vocab = ItemVocab.from_events(events)
    seqs = session_sequences(events, vocab, event_types=["view"])
    sid = seqs.index[0]
    views = events[(events["session_id"] == sid) & (events["event_type"] == "view")]
    assert list(vocab.decode(seqs.loc[sid])) == list(views["item_id"])


def test_daily_series_is_a_complete_calendar():
    events = pd.DataFrame({
        "item_id": [1, 2, 3], "event_type": ["purchase", "purchase", "view"],
        "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-04 09:00", "2024-01-02 00:00"]),
        "quantity": [2, 5, 1], "price": [1.0, 2.0, 3.0]})
    assert daily_series(events).tolist() == [1, 0, 0, 1]
    assert daily_series(events, value="quantity").tolist() == [2, 0, 0, 5]
    assert daily_series(events, value="revenue").tolist() == [2.0, 0, 0, 10.0]
    assert daily_series(events, event_type=None).tolist() == [1, 1, 0, 1]
    events["session_id"] = [7, 7, 8]
    assert daily_series(events, event_type=None, value="sessions").tolist() == [1, 1, 0, 1]


def test_zero_runs_and_trading_days():
    idx = pd.date_range("2024-01-01", periods=10)
    s = pd.Series([5, 0, 0, 3, 0, 4, 0, 0, 0, 2], index=idx)
    runs = zero_runs(s)
    assert runs["days"].tolist() == [3, 2, 1]
    assert runs.iloc[0]["first"] == pd.Timestamp("2024-01-07")
    assert trading_days(s, start="2024-01-02").tolist() == [3, 4, 2]


# --------------------------------------------------------------------------- #
# the vectorised preparation (issue 6, Scale) equals a plain loop

def loop_training_windows(sessions, max_len):
    """The first, readable version: one chunk at a time."""
    chunks = []
    for s in sessions:
        s = np.asarray(s)
        for start in range(0, max(len(s) - 1, 1), max_len):
            piece = s[start:start + max_len + 1]
            if len(piece) >= 2:
                chunks.append(piece)
    X = np.zeros((len(chunks), max_len), dtype=np.int32)
    Y = np.zeros((len(chunks), max_len), dtype=np.int32)
    for i, piece in enumerate(chunks):
        k = len(piece) - 1
        X[i, max_len - k:] = piece[:-1]
        Y[i, max_len - k:] = piece[1:]
    return X, Y, (Y > 0).astype("float32")


def groupby_arrays(keys, values):
    frame = pd.DataFrame({"session_id": keys, "code": values})
    return frame.groupby("session_id", sort=False)["code"].agg(np.asarray)


def assert_same_series_of_arrays(got, want):
    pd.testing.assert_index_equal(got.index, want.index)
    assert got.name == want.name
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.tolist() == w.tolist()


@settings(max_examples=200, deadline=None)
@given(seqs=st.lists(st.lists(st.integers(1, 30), max_size=25), max_size=12),
       max_len=st.integers(1, 7))
def test_training_windows_match_a_loop(seqs, max_len):
    sessions = pd.Series([np.array(s, dtype=np.int64) for s in seqs], dtype=object)
    got, want = training_windows(sessions, max_len), loop_training_windows(sessions, max_len)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert np.array_equal(g, w)
    # plain lists work too (the models pass whatever they were given)
    assert np.array_equal(training_windows(seqs, max_len)[0], want[0])


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.sampled_from(["s1", "s2", "s3", "x", "y"]) | st.integers(0, 4).map(str),
                     max_size=40),
       data=st.data())
def test_group_arrays_match_groupby(keys, data):
    values = np.array(data.draw(st.lists(st.integers(0, 9), min_size=len(keys), max_size=len(keys))),
                      dtype=np.int64)
    assert_same_series_of_arrays(group_arrays(np.array(keys, dtype=object), values),
                                 groupby_arrays(np.array(keys, dtype=object), values))
    ints = np.array([hash(k) % 7 for k in keys], dtype=np.int64)
    assert_same_series_of_arrays(group_arrays(ints, values), groupby_arrays(ints, values))
    # keep= leaves rows out, min_len= drops short groups, the order of first appearance stays
    keep = values > 2
    want = groupby_arrays(ints, values).map(lambda a: a[a > 2])
    want = want[want.map(len) >= 2]
    assert_same_series_of_arrays(group_arrays(ints, values, keep=keep, min_len=2), want)


def loop_split_sessions(train_events, test_events):
    """split_sessions as first written: a groupby, then filters per session."""
    vocab = ItemVocab.from_events(train_events)
    train = groupby_arrays(train_events["session_id"].to_numpy(), vocab.encode(train_events["item_id"]))
    train = train[train.map(len) >= 2]
    raw = groupby_arrays(test_events["session_id"].to_numpy(), vocab.encode(test_events["item_id"]))
    dropped = int(sum(int((s == 0).sum()) for s in raw))
    test = raw.map(lambda s: s[s > 0])
    return train, test[test.map(len) >= 2], dropped


@settings(max_examples=150, deadline=None)
@given(events=event_logs(), cut_minute=st.integers(0, 5_000))
def test_split_sessions_match_a_loop(events, cut_minute):
    events["item_id"] = events["item_id"].map(lambda i: f"item{i}")
    train, test = time_split(events, T0 + pd.Timedelta(minutes=cut_minute))
    split = split_sessions(train, test)
    want_train, want_test, dropped = loop_split_sessions(train, test)
    assert_same_series_of_arrays(split.train, want_train)
    assert_same_series_of_arrays(split.test, want_test)
    assert split.dropped_unknown == dropped


def test_split_sessions_keep_the_order_sessions_first_appear_in():
    t = pd.Timestamp("2024-01-01")
    train = pd.DataFrame({"session_id": [1, 1], "item_id": ["a", "b"], "timestamp": [t, t]})
    # session 9 starts (with an unknown item) before session 8; both keep two known items
    test = pd.DataFrame({"session_id": [9, 8, 8, 9, 9], "item_id": ["zz", "a", "b", "b", "a"],
                         "timestamp": [t] * 5})
    split = split_sessions(train, test)
    assert list(split.test.index) == [9, 8] and split.dropped_unknown == 1
    assert [s.tolist() for s in split.test] == [[2, 1], [1, 2]]


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.sampled_from(["view", " View", "CLICK", "orders", "addtocart", "wish",
                                        "Wish ", "", None]), min_size=1, max_size=30))
def test_normalise_event_types_match_a_map(values):
    raw = pd.Series(values, dtype="string")
    text = raw.str.strip().str.lower()
    mapped = text.map(lambda v: EVENT_SYNONYMS.get(v, v) if isinstance(v, str) else v)
    extra = sorted(set(mapped.dropna().unique()) - set(EVENT_TYPES))
    want = pd.Series(pd.Categorical(mapped, categories=list(EVENT_TYPES) + extra), name="event_type")
    pd.testing.assert_series_equal(normalise_event_types(raw), want)
    pd.testing.assert_series_equal(normalise_event_types(raw.astype("category")), want)
