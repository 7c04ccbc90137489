"""UCI Online Retail: shipped losslessly, found with no configuration, read through the one loader."""
from __future__ import annotations

import hashlib
import os
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from course_lib.datasets import (MissingDataError, find_online_retail, load_events, load_online_retail,
                                 online_retail_events)
from course_lib.datasets.schema import check_canonical
from course_lib.datasets.uci_retail import (EVENT_MAPPING, REPO_DATASETS, SHIPPED_NAME, SHIPPED_SHA256,
                                            online_retail_or_stand_in, read_online_retail_table,
                                            sha256, write_parquet_copy)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "datasets" / SHIPPED_NAME
CARD = (ROOT / "datasets" / "uci-online-retail.md").read_text()
SOURCE_CSV_SHA256 = "a9ca5fd62c79f74a778bbb7ece4f6b7ba98311165f51217026ce01b27700c907"


def card_value(label: str) -> str:
    """The first `code` on the data card's table row ``label``."""
    row = next(line for line in CARD.splitlines() if line.startswith(f"| {label} |"))
    return re.search(r"`([^`]+)`", row.split("|")[2]).group(1)


def test_the_shipped_file_is_the_one_the_data_card_describes():
    assert SHIPPED.is_file(), "datasets/online_retail.parquet is missing from the repository"
    assert sha256(SHIPPED) == card_value("sha256") == SHIPPED_SHA256
    assert f"{SHIPPED.stat().st_size:,} bytes" in CARD
    assert SHIPPED.stat().st_size < 5 * 2**20
    assert SOURCE_CSV_SHA256 in CARD


def test_the_shipped_file_is_tracked_by_git():
    ignore = (ROOT / ".gitignore").read_text().splitlines()
    assert f"!/datasets/{SHIPPED_NAME}" in ignore


def test_the_shipped_copy_writes_back_the_source_csv_byte_for_byte():
    """Lossless: every line, in order, every field as written (no source file needed)."""
    frame = pd.read_parquet(SHIPPED)
    frame["Quantity"] = frame["Quantity"].astype("float64")   # the source writes 6.0
    frame["CustomerID"] = frame["CustomerID"].astype("float64")
    text = frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d %H:%M:%S")
    assert hashlib.sha256(text.encode()).hexdigest() == SOURCE_CSV_SHA256


def _source() -> Path | None:
    """The UCI source (zip, .xlsx or the CSV), where a maintainer keeps it."""
    if os.environ.get("ONLINE_RETAIL_SOURCE"):
        return Path(os.environ["ONLINE_RETAIL_SOURCE"])
    folder = os.environ.get("COURSE_DATA_DIR")
    for name in ("online_retail.csv.gz", "online+retail.zip", "Online Retail.xlsx"):
        if folder and (Path(folder) / name).is_file():
            return Path(folder) / name
    return None


@pytest.mark.slow
def test_the_rebuild_script_gives_the_shipped_bytes(tmp_path):
    source = _source()
    if source is None:
        pytest.skip("the UCI source is not on this machine: set ONLINE_RETAIL_SOURCE (or "
                    "COURSE_DATA_DIR) to the zip, .xlsx or online_retail.csv.gz to check the rebuild")
    import pyarrow

    rebuilt = write_parquet_copy(source, tmp_path / SHIPPED_NAME)
    assert read_online_retail_table(rebuilt).equals(read_online_retail_table(SHIPPED))
    pinned = re.search(r"\| written by \| pyarrow (\d+\.\d+\.\d+)", CARD).group(1)
    if pyarrow.__version__ != pinned:
        pytest.skip(f"values identical; the bytes depend on the pyarrow version ({pinned} wrote the "
                    f"shipped file, this is {pyarrow.__version__})")
    assert sha256(rebuilt) == sha256(SHIPPED)
    with pytest.raises(FileExistsError):
        write_parquet_copy(source, rebuilt)
    assert not list(tmp_path.glob("*.partial"))


def test_the_excel_and_zip_forms_read_the_same_values(tmp_path):
    """The UCI .xlsx types its numbers (InvoiceNo 536365 is a number there); the values agree."""
    table = read_online_retail_table(SHIPPED).slice(0, 300)
    frame = table.to_pandas()
    for column in ("InvoiceNo", "StockCode"):  # Excel holds the all-digit codes as numbers
        frame[column] = [int(v) if v.isdigit() else v for v in frame[column]]
    frame["CustomerID"] = frame["CustomerID"].astype("float64")
    xlsx = tmp_path / "Online Retail.xlsx"
    frame.to_excel(xlsx, index=False)
    assert read_online_retail_table(xlsx).equals(table)
    with zipfile.ZipFile(tmp_path / "online+retail.zip", "w") as zf:
        zf.write(xlsx, "Online Retail.xlsx")
    assert read_online_retail_table(tmp_path / "online+retail.zip").equals(table)


def test_a_csv_that_is_not_lossless_is_refused(tmp_path):
    bad = tmp_path / "online_retail.csv"
    bad.write_text("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
                   "536365,85123A,HEART,6.5,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n")
    with pytest.raises(Exception, match=r"column 'Quantity', line 2: '6.5' is not a whole number"):
        read_online_retail_table(bad)


def test_found_with_no_configuration(monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    assert find_online_retail() == REPO_DATASETS / SHIPPED_NAME


def test_course_data_dir_takes_precedence(monkeypatch, tmp_path):
    (tmp_path / "online_retail.csv").write_text("x\n")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert find_online_retail() == tmp_path / "online_retail.csv"


def test_missing_data_says_where_to_get_it_in_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("course_lib.datasets.uci_retail.REPO_DATASETS", tmp_path / "datasets")
    with pytest.raises(MissingDataError) as info:
        find_online_retail()
    message = str(info.value)
    assert "archive.ics.uci.edu" in message and str(tmp_path) in message
    assert "COURSE_DATA_DIR" in message and "\n" not in message


@pytest.fixture(scope="module")
def raw():
    return load_online_retail()


def test_raw_lines_are_all_there_and_typed(raw):
    assert len(raw) == 541_909
    assert raw["InvoiceDate"].min().strftime("%Y-%m-%d") == "2010-12-01"
    assert raw["InvoiceDate"].max().strftime("%Y-%m-%d") == "2011-12-09"
    assert int(raw["CustomerID"].isna().sum()) == 135_080
    assert int(raw["is_cancellation"].sum()) == 9_288
    assert (raw.loc[raw["is_cancellation"], "InvoiceNo"].str[0] == "C").all()
    assert str(raw["CustomerID"].dtype) == "Int64" and str(raw["Quantity"].dtype) == "int64"


def test_purchase_events_drop_cancellations_and_guests_explicitly(raw):
    known = online_retail_events(raw, customers="known")
    check_canonical(known)
    assert len(known) == 397_884  # the figure the literature reports after this cleaning
    assert known["user_id"].nunique() == 4_338
    assert known["item_id"].nunique() == 3_665
    assert (known["quantity"] > 0).all() and (known["price"] > 0).all()
    notes = " ".join(known.attrs["notes"])
    assert "dropped 135,080 rows with an empty id" in notes
    assert "dropped 8,945 lines with a quantity or price of zero or less" in notes
    everyone = online_retail_events(raw, customers="all")
    assert len(everyone) == 530_104  # 541,909 - 11,805 (the data card's table)
    assert (everyone["user_id"] == everyone["session_id"]).all()  # every invoice its own buyer
    assert (known["event_type"] == "purchase").all()


def test_lesson_and_command_line_see_the_same_rows(raw):
    """Lesson 09 (online_retail_events) and `course-lib report` with the data card's options."""
    from course_lib.cli import build_parser, load_from_args

    lesson = online_retail_events(raw)
    args = build_parser().parse_args([
        "validate", str(SHIPPED), "--user", "CustomerID", "--session", "InvoiceNo", "--item",
        "StockCode", "--time", "InvoiceDate", "--price", "UnitPrice", "--quantity", "Quantity",
        "--default-event", "purchase", "--clean-sales", "--drop-missing-ids"])
    command_line = load_from_args(args)
    pd.testing.assert_frame_equal(lesson, command_line, check_exact=True)
    from_file = online_retail_events()  # the lessons' own call, on the shipped file
    pd.testing.assert_frame_equal(from_file, command_line, check_exact=True)
    assert lesson.attrs["notes"] == command_line.attrs["notes"]
    everyone = load_events(SHIPPED, **{k: v for k, v in EVENT_MAPPING.items() if k != "user"},
                           exclude=["user"], default_event="purchase", clean_sales=True)
    pd.testing.assert_frame_equal(online_retail_events(customers="all"), everyone, check_exact=True)


def test_baskets_keep_the_invoice_line_order(raw):
    """All lines of an invoice share one time: the loader keeps them in the file's order."""
    events = online_retail_events(raw, customers="all")
    first = raw[raw["InvoiceNo"] == "536365"]["StockCode"].tolist()
    assert events.loc[events["session_id"].astype(str) == "536365", "item_id"].tolist() == first
    assert len(first) == 7 and first != sorted(first)


def test_without_the_file_a_lesson_says_one_sentence_and_goes_on(tmp_path, monkeypatch):
    from course_lib.prep import daily_series, trading_days
    from course_lib.prep.churn import churn_train_test
    from course_lib.prep.next_item import validation_and_test_splits

    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("course_lib.datasets.uci_retail.REPO_DATASETS", tmp_path / "datasets")
    said = []
    retail = online_retail_or_stand_in(customers="all", say=said.append)
    assert len(said) == 1 and "\n" not in said[0] and said[0].endswith(".")
    assert "synthetic shop" in said[0] and "git checkout datasets/online_retail.parquet" in said[0]
    check_canonical(retail)
    # what lessons 01-04 do with it: orders per trading day, Sunday to Friday (m = 6)
    orders = trading_days(daily_series(retail, value="sessions"), start="2011-01-04")
    assert len(orders) > 150 + 6 * 10 and orders.index.day_of_week.nunique() == 6
    # what lesson 09 does with it: baskets split by time, churn at 90 days
    known = online_retail_or_stand_in(say=said.append)
    valid, test = validation_and_test_splits(known, test_days=28, valid_days=28)
    assert len(test.test) > 50 and len(valid.test) > 50
    train, churn_test = churn_train_test(known, horizon_days=90)
    assert len(train) > 100 and 0 < churn_test.base_rate < 1
