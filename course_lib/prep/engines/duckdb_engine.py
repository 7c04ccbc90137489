"""DuckDB: the preparation's SQL on one machine, out of core (issue 18).

DuckDB runs inside this Python process. Its intermediate tables live in a
database file in the scratch folder, and sorts and windows that do not fit
``memory_limit`` spill to ``temp_directory`` there, so the data can be many
times larger than memory. Settings chosen deliberately:

* ``memory_limit`` (default 3 GB): DuckDB's buffer pool; the process also holds
  Python, pyarrow and one shard being written (about 1 GB more at the peak);
* ``threads`` (default: the cores);
* ``temp_directory``: the scratch folder (removed afterwards);
* ``preserve_insertion_order``: off (every ordered result says ORDER BY), except
  while a CSV file is read: its row numbers come from ``row_number() OVER ()``
  over the scan, which follows the file's order only with it on.
"""
from __future__ import annotations

import codecs
import re
from contextlib import contextmanager
from pathlib import Path

from course_lib.datasets.own_data import line_with_text, raise_if_damaged
from course_lib.datasets.schema import EventLogError
from course_lib.prep.engines.names import BadEngineOption
from course_lib.prep.engines.sql import DUCKDB, literal

DEFAULT_MEMORY_LIMIT = "3GB"


def duckdb_text(text: str) -> str:
    """A DuckDB string literal for a column name: DuckDB's plain literals keep a backslash as it
    is (Spark's read it as an escape, which is why :func:`~course_lib.prep.engines.sql.literal`
    refuses it). Paths keep :func:`literal`: DuckDB reads a backslash in a path as a separator."""
    return "'" + text.replace("'", "''") + "'"


def csv_error(path, message: str, encoding: str = "utf-8") -> EventLogError:
    """DuckDB's error on a line of a CSV file (past the head the loader checked) in the loader's
    words: the line, what is wrong and the fix, not DuckDB's own options, which the command
    line does not offer. DuckDB's line number can be a line or two off the file's (after fields
    that span lines): the file's line with DuckDB's text nearest to it is named."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    line = int(line.group(1)) if line else None
    text = re.search(r"Original Line: ([^\n]*)", message)
    text = text.group(1) if text else ""
    if line is not None and text:
        try:
            line = line_with_text(path, encoding, text, line) or line
        except (OSError, UnicodeDecodeError):
            pass
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if text.count('"') % 2:
        what = "a quoted field opened on this line is never closed (stray quote or truncated file?)"
    elif fields:
        what = f"{fields.group(2)} fields where the header has {fields.group(1)}: {text[:60]!r}"
    elif "unicode" in message.lower() or "utf-8" in message.lower():
        what = "not valid UTF-8; save the file as UTF-8 or pass --encoding latin-1"
    else:   # DuckDB's reason is the line after the file's line ("Value with unterminated quote")
        reason = re.search(r"Original Line: [^\n]*\n([^\n]+)", message)
        reason = reason.group(1).strip() if reason else \
            message.splitlines()[0].removeprefix("Invalid Input Error: ")
        what = f"DuckDB cannot read this line ({reason.rstrip('.')})"
        what += f": {text[:60]!r}" if text else ""
    return EventLogError(what + " (--engine pandas checks every line and names each problem)",
                         path=path, line=line)


@contextmanager
def _interruptible(limit: str = DEFAULT_MEMORY_LIMIT):
    """Ctrl-C or SIGTERM during a query is a KeyboardInterrupt again: DuckDB turns it into
    "RuntimeError: Query interrupted", which the command line would show as a traceback. A query
    that runs out of the memory ``limit`` allows is one sentence (:class:`BadEngineOption`)."""
    import duckdb

    try:
        yield
    except duckdb.OutOfMemoryException:
        raise BadEngineOption(f"DuckDB needs more memory than --memory-limit (memory_limit=) gives "
                              f"it ({limit}): raise it, e.g. --memory-limit 4GB") from None
    except (duckdb.InterruptException, RuntimeError) as exc:
        if isinstance(exc, duckdb.InterruptException) or "interrupted" in str(exc).lower():
            raise KeyboardInterrupt from None
        raise


class DuckDBEngine:
    dialect = DUCKDB

    def __init__(self, scratch: Path, memory_limit: str | None = None, threads: int | None = None):
        import os

        import duckdb

        self.version = duckdb.__version__
        scratch = Path(scratch)
        (scratch / "spill").mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(scratch / "prepare.duckdb"))
        self.memory_limit = memory_limit or DEFAULT_MEMORY_LIMIT
        self.con.execute(f"SET memory_limit = {literal(self.memory_limit)}")
        self.con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
        self.con.execute(f"SET temp_directory = {literal(str(scratch / 'spill'))}")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET enable_progress_bar = false")

    def register_raw(self, src) -> None:
        path = literal(str(src.path))
        if src.kind == "parquet":
            scan = f"SELECT *, file_row_number AS __pos FROM read_parquet({path}, file_row_number = true)"
        else:
            # rows numbered in file order: the scan keeps that order when asked to
            self.execute("SET preserve_insertion_order = true")
            try:   # any of Python's names for them: latin1, iso-8859-1, l1, utf8, ...
                encoding = codecs.lookup(src.encoding).name
            except LookupError:
                encoding = src.encoding
            encoding = {"iso8859-1": "latin-1"}.get(encoding, encoding)
            if encoding not in ("utf-8", "utf-16", "latin-1"):
                raise EventLogError(f"DuckDB reads CSV files in UTF-8, UTF-16 or latin-1, not "
                                    f"{src.encoding}: use --engine pandas, or save the file as "
                                    "UTF-8", path=src.path)
            names = "[" + ", ".join(duckdb_text(name) for name in src.engine_header()) + "]"
            scan = (f"SELECT *, ROW_NUMBER() OVER () - 1 AS __pos FROM read_csv({path}, "
                    f"header = true, names = {names}, all_varchar = true, "
                    f"delim = {literal(src.sep)}, quote = '\"', escape = '\"', "
                    f"encoding = {literal(encoding)})")
        if src.kind == "parquet":
            self.view("raw", scan)
        else:  # parsed once, stored with its row numbers, then order no longer matters
            import duckdb

            try:
                self.table("raw", scan)
            except duckdb.InvalidInputException as exc:
                raise_if_damaged(src.path)   # a damaged stream can decode to malformed lines
                raise csv_error(src.path, str(exc), encoding) from None
            except duckdb.IOException:   # "Unexpected end of GZIP stream"
                raise_if_damaged(src.path)
                raise
            self.execute("SET preserve_insertion_order = false")

    def execute(self, sql: str):
        with _interruptible(self.memory_limit):
            return self.con.execute(sql)

    def rows(self, sql: str) -> list[dict]:
        cursor = self.execute(sql)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def view(self, name: str, sql: str) -> None:
        self.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def table(self, name: str, sql: str) -> None:
        self.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def batches(self, sql: str, rows: int = 200_000):
        with _interruptible(self.memory_limit):
            yield from self.con.sql(sql).to_arrow_reader(rows)

    def close(self) -> None:
        self.con.close()
