"""A prepared folder: training windows and test prefixes as Parquet shards (issue 18, lesson 10).

``course-lib prepare EVENTS --engine pandas|duckdb|spark --out DIR`` writes::

    DIR/manifest.json            engine, source, settings, cut, row counts, checksums
    DIR/vocabulary.parquet       code (1..n), item_id: the training window's items
    DIR/train-00000.parquet ...  session, x0..x{L-1}, y0..y{L-1}  (training windows)
    DIR/test-00000.parquet ...   session, x0..x{L-1}, y           (test prefixes)

Every engine writes the same rows in the same order, so the same data gives
byte-identical shards whichever engine prepared it (the checksums agree).
A row of ``train-*`` is one output of :func:`~course_lib.prep.next_item.training_windows`
(weights are ``y > 0``); a row of ``test-*`` one output of
:func:`~course_lib.prep.sequences.prefix_targets`. ``session`` numbers the
sessions of each part in order of their first event (0, 1, ...).

:class:`PreparedData` reads a folder back one shard at a time, so a reader's
memory is that of one shard, however many there are.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from course_lib.datasets.own_data import how_many
from course_lib.datasets.schema import EventLogError
from course_lib.prep.sequences import ItemVocab

FORMAT = "course-lib prepared next-item data"
VERSION = 1
MANIFEST = "manifest.json"
VOCABULARY = "vocabulary.parquet"
#: rows per shard: a training shard of max_len 10 is about 50 MB in memory
ROWS_PER_SHARD = 500_000


class NotPreparedError(EventLogError):
    """A folder that ``course-lib prepare`` did not write (or that was changed since)."""


#: the counts a prepared folder's manifest must hold (what the reader and its messages use)
COUNTED = ("train_sessions", "windows", "test_sessions", "prefixes", "dropped_unknown")


def x_columns(max_len: int) -> list[str]:
    return [f"x{j}" for j in range(max_len)]


def y_columns(max_len: int) -> list[str]:
    return [f"y{j}" for j in range(max_len)]


def sha256(path: Path, block: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- #
# writing

def _schema(part: str, max_len: int):
    import pyarrow as pa

    fields = [pa.field("session", pa.int64())]
    fields += [pa.field(c, pa.int32()) for c in x_columns(max_len)]
    ys = y_columns(max_len) if part == "train" else ["y"]
    fields += [pa.field(c, pa.int32()) for c in ys]
    return pa.schema(fields)


class ShardWriter:
    """Writes one part (``train`` or ``test``) as shards of at most ``rows_per_shard`` rows.

    Rows arrive in order, in blocks of any size, each with its session key;
    :meth:`add_keyed` numbers the sessions 0, 1, ... as their keys change,
    carrying the last key over from block to block (so an engine can stream
    its sorted result through without holding it).
    """

    def __init__(self, folder: Path, part: str, max_len: int,
                 rows_per_shard: int = ROWS_PER_SHARD):
        self.folder, self.part, self.max_len = Path(folder), part, max_len
        self.rows_per_shard = rows_per_shard
        self.schema = _schema(part, max_len)
        self.shards: list[dict] = []
        self._buffer: list = []
        self._buffered = 0
        self._last_key = None
        self._sessions = 0
        self.rows = 0

    @property
    def sessions(self) -> int:
        return self._sessions

    def add_keyed(self, keys: np.ndarray, X: np.ndarray, Y: np.ndarray) -> None:
        """Rows with session keys (any comparable values, one per row, sorted by session)."""
        keys = np.asarray(keys)
        if not len(keys):
            return
        change = np.ones(len(keys), dtype=bool)
        change[1:] = keys[1:] != keys[:-1]
        if self._last_key is not None and keys[0] == self._last_key:
            change[0] = False
        session = self._sessions - 1 + np.cumsum(change)
        self._sessions = int(session[-1]) + 1
        self._last_key = keys[-1]
        self.add(session, X, Y)

    def add(self, session: np.ndarray, X: np.ndarray, Y: np.ndarray) -> None:
        """Rows with their session numbers already given."""
        import pyarrow as pa

        if not len(session):
            return
        X = np.asarray(X, dtype=np.int32)
        Y = np.asarray(Y, dtype=np.int32).reshape(len(X), -1)
        arrays = [pa.array(np.asarray(session, dtype=np.int64))]
        arrays += [pa.array(X[:, j]) for j in range(X.shape[1])]
        arrays += [pa.array(Y[:, j]) for j in range(Y.shape[1])]
        table = pa.Table.from_arrays(arrays, schema=self.schema)
        self._sessions = max(self._sessions, int(np.max(session)) + 1 if len(session) else 0)
        start = 0
        while start < len(table):
            take = min(self.rows_per_shard - self._buffered, len(table) - start)
            self._buffer.append(table.slice(start, take))
            self._buffered += take
            start += take
            if self._buffered == self.rows_per_shard:
                self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._buffer:
            return
        table = pa.concat_tables(self._buffer).combine_chunks()
        name = f"{self.part}-{len(self.shards):05d}.parquet"
        path = self.folder / name
        pq.write_table(table, path, compression="zstd", row_group_size=64 * 1024)
        self.shards.append({"file": name, "rows": len(table), "sha256": sha256(path)})
        self.rows += len(table)
        self._buffer, self._buffered = [], 0

    def close(self) -> list[dict]:
        self._flush()
        if not self.shards:  # an empty part still has one (empty) shard: readers need the schema
            import pyarrow.parquet as pq

            name = f"{self.part}-00000.parquet"
            pq.write_table(self.schema.empty_table(), self.folder / name)
            self.shards.append({"file": name, "rows": 0, "sha256": sha256(self.folder / name)})
        return self.shards


def write_vocabulary(folder: Path, items) -> dict:
    """``vocabulary.parquet``: code 1..n and the item id it stands for."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    items = pd.Series(items)
    if not len(items) or pd.api.types.is_integer_dtype(items.dtype):
        ids = pa.array(items.to_numpy(dtype=np.int64), type=pa.int64())
    else:
        ids = pa.array(items.astype(str).tolist(), type=pa.string())
    codes = pa.array(np.arange(1, len(items) + 1, dtype=np.int32))
    table = pa.Table.from_arrays([codes, ids], names=["code", "item_id"])
    path = folder / VOCABULARY
    pq.write_table(table, path, compression="zstd")
    return {"file": VOCABULARY, "items": len(items), "sha256": sha256(path)}


def write_manifest(folder: Path, manifest: dict) -> None:
    body = {"format": FORMAT, "version": VERSION,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **manifest}
    (folder / MANIFEST).write_text(json.dumps(body, indent=2, default=str) + "\n")


# --------------------------------------------------------------------------- #
# reading

class PreparedData:
    """A prepared folder, read one shard at a time (``course-lib next-item --prepared``).

    Opening checks that the folder is one ``course-lib prepare`` wrote: a
    manifest of this format and, with ``verify=True``, every file with its
    checksum. Anything else raises :class:`NotPreparedError` saying what is wrong.
    """

    def __init__(self, folder, verify: bool = True):
        self.folder = Path(folder)
        where = f"{self.folder}: "
        if not self.folder.is_dir():
            raise NotPreparedError(where + "no such folder (make one with course-lib prepare "
                                   "EVENTS --out DIR)")
        path = self.folder / MANIFEST
        if not path.exists():
            raise NotPreparedError(where + f"not a prepared folder (no {MANIFEST}); make one with "
                                   "course-lib prepare EVENTS --out DIR")
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise NotPreparedError(where + f"{MANIFEST} cannot be read ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise NotPreparedError(where + f"{MANIFEST} is not a course-lib prepare manifest")
        if "version" not in manifest:
            raise NotPreparedError(where + f"{MANIFEST} has no format version: prepare the data again")
        if manifest["version"] != VERSION:
            raise NotPreparedError(where + f"prepared by format version {manifest['version']!r}, "
                                   f"this course-lib reads version {VERSION!r}: prepare it again")
        self.manifest = manifest
        try:   # what the reader uses, present and of the right kind (an edited manifest was a traceback)
            files = [manifest["vocabulary"]] + manifest["shards"]["train"] + manifest["shards"]["test"]
            for entry in files:
                str(entry["file"]), str(entry["sha256"])
            int(manifest["settings"]["max_len"]), int(manifest["vocabulary"]["items"])
            pd.Timestamp(manifest["cut"])
            {key: int(manifest["counts"][key]) for key in COUNTED}
        except (KeyError, TypeError, ValueError) as exc:
            raise NotPreparedError(where + f"{MANIFEST} is incomplete or was edited ({type(exc).__name__}: "
                                   f"{exc}): prepare the data again") from None
        for entry in files:
            file = self.folder / entry["file"]
            if not file.exists():
                raise NotPreparedError(where + f"{entry['file']} is missing (listed in {MANIFEST})")
            if verify and sha256(file) != entry["sha256"]:
                raise NotPreparedError(where + f"{entry['file']} has changed since it was prepared "
                                       "(checksum differs); prepare the data again")
        self._check_against_files(where)

    def _check_against_files(self, where: str) -> None:
        """The manifest's numbers that the files show too (the checksums cover the files, not the
        manifest): the vocabulary's rows, and the shards' width (their max_len)."""
        import pyarrow.parquet as pq

        rows = pq.read_metadata(self.folder / self.manifest["vocabulary"]["file"]).num_rows
        if rows != self.n_items:
            raise NotPreparedError(where + f"{MANIFEST} says {self.n_items:,} items, its vocabulary "
                                   f"holds {rows:,}: the manifest was edited; prepare the data again")
        for part in ("train", "test"):
            if self.manifest["shards"][part]:
                names = set(pq.read_schema(self.shard_paths(part)[0]).names)
                width = len(names & set(x_columns(len(names))))
                if width != self.max_len:
                    raise NotPreparedError(where + f"{MANIFEST} says max_len {self.max_len}, its "
                                           f"shards hold prefixes of {width}: the manifest was "
                                           "edited; prepare the data again")

    # -- what the manifest says
    @property
    def max_len(self) -> int:
        return int(self.manifest["settings"]["max_len"])

    @property
    def n_items(self) -> int:
        return int(self.manifest["vocabulary"]["items"])

    @property
    def counts(self) -> dict:
        return dict(self.manifest["counts"])

    @property
    def cut(self) -> pd.Timestamp:
        return pd.Timestamp(self.manifest["cut"])

    def describe(self) -> str:
        c = self.counts
        return (f"prepared by {self.manifest['engine']} from {self.manifest['source']['path']}: cut "
                f"{self.cut:%Y-%m-%d %H:%M}, "
                f"{how_many(c['train_sessions'], 'training session', 'training sessions')} "
                f"({how_many(c['windows'], 'window', 'windows')}), "
                f"{how_many(c['test_sessions'], 'test session', 'test sessions')} "
                f"({how_many(c['prefixes'], 'prediction', 'predictions')}), "
                f"{how_many(self.n_items, 'item', 'items')}; "
                f"{how_many(c['dropped_unknown'], 'test event', 'test events')} with unseen items dropped")

    # -- the data
    def vocabulary(self):
        """The :class:`~course_lib.prep.sequences.ItemVocab` of the training window."""
        table = pd.read_parquet(self.folder / VOCABULARY)
        return ItemVocab(table.sort_values("code")["item_id"].to_numpy())

    def shard_paths(self, part: str) -> list[Path]:
        return [self.folder / e["file"] for e in self.manifest["shards"][part]]

    def shard_rows(self, part: str) -> list[int]:
        return [int(e["rows"]) for e in self.manifest["shards"][part]]

    def read_shard(self, part: str, index: int):
        """``(session, X, Y)`` of one shard as NumPy arrays (Y is 1-D for ``test``)."""
        import pyarrow.parquet as pq

        table = pq.read_table(self.shard_paths(part)[index])
        L = self.max_len
        session = table.column("session").to_numpy()
        X = np.column_stack([table.column(c).to_numpy() for c in x_columns(L)]).astype(np.int32)
        if part == "train":
            Y = np.column_stack([table.column(c).to_numpy() for c in y_columns(L)]).astype(np.int32)
        else:
            Y = table.column("y").to_numpy().astype(np.int32)
        return session, X.reshape(len(session), L), Y

    def iter_shards(self, part: str):
        """``(session, X, Y)`` per shard, in order."""
        for i in range(len(self.shard_paths(part))):
            yield self.read_shard(part, i)

    def test_prefixes(self):
        """All test prefixes ``(X, y)`` at once (memory grows with the test window)."""
        parts = list(self.iter_shards("test"))
        return (np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts]))

    def train_sessions(self) -> pd.Series:
        """The training sessions rebuilt from their windows (a Series of code arrays).

        For models that need whole sessions in memory (the baselines); a
        session's first window holds its first items, each next window
        continues it (its first input is the last target before it).
        """
        sessions, codes = [], []
        last = None
        for session, X, Y in self.iter_shards("train"):
            if not len(session):
                continue
            first = np.ones(len(session), dtype=bool)
            first[1:] = session[1:] != session[:-1]
            first[0] = session[0] != last
            last = session[-1]
            # a first window gives its inputs and its last target; a later one its targets
            M = np.where(first[:, None], np.column_stack([X, Y[:, -1:]]),
                         np.column_stack([np.zeros((len(X), 1), X.dtype), Y]))
            keep = M > 0
            codes.append(M[keep])
            sessions.append(np.repeat(session, keep.sum(axis=1)))
        if not codes:
            return pd.Series([], dtype=object, name="code")
        codes, sessions = np.concatenate(codes).astype(np.int64), np.concatenate(sessions)
        starts = np.flatnonzero(np.r_[True, sessions[1:] != sessions[:-1]])
        ends = np.r_[starts[1:], len(codes)]
        return pd.Series([codes[a:b] for a, b in zip(starts.tolist(), ends.tolist())],
                         dtype=object, name="code")
