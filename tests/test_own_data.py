"""The own-data loader: real formats load, and bad input gets one clear error."""
from __future__ import annotations

import hashlib
import json
import os
import re
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

ROOT = Path(__file__).resolve().parents[1]
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


def test_a_later_block_keeps_the_unit_the_first_one_chose(tmp_path, monkeypatch):
    """A big file is read in blocks; its numeric times were guessed seconds or milliseconds per
    block, so a log that switched from seconds to milliseconds half way loaded silently."""
    from functools import partial

    from course_lib.datasets import own_data

    monkeypatch.setattr(own_data, "_parquet_batches", partial(own_data._parquet_batches, batch_size=3))
    seconds = [1_700_000_000, 1_700_000_060, 1_700_000_120]
    df = pd.DataFrame({"user": [1, 1, 1, 2, 2, 2], "item": list("abcabc"), "time": seconds + seconds})
    df.to_parquet(tmp_path / "same.parquet")
    events = load_events(tmp_path / "same.parquet", user="user", item="item", time="time")
    assert sum("seconds since 1970" in str(n) for n in events.attrs["notes"]) == 1   # said once
    df["time"] = seconds + [1000 * s for s in seconds]   # the second block in milliseconds
    df.to_parquet(tmp_path / "switched.parquet")
    with pytest.raises(EventLogError, match=r"row 4: '1700000000000' is not a plausible time in s since 1970"):
        load_events(tmp_path / "switched.parquet", user="user", item="item", time="time")


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


def test_times_with_and_without_an_offset_are_an_error_and_offsets_a_note(tmp_path):
    path = write(tmp_path, "user,item,time\n1,a,2024-01-01T10:00:00+02:00\n1,b,2024-01-01T11:00:00\n")
    with pytest.raises(EventLogError, match=r"column 'time', line 3: '2024-01-01T11:00:00' has no UTC offset"):
        load_events(path)
    path = write(tmp_path, "user,item,time\n1,a,2024-01-01T10:00:00+09:00\n1,b,2024-01-01T11:00:00+09:00\n")
    assert any("converted to UTC" in n for n in load_events(path).attrs["notes"])


def _slash_dates(days):
    rows = "".join(f"u1,i{d},{d:02d}/03/2024 10:{d:02d}\n" for d in days)
    return "user,item,time\n" + rows


def test_day_first_dates_are_never_read_month_first_silently(tmp_path):
    # every day <= 12: both readings fit, and the loader will not guess
    path = write(tmp_path, _slash_dates([1, 2, 3]))
    with pytest.raises(EventLogError, match=r"column 'time', line 2: '01/03/2024 10:01' reads as 1 March "
                       r"2024 \(day first\) or as 3 January 2024 \(month first\).*"
                       r"--time-format '%d/%m/%Y %H:%M'"):
        load_events(path)
    assert load_events(path, time_format="%d/%m/%Y %H:%M")["timestamp"].dt.month.eq(3).all()
    # a day above 12 decides it: day first, and a note says so
    events = load_events(write(tmp_path, _slash_dates([1, 2, 13])))
    assert events["timestamp"].dt.month.eq(3).all()
    assert any("dates read day first, as '%d/%m/%Y %H:%M'" in n for n in events.attrs["notes"])
    # the error names the first row that fails under that reading, not the first row
    path = write(tmp_path, _slash_dates([1, 2, 13, 14]).replace("14/03/2024", "14/3/24 x"))
    with pytest.raises(EventLogError, match=r"line 5: cannot parse '14/3/24 x 10:14' as a time in the "
                       r"format of the times before it \('%d/%m/%Y %H:%M'\)"):
        load_events(path)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("order", ["%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "both ways"])
def test_a_file_read_in_blocks_chooses_day_or_month_first_on_the_whole_column(tmp_path, monkeypatch, order, fmt):
    """A log that starts on the 1st of a month: its first block (16 MB or 200,000 records, here
    4 kB or 100 records) has only days up to 12 and reads both ways. The loader chooses on the
    whole column, as for a file read at once: the same times and note, and its error only where
    every block reads both ways (a JSON Lines file was refused on its first block)."""
    from course_lib.datasets import own_data

    n = 2_000 if order != "both ways" else 1_500     # 10 minutes apart: 13.9 or 10.4 days
    times = pd.date_range("2024-01-01", periods=n, freq="10min")
    log = pd.DataFrame({"user": np.arange(n) % 50, "item": np.arange(n) % 7,
                        "time": times.strftime(order if "%" in order else "%d/%m/%Y %H:%M")})
    path = tmp_path / f"dates.{fmt}"
    log.to_csv(path, index=False) if fmt == "csv" else log.to_json(path, orient="records", lines=True)
    both_ways = f"line {146 if fmt == 'csv' else 145}: '02/01/2024 00:00' reads as 2 January 2024"
    if order == "both ways":
        with pytest.raises(EventLogError, match=both_ways):
            load_events(path)
    else:
        at_once = load_events(path)
    monkeypatch.setattr(own_data, "CSV_BLOCK_BYTES", 4 << 10)
    monkeypatch.setattr(own_data, "JSONL_BLOCK_LINES", 100)
    if order == "both ways":
        with pytest.raises(EventLogError, match=both_ways):
            load_events(path)
        return
    in_blocks = load_events(path)
    assert path.stat().st_size > 10 * 4 << 10   # more than ten blocks
    if fmt == "csv":
        log.loc[[3, 5], "user"] = None   # a block held and finished later counts its dropped rows once
        log.to_csv(tmp_path / "ids.csv", index=False)
        assert "dropped 2 rows with an empty id" in load_events(tmp_path / "ids.csv", drop_missing_ids=True).attrs["notes"]
    pd.testing.assert_frame_equal(in_blocks, at_once)
    assert in_blocks["timestamp"].tolist() == list(times)
    assert in_blocks.attrs["notes"] == at_once.attrs["notes"]
    assert any("dates read day first" in note for note in in_blocks.attrs["notes"]) == order.startswith("%d")


def test_a_block_that_read_both_ways_alike_still_fixes_the_file_to_those_two_formats(tmp_path, monkeypatch):
    """The times of a first block on 1 January read the same day first and month first, so the
    block decides neither order; the next block must still be in one of those two formats. A
    block of ISO times right after it loaded silently, where the same switch inside a block is
    an error."""
    from course_lib.datasets import own_data

    times = pd.date_range("2024-01-01", periods=200, freq="min")
    written = np.where(np.arange(200) < 100, times.strftime("%d/%m/%Y %H:%M"), times.strftime("%Y-%m-%d %H:%M"))
    pd.DataFrame({"user": np.arange(200) % 5, "item": np.arange(200) % 7, "time": written}).to_json(
        tmp_path / "switch.jsonl", orient="records", lines=True)
    monkeypatch.setattr(own_data, "JSONL_BLOCK_LINES", 100)   # the switch falls on a block's first line
    with pytest.raises(EventLogError, match=r"line 101: cannot parse '2024-01-01 01:40' as a time in "
                                            r"either format that the times before it fit "
                                            r"\('%d/%m/%Y %H:%M' or '%m/%d/%Y %H:%M'\)"):
        load_events(tmp_path / "switch.jsonl")


@pytest.mark.parametrize("switch", [50, 100])   # inside a block, or on a block's first line
@pytest.mark.parametrize("first", ["text", "numbers"])
def test_a_time_column_is_numbers_or_text_in_every_block(tmp_path, monkeypatch, switch, first):
    """Seconds since 1970 after text times (or the reverse) loaded silently where the switch fell
    on a block's first line, and inside a block was "cannot parse '1704070200' as a time"."""
    from course_lib.datasets import own_data

    times = pd.date_range("2024-01-01", periods=200, freq="min")
    text, numbers = times.strftime("%Y-%m-%d %H:%M"), ((times - pd.Timestamp("1970-01-01")) // pd.Timedelta("1s")).astype(str)
    before, after = (text, numbers) if first == "text" else (numbers, text)
    written = np.where(np.arange(200) < switch, before, after)
    pd.DataFrame({"user": np.arange(200) % 5, "item": np.arange(200) % 7, "time": written}).to_json(
        tmp_path / "kinds.jsonl", orient="records", lines=True)
    monkeypatch.setattr(own_data, "JSONL_BLOCK_LINES", 100)
    said = ("is a number, unlike the times before it, which are text" if first == "text"
            else "is text, unlike the times before it, which are numbers")
    with pytest.raises(EventLogError, match=rf"line {switch + 1}: '{written[switch]}' {said}: a time "
                                            "column holds numbers since 1970 or dates written as text"):
        load_events(tmp_path / "kinds.jsonl")


def test_dates_written_without_separators_read_with_their_format(tmp_path):
    """'20240131' with time_format='%Y%m%d' was refused as "not a plausible time in s since 1970
    (check --time-unit)", a unit the user had not chosen; without a format that error now names
    the format a date of eight digits needs."""
    (tmp_path / "days.csv").write_text("user_id,item_id,date\n1,2,20240130\n1,3,20240131\n")
    loaded = load_events(tmp_path / "days.csv", time_format="%Y%m%d")
    assert loaded["timestamp"].tolist() == [pd.Timestamp("2024-01-30"), pd.Timestamp("2024-01-31")]
    with pytest.raises(EventLogError, match=r"line 2: '20240130' is not a plausible time in s since "
                                            r"1970 \(check --time-unit; if it is a date, pass "
                                            r"--time-format '%Y%m%d' \(time_format=\)\)$"):
        load_events(tmp_path / "days.csv")
    # with a unit of the user's, the hint says what to do with it (it named the format they passed)
    with pytest.raises(EventLogError, match=r"if it is a date, leave out --time-unit \(time_unit=\): "
                                            r"with a unit, digits are numbers, not dates\)$"):
        load_events(tmp_path / "days.csv", time_unit="s", time_format="%Y%m%d")
    with pytest.raises(EventLogError, match=r"if it is a date, pass --time-format '%Y%m%d' "
                                            r"\(time_format=\) without --time-unit\)$"):
        load_events(tmp_path / "days.csv", time_unit="s")
    # a unit beside the format reads digits as numbers; seconds given a format are not dates
    (tmp_path / "seconds.csv").write_text("user_id,item_id,ts\n1,2,1704067200\n1,3,1704070800\n")
    assert len(load_events(tmp_path / "seconds.csv", time_unit="s", time_format="%Y-%m-%d")) == 2
    with pytest.raises(EventLogError, match=r"cannot parse '1704067200' as a time with format '%Y-%m-%d' "
                                            r"\(numbers since 1970 need time_unit= / --time-unit, not a format\)"):
        load_events(tmp_path / "seconds.csv", time_format="%Y-%m-%d")
    # a column of numbers (Parquet) stays numbers, a format or not, as the SQL engines read it
    pd.DataFrame({"user_id": [1, 1], "item_id": [2, 3], "ts": [1704067200, 1704070800]}).to_parquet(
        tmp_path / "seconds.parquet", index=False)
    assert len(load_events(tmp_path / "seconds.parquet", time_format="%Y-%m-%d %H:%M")) == 2


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_block_neither_order_reads_after_ambiguous_ones_names_both_orders(tmp_path, monkeypatch, fmt):
    """After blocks whose dates fit day first and month first (1-5 January), a block that neither
    order reads chose day first by a tie, and its error named '%d/%m/%Y %H:%M' alone as "the format
    of the times before it"."""
    from course_lib.datasets import own_data

    times = pd.date_range("2024-01-01", periods=200, freq="37min")
    written = np.where(np.arange(200) < 100, times.strftime("%d/%m/%Y %H:%M"), times.strftime("%Y-%m-%d %H:%M"))
    log = pd.DataFrame({"user": np.arange(200) % 5, "item": np.arange(200) % 7, "time": written})
    path = tmp_path / f"switch.{fmt}"
    log.to_csv(path, index=False) if fmt == "csv" else log.to_json(path, orient="records", lines=True)
    monkeypatch.setattr(own_data, "JSONL_BLOCK_LINES", 100)
    monkeypatch.setattr(own_data, "CSV_BLOCK_BYTES", 2 << 10)   # about 80 rows a block
    with pytest.raises(EventLogError) as err:
        load_events(path)
    said = re.search(r"line (\d+): cannot parse '([^']+)' as a time in either format that the times "
                     r"before it fit \('%d/%m/%Y %H:%M' or '%m/%d/%Y %H:%M'\) \(pass", str(err.value))
    assert said, str(err.value)
    line, value = int(said[1]), said[2]
    assert value == written[line - 2 + (fmt == "jsonl")]


def jsonl_of_times(path: Path, times: list, **replace) -> Path:
    """A JSON Lines log of one user with these times; ``replace``: {line: record} instead."""
    records = [{"user_id": 1, "item_id": i, "ts": t} for i, t in enumerate(times)]
    for line, record in replace.items():
        records[int(line[1:]) - 1] = record
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_a_block_after_ambiguous_ones_gets_its_own_first_error(tmp_path, monkeypatch):
    """A reviewer's finds in the check above, which read a block's raw times: a header repeated
    after blocks of dates that fit both orders was "cannot parse 'ts'" (not "repeats the header"),
    a row drop_missing_ids drops was named, and seconds were "cannot parse" (not "a number")."""
    from course_lib.datasets import own_data

    monkeypatch.setattr(own_data, "JSONL_BLOCK_LINES", 3)
    days = ["01/02/2024", "02/01/2024", "03/01/2024", "04/01/2024", "n/a", "05/01/2024"]
    header = jsonl_of_times(tmp_path / "header.jsonl", days, l5={"user_id": "user_id", "item_id": "item_id", "ts": "ts"})
    with pytest.raises(EventLogError, match="line 5: this row repeats the header"):
        load_events(header)
    dropped = jsonl_of_times(tmp_path / "dropped.jsonl", days, l5={"user_id": "", "item_id": 9, "ts": "n/a"})
    with pytest.raises(EventLogError, match="line 1: '01/02/2024' reads as 1 February 2024 .* every time in "
                                            "the column fits both"):
        load_events(dropped, drop_missing_ids=True)   # the rows left fit both orders: ambiguous
    decided = jsonl_of_times(tmp_path / "decided.jsonl", [*days, "13/01/2024"], l5={"user_id": "", "item_id": 9, "ts": "n/a"})
    assert load_events(decided, drop_missing_ids=True)["timestamp"].max() == pd.Timestamp("2024-02-01")
    seconds = jsonl_of_times(tmp_path / "seconds.jsonl", [*days[:3], "1704067200", "1704067260"])
    with pytest.raises(EventLogError, match="line 4: '1704067200' is a number, unlike the times before it"):
        load_events(seconds)
    # a dropped row that neither order reads, first in its block: the rows left decide (a day above 12)
    first = jsonl_of_times(tmp_path / "first.jsonl", [*days[:3], "n/a", "13/01/2024"], l4={"user_id": "", "item_id": 9, "ts": "n/a"})
    assert load_events(first, drop_missing_ids=True)["timestamp"].max() == pd.Timestamp("2024-02-01")


def test_a_block_after_ambiguous_ones_is_read_in_the_order_that_reads_further(tmp_path, monkeypatch):
    """After blocks of dates that fit both orders, a block with dates of both orders chose the
    order more of its rows fit (day first on a tie) and named a row of the other; the file read at
    once and DuckDB choose the order that reads further and name the next row. All three now agree."""
    from course_lib.datasets import own_data
    from course_lib.prep.engines import prepare

    days = ["01/02/2024", "02/01/2024", "03/01/2024", "13/01/2024", "01/14/2024", "01/15/2024"]
    path = jsonl_of_times(tmp_path / "mixed.jsonl", days)
    pd.read_json(path, lines=True, dtype=False).to_csv(tmp_path / "mixed.csv", index=False)
    said = (r"line {}: cannot parse '01/14/2024' as a time in the format of the times before it "
            r"\('%d/%m/%Y'\)")
    with pytest.raises(EventLogError, match=said.format(5)):
        load_events(path)                                   # read at once
    with pytest.raises(EventLogError, match=said.format(6)):
        prepare(tmp_path / "mixed.csv", tmp_path / "duckdb", engine="duckdb", time="ts")
    monkeypatch.setattr(own_data, "JSONL_BLOCK_LINES", 3)   # the second block: 13/01, 01/14, 01/15
    with pytest.raises(EventLogError, match=said.format(5)):
        load_events(path)
    # the day above 12 on a row drop_missing_ids drops decides nothing: month first, as read at once
    dropped = jsonl_of_times(tmp_path / "dropped.jsonl", days, l4={"user_id": "", "item_id": 9, "ts": "13/01/2024"})
    assert load_events(dropped, drop_missing_ids=True)["timestamp"].max() == pd.Timestamp("2024-03-01")


def test_a_block_left_empty_by_drop_missing_ids_is_skipped(tmp_path, monkeypatch):
    """A block whose every row has an empty id (a CSV block, or JSON records with null ids) crashed
    with a TypeError once dropped: its empty time column was read as numbers. It is skipped; a
    file with no id at all is one sentence."""
    from course_lib.datasets import own_data

    records = [{"user_id": user, "item_id": i, "ts": "2024-01-02 10:00"}
               for user in (1, None, 2) for i in range(3)]
    (tmp_path / "mid.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    monkeypatch.setattr(own_data, "JSONL_BLOCK_LINES", 3)   # the middle block: null ids only
    loaded = load_events(tmp_path / "mid.jsonl", drop_missing_ids=True)
    assert len(loaded) == 6 and "dropped 3 rows with an empty id" in loaded.attrs["notes"]
    (tmp_path / "none.csv").write_text("user_id,item_id,ts\n,1,2024-01-01\n,2,2024-01-01\n")
    with pytest.raises(EventLogError, match="none.csv: no row is left after drop_missing_ids"):
        load_events(tmp_path / "none.csv", drop_missing_ids=True)


def test_json_ids_beyond_float_precision_stay_exact_beside_a_null_one(tmp_path):
    """pandas makes a column of whole numbers with a gap floats: two ids above 2**53 became one."""
    big = 1234567890123456789
    records = [{"user_id": big, "item_id": 1, "ts": "2024-01-01 10:00"},
               {"user_id": big + 2, "item_id": 2, "ts": "2024-01-01 10:01"},
               {"user_id": None, "item_id": 3, "ts": "2024-01-01 10:02"}]
    (tmp_path / "big.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    loaded = load_events(tmp_path / "big.jsonl", drop_missing_ids=True)
    assert loaded["user_id"].tolist() == [str(big), str(big + 2)]


def test_a_count_ends_on_the_last_line_of_a_record_that_spans_lines(tmp_path):
    """A count's lines ended where the block's last record starts, not where its quoted field
    spanning two lines ends."""
    (tmp_path / "notes.csv").write_text('user_id,item_id,ts,comment\n1,2,2024-01-01 10:00,ok\n'
                                        ',3,2024-01-01 10:01,ok\n1,4,2024-01-01 10:02,"two\nlines"\n')
    with pytest.raises(EventLogError, match=r"line 3: empty id \(1 row in lines 2-5 has none"):
        load_events(tmp_path / "notes.csv")


def test_a_value_quoted_in_an_error_is_not_taken_for_a_count(tmp_path):
    (tmp_path / "odd.csv").write_text("user_id,item_id,ts\n\n1,2,in lines 1-2\n")
    with pytest.raises(EventLogError, match="line 3: cannot parse 'in lines 1-2' as a time"):
        load_events(tmp_path / "odd.csv")


def test_counts_in_an_error_say_which_lines_they_count(tmp_path, monkeypatch):
    """The loader reads a large file in blocks and stops at the first block with an empty id: its
    count is of that block, and the message says which lines those are (it said "this block")."""
    from course_lib.datasets import own_data

    n = 2_000
    log = pd.DataFrame({"user": (np.arange(n) % 50).astype(str), "item": np.arange(n) % 7,
                        "time": pd.date_range("2024-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M")})
    log.loc[[1_500, 1_510], "user"] = ""
    log.to_csv(tmp_path / "ids.csv", index=False)
    with pytest.raises(EventLogError, match=r"line 1502: empty id \(2 rows in lines 2-2,001 have none"):
        load_events(tmp_path / "ids.csv")
    monkeypatch.setattr(own_data, "CSV_BLOCK_BYTES", 4 << 10)
    with pytest.raises(EventLogError) as err:
        load_events(tmp_path / "ids.csv")
    said = re.search(r"line 1502: empty id \((\d+) rows? in lines ([\d,]+)-([\d,]+) ha", str(err.value))
    count, first, last = (int(g.replace(",", "")) for g in said.groups())
    assert first <= 1502 <= last and last - first < 400, str(err.value)   # one block of 4 kB
    assert count == sum(first <= line <= last for line in (1502, 1512))
    # three blank lines after line 100: the line and the count's lines are the file's own
    text = (tmp_path / "ids.csv").read_text().splitlines(keepends=True)
    (tmp_path / "blank.csv").write_text("".join(text[:100] + ["\n"] * 3 + text[100:]))
    monkeypatch.setattr(own_data, "CSV_BLOCK_BYTES", 16 << 20)
    with pytest.raises(EventLogError, match=r"line 1505: empty id \(2 rows in lines 2-2,004 have none"):
        load_events(tmp_path / "blank.csv")


CLEAN = ("user_id,item_id,ts\n1,10,2024-01-01 10:00:00\n1,11,2024-01-01 10:01:00\n"
         "2,10,2024-01-02 10:00:00\n")
#: how spreadsheets, PowerShell and R write the same log
EXPORTS = {
    "spaces after the commas": CLEAN.replace(",", ", "),
    "BOM, quoted names, CRLF": "\ufeff" + "\r\n".join(",".join(f'"{v}"' for v in line.split(","))
                                                     for line in CLEAN.splitlines()) + "\r\n",
    "trailing empty columns": CLEAN.replace(",", ";").replace("\n", ";;\n"),
}


@pytest.mark.parametrize("shape", EXPORTS)
def test_spreadsheet_and_shell_exports_read_as_the_plain_file(tmp_path, shape):
    """Padded names crashed the reader (pyarrow kept the spaces), a BOM before a quoted first name
    named the column '"user_id"', and two empty trailing names were "named more than once"."""
    (tmp_path / "clean.csv").write_text(CLEAN)
    (tmp_path / "export.csv").write_bytes(EXPORTS[shape].encode("utf-8"))
    expected = load_events(tmp_path / "clean.csv")
    got = load_events(tmp_path / "export.csv")
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs["columns"] == expected.attrs["columns"]


@pytest.mark.parametrize("sep", ["\t", "\\t", "tab"])
def test_a_tab_separator_as_a_shell_passes_it(tmp_path, sep):
    (tmp_path / "clean.csv").write_text(CLEAN)
    (tmp_path / "t.tsv").write_text(CLEAN.replace(",", "\t"))
    pd.testing.assert_frame_equal(load_events(tmp_path / "t.tsv", sep=sep),
                                  load_events(tmp_path / "clean.csv"))
    with pytest.raises(EventLogError, match=r"t\.tsv: the separator must be one character, not "
                                            r"'ab' \(a tab is --sep '\\t' or --sep tab\)"):
        load_events(tmp_path / "t.tsv", sep="ab")


@pytest.mark.parametrize("name, start, said", [
    ("events.xlsx", b"PK\x03\x04", "is an Excel workbook (.xlsx) or a zip archive: save the sheet as CSV"),
    ("events.zip", b"PK\x03\x04", "or a zip archive: save the sheet as CSV (UTF-8) or Parquet, or unzip"),
    ("events.xls", b"\xd0\xcf\x11\xe0", "is an old Excel workbook (.xls): save the sheet as CSV"),
    ("events.csv", b"PAR1", "is a Parquet file: give it the name ending .parquet")])
def test_a_workbook_or_archive_is_named_for_what_it_is(tmp_path, name, start, said):
    """Read as CSV by their names, these gave an encoding error and then a header of binary."""
    (tmp_path / name).write_bytes(start + bytes(range(256)) * 4)
    with pytest.raises(EventLogError, match=re.escape(f"{tmp_path / name}: ") + ".*" + re.escape(said)):
        load_events(tmp_path / name)


def test_decimal_commas_are_read_where_they_can_only_be_decimal_marks(tmp_path):
    """European spreadsheets write 9,50 and 1.234,20: read so, with a note, where a comma cannot
    separate thousands; '1,500' alone could be either, so it stays an error that says so."""
    from course_lib.datasets import load_series

    (tmp_path / "dc.csv").write_text("user_id;item_id;ts;price\n1;10;2024-01-01 10:00;9,50\n"
                                     "1;11;2024-01-01 10:01;1.234,20\n2;10;2024-01-02 10:00;4\n")
    events = load_events(tmp_path / "dc.csv")
    assert events["price"].tolist() == [9.5, 1234.2, 4.0]
    assert "price: numbers read with a decimal comma ('9,50' is 9.5)" in events.attrs["notes"]
    (tmp_path / "series.csv").write_text("date;units\n2024-01-13;50,4\n2024-01-14;51\n")
    assert load_series(tmp_path / "series.csv", time="date", value="units").tolist() == [50.4, 51.0]
    (tmp_path / "either.csv").write_text("user_id;item_id;ts;price\n1;10;2024-01-01 10:00;1,500\n")
    with pytest.raises(EventLogError, match=r"line 2: cannot read '1,500' as a price: a comma before "
                       r"three digits may be a decimal mark or separate thousands; write the numbers "
                       r"with a decimal point; pass --no-price \(exclude=\['price'\]\)"):
        load_events(tmp_path / "either.csv")
    pd.testing.assert_frame_equal(load_events(tmp_path / "either.csv", exclude=["price"]),
                                  load_events(tmp_path / "dc.csv", exclude=["price"]).iloc[:1])


def test_decimal_commas_chosen_in_one_block_hold_for_the_whole_file(tmp_path, monkeypatch):
    """The decimal comma was chosen block by block: a later block whose prices were all like
    '1.234' read them as 1.234, not 1234, and one with '12.5' read a decimal point beside commas."""
    from course_lib.datasets import own_data

    n = 400
    prices = ["9,50"] * 200 + ["1.234"] * 200
    log = pd.DataFrame({"user_id": np.arange(n) % 9, "item_id": np.arange(n) % 7, "ts": pd.date_range(
        "2024-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M"), "price": prices})
    log.to_csv(tmp_path / "dc.csv", sep=";", index=False)
    monkeypatch.setattr(own_data, "CSV_BLOCK_BYTES", 4 << 10)
    events = load_events(tmp_path / "dc.csv")
    assert events["price"].tolist() == [9.5] * 200 + [1234.0] * 200
    assert events.attrs["notes"].count("price: numbers read with a decimal comma ('9,50' is 9.5)") == 1
    log.loc[300, "price"] = "12.5"
    log.to_csv(tmp_path / "mixed.csv", sep=";", index=False)
    with pytest.raises(EventLogError, match=r"column 'price', line 302: cannot read '12\.5' as a price: "
                                            r"earlier lines write numbers with a decimal comma"):
        load_events(tmp_path / "mixed.csv")


def test_a_json_record_may_leave_out_a_price_as_a_csv_row_leaves_it_empty(tmp_path):
    """A view has no price: in JSON Lines the field is absent or null, which was an error
    ("missing from this record") where the same gap in a CSV file is an empty price."""
    (tmp_path / "e.csv").write_text("user_id,item_id,ts,event_type,price\n1,10,2024-01-01 10:00,purchase,9.5\n"
                                    "1,11,2024-01-01 10:01,view,\n1,12,2024-01-01 10:02,view,\n")
    (tmp_path / "e.jsonl").write_text(
        '{"user_id": 1, "item_id": 10, "ts": "2024-01-01 10:00", "event_type": "purchase", "price": 9.5}\n'
        '{"user_id": 1, "item_id": 11, "ts": "2024-01-01 10:01", "event_type": "view"}\n'
        '{"user_id": 1, "item_id": 12, "ts": "2024-01-01 10:02", "event_type": "view", "price": null}\n')
    pd.testing.assert_frame_equal(load_events(tmp_path / "e.jsonl"), load_events(tmp_path / "e.csv"))
    (tmp_path / "no_item.jsonl").write_text('{"user_id": 1, "item_id": 10, "ts": "2024-01-01 10:00"}\n'
                                            '{"user_id": 1, "ts": "2024-01-01 10:01"}\n')
    with pytest.raises(EventLogError, match="column 'item_id', line 2: missing from this record; pass "
                                            "drop_missing_ids=True"):
        load_events(tmp_path / "no_item.jsonl")   # an id stays required


def test_json_records_without_an_id_are_dropped_and_counted_as_csv_rows_with_an_empty_one(tmp_path):
    """drop_missing_ids=True skips CSV rows with an empty id; a JSON record whose id was null or
    absent was an error even then."""
    (tmp_path / "e.csv").write_text("user_id,item_id,ts\n1,10,2024-01-01 10:00\n,11,2024-01-01 10:01\n"
                                    "1,,2024-01-01 10:02\n2,13,2024-01-01 10:03\n")
    (tmp_path / "e.jsonl").write_text('{"user_id": 1, "item_id": 10, "ts": "2024-01-01 10:00"}\n'
                                      '{"user_id": null, "item_id": 11, "ts": "2024-01-01 10:01"}\n'
                                      '{"user_id": 1, "ts": "2024-01-01 10:02"}\n'
                                      '{"user_id": 2, "item_id": 13, "ts": "2024-01-01 10:03"}\n')
    from_json = load_events(tmp_path / "e.jsonl", drop_missing_ids=True)
    from_csv = load_events(tmp_path / "e.csv", drop_missing_ids=True)
    pd.testing.assert_frame_equal(from_json, from_csv)
    assert "dropped 2 rows with an empty id" in from_json.attrs["notes"] == from_csv.attrs["notes"]
    with pytest.raises(EventLogError, match="column 'user_id', line 2: missing from this record"):
        load_events(tmp_path / "e.jsonl")


def test_an_empty_json_id_is_named_before_a_null_one_on_a_later_line(tmp_path):
    """The record check ran before the empty-id check, so a null id on line 3 was the error where
    line 2's id was already empty; the error now names the first line, and counts both."""
    (tmp_path / "e.jsonl").write_text('{"user_id": "", "item_id": 10, "ts": "2024-01-01 10:00"}\n'
                                      '{"user_id": null, "item_id": 11, "ts": "2024-01-01 10:01"}\n'
                                      '{"user_id": 1, "item_id": 12, "ts": "2024-01-01 10:02"}\n')
    with pytest.raises(EventLogError, match=r"column 'user_id', line 1: empty id \(2 rows in lines "
                                            r"1-3 have none"):
        load_events(tmp_path / "e.jsonl")
    assert len(load_events(tmp_path / "e.jsonl", drop_missing_ids=True)) == 1


@pytest.mark.parametrize("unit, per_second", [("ms", 10**3), ("us", 10**6), ("ns", 10**9)])
def test_epoch_times_in_any_unit_down_to_nanoseconds(tmp_path, unit, per_second):
    """Google Analytics 4 exports event_timestamp in microseconds; those were "not a plausible
    time in ms", and --time-unit offered only s and ms."""
    seconds = [1704103200, 1704103260, 1704189600]
    for name, scale in (("s.csv", 1), ("u.csv", per_second)):
        (tmp_path / name).write_text("user_id,item_id,ts\n" + "".join(
            f"1,{i},{s * scale}\n" for i, s in enumerate(seconds)))
    expected = load_events(tmp_path / "s.csv")
    for options in ({}, {"time_unit": unit}):
        got = load_events(tmp_path / "u.csv", **options)
        pd.testing.assert_frame_equal(got, expected)
    name = {"ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}[unit]
    assert f"ts: numbers read as {name} since 1970 (pass time_unit= / --time-unit to choose)" in \
        load_events(tmp_path / "u.csv").attrs["notes"]


def test_ids_a_spreadsheet_rounded_are_said_in_a_note(tmp_path):
    (tmp_path / "sci.csv").write_text("user_id,item_id,ts\n1.23457E+17,10,2024-01-01 10:00\n"
                                      "1.23457E+17,11,2024-01-01 10:01\n2,10,2024-01-02 10:00\n")
    notes = load_events(tmp_path / "sci.csv").attrs["notes"]
    assert "user_id: ids written in scientific notation ('1.23457E+17'): a spreadsheet rounded long " \
           "numbers, so ids that differed may now be one; export the column as text" in notes
    (tmp_path / "plain.csv").write_text(CLEAN)
    assert not any("scientific" in n for n in load_events(tmp_path / "plain.csv").attrs["notes"])


def test_ids_a_spreadsheet_rounded_are_said_once_in_a_file_read_in_blocks(tmp_path, monkeypatch):
    """Each block's note named its own first id, so a large file said it once per block."""
    from course_lib.datasets import own_data

    n = 3_000
    users = [f"{1 + i % 9}.2345{i % 10}E+17" for i in range(n)]
    pd.DataFrame({"user_id": users, "item_id": np.arange(n) % 7, "ts": pd.date_range(
        "2024-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M")}).to_csv(tmp_path / "sci.csv", index=False)
    monkeypatch.setattr(own_data, "CSV_BLOCK_BYTES", 4 << 10)
    notes = load_events(tmp_path / "sci.csv").attrs["notes"]
    assert [n for n in notes if "scientific notation" in n] == [
        "user_id: ids written in scientific notation ('1.23450E+17'): a spreadsheet rounded long "
        "numbers, so ids that differed may now be one; export the column as text"]


@pytest.mark.parametrize("before", ["\n", '"two\nlines"', '"three\n\nlines"', '"long\n' + "x" * 200_000 + '"'])
def test_an_error_names_the_files_line_after_blank_lines_and_fields_that_span_lines(tmp_path, before):
    """Records were numbered one line each: a blank line or a quoted field spanning lines above
    the bad value moved the line the error named. A field longer than Python's csv limit (131,072
    characters) made the search for the line crash."""
    text = ("user_id,item_id,ts,note\n1,10,2024-01-01 10:00:00,a\n" + ("\n" if before == "\n" else
            f"1,11,2024-01-01 10:01:00,{before}\n") + "1,12,2024-13-01 10:02:00,b\n")
    (tmp_path / "e.csv").write_text(text)
    line = text.splitlines().index("1,12,2024-13-01 10:02:00,b") + 1
    with pytest.raises(EventLogError, match=f"column 'ts', line {line}: cannot parse '2024-13-01"):
        load_events(tmp_path / "e.csv")


@pytest.mark.parametrize("bad, said", [("1,12", "2 fields where the header has 3"),
                                       ('1,"12,2024', "a quoted field opened on this line")])
def test_a_malformed_line_is_named_by_the_files_line_after_blank_lines(tmp_path, bad, said):
    """pyarrow numbers the rows it cannot read by record, not by line: they were taken as lines."""
    text = "user_id,item_id,ts\n1,10,2024-01-01 10:00:00\n\n\n" + bad + "\n"
    (tmp_path / "e.csv").write_text(text)
    with pytest.raises(EventLogError, match=f"e\\.csv, line 5: {said}"):
        load_events(tmp_path / "e.csv")


def test_gzip_csv(tmp_path):
    import gzip

    path = tmp_path / "e.csv.gz"
    path.write_bytes(gzip.compress(GOOD.encode()))
    assert len(load_events(path)) == 3


@pytest.mark.parametrize("name", ["log.csv.gz", "log.jsonl.gz"])
@pytest.mark.parametrize("share, whole_lines", [(0.5, True), (0.002, False)])
def test_a_gzip_file_cut_off_names_the_file_and_its_last_whole_line(tmp_path, name, share, whole_lines):
    """A download cut off halfway: the loader said "Truncated compressed stream" (CSV) or raised
    EOFError (JSON Lines), naming no file; DuckDB gave a traceback (tests/test_engines.py)."""
    import gzip

    n = 3000
    log = pd.DataFrame({"user_id": np.arange(n) % 50, "item_id": np.arange(n) % 17,
                        "timestamp": pd.date_range("2024-01-01", periods=n, freq="min").astype(str)})
    text = (log.to_csv(index=False) if name.endswith(".csv.gz") else
            log.to_json(orient="records", lines=True)).encode()
    data = gzip.compress(text)
    (tmp_path / name).write_bytes(data[:int(len(data) * share)])
    with gzip.open(tmp_path / name, "rb") as fh:   # what a reader gets before the break
        kept = []
        with pytest.raises(EOFError):
            for line in fh:
                kept.append(line)
    where = f"after line {len(kept):,}" if whole_lines else "within its first line"
    assert whole_lines == bool(kept)
    with pytest.raises(EventLogError, match=rf"{name}: the compressed file ends early, {where} \(was a "
                                            r"download or copy cut off\?\): fetch or copy it again$"):
        load_events(tmp_path / name)


@pytest.mark.parametrize("name", ["log.csv.gz", "log.jsonl.gz"])
@pytest.mark.parametrize("where", [0.05, 0.5])
def test_a_damaged_gzip_file_is_said_to_be_damaged_not_read_as_what_it_decodes_to(tmp_path, name, where):
    """A reviewer's find: 40 damaged bytes decode to garbage, which the JSON reader called "not
    valid JSON" and DuckDB "1 fields where the header has 3" (tests/test_engines.py), before any
    error of the gzip stream itself. Every reader now says the file is damaged."""
    import gzip

    n = 30_000
    log = pd.DataFrame({"user_id": np.arange(n) % 500, "item_id": np.arange(n) % 97,
                        "timestamp": pd.date_range("2024-01-01", periods=n, freq="min").astype(str)})
    text = log.to_csv(index=False) if name.endswith(".csv.gz") else log.to_json(orient="records", lines=True)
    data = bytearray(gzip.compress(text.encode()))
    start = int(len(data) * where)
    data[start:start + 40] = bytes(b ^ 0x5A for b in data[start:start + 40])
    (tmp_path / name).write_bytes(bytes(data))
    with pytest.raises(EventLogError, match=rf"{name}: the compressed file is damaged \(not valid gzip "
                                            r"data\): fetch or copy it again$"):
        load_events(tmp_path / name)


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
                       | st.integers(1, 999).map(lambda i: f" {i} ")
                       | st.sampled_from(["-0", "12.000", "999999999999999999", "17850."]),
                       max_size=20))
def test_integer_ids_written_as_text_become_the_same_int64(values):
    got = id_column(pd.Series(values, dtype="string", name="user_id"))
    want = pd.Series([int(float(v)) if "." in v else int(v) for v in values], dtype="int64",
                     name="user_id")
    pd.testing.assert_series_equal(got, want)


def test_ids_with_a_leading_zero_stay_text_so_05_and_5_stay_two_ids(tmp_path):
    events = load_events(write(tmp_path, "user,item,time\n1,05,2024-01-01 10:00\n1,5,2024-01-01 10:01\n"))
    assert events["item_id"].tolist() == ["05", "5"] and events["item_id"].nunique() == 2
    assert events["user_id"].dtype == "int64"  # the other ids are still integers


# --------------------------------------------------------------------------- #
# own data of every common shape

SALES = ("InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
         "1001,B,2,2024-01-01 10:00,1.5,\n"
         "1001,A,1,2024-01-01 10:00,2.0,\n"
         "1001,C,4,2024-01-01 10:00,3.0,\n"
         "C1002,A,-1,2024-01-01 11:00,2.0,17\n"
         "1000,Z,1,2024-01-01 09:00,2.0,17\n"
         "1003,D,3,2024-01-02 09:00,0.0,18\n")


def test_a_user_column_can_stay_out(tmp_path):
    """With the invoice as session, the empty CustomerID must not be guessed as the user."""
    path = write(tmp_path, SALES)
    with pytest.raises(EventLogError, match=r"column 'CustomerID', line 2: empty id"):
        load_events(path, session="InvoiceNo")
    events = load_events(path, session="InvoiceNo", exclude=["user"])
    assert (events["user_id"] == events["session_id"]).all()
    assert "user_id" not in events.attrs["columns"]
    assert "no user column: each session (InvoiceNo) is its own user" in events.attrs["notes"]
    # a usual name left out on purpose: the price too
    assert "price" not in load_events(path, session="InvoiceNo", exclude=["user", "price"]).columns


def test_basket_lines_keep_the_files_order(tmp_path):
    """One time for every line of an invoice, and a file not sorted by time: the order stays."""
    path = write(tmp_path, SALES)
    events = load_events(path, session="InvoiceNo", exclude=["user"])
    basket = events[events["session_id"].astype(str) == "1001"]
    assert basket["item_id"].tolist() == ["B", "A", "C"]
    assert events["timestamp"].is_monotonic_increasing  # and the late line 1000 moved first
    assert events["session_id"].astype(str).iloc[0] == "1000"
    from course_lib.prep.next_item import split_sessions

    split = split_sessions(events, events.iloc[:0])
    assert [split.vocab.decode(s).tolist() for s in split.train] == [["B", "A", "C"]]


def test_a_sales_log_without_an_event_column_is_read_as_purchases_and_says_so(tmp_path):
    events = load_events(write(tmp_path, SALES), session="InvoiceNo", exclude=["user"])
    assert set(events["event_type"].astype(str)) == {"purchase"}
    note = next(n for n in events.attrs["notes"] if n.startswith("no event-type column"))
    assert "'InvoiceNo'" in note and "--default-event view" in note
    assert events.attrs["default_event"] == "purchase"
    from course_lib.datasets import format_profile, profile_events

    assert "event column none: every row read as a purchase" in format_profile(profile_events(events))
    # the lines that cannot be sales are counted, with the option that drops them
    assert any("2 lines have a quantity or price of zero or less" in n and "--clean-sales" in n
               for n in events.attrs["notes"])


def test_quantities_other_than_one_suggest_sales_and_a_plain_log_reads_as_views(tmp_path):
    sold = write(tmp_path, "user,sku,ts,qty\n1,a,2024-01-01 10:00,3\n2,b,2024-01-02 10:00,1\n", "q.csv")
    events = load_events(sold)
    assert events.attrs["default_event"] == "purchase" and "quantities in 'qty'" in " ".join(
        events.attrs["notes"])
    viewed = write(tmp_path, "user,sku,ts,price\n1,a,2024-01-01 10:00,3\n2,b,2024-01-02 10:00,1\n", "v.csv")
    events = load_events(viewed)
    assert events.attrs["default_event"] == "view"
    assert any("--default-event purchase" in n for n in events.attrs["notes"])
    said = load_events(viewed, default_event="purchase")
    assert set(said["event_type"].astype(str)) == {"purchase"}
    assert "every event is a purchase (--default-event / default_event)" in " ".join(said.attrs["notes"])
    # a synonym reads as the type it names; a misspelt type was taken as a type of its own, and
    # every task that needs purchases was skipped without a word about why
    assert set(load_events(viewed, default_event="Order")["event_type"].astype(str)) == {"purchase"}
    with pytest.raises(EventLogError, match=r"v\.csv: --default-event \(default_event=\) 'purchse' is not an "
                                            r"event type \(did you mean 'purchase'\?\): choose view, cart or purchase$"):
        load_events(viewed, default_event="purchse")
    # a file with an event column has no default
    assert load_events(write(tmp_path, GOOD)).attrs["default_event"] is None


def test_clean_sales_drops_cancellations_returns_and_free_lines(tmp_path):
    events = load_events(write(tmp_path, SALES), session="InvoiceNo", exclude=["user"],
                         clean_sales=True)
    assert len(events) == 4 and (events["quantity"] > 0).all() and (events["price"] > 0).all()
    assert "C1002" not in set(events["session_id"].astype(str))
    assert any(n.startswith("dropped 2 lines with a quantity or price of zero or less")
               for n in events.attrs["notes"])


def test_rows_repeated_in_every_column_read_are_counted_and_dropped_on_request(tmp_path):
    path = write(tmp_path, GOOD + "u1,i2,2024-01-01 10:01:00,cart,3\nu1,i2,2024-01-01 10:01:00,cart,3\n")
    kept = load_events(path)
    assert len(kept) == 5
    assert "2 rows repeat an earlier row in every column read" in " ".join(kept.attrs["notes"])
    dropped = load_events(path, drop_duplicates=True)
    assert len(dropped) == 3 and dropped["timestamp"].is_monotonic_increasing
    assert "dropped 2 rows that repeated an earlier row" in " ".join(dropped.attrs["notes"])
    assert not any("repeat" in n for n in load_events(write(tmp_path, GOOD)).attrs["notes"])
    # a column the loader does not read is not compared: these rows differ only there
    other = tmp_path / "other.csv"
    other.write_text("user,item,time,note\nu1,i1,2024-01-01 10:00,x\nu1,i1,2024-01-01 10:00,y\n")
    assert any(n.startswith("1 row repeats an earlier row in every column read")
               for n in load_events(other).attrs["notes"])


def test_a_purchases_table_without_items_loads_for_churn_and_demand(tmp_path):
    """customer, date, amount: the classic purchase log (CDNOW-like)."""
    path = ROOT / "datasets" / "examples" / "cd_purchases.csv.gz"
    events = load_events(path, price="amount")
    check_canonical(events)
    assert "item_id" not in events.columns
    assert set(events["event_type"].astype(str)) == {"purchase"}
    assert any(n.startswith("no item column") and "--item" in n for n in events.attrs["notes"])
    from course_lib.datasets import format_profile, profile_events
    from course_lib.prep import daily_series
    from course_lib.prep.churn import churn_train_test

    assert "items        none (no item column)" in format_profile(profile_events(events))
    assert daily_series(events).sum() == len(events)
    train, test = churn_train_test(events, horizon_days=90)
    assert len(train) > 100 and 0 < test.base_rate < 1


def test_a_dataframe_loads_like_a_file(tmp_path):
    path = write(tmp_path, GOOD)
    frame = pd.read_csv(path)
    frame.attrs["source"] = "my table"
    from_frame = load_events(frame)
    from_file = load_events(path)
    pd.testing.assert_frame_equal(from_frame, from_file, check_exact=True)
    frame.loc[1, "timestamp"] = "later"
    with pytest.raises(EventLogError, match=r"^my table, column 'timestamp', row 2: cannot parse 'later'"):
        load_events(frame)


def test_detect_format_read_header_and_guess_columns(tmp_path):
    from course_lib.datasets import detect_format, guess_columns, read_header

    assert [detect_format(n) for n in ("a.csv", "a.csv.gz", "a.tsv", "a.parquet", "a.jsonl.gz",
                                       "a.json")] == ["csv", "csv", "csv", "parquet", "jsonl", "jsonl"]
    header = read_header(write(tmp_path, GOOD.replace(",", ";")), rows=2)
    assert header.columns == ["user_id", "item_id", "timestamp", "event_type", "price"]
    assert header.sep == ";" and header.preview["item_id"].tolist() == ["i1", "i2"]
    assert guess_columns(header.columns, exclude=["price"])["price"] is None
    assert guess_columns(header.columns, {"item": "price"})["item"] == "price"


def test_a_missing_column_gets_the_same_sentence_from_every_loader(tmp_path):
    from course_lib.datasets import load_series

    csv_path = write(tmp_path, "date,units\n2024-01-01,3\n", "s.csv")
    pd.read_csv(csv_path).to_parquet(tmp_path / "s.parquet")
    messages = []
    for path in (csv_path, tmp_path / "s.parquet"):
        with pytest.raises(EventLogError) as info:
            load_series(path, time="date", value="unit")
        messages.append(str(info.value).split(", ", 1)[1])
    with pytest.raises(EventLogError) as info:
        load_events(write(tmp_path, "date,units,user\n2024-01-01,3,u\n", "e.csv"), item="unit")
    assert messages[0] == messages[1] == "column 'unit': not found. Columns in the file: date, " \
                                          "units. Did you mean 'units'?"
    assert str(info.value).endswith("column 'unit': not found (mapped to item_id). Columns in the "
                                    "file: date, units, user. Did you mean 'units'?")


def test_a_broken_parquet_series_gets_one_sentence(tmp_path):
    """Not Parquet at all, a damaged column, a text value: file, column and row, never a traceback."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from course_lib.datasets import load_series

    not_parquet = write(tmp_path, "date,units\n2024-01-01,3\n", "series.parquet")
    with pytest.raises(EventLogError, match=r"series\.parquet: is not a readable Parquet file"):
        load_series(not_parquet, time="date", value="units")
    good = tmp_path / "good.parquet"
    n = 5000
    pq.write_table(pa.table({"date": pd.date_range("2020-01-01", periods=n, freq="D"),
                             "units": np.random.default_rng(0).normal(size=n)}), good,
                   compression="none", use_dictionary=False)
    data = bytearray(good.read_bytes())
    meta = pq.ParquetFile(good).metadata.row_group(0).column(1)
    start = meta.data_page_offset
    data[start + 10:start + 60] = b"\xff" * 50  # scramble the page header of 'units'
    damaged = tmp_path / "damaged.parquet"
    damaged.write_bytes(bytes(data))
    with pytest.raises(EventLogError) as info:
        load_series(damaged, time="date", value="units")
    assert str(info.value).startswith(f"{damaged}, column 'units'") and "damaged" in str(info.value)
    assert "\n" not in str(info.value)
    text = tmp_path / "text.parquet"
    pd.DataFrame({"date": ["2024-01-01", "2024-01-02"], "units": ["3", "lots"]}).to_parquet(text)
    with pytest.raises(EventLogError, match=r"column 'units', row 2: cannot read 'lots' as a number"):
        load_series(text, time="date", value="units")


def test_a_few_events_far_from_the_others_get_a_note(tmp_path):
    """20 events dated 2031 among 1,500 of 2024 (a wrong year) went unremarked: validate printed a
    span of 2,708 days, and forecast built a series of 2,709 days, nearly all zeros."""
    n = 1500
    times = pd.date_range("2024-01-01", periods=n, freq="90min")
    log = pd.DataFrame({"user_id": np.arange(n) % 60, "item_id": np.arange(n) % 13, "timestamp": times})
    log.loc[log.index[-20:], "timestamp"] = pd.Timestamp("2031-06-01 19:00")
    log.to_csv(tmp_path / "far.csv", index=False)
    notes = [n for n in load_events(tmp_path / "far.csv").attrs["notes"] if "far from the others" in n]
    assert notes == ["timestamp: 20 events lie far from the others (the middle half of the times runs from "
                     "2024-01-24 to 2024-03-11, the log from 2024-01-01 to 2031-06-01; e.g. 2031-06-01 "
                     "19:00:00): a wrong year or a default date? Each task cuts the log in time, so they "
                     "move its windows; fix or drop them"]
    # logs whose times are merely uneven get no such note: the shipped ones, a sparse weekly log
    weekly = log.assign(timestamp=pd.date_range("2021-01-04", periods=n, freq="W").repeat(1)[:n])
    shipped = [load_events(weekly),
               load_events(ROOT / "datasets" / "examples" / "cd_purchases.csv.gz", price="amount"),
               load_events(ROOT / "datasets" / "examples" / "boutique_events.csv.gz", user="shopper",
                           item="product_code", time="when", event="what")]
    assert not [n for e in shipped for n in e.attrs["notes"] if "far from the others" in n]
