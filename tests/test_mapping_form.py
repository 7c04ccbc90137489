"""Lesson 10's column-mapping form, used headless; and the shipped example log it is shown on."""
from __future__ import annotations

import gzip
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from course_lib.datasets import EventLogError, load_events
from course_lib.course.mapping_form import column_mapping_form
from course_lib.datasets.own_data import guess_columns
from cli_runner import course_lib_command

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "boutique_events.csv.gz"
DATA = Path(os.environ.get("COURSE_DATA_DIR", "../shared/data"))
OTTO = DATA / "otto_sample_sessions.jsonl"
EXAMPLE_MAPPING = {"user": "shopper", "item": "product_code", "time": "when", "event": "what",
                   "price": "unit_price", "category": "dept", "quantity": "qty",
                   "time_format": "%d/%m/%Y %H:%M:%S"}


def digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@pytest.fixture()
def example(tmp_path):
    """A copy of the shipped example, so that no test can touch the original."""
    path = tmp_path / "boutique_events.csv.gz"
    shutil.copy(EXAMPLE, path)
    return path


def fill(form, mapping: dict) -> None:
    """Set the form's widgets the way a learner would click them."""
    for keyword, value in mapping.items():
        if keyword in form.dropdowns:
            form.dropdowns[keyword].value = value
        elif keyword == "time_format":
            form.time_format.value = value
        elif keyword == "time_unit":
            form.time_unit.value = value
        elif keyword == "session_gap":
            form.session_gap.value = value
        elif keyword == "default_event":
            form.default_event.value = value
        elif keyword == "drop_missing_ids":
            form.drop_missing_ids.value = value
        elif keyword == "clean_sales":
            form.clean_sales.value = value
        elif keyword == "drop_duplicates":
            form.drop_duplicates.value = value


def test_the_form_is_prefilled_with_the_loaders_guesses(example):
    form = column_mapping_form(example)
    assert form.header == ["when", "shopper", "what", "product_code", "dept", "unit_price", "qty"]
    assert form.dropdowns["price"].value == "unit_price" and form.dropdowns["quantity"].value == "qty"
    assert form.dropdowns["user"].value == "(none)"
    assert form.dropdowns["item"].value == "(none)"  # optional: a purchases table has none
    assert form.dropdowns["time"].value == "(choose a column)"
    assert form.mapping == {"price": "unit_price", "quantity": "qty"}
    assert list(form.preview.columns) == form.header and len(form.preview) == 5
    assert guess_columns(["CustomerID", "StockCode", "InvoiceDate"]) == {
        "user": "CustomerID", "session": None, "item": "StockCode", "time": "InvoiceDate",
        "event": None, "price": None, "category": None, "quantity": None, "treatment": None}
    assert guess_columns(["CustomerID", "InvoiceNo"], {"session": "InvoiceNo"}, exclude=["user"]) == {
        "user": None, "session": "InvoiceNo", "item": None, "time": None, "event": None,
        "price": None, "category": None, "quantity": None, "treatment": None}


def test_validate_succeeds_and_agrees_with_load_events(example):
    before = digest(example)
    form = column_mapping_form(example)
    fill(form, EXAMPLE_MAPPING)
    assert form.mapping == EXAMPLE_MAPPING
    events = form.validate()
    assert isinstance(events, pd.DataFrame) and form.error is None and form.events is events
    pd.testing.assert_frame_equal(events, load_events(example, **EXAMPLE_MAPPING), check_exact=True)
    assert set(events["event_type"].astype(str)) == {"view", "cart", "purchase"}
    assert "valid event log" in form.message and "note: no session column" in form.message
    assert f"{len(events):,}" in form.status.value
    assert digest(example) == before


def test_validate_shows_the_loaders_one_line_error(example):
    before = digest(example)
    form = column_mapping_form(example)
    # a wrong time format (month first: the file's days come first)
    fill(form, {**EXAMPLE_MAPPING, "time_format": "%m/%d/%Y %H:%M:%S"})
    error = form.validate()
    assert isinstance(error, EventLogError) and form.events is None
    days = pd.read_csv(example, usecols=["when"])["when"].str[:2].astype(int)
    assert error.column == "when" and error.line == int((days > 12).to_numpy().argmax()) + 2
    assert "\n" not in form.message and "time_format" in form.message
    assert "cannot parse" in form.status.value
    # the button runs the same validation
    form.time_format.value = EXAMPLE_MAPPING["time_format"]
    form.button.click()
    assert form.error is None and form.events is not None
    assert digest(example) == before


def test_a_required_column_left_unchosen_is_named(example):
    form = column_mapping_form(example)
    error = form.validate()
    assert isinstance(error, EventLogError) and "time" in str(error) and "dropdown" in str(error)


def test_none_leaves_an_optional_column_out_even_under_a_usual_name(example):
    form = column_mapping_form(example)
    fill(form, {**EXAMPLE_MAPPING, "price": "(none)"})
    events = form.validate()
    assert "price" not in events.columns and "price" not in events.attrs["columns"]
    namespace = {"load_events": load_events}
    exec(form.code(), namespace)
    pd.testing.assert_frame_equal(namespace["events"], events, check_exact=True)


def test_none_leaves_out_an_identity_column_the_loader_would_find(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("user_id,item_id,ts,event\n1,7,2024-01-01 10:00:00,view\n1,8,2024-01-01 10:01:00,cart\n")
    form = column_mapping_form(path)
    assert form.mapping == {"user": "user_id", "item": "item_id", "time": "ts", "event": "event"}
    form.dropdowns["event"].value = "(none)"
    form.dropdowns["user"].value = "(none)"
    form.dropdowns["session"].value = "user_id"
    assert form.mapping["exclude"] == ["user", "event"]
    events = form.validate()
    assert set(events["event_type"].astype(str)) == {"view"}  # guessed, and said in a note
    assert "no event-type column" in form.message and "no user column" in form.message
    assert "--no-user --no-event" in form.command("validate")
    namespace = {"load_events": load_events}
    exec(form.code(), namespace)
    pd.testing.assert_frame_equal(namespace["events"], events, check_exact=True)


def test_the_command_the_form_writes_prints_what_the_form_shows(example):
    """Run the generated `course-lib validate` line: its profile and notes are the form's."""
    form = column_mapping_form(example)
    fill(form, {**EXAMPLE_MAPPING, "price": "(none)", "clean_sales": True, "default_event": "view"})
    form.dropdowns["event"].value = "(none)"
    events = form.validate()
    assert isinstance(events, pd.DataFrame), form.message
    argv = shlex.split(form.command("validate"))
    assert argv[:2] == ["course-lib", "validate"] and "--no-price" in argv and "--clean-sales" in argv
    result = course_lib_command(*argv[1:])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == form.message.splitlines()[1:]


def test_the_command_line_the_form_writes_loads_the_same_events(example):
    from course_lib.cli import build_parser, load_from_args

    form = column_mapping_form(example)
    fill(form, {**EXAMPLE_MAPPING, "session_gap": "45min", "drop_missing_ids": True})
    events = form.validate()
    args = build_parser().parse_args(shlex.split(form.command("validate"))[1:])
    pd.testing.assert_frame_equal(load_from_args(args), events, check_exact=True)
    assert form.command("report", out="my report/").endswith("--out 'my report/'")


def test_duplicated_rows_are_counted_and_the_checkbox_drops_them(tmp_path):
    """The form offers what --drop-duplicates does, and its code and command say it too."""
    from course_lib.cli import build_parser, load_from_args

    log = tmp_path / "twice.csv"
    log.write_text("user,item,time\n1,a,2024-01-01 10:00\n1,a,2024-01-01 10:00\n1,b,2024-01-01 10:05\n")
    form = column_mapping_form(log)
    assert len(form.validate()) == 3 and "1 row repeats an earlier row in every column read" in form.message
    fill(form, {"drop_duplicates": True})
    events = form.validate()
    assert len(events) == 2 and "dropped 1 row that repeated an earlier row" in form.message
    assert form.code().endswith("drop_duplicates=True)") and "--drop-duplicates" in form.command("validate")
    args = build_parser().parse_args(shlex.split(form.command("validate"))[1:])
    pd.testing.assert_frame_equal(load_from_args(args), events, check_exact=True)


def test_parquet_and_flat_json_lines(tmp_path):
    frame = pd.DataFrame({"visitorid": [1, 1, 2], "itemid": [10, 11, 10],
                          "timestamp": [1_700_000_000_000, 1_700_000_060_000, 1_700_000_100_000],
                          "event": ["view", "addtocart", "view"]})
    parquet = tmp_path / "log.parquet"
    frame.to_parquet(parquet)
    jsonl = tmp_path / "log.jsonl"
    frame.to_json(jsonl, orient="records", lines=True)
    for path in (parquet, jsonl):
        form = column_mapping_form(path)
        assert form.mapping == {"user": "visitorid", "item": "itemid", "time": "timestamp", "event": "event"}
        form.time_unit.value = "ms"
        events = form.validate()
        assert len(events) == 3 and events["timestamp"].min() == pd.Timestamp("2023-11-14 22:13:20")


@pytest.mark.skipif(not OTTO.exists(), reason="no shared data")
def test_the_otto_format_is_recognised_without_help(tmp_path):
    path = tmp_path / "otto.jsonl"
    shutil.copy(OTTO, path)
    form = column_mapping_form(path)
    assert form.mapping == {"session": "session", "item": "aid", "time": "ts", "event": "type"}
    events = form.validate()
    assert len(events) == 862 and events["session_id"].nunique() == 20


def test_a_file_the_loader_cannot_read_raises_its_error(tmp_path):
    with pytest.raises(EventLogError, match="no such file"):
        column_mapping_form(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(EventLogError, match="empty"):
        column_mapping_form(empty)


def test_the_widget_can_be_built_for_display(example):
    import ipywidgets as widgets

    form = column_mapping_form(example)
    assert isinstance(form.widget, widgets.VBox)
    boxes = [w for w in form.widget.children if isinstance(w, widgets.HBox)]
    assert sum(len(b.children) for b in boxes[:2]) == 9      # one dropdown per column role


# --------------------------------------------------------------------------- #
# the shipped example log

def test_the_example_is_small_and_regenerates_identically(tmp_path):
    assert EXAMPLE.stat().st_size < 500_000
    out = tmp_path / "again.csv.gz"
    purchases = tmp_path / "purchases.csv.gz"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_example_data.py"), "--out", str(out),
                             "--purchases-out", str(purchases)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert gzip.decompress(out.read_bytes()) == gzip.decompress(EXAMPLE.read_bytes())
    # header: magic, deflate, no flags (no file name), mtime 0: the same bytes on every run
    assert EXAMPLE.read_bytes()[:8] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00"
    assert out.read_bytes() == EXAMPLE.read_bytes()
    shipped = ROOT / "datasets" / "examples" / "cd_purchases.csv.gz"
    assert purchases.read_bytes() == shipped.read_bytes() and shipped.stat().st_size < 100_000


def test_the_example_needs_a_mapping_and_a_time_format():
    with pytest.raises(EventLogError, match="no column for user_id or session_id"):
        load_events(EXAMPLE)
    events = load_events(EXAMPLE, **EXAMPLE_MAPPING)
    # without the format its days above 12 decide it: day first, and a note says so
    no_format = load_events(EXAMPLE, **{k: v for k, v in EXAMPLE_MAPPING.items() if k != "time_format"})
    pd.testing.assert_frame_equal(no_format, events, check_exact=True)
    assert "when: dates read day first, as '%d/%m/%Y %H:%M:%S'" in no_format.attrs["notes"][0]
    assert 15_000 <= len(events) <= 20_000
    weeks = (events["timestamp"].max() - events["timestamp"].min()) / pd.Timedelta(weeks=1)
    assert 12 <= weeks <= 14
    assert events.attrs["notes"] == ["no session column: sessions cut after 30min of inactivity"]
