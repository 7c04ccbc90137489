"""The preparation as SQL: one text that DuckDB and Spark SQL both run (issue 18, lesson 10).

The same steps as :mod:`course_lib.prep` (lesson 00 and 05), in the same
order, with the same rules; only reading the file and storing intermediate
tables differ between the engines (:mod:`.duckdb_engine`, :mod:`.spark_engine`).

Input: a relation ``events(pos, user_id, session_id, item_id, t, event_type)``,
one row per event, ``pos`` its row in the file (0, 1, ...) and ``t`` its time
in nanoseconds since 1970 (UTC). **Equal times are ordered by ``pos``**, as the
pandas loader's stable sort orders them, so every "first", "previous" and
"order by time" below is ``ORDER BY t, pos``.

1. :func:`sessions_sql`: a user's session ends after more than ``gap`` without an
   event (``sessionise``); a log with a session column keeps its sessions.
2. :func:`sequence_sql`: the events that form sequences (views, if the log has
   any), each with its session's first event ``(start_t, start_pos)``; that
   pair orders the sessions as pandas's "order of first appearance" does, and
   ``start_pos`` alone names the session.
3. split at ``cut`` (the last day of sequence events minus ``test_days``,
   ``cut_before_last_days``): training events are those before the cut; test
   sessions are those whose first event is at or after it (``time_split``: a
   session that began before the cut stays in training and leaves the test).
4. :func:`vocabulary_sql`: codes 1..n for the training items in order of their
   first appearance (``ItemVocab.from_events``).
5. :func:`windows_sql`: training windows (``training_windows``): a session of
   n >= 2 items, cut into chunks of ``max_len`` (input, next item) pairs from its
   start, left-padded. One row per chunk, read at the chunk's last target e
   with LAG: column j holds pair e - L + j if that pair is in the chunk.
6. :func:`prefixes_sql`: test prefixes (``prefix_targets``): unknown items
   dropped first, then every item after the first of a session of n >= 2 is a
   target, its previous ``max_len`` items (LAG, 0 past the start) the input.

Only portable SQL is used (window functions, CASE, joins); an engine supplies
the few dialect pieces (identifier quotes, regular expressions, time parsing)
through a :class:`Dialect`.
"""
from __future__ import annotations

from dataclasses import dataclass

from course_lib.datasets.schema import EVENT_SYNONYMS

#: an id whose every value matches this is an integer id (``schema.id_column``)
INTEGER_ID = "-?(0|[1-9][0-9]{0,17})([.]0*)?"   # no leading zero: "05" stays text
#: a time column whose every value matches this holds numbers (seconds or milliseconds)
NUMBER = "-?[0-9]+([.][0-9]*)?"
INTEGER = "-?[0-9]+"
#: a time of day followed by a UTC offset, as the loader finds it (``own_data._OFFSET``; no
#: backslashes: DuckDB and Spark read those differently)
UTC_OFFSET = "[0-9]:[0-9][0-9](:[0-9][0-9]([.,][0-9]+)?)?[ \t]*([zZ]|UTC|GMT|[+-][0-9][0-9](:?[0-9][0-9])?)$"


@dataclass(frozen=True)
class Dialect:
    """The few pieces of SQL that differ between DuckDB and Spark."""

    name: str
    quote: str                 # identifier quote: " (DuckDB) or ` (Spark)
    text_type: str = "STRING"  # both accept STRING

    def ident(self, name: str) -> str:
        return f"{self.quote}{name.replace(self.quote, self.quote * 2)}{self.quote}"

    def full_match(self, expr: str, pattern: str) -> str:
        if self.name == "duckdb":
            return f"regexp_full_match({expr}, '{pattern}')"
        return f"({expr} RLIKE '^(?:{pattern})$')"

    def search(self, expr: str, pattern: str) -> str:
        """True where ``pattern`` matches somewhere in ``expr``."""
        if self.name == "duckdb":
            return f"regexp_matches({expr}, '{pattern}')"
        return f"({expr} RLIKE '{pattern}')"

    def text_time_ns(self, expr: str, time_format: str | None) -> str:
        """Nanoseconds of a text time (NULL when it does not parse)."""
        if self.name == "duckdb":
            if time_format:
                return f"epoch_ns(try_strptime({expr}, {literal(time_format)}))"
            return f"epoch_ns(TRY_CAST({expr} AS TIMESTAMPTZ))"
        if time_format:
            raise ValueError("Spark reads text times in ISO 8601 only")
        return f"(unix_micros(try_to_timestamp({expr})) * 1000)"

    def timestamp_ns(self, expr: str, arrow_unit: str | None = None) -> str:
        """Nanoseconds of a timestamp column."""
        if self.name == "duckdb":
            return f"epoch_ns({expr})"
        if arrow_unit == "ns":  # read as nanoseconds (spark.sql.legacy.parquet.nanosAsLong)
            return f"CAST({expr} AS BIGINT)"
        return f"(unix_micros(CAST({expr} AS TIMESTAMP)) * 1000)"


DUCKDB = Dialect("duckdb", '"')
SPARK = Dialect("spark", "`")


def literal(text: str) -> str:
    """A SQL string literal (no backslashes: Spark and DuckDB read those differently)."""
    if "\\" in text:
        raise ValueError(f"backslashes are not supported here: {text!r}")
    return "'" + text.replace("'", "''") + "'"


def text(d: Dialect, expr: str) -> str:
    return f"trim(CAST({expr} AS {d.text_type}))"


def event_type_sql(d: Dialect, expr: str) -> str:
    """Lower-cased event types with the known synonyms mapped (``normalise_event_types``)."""
    value = f"lower({text(d, expr)})"
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in EVENT_SYNONYMS.items() if k != v)
    return f"CASE {value} {cases} ELSE {value} END"


# --------------------------------------------------------------------------- #
# the shared steps

def sessions_sql(gap_ns: int | None) -> str:
    """Step 1: every event with its session key ``(session_key, session_part)``."""
    if gap_ns is None:  # the log has sessions
        return """
SELECT pos, item_id, t, event_type, session_id AS session_key, 0 AS session_part
FROM events"""
    return f"""
SELECT pos, item_id, t, event_type, user_id AS session_key,
       SUM(starts) OVER (PARTITION BY user_id ORDER BY t, pos
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_part
FROM (SELECT pos, user_id, item_id, t, event_type,
             CASE WHEN t - LAG(t) OVER (PARTITION BY user_id ORDER BY t, pos) <= {int(gap_ns)}
                  THEN 0 ELSE 1 END AS starts
      FROM events) marked"""


def sequence_sql(gap_ns: int | None, views_only: bool) -> str:
    """Step 2: the sequence events with their session's first event ``(start_t, start_pos)``."""
    where = "WHERE event_type = 'view'" if views_only else ""
    return f"""
SELECT pos, item_id, t,
       FIRST_VALUE(t) OVER s AS start_t,
       FIRST_VALUE(pos) OVER s AS start_pos
FROM ({sessions_sql(gap_ns)}) sessions
{where}
WINDOW s AS (PARTITION BY session_key, session_part ORDER BY t, pos)"""


def vocabulary_sql(cut_ns: int) -> str:
    """Step 4: ``(item_id, code)``, codes by first appearance in training."""
    return f"""
SELECT item_id, ROW_NUMBER() OVER (ORDER BY t, pos) AS code
FROM (SELECT item_id, t, pos,
             ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY t, pos) AS nth
      FROM sequence WHERE t < {int(cut_ns)}) appearances
WHERE nth = 1"""


def coded_sql(cut_ns: int) -> str:
    """Step 3 with 4 applied: part 0 (training) or 1 (test); ``code`` NULL for unseen items."""
    cut = int(cut_ns)
    return f"""
SELECT CASE WHEN q.t < {cut} THEN 0 ELSE 1 END AS part,
       q.start_t, q.start_pos, q.t, q.pos, v.code
FROM sequence q LEFT JOIN vocabulary v ON q.item_id = v.item_id
WHERE q.t < {cut} OR q.start_t >= {cut}"""


def counts_sql() -> str:
    return """
SELECT SUM(CASE WHEN part = 0 THEN 1 ELSE 0 END) AS train_events,
       SUM(CASE WHEN part = 1 THEN 1 ELSE 0 END) AS test_events,
       SUM(CASE WHEN part = 1 AND code IS NULL THEN 1 ELSE 0 END) AS dropped_unknown
FROM coded"""


def _positions(part: int, max_len: int) -> str:
    """A part's known items with their index i in the session, its length n and LAGs 1..L."""
    lags = ",\n       ".join(f"LAG(code, {m}, 0) OVER w AS lag{m}" for m in range(1, max_len + 1))
    return f"""
SELECT start_t, start_pos, code,
       ROW_NUMBER() OVER w - 1 AS i,
       COUNT(*) OVER (PARTITION BY start_pos) AS n,
       {lags}
FROM coded
WHERE part = {part} AND code IS NOT NULL
WINDOW w AS (PARTITION BY start_pos ORDER BY t, pos)"""


def windows_sql(max_len: int) -> str:
    """Step 5: ``start_t, start_pos, x0..x{L-1}, y0..y{L-1}``, in session order."""
    L = max_len
    lag = ["code"] + [f"lag{m}" for m in range(1, L + 1)]  # lag[m]: the item m places back
    cols = []
    for j in range(L):
        cols.append(f"CASE WHEN i - {L - j} >= cs THEN CAST({lag[L - j]} AS INT) ELSE 0 END AS x{j}")
    for j in range(L):
        cols.append(f"CASE WHEN i - {L - j} >= cs THEN CAST({lag[L - 1 - j]} AS INT) ELSE 0 END AS y{j}")
    body = ",\n       ".join(cols)
    return f"""
SELECT start_t, start_pos,
       {body}
FROM (SELECT *, (i - 1) - ((i - 1) % {L}) AS cs
      FROM ({_positions(0, L)}) p
      WHERE n >= 2 AND i >= 1 AND (i % {L} = 0 OR i = n - 1)) chunks
ORDER BY start_t, start_pos, i"""


def prefixes_sql(max_len: int) -> str:
    """Step 6: ``start_t, start_pos, x0..x{L-1}, y``, in session order."""
    L = max_len
    cols = ",\n       ".join(f"CAST(lag{L - j} AS INT) AS x{j}" for j in range(L))
    return f"""
SELECT start_t, start_pos,
       {cols},
       CAST(code AS INT) AS y
FROM ({_positions(1, L)}) p
WHERE n >= 2 AND i >= 1
ORDER BY start_t, start_pos, i"""


def session_table_sql(cut_ns: int) -> str:
    """For checks (the engines' property test): every sequence event in time order with
    its session (named by its first event) and its part (0 train, 1 test, -1 neither)."""
    cut = int(cut_ns)
    return f"""
SELECT t, pos, item_id, start_t, start_pos,
       CASE WHEN t < {cut} THEN 0 WHEN start_t >= {cut} THEN 1 ELSE -1 END AS part
FROM sequence
ORDER BY t, pos"""
