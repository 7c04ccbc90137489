"""Reading and checking an event log for the SQL engines (DuckDB, Spark).

Validation happens in three places, each doing what it can do best:

1. **the loader itself on the head of the file**: the first rows (10,000) are
   copied to a scratch file and read with :func:`course_lib.datasets.load_events`
   with the same options. Its checks and messages (missing or misspelt columns,
   the column mapping and the usual names, a wrong separator, a repeated header,
   unreadable times, empty ids...) apply unchanged, with the file, column and
   line or row of the original file;
2. **SQL over every row** (:func:`checks_sql`): empty ids, times that do not
   parse or are implausible numbers, text times with a UTC offset beside times
   without one, and what the loader decides from the whole column (integer or
   text ids, seconds or milliseconds, views or not); then
   rows that repeat an earlier row, counted and, with ``--drop-duplicates``,
   left out as the loader leaves them out (:func:`register_events`);
3. **the engine**: types and quoting of the file as DuckDB or Spark read it.

What the SQL engines do not check beyond the head: a header line repeated in
the middle of the file, a quoted field spanning lines (both are read as data),
and text times in formats other than ISO 8601 (DuckDB takes ``--time-format``).
Use ``--engine pandas`` (the loader on every row) when in doubt.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from course_lib.datasets.own_data import (FAR_OFF, ID_COLUMNS, TIME_UNITS, AmbiguousDates,
                                          counted_note, day_first_note, guess_time_unit, how_many,
                                          implausible_time, kind_switch, load_events,
                                          move_to_physical_line, open_parquet, read_header,
                                          raise_if_damaged, time_unit_note, whole_lines)
from course_lib.datasets.schema import EventLogError
from course_lib.prep.engines.sql import (INTEGER, INTEGER_ID, NUMBER, UTC_OFFSET, Dialect,
                                         event_type_sql, literal, text)

SAMPLE_ROWS = 10_000
#: columns the loader reads that the SQL engines do not (next-item preparation needs none of them)
NOT_READ = ("price", "category", "quantity", "treatment")
#: in the loader's note on repeated rows, which the head's counts must not stand for the file's
HEAD_COPIES = "an earlier row in every column"
#: what makes a row a repeat of an earlier one in the ``events`` relation (every column read)
EVENT_KEY = "user_id, session_id, item_id, t, event_type"


@dataclass
class Source:
    """An event log as the SQL engines read it: where, which columns, what kinds."""

    path: Path
    kind: str                       # "parquet" or "csv"
    columns: dict                   # canonical name -> the file's column
    kinds: dict                     # canonical name -> int, float, text, timestamp, timestamp_ns
    sep: str = ","
    encoding: str = "utf-8"
    time_unit: str | None = None
    time_format: str | None = None
    #: the user passed a time format (``time_format`` is left None for a column of numbers)
    format_given: bool = False
    #: (day first, month first) when every time of the head fits both: :func:`check` decides
    time_formats: tuple = ()
    session_gap: str = "30min"
    drop_missing_ids: bool = False
    default_event: str = "view"
    drop_duplicates: bool = False
    notes: list = field(default_factory=list)
    #: a CSV file's column names as the loader reads them (trimmed; an empty name by position):
    #: the engines name the columns so, not as the file writes them
    header: tuple = ()

    def engine_header(self) -> tuple:
        """The names DuckDB and Spark give a CSV file's columns: the loader's, except that a name
        equal to an earlier one but for case (neither engine tells them apart) becomes its
        position, ``__column4``. A mapped column among those is refused in one sentence."""
        seen, names = {}, []
        for i, name in enumerate(self.header):
            if name.casefold() in seen:
                if name in self.columns.values():
                    raise EventLogError(
                        f"columns {seen[name.casefold()]!r} and {name!r} differ only in case, which "
                        "DuckDB and Spark do not tell apart: rename one, or use --engine pandas",
                        path=self.path, column=name)
                names.append(f"__column{i}")
            else:
                seen[name.casefold()] = name
                names.append(name)
        return tuple(names)

    def where(self, pos: int) -> dict:
        """The loader's way of naming a row: a line of a CSV file, a row of Parquet."""
        return {"line": int(pos) + 2} if self.kind == "csv" else {"row": int(pos) + 1}

    @property
    def gap_ns(self) -> int | None:
        """The session gap in nanoseconds, or None when the file has sessions."""
        if "session_id" in self.columns:
            return None
        return int(pd.Timedelta(self.session_gap).value)


def file_kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] in ([".parquet"], [".pq"]):
        return "parquet"
    if any(s in (".jsonl", ".ndjson", ".json") for s in suffixes):
        return "jsonl"
    return "csv"


def _sample_file(path: Path, kind: str, scratch: Path, rows: int) -> Path:
    """The first ``rows`` rows of ``path`` as a small file of the same kind."""
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pf = open_parquet(path)
        batch = next(pf.iter_batches(batch_size=rows), None)
        table = pa.Table.from_batches([batch]) if batch is not None else pf.schema_arrow.empty_table()
        sample = scratch / f"head{path.suffix}"
        pq.write_table(table, sample)
        return sample
    sample = scratch / "head.csv"
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as src, open(sample, "wb") as dst:
        for number, line in enumerate(whole_lines(src, path)):
            if number > rows:
                break
            dst.write(line)
    return sample


def inspect_source(path, scratch: Path, *, user=None, session=None, item=None, time=None,
                   event=None, sep=None, time_unit=None, time_format=None, encoding="utf-8",
                   session_gap="30min", drop_missing_ids=False, default_event=None, exclude=(),
                   drop_duplicates=False, sample_rows: int = SAMPLE_ROWS) -> Source:
    """Check the head of ``path`` with the loader and describe the file for the engines.

    Without an event-type column and ``default_event``, the head's guess
    (purchase for a sales log, else view; said in a note) holds for every row.
    ``drop_duplicates`` leaves out rows that repeat an earlier row in every column the loader
    reads (:func:`register_events`); the engines read the ids, the time and the event type, so
    a price, category, quantity or treatment column the loader would also compare is an error.
    """
    path = Path(path)
    if not path.exists():
        raise EventLogError("no such file", path=path)
    if path.is_dir():
        raise EventLogError("is a folder, not a file (DuckDB and Spark read one Parquet or CSV "
                            "file here)", path=path)
    kind = file_kind(path)
    header = ()
    if kind == "jsonl":
        raise EventLogError("DuckDB and Spark read Parquet or CSV here; use --engine pandas for "
                            "JSON Lines, or convert the file", path=path)
    if path.stat().st_size == 0:
        raise EventLogError("the file is empty", path=path)
    sample = _sample_file(path, kind, scratch, sample_rows)
    options = dict(user=user, session=session, item=item, time=time, event=event,
                   time_unit=time_unit, time_format=time_format, encoding=encoding,
                   session_gap=session_gap, drop_missing_ids=drop_missing_ids,
                   default_event=default_event, exclude=exclude)
    if kind == "csv":
        options["sep"] = sep
    ambiguous = ()
    try:
        try:
            head = load_events(sample, **options)
        except AmbiguousDates as exc:
            # the head's dates fit day first and month first; the rows after it may not: read
            # the head one way for its other checks, and decide on every row (check)
            ambiguous = exc.formats
            head = load_events(sample, **{**options, "time_format": ambiguous[0]})
    except EventLogError as exc:
        raise_if_damaged(path)   # a damaged stream can decode to a head of malformed lines
        raise EventLogError(str(exc).replace(str(sample), str(path))) from None
    finally:
        sample.unlink(missing_ok=True)
    # a head whose times all read the same day first and month first has not chosen either:
    # the rows after it decide, as for a head whose times differ between the two (check)
    ambiguous = ambiguous or tuple(head.attrs.get("undecided_time_formats", ()))
    columns = {canon: src for canon, src in head.attrs["columns"].items()
               if canon in ID_COLUMNS + ("timestamp", "event_type")}
    unread = {canon: src for canon, src in head.attrs["columns"].items() if canon in NOT_READ}
    if drop_duplicates and unread:
        raise EventLogError(
            "--drop-duplicates compares every column the loader reads, here "
            f"{', '.join(map(repr, unread.values()))} too, which DuckDB and Spark do not read: pass "
            f"{' '.join('--no-' + canon for canon in unread)} to compare without "
            f"{'it' if len(unread) == 1 else 'them'}, or use --engine pandas", path=path)
    if "event_type" not in head.attrs["columns"]:
        default_event = head.attrs["default_event"]   # the loader's choice, in its notes
    if kind == "parquet":
        schema = open_parquet(path).schema_arrow
        kinds = {canon: _arrow_kind(schema.field(src).type) for canon, src in columns.items()}
    else:
        kinds = {canon: "text" for canon in columns}
        layout = read_header(path, sep=sep, encoding=encoding)
        sep, header = layout.sep, tuple(layout.columns)
    format_given = time_format is not None
    if kinds["timestamp"] != "text":
        time_format = None
    elif time_format is None:
        # day-first times the head could only read one way: read the whole file that way (said in
        # the head's note); Spark reads ISO 8601 only, and its bad-row check then names a row
        time_format = None if ambiguous else head.attrs.get("time_format")
    # notes about the whole file come from the SQL checks (the head's counts would mislead)
    notes = [n for n in head.attrs.get("notes", [])
             if "numbers read as" not in n and not n.startswith("dropped ") and HEAD_COPIES not in n
             and FAR_OFF not in n]
    return Source(path=path, kind=kind, columns=columns, kinds=kinds, sep=sep or ",",
                  encoding=encoding, time_unit=time_unit, time_format=time_format,
                  format_given=format_given, time_formats=ambiguous, session_gap=session_gap,
                  drop_missing_ids=drop_missing_ids,
                  default_event=default_event, drop_duplicates=drop_duplicates, notes=notes,
                  header=header)


def _arrow_kind(arrow_type) -> str:
    import pyarrow as pa

    if pa.types.is_timestamp(arrow_type):
        return "timestamp_ns" if arrow_type.unit == "ns" else "timestamp"
    if pa.types.is_date(arrow_type):
        return "timestamp"
    if pa.types.is_integer(arrow_type):
        return "int"
    if pa.types.is_floating(arrow_type):
        return "float"
    if pa.types.is_dictionary(arrow_type):
        return _arrow_kind(arrow_type.value_type)
    return "text"


# --------------------------------------------------------------------------- #
# SQL over every row of ``raw`` (the file's columns plus ``__pos``)

def _empty(d: Dialect, src: Source, canon: str) -> str:
    col = d.ident(src.columns[canon])
    if src.kinds[canon] == "int":
        return f"{col} IS NULL"
    return f"({col} IS NULL OR {text(d, col)} = '')"


def _keep(d: Dialect, src: Source) -> str:
    """Rows that stay: all, or (``drop_missing_ids``) those with every id."""
    if not src.drop_missing_ids:
        return "TRUE"
    return "NOT (" + " OR ".join(_empty(d, src, c) for c in ID_COLUMNS if c in src.columns) + ")"


def checks_sql(d: Dialect, src: Source) -> str:
    """One pass over the file: counts of what is wrong (and first rows), and the
    whole-column facts the loader decides from (integer ids, time unit, views)."""
    keep = _keep(d, src)
    parts = ["COUNT(*) AS rows_read",
             f"SUM(CASE WHEN {keep} THEN 0 ELSE 1 END) AS rows_dropped"]
    for canon in ID_COLUMNS:
        if canon not in src.columns:
            continue
        empty = _empty(d, src, canon)
        col = d.ident(src.columns[canon])
        parts += [f"SUM(CASE WHEN {empty} THEN 1 ELSE 0 END) AS {canon}_empty",
                  f"MIN(CASE WHEN {empty} THEN __pos END) AS {canon}_first_empty"]
        if src.kinds[canon] != "int":
            nonint = f"NOT ({empty}) AND NOT {d.full_match(text(d, col), INTEGER_ID)}"
            parts.append(f"SUM(CASE WHEN {nonint} THEN 1 ELSE 0 END) AS {canon}_text")
    col = d.ident(src.columns["timestamp"])
    kind = src.kinds["timestamp"]
    empty = f"({col} IS NULL)" if kind != "text" else f"({col} IS NULL OR {text(d, col)} = '')"
    parts += [f"SUM(CASE WHEN {keep} AND {empty} THEN 1 ELSE 0 END) AS time_empty",
              f"MIN(CASE WHEN {keep} AND {empty} THEN __pos END) AS time_first_empty"]
    if kind in ("int", "float"):
        parts += [f"MAX(ABS(CAST({col} AS DOUBLE))) AS time_max_abs"]
    elif kind == "text":
        value = text(d, col)
        number = d.full_match(value, NUMBER)
        parts += [
            f"SUM(CASE WHEN {keep} AND NOT {empty} AND NOT {number} THEN 1 ELSE 0 END) AS time_not_number",
            f"MIN(CASE WHEN {keep} AND NOT {empty} AND NOT {number} THEN __pos END) AS time_first_not_number",
            f"SUM(CASE WHEN {keep} AND NOT {empty} AND {number} THEN 1 ELSE 0 END) AS time_number",
            f"MIN(CASE WHEN {keep} AND NOT {empty} AND {number} THEN __pos END) AS time_first_number",
            f"SUM(CASE WHEN {keep} AND NOT {empty} AND NOT {d.full_match(value, INTEGER)} THEN 1 ELSE 0 END) AS time_not_integer",
            f"MAX(CASE WHEN {keep} AND {number} THEN ABS(TRY_CAST({value} AS DOUBLE)) END) AS time_max_abs",
        ]
        # the first time with a UTC offset and the first without: the loader refuses a file of both
        offset = d.search(value, UTC_OFFSET)
        parts += [f"MIN(CASE WHEN {keep} AND NOT {empty} AND {offset} THEN __pos END) AS time_first_offset",
                  f"MIN(CASE WHEN {keep} AND NOT {empty} AND NOT {offset} THEN __pos END) AS time_first_no_offset"]
    if "event_type" in src.columns:
        event = event_type_sql(d, d.ident(src.columns["event_type"]))
        parts.append(f"SUM(CASE WHEN {keep} AND {event} = 'view' THEN 1 ELSE 0 END) AS views")
    return "SELECT " + ",\n       ".join(parts) + "\nFROM raw"


def text_time_failures_sql(d: Dialect, src: Source) -> str:
    col = d.ident(src.columns["timestamp"])
    value = text(d, col)
    bad = f"{_keep(d, src)} AND NOT ({col} IS NULL OR {value} = '') AND {d.text_time_ns(value, src.time_format)} IS NULL"
    return f"SELECT SUM(CASE WHEN {bad} THEN 1 ELSE 0 END) AS n, MIN(CASE WHEN {bad} THEN __pos END) AS first FROM raw"


def implausible_sql(d: Dialect, src: Source, unit_ns: int) -> str:
    """Numbers that are no time between 1990 and 2100 in the chosen unit."""
    col = d.ident(src.columns["timestamp"])
    value = f"CAST({col} AS DOUBLE)" if src.kinds["timestamp"] != "text" else f"TRY_CAST({text(d, col)} AS DOUBLE)"
    lo, hi = pd.Timestamp("1990-01-01").value, pd.Timestamp("2100-01-01").value
    ns = f"({value} * {unit_ns})"
    bad = f"{_keep(d, src)} AND ({ns} < {lo} OR {ns} > {hi})"
    return f"SELECT SUM(CASE WHEN {bad} THEN 1 ELSE 0 END) AS n, MIN(CASE WHEN {bad} THEN __pos END) AS first FROM raw"


def date_order_sql(d: Dialect, src: Source) -> str:
    """For each of the two orders the head could not tell apart: the times it cannot read and the
    first; and the first time that reads differently in the two."""
    col = d.ident(src.columns["timestamp"])
    value = text(d, col)
    kept = f"{_keep(d, src)} AND NOT ({col} IS NULL OR {value} = '')"
    day, month = (d.text_time_ns(value, fmt) for fmt in src.time_formats)
    parts = []
    for name, ns in (("day", day), ("month", month)):
        parts += [f"SUM(CASE WHEN {kept} AND {ns} IS NULL THEN 1 ELSE 0 END) AS {name}_fails",
                  f"MIN(CASE WHEN {kept} AND {ns} IS NULL THEN __pos END) AS {name}_first_fail"]
    parts.append(f"MIN(CASE WHEN {kept} AND {day} <> {month} THEN __pos END) AS first_differ")
    return "SELECT " + ", ".join(parts) + " FROM raw"


def value_at_sql(d: Dialect, src: Source, canon: str, pos: int) -> str:
    return f"SELECT {d.ident(src.columns[canon])} FROM raw WHERE __pos = {int(pos)}"


def time_at(engine, src: Source, pos: int) -> str:
    """The time column's text at row ``pos``, for an error message."""
    row = engine.rows(value_at_sql(engine.dialect, src, "timestamp", pos))[0]
    return str(list(row.values())[0]).strip()


@dataclass
class Facts:
    """What :func:`checks_sql` found that decides how columns are typed."""

    rows_read: int
    rows_dropped: int       # rows with an empty id (drop_missing_ids)
    text_ids: dict          # canonical id -> True when the ids stay text
    time: str               # "timestamp", "timestamp_ns", "integer", "float", "text"
    unit_ns: int | None     # for numbers: 1e9 (seconds) or 1e6 (milliseconds)
    views: bool
    copies_dropped: int = 0  # rows that repeated an earlier one (drop_duplicates; register_events)

    @property
    def events(self) -> int:
        """The events the preparation keeps."""
        return self.rows_read - self.rows_dropped - self.copies_dropped


def events_sql(d: Dialect, src: Source, facts: Facts) -> str:
    """The canonical ``events`` relation: pos, user_id, session_id, item_id, t (ns), event_type."""
    def ident_expr(canon):
        col = d.ident(src.columns[canon])
        if src.kinds[canon] == "int":
            return f"CAST({col} AS BIGINT)"
        if facts.text_ids[canon]:
            return text(d, col)
        return f"CAST(regexp_replace({text(d, col)}, '[.]0*$', '') AS BIGINT)"

    session = ident_expr("session_id") if "session_id" in src.columns else "NULL"
    user = ident_expr("user_id") if "user_id" in src.columns else session
    col = d.ident(src.columns["timestamp"])
    if facts.time in ("timestamp", "timestamp_ns"):
        t = d.timestamp_ns(col, "ns" if facts.time == "timestamp_ns" else None)
    elif facts.time == "integer":
        value = f"CAST({col} AS BIGINT)" if src.kinds["timestamp"] == "int" else f"CAST({text(d, col)} AS BIGINT)"
        t = f"({value} * {facts.unit_ns})"
    elif facts.time == "float":
        value = f"CAST({col} AS DOUBLE)" if src.kinds["timestamp"] != "text" else f"CAST({text(d, col)} AS DOUBLE)"
        t = f"CAST(ROUND({value} * {facts.unit_ns}) AS BIGINT)"
    else:
        t = d.text_time_ns(text(d, col), src.time_format)
    if "event_type" in src.columns:
        event = event_type_sql(d, d.ident(src.columns["event_type"]))
    else:
        event = literal(src.default_event)   # as the loader named it (view, cart or purchase)
    return f"""
SELECT __pos AS pos, {user} AS user_id, {session} AS session_id, {ident_expr('item_id')} AS item_id,
       {t} AS t, {event} AS event_type
FROM raw
WHERE {_keep(d, src)}"""


def register_events(engine, src: Source, facts: Facts) -> None:
    """The relation ``events`` (:func:`events_sql`). Rows that repeat an earlier row in every column
    read are counted, as the loader counts them (on the values read, not the text), and with
    ``src.drop_duplicates`` left out (the first of each kept; ``facts.copies_dropped``)."""
    # read twice (the count, then the sessions): DuckDB stores it where times are text, which
    # parses them once (1M events from a CSV: 3.1 s, as before the count, against 3.7 s as a
    # view); a view where the file has typed times (10M from Parquet: a median 25.4 CPU s and
    # 1.26 GiB, against 29.0 s and 1.38 GiB stored). Spark keeps a view (its stored tables are
    # Parquet written and read back: the million-event test 55 s against 37 s)
    parsed = engine.dialect.name == "duckdb" and src.kinds["timestamp"] == "text"
    keep = engine.table if parsed else engine.view
    keep("events_read", events_sql(engine.dialect, src, facts))
    copies = int(engine.rows(f"SELECT COALESCE(SUM(k - 1), 0) AS n FROM "
                             f"(SELECT COUNT(*) AS k FROM events_read GROUP BY {EVENT_KEY}) copies")[0]["n"])
    if not src.drop_duplicates:
        if copies:
            src.notes.append(f"{how_many(copies, 'row repeats', 'rows repeat')} an earlier row in every "
                             f"column this engine reads ({', '.join(src.columns.values())}): logged twice? "
                             "pass --drop-duplicates to leave them out")
        engine.view("events", "SELECT * FROM events_read")
        return
    if copies:
        src.notes.append(counted_note("dropped_duplicates", copies))
    facts.copies_dropped = copies
    engine.view("events", f"""
SELECT pos, user_id, session_id, item_id, t, event_type
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY {EVENT_KEY} ORDER BY pos) AS copy_number FROM events_read) numbered
WHERE copy_number = 1""")


def _check_offsets(engine, src: Source, row: dict) -> None:
    """Text times with a UTC offset and times without, anywhere in the file: the loader's error,
    naming the first time unlike the file's first (DuckDB and Spark would read both kinds)."""
    firsts = [row["time_first_offset"], row["time_first_no_offset"]]
    if None in firsts:
        return
    pos = max(firsts)
    value = time_at(engine, src, pos)
    said = "has a UTC offset, unlike" if pos == firsts[0] else "has no UTC offset, unlike"
    raise EventLogError(f"{value!r} {said} the times before it: give every time an offset (or "
                        "none), so that all are read in the same time zone", path=src.path,
                        column=src.columns["timestamp"], **src.where(pos))


def _choose_date_order(engine, src: Source, d: Dialect) -> None:
    """The head's dates fit day first and month first: choose on every row, as the loader chooses
    on its whole column. One order reads every time and the other does not: that one (a note says
    day first). Both read every time and some differ: the loader's error, now true of the column.
    Neither reads every time: the one that reads further, so that the check names a row."""
    row = engine.rows(date_order_sql(d, src))[0]
    day, month = src.time_formats
    if not row["day_fails"] and not row["month_fails"]:
        if row["first_differ"] is not None:
            pos = row["first_differ"]
            raise AmbiguousDates(time_at(engine, src, pos), day, month, path=src.path,
                                 column=src.columns["timestamp"], **src.where(pos))
        src.time_format = day     # no time reads differently: either order gives the same times
    elif not row["day_fails"]:
        src.time_format = day
        src.notes.append(day_first_note(src.columns["timestamp"], day))
    elif not row["month_fails"]:
        src.time_format = month
    else:
        src.time_format = day if row["day_first_fail"] > row["month_first_fail"] else month


def check(engine, src: Source, d: Dialect) -> Facts:
    """Run the checks through ``engine.rows(sql)``; raise the loader's kind of error, naming the
    file's own line (the engines number records, as the loader's reader does)."""
    try:
        return _check(engine, src, d)
    except EventLogError as exc:
        raise_if_damaged(src.path)   # a damaged gzip stream can decode to times, ids of its own
        if src.kind == "csv":
            move_to_physical_line(exc, src.path, src.encoding, src.sep)
        raise


def _check(engine, src: Source, d: Dialect) -> Facts:
    row = engine.rows(checks_sql(d, src))[0]
    n = int(row["rows_read"])
    if n == 0:
        raise EventLogError("the file has a header but no rows", path=src.path)
    for canon in ID_COLUMNS:
        if canon not in src.columns or src.drop_missing_ids:
            continue
        if row[f"{canon}_empty"]:
            raise EventLogError(
                f"empty id ({how_many(int(row[canon + '_empty']), 'row has', 'rows have')} none; pass "
                "drop_missing_ids=True / --drop-missing-ids to skip them)", path=src.path,
                column=src.columns[canon], **src.where(row[f"{canon}_first_empty"]))
    if row["time_empty"]:
        count = how_many(int(row["time_empty"]), "such row", "such rows")
        raise EventLogError(f"empty timestamp ({count})", path=src.path,
                            column=src.columns["timestamp"], **src.where(row["time_first_empty"]))
    text_ids = {canon: bool(row.get(f"{canon}_text")) for canon in ID_COLUMNS if canon in src.columns}
    kind = src.kinds["timestamp"]
    unit_ns = None
    if kind in ("timestamp", "timestamp_ns"):
        time = kind
    elif kind in ("int", "float") or (kind == "text" and not row["time_not_number"] and (
            src.time_unit is not None or not src.time_format)):   # '20240131' with '%Y%m%d': a date
        time = "integer" if kind == "int" or (kind == "text" and not row["time_not_integer"]) else "float"
        unit = src.time_unit or guess_time_unit(float(row["time_max_abs"] or 0))
        if src.time_unit is None:
            src.notes.append(time_unit_note(src.columns["timestamp"], unit))
        unit_ns = TIME_UNITS[unit][1]
        bad = engine.rows(implausible_sql(d, src, unit_ns))[0]
        if bad["n"]:
            raise EventLogError(implausible_time(time_at(engine, src, bad["first"]), unit,
                                                 typed=kind != "text", unit_given=src.time_unit is not None,
                                                 format_given=src.format_given),
                                path=src.path, column=src.columns["timestamp"],
                                **src.where(bad["first"]))
    else:
        if row["time_number"] and src.time_unit is not None:
            first = row["time_first_not_number"]
            raise EventLogError(f"cannot parse {time_at(engine, src, first)!r} as a number "
                                f"of {src.time_unit}", path=src.path,
                                column=src.columns["timestamp"], **src.where(first))
        if row["time_number"] and src.time_unit is None and not src.time_format:
            # numbers and text in one column: the first row's kind is the column's (the loader's rule)
            numbers = row["time_first_number"] < row["time_first_not_number"]
            first = max(row["time_first_number"], row["time_first_not_number"])
            raise EventLogError(kind_switch(time_at(engine, src, first), numbers), path=src.path,
                                column=src.columns["timestamp"], **src.where(first))
        time = "text"
        if (src.time_format or src.time_formats) and d.name == "spark":
            written = " or ".join(map(repr, (src.time_format,) if src.time_format else src.time_formats))
            raise EventLogError("the Spark engine reads text times in ISO 8601 only (e.g. "
                                f"2024-01-31 12:00:00), not {written}; use --engine duckdb or "
                                "pandas, or convert the column", path=src.path,
                                column=src.columns["timestamp"])
        if src.time_formats:
            _choose_date_order(engine, src, d)
        bad = engine.rows(text_time_failures_sql(d, src))[0]
        if bad["n"]:
            how = ("with format " + repr(src.time_format)) if src.time_format else \
                "as an ISO 8601 time (e.g. 2024-01-31 12:00:00)"
            hint = "" if src.time_format or d.name == "spark" else "; pass --time-format"
            raise EventLogError(f"cannot parse {time_at(engine, src, bad['first'])!r} {how}{hint} "
                                "(or use --engine pandas, which reads more formats)", path=src.path,
                                column=src.columns["timestamp"], **src.where(bad["first"]))
        _check_offsets(engine, src, row)   # after parsing: 'n/a' is not a time, offset or none
    if "event_type" in src.columns:
        views = bool(row["views"])
    else:
        views = src.default_event == "view"
    dropped = int(row["rows_dropped"])
    if dropped:
        src.notes.insert(0, counted_note("dropped_ids", dropped))
    if dropped == n:
        raise EventLogError("every row has an empty id", path=src.path)
    return Facts(rows_read=n, rows_dropped=dropped, text_ids=text_ids, time=time,
                 unit_ns=unit_ns, views=views)
