"""Load your own event log into the canonical event table (lessons 00 and 10).

``load_events(path, user=..., item=..., time=...)`` reads CSV (also .tsv and
.gz), Parquet and JSON Lines (flat records, or OTTO's nested
``{"session": .., "events": [{"aid", "ts", "type"}]}`` format), keeps only the
mapped columns, and checks everything a later lesson relies on. Anything
wrong raises one :class:`~course_lib.datasets.schema.EventLogError` whose
message names the file, the column and the row. The file itself is only read,
never written. The real data sets go through it too (``online_retail_events``),
so a lesson and ``course-lib`` see the same rows.

The steps are public for tools that look at a file before loading it (lesson
10's form): :func:`detect_format`, :func:`read_header` and
:func:`guess_columns` (with ``exclude=``, the columns to leave out).

CSV files are streamed in blocks through pyarrow, so a large file costs the
memory of the mapped columns only, not of the whole file.
"""
from __future__ import annotations

import csv
import difflib
import gzip
import io
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from course_lib.datasets.schema import (EVENT_SYNONYMS, EventLogError, id_column,
                                       normalise_event_types)

#: Names we look for when a column is not mapped explicitly (case-insensitive).
ALIASES = {
    "user_id": ["user_id", "user", "userid", "customer_id", "customerid", "visitor_id",
                "visitorid", "client_id"],
    "session_id": ["session_id", "session", "sessionid", "visit_id"],
    "item_id": ["item_id", "item", "itemid", "product_id", "productid", "sku", "aid",
                "stockcode"],
    "timestamp": ["timestamp", "time", "ts", "event_time", "datetime", "date", "invoicedate"],
    "event_type": ["event_type", "event", "type", "action"],
    "price": ["price", "unit_price", "unitprice"],
    "category": ["category", "category_id", "category_code"],
    "quantity": ["quantity", "qty"],
    "treatment": ["treatment", "treated", "is_treated", "is_treatment", "exposed", "variant"],
}

#: keyword of :func:`load_events` (and ``--KEYWORD`` of ``course-lib``) -> canonical column
KEYWORDS = {"user": "user_id", "session": "session_id", "item": "item_id", "time": "timestamp",
            "event": "event_type", "price": "price", "category": "category", "quantity": "quantity",
            "treatment": "treatment"}

#: values of a treatment column (case-insensitive; empty: not an assignment row)
TREATMENT_VALUES = {"1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0, "true": 1.0, "false": 0.0,
                    "yes": 1.0, "no": 0.0, "treatment": 1.0, "treated": 1.0, "control": 0.0}
#: what an assignment row (a customer sent the coupon or held out) holds where it has no value
CAMPAIGN_EVENT, CAMPAIGN_ITEM = "campaign", "0"

#: Column names that mark a sales log (an invoice or order number, a money amount).
SALES_NAMES = re.compile(r"^(invoice.*|order|order_?(id|no|number)|transaction_?(id|no)?|"
                         r"receipt.*|amount|revenue|sales|total|total_?amount)$")

_NUMERIC = re.compile(r"^\s*-?\d+(\.\d*)?\s*$")


def detect_format(path) -> str:
    """``"csv"`` (also .tsv, .txt, .gz), ``"parquet"`` or ``"jsonl"``, decided by the file name."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes[-1:] in ([".parquet"], [".pq"]):
        return "parquet"
    if any(s in (".jsonl", ".ndjson", ".json") for s in suffixes):
        return "jsonl"
    return "csv"


def _keyword(name: str) -> str:
    """``"user"`` or ``"user_id"`` -> ``"user"`` (an error for anything else)."""
    for keyword, canon in KEYWORDS.items():
        if name in (keyword, canon):
            return keyword
    raise ValueError(f"unknown column role {name!r}; choose from {', '.join(KEYWORDS)}")


def guess_columns(header: list[str], mapping: dict | None = None, exclude=()) -> dict[str, str | None]:
    """keyword -> the column :func:`load_events` uses (``None``: none), from the header alone.

    ``mapping`` (keyword -> column) wins; a keyword in ``exclude`` gets no
    column even when the file has one under a usual name; every other
    keyword gets the first column whose name is one of its usual names
    (:data:`ALIASES`, case-insensitive). Lesson 10's form is pre-filled with it.
    """
    mapping = {_keyword(k): v for k, v in (mapping or {}).items() if v is not None}
    excluded = {_keyword(k) for k in exclude}
    lower = {h.strip().lower(): h for h in header}
    guesses = {}
    for keyword, canon in KEYWORDS.items():
        if keyword in mapping:
            guesses[keyword] = mapping[keyword]
        elif keyword in excluded:
            guesses[keyword] = None
        else:
            guesses[keyword] = next((lower[a] for a in ALIASES[canon] if a in lower), None)
    return guesses


def column_not_found(path, column: str, header: list[str], role: str = "") -> EventLogError:
    """The one error for a column name that is not in the file (with the closest name)."""
    near = difflib.get_close_matches(column, header, n=1)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    return EventLogError(f"not found{f' (mapped to {role})' if role else ''}. Columns in the file: "
                         f"{', '.join(header[:20])}.{hint}", path=path, column=column)


@dataclass
class ColumnMap:
    """Which column of the file holds each canonical column (``None``: absent)."""

    user_id: str | None = None
    session_id: str | None = None
    item_id: str | None = None
    timestamp: str | None = None
    event_type: str | None = None
    price: str | None = None
    category: str | None = None
    quantity: str | None = None
    treatment: str | None = None
    explicit: set = field(default_factory=set)
    header: list = field(default_factory=list)

    def items(self):
        return [(k, getattr(self, k)) for k in ALIASES if getattr(self, k) is not None]


def resolve_columns(path, header: list[str], mapping: dict[str, str | None],
                    exclude=()) -> ColumnMap:
    """Match the file's header against the mapping and the usual aliases (:func:`guess_columns`)."""
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise EventLogError(f"the header names {', '.join(map(repr, dupes))} more than once; "
                            "give every column a distinct name", path=path, line=1)
    mapping = {_keyword(k): v for k, v in mapping.items() if v is not None}
    both = sorted(set(mapping) & {_keyword(k) for k in exclude})
    if both:
        raise EventLogError(f"{both[0]} is both mapped (to {mapping[both[0]]!r}) and excluded; "
                            "choose one", path=path)
    if "time" in {_keyword(k) for k in exclude}:
        raise EventLogError("the time cannot be excluded: every event needs one", path=path)
    for keyword, column in mapping.items():
        if column not in header:
            raise column_not_found(path, column, header, KEYWORDS[keyword])
    found = ColumnMap(header=list(header))
    for keyword, column in guess_columns(header, mapping, exclude).items():
        setattr(found, KEYWORDS[keyword], column)
    found.explicit = {KEYWORDS[k] for k in mapping}
    missing = [] if found.timestamp else ["timestamp"]
    if found.user_id is None and found.session_id is None:
        missing.insert(0, "user_id or session_id")
    if missing:
        what = missing[0]
        option = {"timestamp": "--time / time="}.get(what, "--user / user= or --session / session=")
        lower = {h.strip().lower(): h for h in header}
        near = difflib.get_close_matches(what.split(" ")[0], list(lower), n=1)
        hint = f" The closest is {lower[near[0]]!r}." if near else ""
        raise EventLogError(
            f"no column for {what}. Columns in the file: {', '.join(header[:20])}."
            f"{hint} Map it with {option}.", path=path, column=what)
    return found


# --------------------------------------------------------------------------- #
# CSV

def check_encoding(encoding: str, path=None) -> None:
    """One error for a text encoding Python does not know (``--encoding``, ``encoding=``)."""
    import codecs

    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise EventLogError(f"--encoding (encoding=) {encoding!r} is not a text encoding Python "
                            "knows; try utf-8, latin-1 or cp1252", path=path) from None


def damaged_gzip(path) -> EventLogError | None:
    """The error on a gzip file that ends before its end-of-stream marker (a download or copy
    cut off) or holds bytes that are no gzip data, naming the last whole line; ``None`` if the
    file reads to its end. Loader and engines, on their error path only (it reads the file)."""
    import zlib

    lines = 0
    try:
        with gzip.open(path, "rb") as fh:
            for lines, _ in enumerate(fh, start=1):
                pass
    except EOFError:
        where = f"after line {lines:,}" if lines else "within its first line"
        return EventLogError(f"the compressed file ends early, {where} (was a download or copy "
                             "cut off?): fetch or copy it again", path=path)
    except (OSError, zlib.error):   # the lines read before may be garbage: none is named
        return EventLogError("the compressed file is damaged (not valid gzip data): fetch or "
                             "copy it again", path=path)
    return None


def _is_gzip(path) -> bool:
    return Path(path).suffix.lower() == ".gz"


def raise_if_damaged(path) -> None:
    """On a reader's error in a gzip file: the file's own fault (cut off, damaged) is said, not
    what its broken bytes decoded to (:func:`load_events` on any of its errors, the header's
    reader, the engines; reads the file once more)."""
    damaged = _is_gzip(path) and damaged_gzip(path)
    if damaged:
        raise damaged from None


def _open_text(path: Path, encoding: str):
    if _is_gzip(path):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


#: the first bytes of files that are read as CSV by their name but are not text
_NOT_TEXT = {b"PK\x03\x04": ("an Excel workbook (.xlsx) or a zip archive: save the sheet as CSV "
                              "(UTF-8) or Parquet, or unzip the archive and pass the file inside"),
             b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls): save the sheet as CSV (UTF-8) or Parquet",
             b"PAR1": "a Parquet file: give it the name ending .parquet"}


def _check_is_text(path: Path) -> None:
    """A workbook, an archive or a Parquet file named like a CSV file: one sentence saying what
    it is, instead of an encoding error and a header of binary."""
    if _is_gzip(path):
        return
    with open(path, "rb") as fh:
        start = fh.read(4)
    for magic, what in _NOT_TEXT.items():
        if start.startswith(magic):
            raise EventLogError(f"is {what}", path=path)


def _enc_name(encoding: str) -> str:
    return "UTF-8" if encoding.lower().replace("-", "").replace("_", "") == "utf8" else encoding


def _first_bad_utf8_line(path: Path, encoding: str) -> tuple[int, str] | None:
    """Line number (1-based) of the first line that does not decode."""
    opener = gzip.open if _is_gzip(path) else open
    with opener(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as exc:
                return number, f"byte 0x{raw[exc.start]:02x} at position {exc.start + 1}"
    return None


#: a separator as a shell passes it: --sep '\t' arrives as a backslash and a t
_SEPARATOR_NAMES = {"\\t": "\t", "tab": "\t", "TAB": "\t", "semicolon": ";", "comma": ","}


def _separator(sep: str | None, path) -> str | None:
    """``sep`` as one character (``"\\t"`` and ``"tab"`` are a tab), or one clear error."""
    if sep is None:
        return None
    sep = _SEPARATOR_NAMES.get(sep, sep)
    if len(sep) != 1:
        raise EventLogError(f"the separator must be one character, not {sep!r} (a tab is "
                            "--sep '\\t' or --sep tab)", path=path)
    return sep


def _csv_header(path: Path, sep: str | None, encoding: str) -> tuple[list[str], str]:
    """The column names and the separator of a CSV file. Names are trimmed (``user_id, item_id``)
    and a byte-order mark is dropped before the header is parsed, so that a quoted first name
    stays a name; an empty name (a spreadsheet's trailing separators) is named by its position."""
    sep = _separator(sep, path)
    _check_is_text(path)
    try:
        with _open_text(path, encoding) as fh:
            sample = fh.read(64 * 1024)
    except UnicodeDecodeError:
        raise_if_damaged(path)
        bad = _first_bad_utf8_line(path, encoding)
        line, what = bad if bad else (1, "")
        raise EventLogError(f"not valid {_enc_name(encoding)} ({what}); save the file as "
                            "UTF-8 or pass --encoding latin-1 (encoding='latin-1')", path=path,
                            line=line)
    except (OSError, EOFError) as exc:
        raise_if_damaged(path)
        raise EventLogError(f"cannot be read ({exc})", path=path) from None
    if not sample.strip():
        raise EventLogError("the file is empty", path=path)
    first_line = sample.splitlines()[0].lstrip("\ufeff")
    if sep is None:
        counts = {d: first_line.count(d) for d in [",", ";", "\t", "|"]}
        sep = max(counts, key=counts.get) if max(counts.values()) > 0 else ","
    header = next(csv.reader([first_line], delimiter=sep))
    header = [h.strip() or f"(unnamed column {i + 1})" for i, h in enumerate(header)]
    if len(header) == 1:
        others = {d: first_line.count(d) for d in [",", ";", "\t", "|"] if d != sep}
        best = max(others, key=others.get)
        if others[best] > 0:
            name = {"\t": "a tab ('\\t')"}.get(best, repr(best))
            raise EventLogError(
                f"with separator {sep!r} the header is one column ({first_line[:60]!r}); the file "
                f"looks separated by {name}: pass sep= / --sep accordingly", path=path, line=1)
    if len(sample.splitlines()) < 2 and len(sample) < 64 * 1024:
        raise EventLogError("the file has a header but no rows", path=path)
    return header, sep


def physical_lines(path: Path, encoding: str, sep: str,
                   record_lines: list[int]) -> list[tuple[int, int]]:
    """The lines where the records numbered ``record_lines`` start and end (the loader numbers
    records from 2, one line each, as pyarrow, DuckDB and Spark read them: blank lines skipped),
    in one reading of the file. A blank line or a quoted field spanning lines before a record
    moves it down; a quoted field spanning lines inside it ends it further down. Read only for
    an error message."""
    found = {}
    wanted, last = set(record_lines), max(record_lines)
    limit = csv.field_size_limit(2**31 - 1)    # pyarrow reads fields of any length; so must this
    try:
        with _open_text(path, encoding) as fh:
            reader = csv.reader(fh, delimiter=sep)
            next(reader, None)                      # the header
            records, end = 1, reader.line_num
            for row in reader:
                start, end = end + 1, reader.line_num
                if not row:                        # a blank line: no record
                    continue
                records += 1
                if records in wanted:
                    found[records] = start, end
                if records >= last:
                    break
    except (csv.Error, UnicodeDecodeError):          # a line Python's reader cannot follow
        pass
    finally:
        csv.field_size_limit(limit)
    return [found.get(n, (n, n)) for n in record_lines]


def move_to_physical_line(exc: EventLogError, path: Path, encoding: str, sep: str) -> None:
    """``exc`` naming the file's own line where it named a record of ``path`` (the loader's
    blocks and the SQL engines number records): :func:`physical_lines`, for its line and for the
    lines of a count it gives. Errors marked ``physical`` (found by reading bytes) and errors
    about other files stay as they are."""
    if exc.line is None or getattr(exc, "physical", False) or exc.path != path:
        return
    spans = list(_SPAN.finditer(exc.message))   # a count's lines (_rows_within) are records too
    span = spans[-1] if spans else None          # the count comes after any value the message quotes
    counted = [int(g.replace(",", "")) for g in span.groups()] if span else []
    (line, _), *moved = physical_lines(path, encoding, sep, [exc.line, *counted])
    if span:   # from the first counted record's first line to the last one's last line
        before, after = exc.message[:span.start(1)], exc.message[span.end(2):]
        exc.message = f"{before}{moved[0][0]:,}-{moved[1][1]:,}{after}"
    exc.at_line(line)


#: where a count in an error lies: "2 rows in lines 2-2,001" (:func:`_rows_within`)
_SPAN = re.compile(r"\d[\d,]* (?:such )?rows? in lines ([\d,]+)-([\d,]+)")


def line_with_text(path: Path, encoding: str, text: str, near: int) -> int | None:
    """The number of the file's line that reads ``text``, the one nearest ``near`` (an engine's
    count of lines that is off by a line or two: DuckDB's). Read only for an error message."""
    found = None
    with _open_text(Path(path), encoding) as fh:
        for number, line in enumerate(fh, start=1):
            if line.rstrip("\r\n") == text and (found is None or abs(number - near) < abs(found - near)):
                found = number
            if number > near + 1_000:
                break
    return found


#: how much of a CSV file the loader reads at a time (a block is typed and checked at once)
CSV_BLOCK_BYTES = 16 << 20
#: how many JSON Lines records the loader reads at a time (typed and checked as a CSV block)
JSONL_BLOCK_LINES = 200_000


def _csv_batches(path: Path, cols: list[str], sep: str, encoding: str, header: list[str]):
    """Yield pandas DataFrames of string columns, streaming through pyarrow; the columns are
    named as :func:`_csv_header` names them (trimmed), not as the file writes them."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    bad_rows = []

    def on_invalid(row):
        bad_rows.append(row)
        return "error"

    try:
        reader = pcsv.open_csv(
            str(path),
            read_options=pcsv.ReadOptions(block_size=CSV_BLOCK_BYTES, encoding=encoding,
                                          use_threads=False, column_names=header, skip_rows=1),
            parse_options=pcsv.ParseOptions(delimiter=sep, invalid_row_handler=on_invalid),
            convert_options=pcsv.ConvertOptions(
                include_columns=cols, column_types={c: pa.string() for c in cols},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
        for batch in reader:
            yield batch.to_pandas()
    except OSError:   # pyarrow's "Truncated compressed stream" (ArrowInvalid is not one)
        raise_if_damaged(path)
        raise
    except pa.ArrowInvalid as exc:
        if bad_rows:
            row = bad_rows[0]
            line = row.number
            text = (row.text or "")[:60]
            hint = " (truncated last line?)" if row.actual_columns < row.expected_columns else ""
            if (row.text or "").count('"') % 2:
                raise EventLogError("a quoted field opened on this line is never closed (stray "
                                    "quote or truncated file?)", path=path, line=line) from None
            raise EventLogError(
                f"{row.actual_columns} fields where the header has "
                f"{row.expected_columns}{hint}: {text!r}", path=path, line=line) from None
        if "UTF8" in str(exc) or "utf-8" in str(exc).lower():
            bad = _first_bad_utf8_line(path, "utf-8")
            line, what = bad if bad else (None, "")
            raise _at_physical_line(EventLogError(
                f"not valid UTF-8 ({what}); save the file as UTF-8 or pass --encoding latin-1 "
                "(encoding='latin-1')", path=path, line=line)) from None
        raise EventLogError(f"cannot be parsed as CSV: {exc}", path=path) from None
    except UnicodeDecodeError:
        bad = _first_bad_utf8_line(path, encoding)
        line, what = bad if bad else (None, "")
        raise _at_physical_line(EventLogError(f"not valid {_enc_name(encoding)} ({what})", path=path,
                                              line=line)) from None


def _at_physical_line(exc: EventLogError) -> EventLogError:
    """An error that names the file's own line already (found by reading bytes, not records):
    :func:`physical_lines` must not move it. pyarrow's invalid rows are numbered by record."""
    exc.physical = True
    return exc


# --------------------------------------------------------------------------- #
# JSON Lines

#: columns a JSON record may leave out or set to null (a view has no price): read as empty, as an
#: empty field of a CSV file is; the time stays required in every record, and so do the ids
#: unless ``drop_missing_ids`` (:func:`_check_records`)
OPTIONAL_IN_A_RECORD = ("event_type", "price", "category", "quantity", "treatment")
#: the id columns: a row without one is an error, or dropped with ``drop_missing_ids``
ID_COLUMNS = ("user_id", "session_id", "item_id")


def _jsonl_records(path: Path, encoding: str, chunk_lines: int | None = None):
    """Yield DataFrames of flat records (``chunk_lines`` at a time, :data:`JSONL_BLOCK_LINES`
    unless given); OTTO's nested sessions are exploded."""
    chunk_lines = chunk_lines or JSONL_BLOCK_LINES
    opener = gzip.open if _is_gzip(path) else open
    rows: list[dict] = []
    nested = None
    any_line = False
    with opener(path, "rb") as fh:
        for number, raw in enumerate(whole_lines(fh, path), start=1):
            if not raw.strip():
                continue
            any_line = True
            try:
                record = json.loads(raw.decode(encoding))
            except UnicodeDecodeError as exc:
                raise EventLogError(f"not valid {_enc_name(encoding)} "
                                    f"(byte 0x{raw[exc.start]:02x})", path=path, line=number) from None
            except json.JSONDecodeError as exc:
                end = " (truncated last line?)" if not raw.endswith(b"\n") else ""
                raise EventLogError(f"not valid JSON: {exc.msg}{end}",
                                    path=path, line=number) from None
            if not isinstance(record, dict):
                raise EventLogError("not a JSON object", path=path, line=number)
            if nested is None:
                nested = isinstance(record.get("events"), list)
            if nested:
                events = record.get("events")
                if not isinstance(events, list):
                    raise EventLogError("no 'events' list", path=path,
                                        column="events", line=number)
                outer = {k: v for k, v in record.items() if k != "events"}
                for e in events:
                    if not isinstance(e, dict):
                        raise EventLogError("an event is not an object",
                                            path=path, column="events", line=number)
                    rows.append({**outer, **e, "_line": number})
            else:
                record["_line"] = number
                rows.append(record)
            if len(rows) >= chunk_lines:
                yield _records_frame(rows)
                rows = []
    if not any_line:
        raise EventLogError("the file is empty", path=path)
    if rows:
        yield _records_frame(rows)


def whole_lines(fh, path):
    """The lines of an open binary file; a damaged gzip stream is :func:`damaged_gzip`'s error
    (loader, and the engines' sample of the head)."""
    import zlib

    try:
        yield from fh
    except (EOFError, zlib.error, gzip.BadGzipFile):
        raise damaged_gzip(path) or EventLogError("cannot be read as gzip", path=path) from None


def _records_frame(rows: list[dict]) -> pd.DataFrame:
    """JSON records as a DataFrame. A column with a null or absent value stays Python objects:
    pandas would make whole numbers with a gap floats, and ids above 2**53 would then round
    into each other."""
    df = pd.DataFrame(rows, dtype=object)
    for name in df.columns:
        if df[name].notna().all():
            df[name] = df[name].infer_objects()
    return df


# --------------------------------------------------------------------------- #
# typing and checks, shared by every format

def _as_text(values: pd.Series) -> pd.Series:
    return values.astype("string")


# Typed columns (Parquet, JSON numbers) skip the round trip through text where
# the text would say nothing new: an int64 id has no empty value and is already
# the integer ``id_column`` would make of it. Converting ten million numbers to
# strings and back was most of the loading time (benchmarks/prep_scaling.md).

def _is_number(values: pd.Series) -> bool:
    """Integer or float (not boolean) values."""
    dtype = values.dtype
    return (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)) \
        and not pd.api.types.is_bool_dtype(dtype)


def _is_plain_int_id(values: pd.Series) -> bool:
    """Integers that ``id_column`` keeps as they are: no gaps, at most 18 digits."""
    if not pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return False
    if values.isna().any():
        return False
    if len(values) == 0:
        return True
    return bool(values.max() < 10**18) and bool(values.min() > -(10**18))


def _equals_text(values: pd.Series, text: str) -> np.ndarray:
    """``values`` written as text and stripped equal ``text`` (boolean array)."""
    if _is_plain_int_id(values):
        try:
            number = int(text)
        except ValueError:
            return np.zeros(len(values), dtype=bool)
        if str(number) != text:  # "007" or " 7" is never what an integer prints as
            return np.zeros(len(values), dtype=bool)
        return (values == number).to_numpy()
    return (_as_text(values).str.strip() == text).fillna(False).to_numpy(dtype=bool)


def _empty_text(values: pd.Series) -> pd.Series:
    """Missing or blank values (numbers are only ever missing)."""
    if _is_number(values):
        return values.isna()
    text = _as_text(values).str.strip()
    return (text.isna() | (text == "")).astype(bool)


def _where(df: pd.DataFrame, i: int) -> dict:
    """Where row ``i`` of a block is: a file line (CSV, JSONL) or a data row (Parquet)."""
    if "_line" in df.columns:
        return {"line": int(df["_line"].iloc[i])}
    return {"row": int(df["_row"].iloc[i])}


def _rows_within(n: int, where, size: int, one: str = "row", many: str = "rows") -> str:
    """A count of rows in a block, with where the block lies: "2 rows in lines 2-10,001". The
    loader reads a large file in blocks, so a count is of one block, not the whole file."""
    (unit, first), (_, last) = next(iter(where(0).items())), next(iter(where(size - 1).items()))
    return f"{how_many(n, one, many)} in {unit}s {first:,}-{last:,}"


#: a time written as a number ("1704067200", "1704067200.5"): seconds or the like since 1970
_NUMBER = r"-?\d+(\.\d*)?"
#: a time of day followed by a UTC offset ("10:00:00+02:00", "10:00Z", "10:00 -0500")
_OFFSET = r"\d:\d\d(:\d\d([.,]\d+)?)?\s*([zZ]|UTC|GMT|[+-]\d\d(:?\d\d)?)$"


def _both_orders(fmt: str) -> list[str]:
    """``fmt`` and, when it has a day and a month and does not start with the year, the same
    format with day and month swapped (``"%m/%d/%Y"`` -> ``"%d/%m/%Y"``)."""
    if "%d" not in fmt or "%m" not in fmt or fmt.startswith(("%Y", "%y")):
        return [fmt]
    return [fmt, fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")]


def _day_first(fmt: str) -> bool:
    return "%d" in fmt and "%m" in fmt and fmt.index("%d") < fmt.index("%m")


class AmbiguousDates(EventLogError):
    """Every time read fits a day-first and a month-first format, and ``value`` reads differently
    in the two. ``formats``: (day first, month first). The SQL engines check only the head with
    the loader; on this error they decide on every row of the file (``engines.source``)."""

    def __init__(self, value: str, day: str, month: str, **where):
        self.value, self.formats = value, (day, month)
        as_day, as_month = (f"{pd.to_datetime(value, format=f, utc=True):%d %B %Y}".lstrip("0")
                            for f in (day, month))
        super().__init__(f"{value!r} reads as {as_day} (day first) or as {as_month} (month "
                         f"first), and every time in the column fits both: pass --time-format "
                         f"{day!r} (time_format=) if the day comes first, {month!r} if the month "
                         "does", **where)


def day_first_note(column: str, fmt: str) -> str:
    """The note on dates read day first because some days are above 12 (loader and engines)."""
    return (f"{column}: dates read day first, as {fmt!r} (some days are above 12, so they cannot "
            "be month first); pass --time-format (time_format=) to choose")


def _check_offsets(text: pd.Series, *, path, column, where, notes: list, times: dict) -> None:
    """Times with a UTC offset are converted to UTC (said in a note); a file mixing times with
    and without one is an error naming the first time of the other kind."""
    import pyarrow as pa
    import pyarrow.compute as pc

    has = pc.match_substring_regex(pa.array(text, type=pa.string()),   # arrow-backed text: no copy
                                   _OFFSET).to_numpy(zero_copy_only=False)
    first = times.setdefault("offset", bool(has[0]))
    other = np.flatnonzero(has != first)
    if len(other):
        i = int(other[0])
        said = "has no UTC offset, unlike" if first else "has a UTC offset, unlike"
        raise EventLogError(f"{text.iloc[i]!r} {said} the times before it: give every time an "
                            "offset (or none), so that all are read in the same time zone",
                            path=path, column=column, **where(i))
    if first:
        notes.append(f"{column}: times with a UTC offset were converted to UTC (the table's "
                     "times are UTC, without the offset)")


#: the units of numeric times: their name, and nanoseconds in one
TIME_UNITS = {"s": ("seconds", 10**9), "ms": ("milliseconds", 10**6),
              "us": ("microseconds", 10**3), "ns": ("nanoseconds", 1)}


def guess_time_unit(largest: float) -> str:
    """The unit of numeric times, from the largest: a time between 1990 and 2100 is about 1e9
    seconds, 1e12 milliseconds, 1e15 microseconds (Google Analytics 4's export) or 1e18
    nanoseconds. The loader and the SQL engines guess with it."""
    return "ns" if largest > 1e17 else "us" if largest > 1e14 else "ms" if largest > 1e11 else "s"


def time_unit_note(column: str, unit: str) -> str:
    return (f"{column}: numbers read as {TIME_UNITS[unit][0]} since 1970 (pass time_unit= / "
            "--time-unit to choose)")


def implausible_time(value, unit: str, typed: bool = False, *, unit_given: bool = False,
                     format_given: bool = False) -> str:
    """The error on a number that is no time between 1990 and 2100 in ``unit`` (loader and
    engines); eight digits that read as a date are named as one ('20240131'), with what to
    change: ``typed``, the column holds numbers (Parquet), which a format does not read;
    ``unit_given``, the user chose the unit, which makes digits numbers even beside a format;
    ``format_given``, the user passed a format already."""
    said = f"{value!r} is not a plausible time in {unit} since 1970 (check --time-unit"
    digits = str(value)
    if re.fullmatch(r"(19|20)\d{6}", digits) and pd.notna(pd.to_datetime(digits, format="%Y%m%d",
                                                                          errors="coerce")):
        without_unit = " without --time-unit" if unit_given else ""
        if typed and format_given:
            how = f"store the column as text{without_unit}: a format reads text, not a column of numbers"
        elif typed:
            how = f"store the column as text and pass --time-format '%Y%m%d' (time_format=){without_unit}"
        elif format_given:   # with a unit beside it: digits are numbers
            how = "leave out --time-unit (time_unit=): with a unit, digits are numbers, not dates"
        else:
            how = f"pass --time-format '%Y%m%d' (time_format=){without_unit}"
        return said + f"; if it is a date, {how})"
    return said + ")"


def kind_switch(value, numbers: bool) -> str:
    """The error on a time of the other kind than the column's first (loader and engines)."""
    return (f"{value!r} is {'text' if numbers else 'a number'}, unlike the times before it, which "
            f"are {'numbers' if numbers else 'text'}: a time column holds numbers since 1970 or "
            "dates written as text, not both")


def parse_times(values: pd.Series, *, unit: str | None, fmt: str | None, path, column,
                where, notes: list[str], times: dict | None = None) -> pd.Series:
    """Text, seconds or milliseconds to datetime64[ns] (UTC, timezone dropped).

    Without ``fmt`` the format is ISO 8601 or guessed from the first value; a date that reads
    both day first and month first is an error unless only one reading fits every value (a
    day-first choice is said in ``notes``). Numbers are seconds or milliseconds, guessed from
    their size without ``unit``; with ``fmt`` and no ``unit``, digits written as text are dates
    (``'20240131'`` with ``'%Y%m%d'``). ``times`` (a dict) keeps what the first block of a file
    decided (numbers or text, the format or the unit, whether times carry an offset) for the
    blocks after it.
    """
    times = {} if times is None else times
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dtype, "tz", None) is not None and str(values.dtype.tz) != "UTC":
            notes.append(f"{column}: times in {values.dtype.tz} were converted to UTC (the "
                         "table's times are UTC, without the time zone)")
        out = pd.to_datetime(values, utc=True)
        return out.dt.tz_localize(None).astype("datetime64[ns]")
    text = _as_text(values).str.strip()
    empty = text.isna() | (text == "")
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        count = _rows_within(int(empty.sum()), where, len(text), "such row", "such rows")
        raise EventLogError(f"empty timestamp ({count})", path=path, column=column, **where(i))
    typed = pd.api.types.is_numeric_dtype(values)   # a number column (Parquet), not text
    # with a format and no unit, digits written as text are a date ('20240131' as '%Y%m%d')
    as_dates = bool(fmt) and unit is None and not typed
    numeric = pd.Series(False, index=text.index) if as_dates else text.str.fullmatch(_NUMBER)
    if numeric.any() and unit is not None and not numeric.all():
        i = int(np.flatnonzero((~numeric).to_numpy())[0])
        raise EventLogError(f"cannot parse {text.iloc[i]!r} as a number of {unit}",
                            path=path, column=column, **where(i))
    # one kind for the whole column, in every block: numbers since 1970, or text
    numbers = times.setdefault("numbers", bool(numeric.iloc[0]))
    other = np.flatnonzero(numeric.to_numpy(dtype=bool) != numbers)
    if len(other):
        i = int(other[0])
        raise EventLogError(kind_switch(text.iloc[i], numbers), path=path, column=column, **where(i))
    if numeric.all():
        number = pd.to_numeric(text)
        unit_given = unit is not None
        unit = unit or times.get("unit")   # a later block keeps the unit the first one chose
        if unit is None:
            unit = times["unit"] = guess_time_unit(float(number.abs().max()))
            notes.append(time_unit_note(column, unit))
        out = pd.to_datetime(number, unit=unit, errors="coerce")
        bad = out.isna() | (out < pd.Timestamp("1990-01-01")) | (out > pd.Timestamp("2100-01-01"))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise EventLogError(implausible_time(text.iloc[i], unit, typed, unit_given=unit_given,
                                                 format_given=bool(fmt)), path=path,
                                column=column, **where(i))
        return out.astype("datetime64[ns]")
    guessed = not fmt
    undecided = () if fmt else times.get("undecided", ())
    if fmt or times.get("format"):
        attempts = [fmt or times["format"]]
    elif undecided:   # the blocks before read alike both ways: this one is in one of their formats
        attempts = list(undecided)
    else:
        import warnings

        from pandas.tseries.api import guess_datetime_format

        with warnings.catch_warnings():  # "Parsing dates in %d/%m/%Y format when dayfirst=False"
            warnings.simplefilter("ignore", UserWarning)
            guess = guess_datetime_format(text.iloc[0])
        if guess is not None and "%Y" not in guess and "%y" not in guess:
            raise EventLogError(f"{text.iloc[0]!r} has no date (pass time_format= if it does)",
                                path=path, column=column, **where(0))
        attempts = ["ISO8601", *(_both_orders(guess) if guess is not None else [])]
    fits = {}
    for attempt in attempts:
        try:
            fits[attempt] = pd.to_datetime(text, format=attempt, utc=True)
        except (ValueError, TypeError, OverflowError):
            continue
        if attempt == "ISO8601":
            break
    if not fits:
        # the reading that gets furthest names the first row it cannot read
        coerced = [pd.to_datetime(text, format=a, utc=True, errors="coerce") for a in attempts]
        earlier = times.get("format") or undecided   # a format the blocks before read with
        if guessed and not earlier and all(c.isna().all() for c in coerced):
            coerced, attempts = [pd.to_datetime(text, format="mixed", utc=True, errors="coerce")], [None]
        firsts = [int(np.argmax(c.isna().to_numpy())) if c.isna().any() else 0 for c in coerced]
        best = int(np.argmax(firsts))
        i, attempt = firsts[best], attempts[best]
        if fmt:
            how = f" with format {fmt!r}"
        elif attempt in (None, "ISO8601"):
            how = ""
        elif undecided and not times.get("format"):   # the blocks before fit both orders
            how = " in either format that the times before it fit ({!r} or {!r})".format(*undecided)
        else:
            how = f" in the format of the times before it ({attempt!r})"
        hint = ("numbers since 1970 need time_unit= / --time-unit, not a format"
                if fmt and re.fullmatch(_NUMBER, text.iloc[i]) else
                "pass time_format= / --time-format, a strftime format, e.g. '%d/%m/%Y %H:%M'")
        raise EventLogError(f"cannot parse {text.iloc[i]!r} as a time{how} ({hint})", path=path,
                            column=column, **where(i))
    chosen, out = next(iter(fits.items()))
    if len(fits) == 2:
        other = list(fits.values())[1]
        differ = (out != other).to_numpy()
        day, month = sorted(fits, key=_day_first, reverse=True)
        if differ.any():
            i = int(np.flatnonzero(differ)[0])
            raise AmbiguousDates(text.iloc[i], day, month, path=path, column=column, **where(i))
        # every time here reads the same both ways (days equal to months, or one day such as
        # 01/01 in a small block): nothing is decided for the rows after these
        times.setdefault("undecided", (day, month))
    elif guessed and (len(attempts) == 3 or undecided) and _day_first(chosen) and "format" not in times:
        notes.append(day_first_note(column, chosen))
    if guessed and len(fits) == 1:
        times.setdefault("format", chosen)
    _check_offsets(text, path=path, column=column, where=where, notes=notes, times=times)
    return out.dt.tz_localize(None).astype("datetime64[ns]")


def _empty_ids(df: pd.DataFrame, cmap: ColumnMap, raw: bool = False) -> np.ndarray:
    """Rows whose user, session or item id is empty; ``raw``: ``df``'s columns still have the
    file's names."""
    empty = np.zeros(len(df), dtype=bool)
    for canon in ID_COLUMNS:
        if getattr(cmap, canon) is not None:
            empty |= _empty_text(df[getattr(cmap, canon) if raw else canon]).to_numpy(dtype=bool)
    return empty


def _treatment(df: pd.DataFrame, source: str, path) -> pd.Series:
    """The treatment column as 1.0 / 0.0, NaN on rows that are not assignments (an error names
    the first value it cannot read)."""
    if _is_number(df["treatment"]):
        values = df["treatment"].astype("float64")
        bad = values.notna() & ~values.isin([0.0, 1.0])
        text = values.astype("string")
    else:
        text = _as_text(df["treatment"]).str.strip()
        values = text.str.lower().map(TREATMENT_VALUES).astype("float64")
        bad = values.isna() & text.notna() & (text != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise EventLogError(f"cannot read {text.iloc[i]!r} as a treatment: use 1 or 0 (also "
                            "true/false, yes/no, treatment/control), empty on rows that are not "
                            "a campaign assignment", path=path, column=source, **_where(df, i))
    return values


def _fill_assignment_rows(df: pd.DataFrame, assigned: np.ndarray) -> None:
    """An assignment row needs no item or session of its own: empty ones get a placeholder
    (item ``CAMPAIGN_ITEM``, a session of its own); the other tasks never see these rows."""
    for canon in ("item_id", "session_id"):
        if canon in df.columns:
            empty = _empty_text(df[canon]).to_numpy(dtype=bool) & assigned
            if empty.any():
                df[canon] = df[canon].astype(object)
                df.loc[empty, canon] = (CAMPAIGN_ITEM if canon == "item_id" else
                                        [f"-{n}" for n in np.flatnonzero(empty) + 1])


def _check_ids(df: pd.DataFrame, canon: str, source: str, path) -> None:
    empty = _empty_text(df[canon])
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        n = int(empty.sum())
        count = _rows_within(n, lambda j: _where(df, j), len(df)) + (" has" if n == 1 else " have")
        raise EventLogError(f"empty id ({count} none; pass drop_missing_ids=True / --drop-missing-ids "
                            "to skip them)",
                            path=path, column=source, **_where(df, i))


def _note_rounded_ids(ids: pd.Series, source: str, notes: list) -> None:
    """Ids in scientific notation ("1.23457E+17"): a spreadsheet rounded long numbers, and ids
    that differed may now be one. The loader cannot undo it; a note says so (once per file)."""
    said = f"{source}: ids written in scientific notation"
    if any(isinstance(n, str) and n.startswith(said) for n in notes):
        return                                   # a later block: the first block's example stands
    rounded = ids.str.fullmatch(r"-?\d(\.\d+)?[eE]\+\d+", na=False)
    if rounded.any():
        notes.append(f"{said} ({ids[rounded].iloc[0]!r}): a "
                     "spreadsheet rounded long numbers, so ids that differed may now be one; "
                     "export the column as text")


#: a number written with a decimal comma, and points between thousands ("9,50", "1.234,5")
_DECIMAL_COMMA = r"-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?"
#: a comma that can only be a decimal mark: not followed by exactly three digits
_ONLY_DECIMAL = r".*,(\d{1,2}|\d{4,})"


def _to_number(df, canon, source, path, kind, notes: list | None = None):
    """A column of numbers (price, quantity, a series' value). Numbers written with a decimal
    comma, as European spreadsheets write them, are read so (said in ``notes``) where every value
    is written that way and some comma cannot separate thousands ("9,50"); else one error."""
    if _is_number(df[canon]):
        return df[canon]
    text = _as_text(df[canon]).str.strip()
    number = pd.to_numeric(text.replace("", pd.NA), errors="coerce")
    bad = number.isna() & text.notna() & (text != "")
    said = f"{source}: numbers read with a decimal comma ('9,50' is 9.5)"
    # an earlier block of the file chose the decimal comma: this one is read so too ('1.234' is 1234)
    earlier = notes is not None and said in notes
    if bad.any() or earlier:
        written = text[text.notna() & (text != "")]
        if (written.str.fullmatch(_DECIMAL_COMMA).all()
                and (earlier or written.str.fullmatch(_ONLY_DECIMAL).any())):
            if notes is not None and not earlier:
                notes.append(said)
            plain = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
            return pd.to_numeric(plain.replace("", pd.NA), errors="coerce")
        if earlier:   # a decimal point, or no number, where earlier lines wrote decimal commas
            unlike = text.notna() & (text != "") & ~text.str.fullmatch(_DECIMAL_COMMA, na=False)
            i = int(np.flatnonzero(unlike.to_numpy())[0])
            raise EventLogError(f"cannot read {text.iloc[i]!r} as a {kind}: earlier lines write "
                                "numbers with a decimal comma ('9,50'); write every one so",
                                path=path, column=source, **_where(df, i))
        i = int(np.flatnonzero(bad.to_numpy())[0])
        fix = ""
        if written.str.fullmatch(_DECIMAL_COMMA).all():   # only commas before three digits
            fix = (": a comma before three digits may be a decimal mark or separate thousands; "
                   "write the numbers with a decimal point")
        if kind in ("price", "quantity"):
            fix += f"{';' if fix else ':'} pass --no-{kind} (exclude=[{kind!r}]) if the {kind} is not needed"
        raise EventLogError(f"cannot read {text.iloc[i]!r} as a {kind}{fix}", path=path,
                            column=source, **_where(df, i))
    return number


def assign_sessions(user: pd.Series, timestamp: pd.Series, gap: str | pd.Timedelta) -> np.ndarray:
    """Session numbers: a user's new session starts after ``gap`` of inactivity.

    The core of gap-based sessionisation; :func:`course_lib.prep.sessions.sessionise`
    wraps it for whole event tables (lesson 00).
    """
    gap = pd.Timedelta(gap)
    users = pd.factorize(user)[0]
    order = np.lexsort((timestamp.to_numpy(), users))
    u = users[order]
    t = timestamp.to_numpy()[order]
    new = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        new[1:] = (u[1:] != u[:-1]) | ((t[1:] - t[:-1]) > gap.to_timedelta64())
    sessions = np.empty(len(order), dtype=np.int64)
    sessions[order] = np.cumsum(new)
    return sessions


def _check_records(df: pd.DataFrame, cmap: ColumnMap, path, drop_missing_ids=False) -> pd.DataFrame:
    """JSON Lines records as a CSV file's rows: an optional field absent or null is empty; so is
    an id with ``drop_missing_ids`` (its record is then dropped and counted, as a CSV row with an
    empty id); otherwise every required field must be in every record (the error names the
    first line without it). Returns ``df``, completed."""
    for canon, src in cmap.items():
        if canon in OPTIONAL_IN_A_RECORD or (drop_missing_ids and canon in ID_COLUMNS):
            df[src] = df[src].where(df[src].notna(), "") if src in df.columns else ""
            continue
        hint = ("; pass drop_missing_ids=True / --drop-missing-ids to skip such records"
                if canon in ID_COLUMNS else "")
        if src not in df.columns:
            raise EventLogError(f"missing from these records{hint}", path=path, column=src,
                                line=int(df["_line"].iloc[0]))
        missing = df[src].isna()
        if missing.any():
            i = int(np.flatnonzero(missing.to_numpy())[0])
            if canon in ID_COLUMNS and _empty_text(df[src]).to_numpy(dtype=bool)[:i].any():
                # an empty id on an earlier line is named first, with this one in its count
                df[src] = df[src].where(df[src].notna(), "")
                continue
            raise EventLogError(f"missing from this record{hint}", path=path, column=src,
                                line=int(df["_line"].iloc[i]))
    return df


def _finished_blocks(raw_blocks, cmap: ColumnMap, path, finish: dict):
    """:func:`_finish_block` on each block. Where the first block's dates read both day first and
    month first, its blocks are held until a later block reads only one way: the order is chosen
    on the whole column, as for a file read at once, not on its first block."""
    held, ambiguous = [], None
    for df in raw_blocks:
        if ambiguous is None:
            noted = len(finish["notes"])
            try:
                yield _finish_block(df, cmap, path, **finish)
                continue
            except AmbiguousDates as exc:   # its notes so far are made again when it is finished
                del finish["notes"][noted:]
                ambiguous = exc
        held.append(df)
        text = _as_text(df[cmap.timestamp]).str.strip()
        kept = text.notna() & (text != "")
        if finish.get("drop_missing_ids"):   # the rows left decide, as in a file read at once
            kept &= ~_empty_ids(df, cmap, raw=True)
        text = text[kept]
        reads = [pd.to_datetime(text, format=f, utc=True, errors="coerce")
                 for f in ambiguous.formats]
        if all(r.notna().all() for r in reads):
            continue                   # this block reads both ways too
        day, month = ambiguous.formats
        # the order that reads further before a row it cannot read, as a file read at once and the
        # SQL engines choose (one that reads every row reads furthest)
        read_day, read_month = (int(np.argmax(r.isna().to_numpy())) if r.isna().any() else len(r)
                                for r in reads)
        if read_day == read_month:
            # a row neither order reads comes first: no order is chosen by a tie; the block is
            # finished on trial, undecided, so that its first error is its own (a repeated
            # header, an empty id) or names both formats, and the rows drop_missing_ids leaves
            # decide (one order reads them) or keep the column undecided
            decided = {"undecided": (day, month), "numbers": False}
            try:
                _finish_block(df, cmap, path, **{**finish, "notes": [], "times": decided})
            except AmbiguousDates:   # the rows left read both ways, and differ: still undecided
                pass
            if "format" not in decided:
                continue
            chosen = decided["format"]
        else:
            chosen = day if read_day > read_month else month
        finish["times"]["format"] = chosen
        if chosen == day:
            finish["notes"].append(day_first_note(ambiguous.column, day))
        for block in held:
            yield _finish_block(block, cmap, path, **finish)
        held, ambiguous = [], None
    if ambiguous is not None:          # every time in the column reads both ways
        raise ambiguous


def _finish_block(df: pd.DataFrame, cmap: ColumnMap, path, time_unit, time_format, notes,
                  drop_missing_ids=False, clean_sales=False, times=None):
    """Rename, type and check one block of rows (all values still strings); ``times``: what
    the first block decided about the time column (:func:`parse_times`)."""
    extra = [c for c in ("_line", "_row") if c in df.columns]
    # one source column may serve two roles (e.g. an order number as user and session)
    df = pd.DataFrame({**{canon: df[src] for canon, src in cmap.items()},
                       **{c: df[c] for c in extra}})
    # a header line repeated inside the data (two files concatenated)
    repeated = np.ones(len(df), dtype=bool)
    # text columns first (cheap to compare), and stop as soon as no row can match
    for canon, src in sorted(cmap.items(), key=lambda cs: not pd.api.types.is_string_dtype(
            df[cs[0]].dtype) and not pd.api.types.is_object_dtype(df[cs[0]].dtype)):
        repeated &= _equals_text(df[canon], src)
        if not repeated.any():
            break
    if repeated.any():
        i = int(np.flatnonzero(repeated)[0])
        raise EventLogError("this row repeats the header (were two files joined together?)",
                            path=path, **_where(df, i))
    assigned = np.zeros(len(df), dtype=bool)
    if "treatment" in df.columns:
        df["treatment"] = _treatment(df, cmap.treatment, path)
        assigned = df["treatment"].notna().to_numpy()
        _fill_assignment_rows(df, assigned)
        if "event_type" in df.columns:
            empty = _empty_text(df["event_type"]).to_numpy(dtype=bool) & assigned
            if empty.any():
                df["event_type"] = df["event_type"].astype(object)
                df.loc[empty, "event_type"] = CAMPAIGN_EVENT
    if drop_missing_ids:
        empty = _empty_ids(df, cmap)
        if empty.any():
            notes.append(("dropped_ids", int(empty.sum())))
            df = df[~empty].reset_index(drop=True)
            assigned = assigned[~empty]
            if df.empty:   # nothing left to read: no time to parse (or guess a unit from)
                return None
    for canon in ID_COLUMNS:
        if canon in df.columns:
            _check_ids(df, canon, getattr(cmap, canon), path)
            if not _is_plain_int_id(df[canon]):  # those stay int64 in id_column anyway
                df[canon] = _as_text(df[canon]).str.strip()
                _note_rounded_ids(df[canon], getattr(cmap, canon), notes)
    df["timestamp"] = parse_times(df["timestamp"], unit=time_unit, fmt=time_format, path=path,
                                  column=cmap.timestamp, where=lambda i: _where(df, i),
                                  notes=notes, times=times)
    if "price" in df.columns:
        df["price"] = _to_number(df, "price", cmap.price, path, "price", notes).astype("float64")
    if "quantity" in df.columns:
        q = _to_number(df, "quantity", cmap.quantity, path, "quantity", notes)
        df["quantity"] = q.fillna(1).round().astype("int64")
    not_sale = np.zeros(len(df), dtype=bool)
    for canon in ("quantity", "price"):
        if canon in df.columns:
            not_sale |= (df[canon] <= 0).to_numpy(dtype=bool)
    not_sale &= ~assigned                  # an assignment row is not a sale
    if clean_sales and not_sale.any():
        notes.append(("dropped_not_sales", int(not_sale.sum())))
        df = df[~not_sale].reset_index(drop=True)
    elif not_sale.any():
        notes.append(("kept_not_sales", int(not_sale.sum())))
    return df.drop(columns=extra)


def open_parquet(path):
    """A pyarrow ParquetFile, or one clear error if the file is not Parquet (also lesson 10's form)."""
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise EventLogError(f"is not a readable Parquet file ({exc})", path=path) from None


def _parquet_batches(path, pf, columns: list[str], batch_size: int = 2_000_000):
    """DataFrames of ``columns``, with ``_row`` (1-based); a damaged file is one clear error."""
    offset = 0
    batches = pf.iter_batches(batch_size=batch_size, columns=columns)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:  # a damaged page or column chunk
            sizes = [pf.metadata.row_group(g).num_rows for g in range(pf.num_row_groups)]
            group = int(np.searchsorted(np.cumsum(sizes), offset, side="right"))
            raise EventLogError(f"cannot be read from row {offset + 1} (row group {group}): the "
                                f"file is damaged ({str(exc).splitlines()[0]})", path=path,
                                column=columns[0] if len(columns) == 1 else None) from None
        df = batch.to_pandas()
        df["_row"] = np.arange(offset + 1, offset + len(df) + 1)
        offset += len(df)
        yield df


class Header(NamedTuple):
    """What :func:`read_header` returns: the column names, the CSV separator, the first rows."""

    columns: list
    sep: str | None
    preview: pd.DataFrame


def read_header(path, *, sep: str | None = None, encoding: str = "utf-8", rows: int = 0) -> Header:
    """The column names of an event log (any format), its separator and its first ``rows`` rows as text.

    Reads only the start of the file. An unreadable file raises the same
    :class:`EventLogError` as :func:`load_events`. A nested OTTO-style JSON
    Lines file shows its flat records (``session``, ``aid``, ``ts``, ``type``).
    Lesson 10's form uses it.
    """
    if isinstance(path, pd.DataFrame):
        return Header(list(path.columns), None, path.head(rows).astype(str))
    path = Path(path)
    if not path.is_file():
        raise EventLogError("no such file" if not path.exists() else "is a folder, not a file",
                            path=path)
    check_encoding(encoding, path)
    kind = detect_format(path)
    if kind == "csv":
        header, sep = _csv_header(path, sep, encoding)
        preview = pd.DataFrame(columns=header)
        if rows:
            try:
                preview = pd.read_csv(path, sep=sep, nrows=rows, dtype=str, encoding=encoding,
                                      keep_default_na=False)
                if len(preview.columns) == len(header):   # named as the loader names them
                    preview.columns = header
            except (ValueError, UnicodeDecodeError):  # load_events says what is wrong
                pass
        return Header(header, sep, preview.head(rows).astype(str))
    if kind == "parquet":
        pf = open_parquet(path)
        header = list(pf.schema_arrow.names)
        first = next(pf.iter_batches(batch_size=max(rows, 1)), None) if rows else None
        preview = first.to_pandas() if first is not None else pd.DataFrame(columns=header)
        return Header(header, None, preview.head(rows).astype(str))
    records = _jsonl_records(path, encoding, chunk_lines=max(rows, 1))
    try:
        first = next(records)
    finally:
        records.close()
    header = [c for c in first.columns if c != "_line"]
    return Header(header, None, first[header].head(rows).astype(str))


def load_events(path, *, user=None, session=None, item=None, time=None, event=None,
                price=None, category=None, quantity=None, treatment=None, exclude=(), sep=None,
                time_unit=None,
                time_format=None, encoding="utf-8", session_gap="30min",
                drop_missing_ids=False, default_event=None, clean_sales=False,
                drop_duplicates=False) -> pd.DataFrame:
    """Read an event log (CSV, Parquet, JSON Lines, or a DataFrame) into the canonical table.

    Map your columns by name (``user="visitorid", time="ts"``); unmapped ones
    are looked up under the usual names, except those listed in ``exclude``
    (``exclude=("user",)``: no user column even if the file has one).
    ``time_unit`` is ``"s"``, ``"ms"``, ``"us"`` or ``"ns"`` for numeric timestamps (guessed from
    their size if not given). Only a time and a user or session are required.
    Without a session column, sessions are cut after ``session_gap`` of
    inactivity; without a user column, each session is its own user; without
    an item column the table has no ``item_id`` (a purchases table of
    customer, date and amount); without an event column every event is a
    ``default_event``, which is guessed when not given: a purchase when the
    file looks like a sales log (an invoice, order or amount column, or
    quantities other than 1), a view otherwise. Rows with an empty id are an
    error, or are dropped with ``drop_missing_ids=True``; ``clean_sales=True``
    drops lines with a quantity or price of zero or less (cancellations,
    returns, adjustments); rows that repeat an earlier row in every column read
    (ids, time, event type, and price, category, quantity or treatment where
    mapped; other columns of the file are not compared) are counted in a note,
    and left out with ``drop_duplicates=True``. A ``treatment`` column (1 sent the coupon or shown
    the ad, 0 held out; empty on other rows) marks campaign assignment rows
    for the uplift task: their empty item, session or event type get
    placeholders (event type ``campaign``). Every such choice is a sentence in
    ``events.attrs["notes"]``.
    """
    if isinstance(path, pd.DataFrame):
        frame, path = path, path.attrs.get("source", "the table")
    else:
        frame = None
        path = Path(path)
        if not path.exists():
            raise EventLogError("no such file", path=path)
        if path.is_dir():
            raise EventLogError("is a folder, not a file", path=path)
        if path.stat().st_size == 0:
            raise EventLogError("the file is empty", path=path)
    if time_unit not in (None, *TIME_UNITS):
        raise EventLogError(f"time_unit must be {', '.join(map(repr, TIME_UNITS))}, not {time_unit!r}",
                            path=path)
    check_encoding(encoding, path)
    try:
        gap = pd.Timedelta(session_gap)
    except (ValueError, TypeError):
        gap = None
    if gap is None or pd.isna(gap) or gap <= pd.Timedelta(0):
        raise EventLogError(f"--session-gap (session_gap=) must be a positive duration such as "
                            f"30min or 2h, got {session_gap!r}", path=path)
    if default_event is not None and EVENT_SYNONYMS.get(str(default_event).strip().lower()) is None:
        close = difflib.get_close_matches(str(default_event).strip().lower(), list(EVENT_SYNONYMS), n=1)
        hint = f" (did you mean {EVENT_SYNONYMS[close[0]]!r}?)" if close else ""
        raise EventLogError(f"--default-event (default_event=) {default_event!r} is not an event "
                            f"type{hint}: choose view, cart or purchase", path=path)
    if default_event is not None:   # a synonym ('order') as the table names it ('purchase')
        default_event = EVENT_SYNONYMS[str(default_event).strip().lower()]
    if isinstance(exclude, str):
        exclude = (exclude,)
    try:
        for name in exclude:
            _keyword(name)
    except ValueError as exc:
        raise EventLogError(str(exc), path=path) from None
    mapping = {"user": user, "session": session, "item": item, "time": time,
               "event": event, "price": price, "category": category, "quantity": quantity,
               "treatment": treatment}
    notes: list = []
    finish = dict(time_unit=time_unit, time_format=time_format, notes=notes,
                  drop_missing_ids=drop_missing_ids, clean_sales=clean_sales, times={})
    kind = "frame" if frame is not None else detect_format(path)

    blocks = []
    try:
        if kind == "frame":
            header = [str(c) for c in frame.columns]
            cmap = resolve_columns(path, header, mapping, exclude)
            df = frame[list(dict.fromkeys(src for _, src in cmap.items()))].reset_index(drop=True)
            df["_row"] = np.arange(1, len(df) + 1)
            blocks.append(_finish_block(df, cmap, path, **finish))
        elif kind == "csv":
            header, sep, _ = read_header(path, sep=sep, encoding=encoding)
            cmap = resolve_columns(path, header, mapping, exclude)

            def numbered(batches, offset=0):
                for df in batches:
                    df["_line"] = np.arange(offset + 2, offset + len(df) + 2)  # the header is line 1
                    offset += len(df)
                    bad = df.drop(columns="_line").apply(lambda s: s.str.contains("\n", regex=False)).any(axis=1)
                    if bad.any():
                        i = int(np.flatnonzero(bad.to_numpy())[0])
                        raise EventLogError("a quoted field opened on this line is never closed (stray "
                                            "quote or truncated file?)", path=path, **_where(df, i))
                    yield df

            columns = list(dict.fromkeys(src for _, src in cmap.items()))
            try:
                blocks += _finished_blocks(numbered(_csv_batches(path, columns, sep, encoding, header)),
                                           cmap, path, finish)
            except EventLogError as exc:   # a record's number, which is its line if none spans lines
                move_to_physical_line(exc, path, encoding, sep)
                raise
        elif kind == "parquet":
            pf = open_parquet(path)
            header = list(pf.schema_arrow.names)
            cmap = resolve_columns(path, header, mapping, exclude)
            columns = list(dict.fromkeys(src for _, src in cmap.items()))
            blocks += _finished_blocks(_parquet_batches(path, pf, columns), cmap, path, finish)
        else:
            records = _jsonl_records(path, encoding)
            first = next(records, None)   # None: no record (OTTO sessions without events)
            cmap = None
            if first is not None:
                cmap = resolve_columns(path, [c for c in first.columns if c != "_line"], mapping, exclude)
                checked = (_check_records(df, cmap, path, drop_missing_ids)
                           for df in itertools.chain([first], records))
                blocks += _finished_blocks(checked, cmap, path, finish)
    except EventLogError:
        if kind != "frame":   # a gzip file cut off or damaged: said so, not what it decoded to
            raise_if_damaged(path)
        raise

    blocks = [b for b in blocks if b is not None]   # None: every row of the block was dropped
    events = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame()
    if events.empty:
        if any(n[0] == "dropped_ids" for n in notes if isinstance(n, tuple)):
            raise EventLogError("no row is left after drop_missing_ids (every row has an empty "
                                "id)", path=path)
        if any(n[0] == "dropped_not_sales" for n in notes if isinstance(n, tuple)):
            raise EventLogError("no line is left after clean_sales (every quantity or price is "
                                "zero or less)", path=path)
        raise EventLogError("the file has a header but no rows", path=path)
    events = _canonical(events, cmap, path, session_gap, notes, default_event, drop_duplicates)
    # the strftime format the text times were read with (given or chosen; None for ISO 8601 or
    # numbers): the DuckDB engine reads the rest of a file with the format its head chose
    read_with = time_format or finish["times"].get("format")
    events.attrs["time_format"] = None if read_with in (None, "ISO8601") else read_with
    # no row told day first from month first (every time read the same both ways): the formats,
    # for an engine that reads the rest of the file to decide on (day first, month first)
    events.attrs["undecided_time_formats"] = () if read_with else finish["times"].get("undecided", ())
    return events


def how_many(n: int, one: str, many: str) -> str:
    """``n`` with the words that agree with it: ``how_many(1, "row is", "rows are")`` is "1 row
    is" (the loader's notes and errors, and the SQL engines')."""
    return f"{n:,} {one if n == 1 else many}"


# a counted note's sentence, from its count added up over the blocks
_COUNTED_NOTES = {
    "dropped_ids": lambda n: f"dropped {how_many(n, 'row', 'rows')} with an empty id",
    "dropped_not_sales": lambda n: (f"dropped {how_many(n, 'line', 'lines')} with a quantity or price of "
                                    "zero or less (cancellations, returns, adjustments; clean_sales / "
                                    "--clean-sales)"),
    "kept_not_sales": lambda n: (f"{how_many(n, 'line has', 'lines have')} a quantity or price of zero or "
                                 "less (cancellations, returns, adjustments?); pass clean_sales=True / "
                                 "--clean-sales to leave them out"),
    "dropped_duplicates": lambda n: ("dropped " + how_many(n, "row that repeated", "rows that repeated")
                                     + " an earlier row in every column read (drop_duplicates / "
                                     "--drop-duplicates)"),
    "kept_duplicates": lambda n: (f"{how_many(n, 'row repeats', 'rows repeat')} an earlier row in every "
                                  "column read (logged twice?); pass drop_duplicates=True / "
                                  "--drop-duplicates to leave them out"),
}


def counted_note(kind: str, n: int) -> str:
    """The sentence of a counted note (``"dropped_ids"``, ``"kept_duplicates"``...) for ``n`` rows;
    the SQL engines say theirs with it too."""
    return _COUNTED_NOTES[kind](n)


def _tidy_notes(notes: list) -> list[str]:
    """One line per kind of note, counts added up over the blocks."""
    counted = []
    for kind, sentence in _COUNTED_NOTES.items():
        total = sum(n[1] for n in notes if isinstance(n, tuple) and n[0] == kind)
        if total:
            counted.append(sentence(total))
    return counted + list(dict.fromkeys(n for n in notes if isinstance(n, str)))


def _guess_event_type(events: pd.DataFrame, cmap: ColumnMap) -> tuple[str, str]:
    """(purchase or view, the reason) for a log without an event-type column."""
    sales = [h for h in cmap.header if SALES_NAMES.match(h.strip().lower().replace(" ", "_"))]
    if sales:
        return "purchase", f"the column {sales[0]!r} looks like a sales log's"
    sold = events if "treatment" not in events.columns else events[events["treatment"].isna()]
    if "quantity" in sold.columns and (sold["quantity"] != 1).any():
        return "purchase", f"the quantities in {cmap.quantity!r} are not all 1, as in a sales log"
    return "view", "no invoice, order or amount column, and no quantity other than 1"


def without_assignments(events: pd.DataFrame) -> pd.DataFrame:
    """The log without its campaign assignment rows and treatment column: what every task but
    uplift reads (lessons 09-10, ``course-lib``). A log without a treatment column is returned
    as it is."""
    if "treatment" not in events.columns:
        return events
    kept = events.loc[events["treatment"].isna()].drop(columns="treatment")
    kinds = kept["event_type"]
    if isinstance(kinds.dtype, pd.CategoricalDtype) and CAMPAIGN_EVENT in kinds.cat.categories \
            and not (kinds == CAMPAIGN_EVENT).any():
        kept["event_type"] = kinds.cat.remove_categories([CAMPAIGN_EVENT])
    kept.attrs = dict(events.attrs)
    return kept.reset_index(drop=True)


def event_type_hint(events: pd.DataFrame) -> str:
    """For a reason to skip a task: which option to change when the file had no event column.

    Empty when the file had its own event-type column (lessons 09-10, ``course-lib report``).
    """
    default = events.attrs.get("default_event")
    if not default:
        return ""
    if default == "purchase":
        return ("; the file has no event-type column, so every row was read as a purchase: map "
                "one with --event COL (event=) if the log also records views or carts")
    return (f"; the file has no event-type column, so every row was read as a {default}: if its "
            "rows are purchases, pass --default-event purchase (default_event='purchase')")


def _canonical(events: pd.DataFrame, cmap: ColumnMap, path, session_gap, notes,
               default_event=None, drop_duplicates=False) -> pd.DataFrame:
    if cmap.event_type is None:
        if default_event is None:
            default_event, why = _guess_event_type(events, cmap)
            other = "view" if default_event == "purchase" else "purchase"
            notes.append(f"no event-type column: every event is a {default_event}, assumed because "
                         f"{why}; if that is wrong, pass --default-event {other} "
                         f"(default_event={other!r})")
        else:
            notes.append(f"no event-type column: every event is a {default_event} "
                         "(--default-event / default_event)")
        events["event_type"] = default_event
        if "treatment" in events.columns:
            events.loc[events["treatment"].notna(), "event_type"] = CAMPAIGN_EVENT
    events["event_type"] = normalise_event_types(events["event_type"])
    if cmap.user_id is None:
        events["user_id"] = events["session_id"]
        notes.append(f"no user column: each session ({cmap.session_id}) is its own user")
    if cmap.session_id is None:
        events["session_id"] = assign_sessions(events["user_id"], events["timestamp"], session_gap)
        notes.append(f"no session column: sessions cut after {session_gap} of inactivity")
    if cmap.item_id is None:
        notes.append("no item column: next-item recommendation and purchase intent need one "
                     "(map it with --item / item=); churn and demand do not")
    for c in ("user_id", "session_id", "item_id"):
        if c in events.columns:
            events[c] = id_column(events[c])
    if "category" in events.columns:
        events["category"] = _as_text(events["category"]).str.strip()
    if "treatment" in events.columns:
        assigned = events["treatment"].notna()
        notes.append(f"treatment column {cmap.treatment!r}: {int(assigned.sum()):,} campaign "
                     f"assignment rows ({int((events.loc[assigned, 'treatment'] == 1).sum()):,} "
                     "treated); only the uplift task reads them")
    order = ["user_id", "session_id", "item_id", "timestamp", "event_type",
             "price", "category", "quantity", "treatment"]
    events = events[[c for c in order if c in events.columns]]
    copies = events.duplicated().to_numpy()
    if copies.any():
        notes.append(("dropped_duplicates" if drop_duplicates else "kept_duplicates", int(copies.sum())))
        if drop_duplicates:
            events = events[~copies]
    if not events["timestamp"].is_monotonic_increasing:  # a sorted log is not copied again
        # stable: lines with the same time (an invoice's basket) keep the file's order
        events = events.sort_values("timestamp", kind="stable", ignore_index=True)
    else:
        events = events.reset_index(drop=True)
    far = far_off_note(events["timestamp"], cmap.timestamp)
    if far:
        notes.append(far)
    events.attrs["source"] = str(path)
    events.attrs["columns"] = {canon: src for canon, src in cmap.items()}
    events.attrs["notes"] = _tidy_notes(notes)
    events.attrs["default_event"] = default_event if cmap.event_type is None else None
    return events


#: times further than this many interquartile ranges (plus a month) from the middle half of a
#: log's times are "far from the others" (:func:`far_off_note`)
FAR_OFF_IQRS = 5
#: how that note begins after the column's name (the SQL engines leave out their head's note)
FAR_OFF = "far from the others"


def far_off_note(times: pd.Series, column: str) -> str | None:
    """A note on events far from all the others (a wrong year, a default date such as 1970-01-01
    or 2099-12-31), or None: every task cuts the log in time, so a few such events move its test
    window and its series. Far means more than :data:`FAR_OFF_IQRS` times the span of the middle
    half of the times, and a month, outside that half. ``times`` sorted (the loader's table)."""
    if len(times) < 20:
        return None
    q1, q3 = times.quantile([0.25, 0.75])
    margin = FAR_OFF_IQRS * (q3 - q1) + pd.Timedelta(days=30)
    far = ((times < q1 - margin) | (times > q3 + margin)).to_numpy()
    if not far.any():
        return None
    example = times[far].iloc[-1] if times.iloc[-1] > q3 + margin else times[far].iloc[0]
    return (f"{column}: {how_many(int(far.sum()), 'event lies', 'events lie')} {FAR_OFF} "
            f"(the middle half of the times runs from {q1:%Y-%m-%d} to {q3:%Y-%m-%d}, the log from "
            f"{times.iloc[0]:%Y-%m-%d} to {times.iloc[-1]:%Y-%m-%d}; e.g. {example}): a wrong year "
            "or a default date? Each task cuts the log in time, so they move its windows; fix or "
            "drop them")


def load_series(path, *, time: str, value: str, sep=None, time_format=None,
                encoding="utf-8") -> pd.Series:
    """Read a ready-made series (one time column, one value column) from CSV or Parquet.

    Used by ``course-lib forecast FILE --time COL --value COL`` (lesson 03).
    Errors name the file, column and line like :func:`load_events`.
    """
    path = Path(path)
    if not path.exists():
        raise EventLogError("no such file", path=path)
    if path.stat().st_size == 0:
        raise EventLogError("the file is empty", path=path)
    if path.is_dir():
        raise EventLogError("is a folder, not a file", path=path)
    check_encoding(encoding, path)
    if detect_format(path) == "parquet":
        pf = open_parquet(path)
        names = list(pf.schema_arrow.names)
        for col in (time, value):
            if col not in names:
                raise column_not_found(path, col, names)
        frames = [pd.concat(parts, axis=1) for parts in zip(
            _parquet_batches(path, pf, [time]),
            (df.drop(columns="_row") for df in _parquet_batches(path, pf, [value])))]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[time, value])
    else:
        header, sep, _ = read_header(path, sep=sep, encoding=encoding)
        for col in (time, value):
            if col not in header:
                raise column_not_found(path, col, header)
        frame = pd.concat(list(_csv_batches(path, [time, value], sep, encoding, header)),
                          ignore_index=True)
        frame["_line"] = np.arange(2, len(frame) + 2)
    if frame.empty:
        raise EventLogError("the file has a header but no rows", path=path)
    notes: list = []
    stamps = parse_times(frame[time], unit=None, fmt=time_format, path=path, column=time,
                         where=lambda i: _where(frame, i), notes=notes)
    frame["_value"] = frame[value]
    numbers = _to_number(frame, "_value", value, path, "number", notes)
    missing = numbers.isna()
    if missing.any():
        raise EventLogError("empty value", path=path, column=value,
                            **_where(frame, int(np.flatnonzero(missing.to_numpy())[0])))
    series = pd.Series(numbers.to_numpy(float), index=pd.DatetimeIndex(stamps), name=value)
    if series.index.has_duplicates:
        i = int(np.flatnonzero(series.index.duplicated())[0])
        raise EventLogError(f"the time {series.index[i]} appears twice", path=path, column=time,
                            **_where(frame, i))
    series = series.sort_index()
    series.attrs["notes"] = notes
    return series
