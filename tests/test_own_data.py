"""The own-data loader: real formats load, and bad input gets one clear error."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib.datasets import EventLogError, load_events
from course_lib.datasets.own_data import _empty_text, _equals_text
from course_lib.datasets.schema import check_canonical, id_column

DATA = Path(os.environ.get("COURSE_DATA_DIR", "../shared/data"))
OTTO = DATA / "otto_sample_sessions.jsonl"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(tmp_path: Path, text: str | bytes, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


GOOD = ("user_id,item_id,timestamp,event_type,price\n"
        "u1,i1,2024-01-01 10:00:00,view,9.5\n"
        "u1,i2,2024-01-01 10:01:00,cart,3\n"
        "u2,i1,2024-01-01 12:00:00,purchase,9.5\n")


# --------------------------------------------------------------------------- #
# what loads

def test_good_csv_loads_canonically(tmp_path):
    path = write(tmp_path, GOOD)
    before = digest(path)
    events = load_events(path)
    check_canonical(events)
    assert list(events["event_type"]) == ["view", "cart", "purchase"]
    assert events["price"].tolist() == [9.5, 3.0, 9.5]
    assert events["session_id"].nunique() == 2  # sessionised by the 30-minute gap
    assert digest(path) == before  # the input is never modified
    assert sorted(os.listdir(tmp_path)) == ["events.csv"]  # and nothing is written beside it


@pytest.mark.skipif(not OTTO.exists(), reason="../shared/data not present")
def test_otto_jsonl_loads_with_its_own_names():
    events = load_events(OTTO)
    check_canonical(events)
    assert len(events) == 862
    assert events["session_id"].nunique() == 20
    assert events["event_type"].value_counts().to_dict() == {"view": 800, "cart": 52, "purchase": 10}
    assert events["timestamp"].min() > pd.Timestamp("2022-07-01")  # read as milliseconds


def test_column_mapping_and_numeric_seconds(tmp_path):
    path = write(tmp_path, "visitor;product;t;action\n7;A;1700000000;addtocart\n7;B;1700000060;view\n")
    events = load_events(path, user="visitor", item="product", time="t", event="action")
    assert events["timestamp"].iloc[0] == pd.Timestamp("2023-11-14 22:13:20")
    assert events["event_type"].iloc[0] == "cart"
    assert events["user_id"].dtype == "int64"
    assert any("seconds" in n for n in events.attrs["notes"])


def test_milliseconds_and_explicit_unit(tmp_path):
    path = write(tmp_path, "session,item,ts\n1,a,1700000000000\n1,b,1700000001000\n")
    events = load_events(path, time_unit="ms")
    assert events["timestamp"].iloc[1] == pd.Timestamp("2023-11-14 22:13:21")
    assert (events["user_id"] == events["session_id"]).all()
    with pytest.raises(EventLogError, match="plausible"):
        load_events(path, time_unit="s")


def test_parquet_reads_only_mapped_columns(tmp_path):
    df = pd.DataFrame({"uid": [1, 2], "sku": ["x", "y"], "when": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "ignored": ["a" * 10, "b" * 10]})
    path = tmp_path / "e.parquet"
    df.to_parquet(path)
    events = load_events(path, user="uid", item="sku", time="when")
    assert list(events["item_id"]) == ["x", "y"]
    assert "ignored" not in events.columns


def test_timezones_become_utc(tmp_path):
    path = write(tmp_path, "user,item,time\n1,a,2024-01-01T10:00:00+02:00\n1,b,2024-01-01T09:30:00Z\n")
    events = load_events(path)
    assert list(events["timestamp"]) == [pd.Timestamp("2024-01-01 08:00"), pd.Timestamp("2024-01-01 09:30")]


def test_gzip_csv(tmp_path):
    import gzip

    path = tmp_path / "e.csv.gz"
    path.write_bytes(gzip.compress(GOOD.encode()))
    assert len(load_events(path)) == 3


# --------------------------------------------------------------------------- #
# each kind of bad input, by hand

@pytest.mark.parametrize("text, options, expected", [
    ("", {}, r"events\.csv: the file is empty"),
    ("user_id,item_id,timestamp\n", {}, "header but no rows"),
    ("customer,product,timestamp\nu,i,2024-01-01\n", {}, r"no column for user_id or session_id.*--user"),
    ("user_id,product,timestamp\nu,i,2024-01-01\n", {"exclude": ["time"]}, r"time cannot be excluded"),
    (GOOD, {"user": "user_id", "exclude": ["user"]}, r"user is both mapped \(to 'user_id'\) and excluded"),
    (GOOD, {"exclude": ["basket"]}, r"unknown column role 'basket'"),
    (GOOD, {"item": "itm"}, r"column 'itm': not found.*Did you mean 'item_id'"),
    (GOOD.replace("2024-01-01 10:01:00", "yesterday"), {},
     r"column 'timestamp', line 3: cannot parse 'yesterday' as a time"),
    (GOOD.replace(",", ";"), {"sep": ","}, r"line 1: with separator ','.*separated by ';'"),
    (GOOD.replace("u2,", ","), {}, r"column 'user_id', line 4: empty id"),
    ("user_id,item_id,item_id,timestamp\nu,i,j,2024-01-01\n", {}, r"line 1: the header names 'item_id' more than once"),
    (GOOD + "u3,i9,2024-01-0", {}, r"line 5: 3 fields where the header has 5 \(truncated last line\?\)"),
    (GOOD + GOOD, {}, r"line 5: this row repeats the header"),
    (GOOD.replace("u1,i2", "u1,i2,extra"), {}, r"line 3: 6 fields where the header has 5"),
    (GOOD.replace("view,9.5", "view,cheap"), {}, r"column 'price', line 2: cannot read 'cheap' as a price"),
    (GOOD.replace('u2,i1', 'u2,"i1'), {}, r"line 4: a quoted field opened on this line is never closed"),
    (GOOD.replace('u1,i2', 'u1,"i2'), {}, r"line 3: a quoted field opened on this line is never closed"),
])
def test_bad_csv_gets_one_clear_error(tmp_path, text, options, expected):
    path = write(tmp_path, text)
    before = digest(path)
    with pytest.raises(EventLogError, match=expected):
        load_events(path, **options)
    assert digest(path) == before


def test_non_utf8_bytes_name_the_line(tmp_path):
    path = write(tmp_path, GOOD.encode().replace(b"u2", b"caf\xe9"))
    with pytest.raises(EventLogError, match=r"line 4: not valid UTF-8 \(byte 0xe9"):
        load_events(path)
    assert len(load_events(path, encoding="latin-1")) == 3  # the hint in the message works


@pytest.mark.parametrize("lines, expected", [
    (['{"session": 1, "events": [{"aid": 5, "ts": 1659304800025, "type": "clicks"}]}',
      '{"session": 2, "events": [{"aid": 6, "ts": 16593'], r"line 2: not valid JSON.*truncated"),
    (['{"session": 1, "events": [{"aid": 5, "type": "clicks"}]}'], r"no column for timestamp"),
    (['{"session": 1, "events": [{"aid": 5, "ts": 1659304800025, "type": "clicks"}]}',
      '{"session": 2, "events": [{"aid": 6, "type": "carts"}]}'], r"column 'ts', line 2: missing"),
    (['[1, 2]'], r"line 1: not a JSON object"),
])
def test_bad_jsonl(tmp_path, lines, expected):
    path = write(tmp_path, "\n".join(lines), "e.jsonl")
    with pytest.raises(EventLogError, match=expected):
        load_events(path)


def test_missing_file_and_bad_parquet(tmp_path):
    with pytest.raises(EventLogError, match="no such file"):
        load_events(tmp_path / "nope.csv")
    with pytest.raises(EventLogError, match="not a readable Parquet file"):
        load_events(write(tmp_path, "not parquet", "e.parquet"))


# --------------------------------------------------------------------------- #
# property test: many generated malformed files

ids = st.text(alphabet="abcxyz0123456789", min_size=1, max_size=6)
rows_strategy = st.lists(
    st.tuples(ids, ids, st.datetimes(min_value=pd.Timestamp("2015-01-01").to_pydatetime(),
                                     max_value=pd.Timestamp("2030-01-01").to_pydatetime()),
              st.sampled_from(["view", "cart", "purchase", "clicks"])),
    min_size=1, max_size=15)
KINDS = ["misnamed column", "bad timestamp", "empty", "header only", "wrong delimiter",
         "non-utf8", "empty id", "duplicated header", "truncated last line", "repeated header",
         "extra field"]


def _render(rows, sep=","):
    lines = [sep.join(["user_id", "item_id", "timestamp", "event_type"])]
    lines += [sep.join([u, i, t.strftime("%Y-%m-%d %H:%M:%S"), e]) for u, i, t, e in rows]
    return lines


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_strategy, kind=st.sampled_from(KINDS), data=st.data())
def test_malformed_inputs_always_get_a_located_error(rows, kind, data):
    lines = _render(rows)
    k = data.draw(st.integers(0, len(rows) - 1), label="row")  # data row, file line k + 2
    options, expect = {}, []
    if kind == "misnamed column":
        col = data.draw(st.sampled_from(["user_id", "timestamp"]))  # an item is optional
        lines[0] = lines[0].replace(col, col.upper() + "X")
        expect = ["no column for " + col]
    elif kind == "bad timestamp":
        fields = lines[k + 1].split(",")
        fields[2] = data.draw(st.sampled_from(["soon", "2024-13-45 10:00:00", "12:00", "n/a"]))
        lines[k + 1] = ",".join(fields)
        expect = ["column 'timestamp'", f"line {k + 2}"]
    elif kind == "empty":
        lines = []
        expect = ["empty"]
    elif kind == "header only":
        lines = lines[:1]
        expect = ["no rows"]
    elif kind == "wrong delimiter":
        lines = _render(rows, sep=data.draw(st.sampled_from([";", "\t", "|"])))
        options = {"sep": ","}
        expect = ["line 1", "separated by"]
    elif kind == "non-utf8":
        fields = lines[k + 1].split(",")
        fields[0] = fields[0] + "\udce9"  # becomes the lone byte 0xe9
        lines[k + 1] = ",".join(fields)
        expect = [f"line {k + 2}", "not valid UTF-8"]
    elif kind == "empty id":
        col = data.draw(st.sampled_from([0, 1]))
        fields = lines[k + 1].split(",")
        fields[col] = ""
        lines[k + 1] = ",".join(fields)
        expect = [f"line {k + 2}", "empty id", ["'user_id'", "'item_id'"][col]]
    elif kind == "duplicated header":
        lines[0] = lines[0].replace("event_type", data.draw(st.sampled_from(["user_id", "item_id"])))
        expect = ["line 1", "more than once"]
    elif kind == "truncated last line":
        last = lines[-1]
        cut = data.draw(st.integers(1, last.rindex(",")))
        lines[-1] = last[:cut]
        expect = [f"line {len(lines)}"]
    elif kind == "repeated header":
        lines.insert(k + 1, lines[0])
        expect = [f"line {k + 2}", "repeats the header"]
    elif kind == "extra field":
        lines[k + 1] += ",surplus"
        expect = [f"line {k + 2}", "5 fields where the header has 4"]
    text = "\n".join(lines) + ("\n" if lines and kind != "truncated last line" else "")
    raw = text.encode("utf-8", "surrogateescape")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shop log.csv"
        path.write_bytes(raw)
        with pytest.raises(EventLogError) as info:
            load_events(path, **options)
        message = str(info.value)
        assert message.startswith(str(path)), message
        for piece in expect:
            assert piece in message, (kind, piece, message)
        assert path.read_bytes() == raw
        assert os.listdir(tmp) == ["shop log.csv"]


@settings(max_examples=60, deadline=None)
@given(rows=rows_strategy)
def test_well_formed_inputs_load_completely(rows):
    text = "\n".join(_render(rows)) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        path.write_text(text)
        events = load_events(path)
    check_canonical(events)
    assert len(events) == len(rows)
    assert events["timestamp"].min() == min(pd.Timestamp(r[2]).floor("s") for r in rows)
    assert np.isin(events["event_type"].astype(str), ["view", "cart", "purchase"]).all()


# --------------------------------------------------------------------------- #
# typed columns (Parquet) skip the text round trip and give the same table (issue 6, Scale)

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(-5, 10**6) | st.sampled_from([10**18, -(10**18) + 1]),
                               st.integers(0, 50), st.integers(0, 10_000),
                               st.sampled_from(["view", "Cart", "ORDER", "wish"]),
                               st.floats(0, 1e4, allow_nan=False) | st.none()),
                     min_size=1, max_size=30),
       with_session=st.booleans())
def test_parquet_with_typed_columns_loads_like_the_same_csv(tmp_path, rows, with_session):
    frame = pd.DataFrame(rows, columns=["visitor", "product", "minute", "action", "price"])
    frame["ts"] = pd.Timestamp("2024-03-01") + pd.to_timedelta(frame.pop("minute"), unit="min")
    frame["visit"] = frame["visitor"] % 3
    options = dict(user="visitor", item="product", time="ts", event="action", price="price",
                   session="visit" if with_session else None)
    parquet = tmp_path / "typed.parquet"
    frame.to_parquet(parquet)
    text = tmp_path / "typed.csv"
    frame.to_csv(text, index=False)
    got, want = load_events(parquet, **options), load_events(text, **options)
    check_canonical(got)
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs["notes"] == want.attrs["notes"]


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.integers(-(10**18) + 1, 10**18 - 1), min_size=1, max_size=8),
       text=st.sampled_from(["7", "07", " 7", "-3", "0", "user", "7.0", ""]) | st.integers().map(str))
def test_typed_comparisons_equal_their_text_versions(values, text):
    for series in (pd.Series(values, dtype="int64"), pd.Series(values, dtype="float64"),
                   pd.Series([float(v) for v in values] + [None], dtype="float64"),
                   pd.Series(values).astype("string")):
        as_text = series.astype("string").str.strip()
        want = (as_text == text).fillna(False).to_numpy(dtype=bool)
        assert _equals_text(series, text).tolist() == want.tolist()
        empty = (as_text.isna() | (as_text == "")).to_numpy(dtype=bool)
        assert _empty_text(series).to_numpy(dtype=bool).tolist() == empty.tolist()


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(-(10**15), 10**15).map(str)
                       | st.integers(0, 10**6).map(lambda i: f"{i}.0")
                       | st.integers(0, 999).map(lambda i: f" 00{i} ")
                       | st.sampled_from(["-0", "12.000", "999999999999999999", "17850."]),
                       max_size=20))
def test_integer_ids_written_as_text_become_the_same_int64(values):
    got = id_column(pd.Series(values, dtype="string", name="user_id"))
    want = pd.Series([int(float(v)) if "." in v else int(v) for v in values], dtype="int64",
                     name="user_id")
    pd.testing.assert_series_equal(got, want)
